/**
 * Puts the properties of each ElementDefinition in the order of the ElementDefinition datatype
 * (id, extension, path, ..., sliceName, ..., slicing, short, ...). JSON does not care, but the
 * generator appends some properties (e.g. `sliceName`) at the end; a fixed order keeps the
 * committed snapshots readable and their diffs small.
 */
import type { ElementDefinition } from '@medplum/fhirtypes';
import { loadR4CoreStructureDefinitions } from './packageCache';

let propertyOrder: string[] | undefined;

/** Top-level property names of ElementDefinition, in definition order (`fixed[x]` kept as written). */
function elementDefinitionProperties(): string[] {
  if (!propertyOrder) {
    const sd = loadR4CoreStructureDefinitions().find((s) => s.id === 'ElementDefinition');
    propertyOrder = (sd?.snapshot?.element ?? [])
      .map((e) => e.path ?? '')
      .filter((path) => path.split('.').length === 2)
      .map((path) => path.split('.')[1]);
  }
  return propertyOrder;
}

function rank(key: string, order: string[]): number {
  // `_short` (a primitive's id/extensions) sits right after `short`.
  const name = key.startsWith('_') ? key.slice(1) : key;
  const offset = key.startsWith('_') ? 0.5 : 0;
  const index = order.findIndex((p) =>
    p.endsWith('[x]') ? name.startsWith(p.slice(0, -3)) && /^[A-Z]/.test(name.slice(p.length - 3)) : p === name
  );
  return index === -1 ? order.length : index + offset;
}

export function orderElementProperties(element: ElementDefinition): ElementDefinition {
  const order = elementDefinitionProperties();
  const entries = Object.entries(element);
  // Array.prototype.sort is stable: unknown keys keep their relative order at the end.
  entries.sort(([a], [b]) => rank(a, order) - rank(b, order));
  return Object.fromEntries(entries) as ElementDefinition;
}
