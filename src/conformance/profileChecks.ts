/**
 * Checks that @medplum/core 5.x's validator does not make, or does not report at the value's own
 * path (see README.md), read straight off a standard snapshot, so that what our profiles say is
 * what gets enforced:
 *
 *  - inside a slice (e.g. `Patient.identifier:socialCareReference.system` 1..1, fixed) and inside
 *    slices nested in slices (`identifier:nhsNumber.extension:nhsNumberVerificationStatus`):
 *    cardinality, fixed and pattern values, and the slices' own counts;
 *  - inside a backbone element directly under the resource (`CareTeam.participant.role` 1..1,
 *    `Organization.contact.purpose` pattern): medplum 5.x applies the profile there but reports a
 *    value over the maximum, a wrong slice count or a value off its pattern with no index, so
 *    medplumView.ts leaves those out of what it sees and they are checked here; a missing required
 *    element, which medplum reports at the value's path, is left to it;
 *  - inside deeper backbone elements (`CarePlan.activity.detail.code` 1..1): medplum validates
 *    their values against the base resource's definition, never the profile's, so everything;
 *  - inside an extension whose definition we hold (ours, UK Core's): the extension's snapshot
 *    (value[x] 1..1, its type, binding);
 *  - on repeating elements (e.g. a pattern on `Flag.category`): fixed and pattern values, applied
 *    to each repetition (medplumView.ts removes them from what medplum sees);
 *  - inside slices and backbone elements: a choice type the profile does not allow;
 *  - the resource id's format (R4 types Resource.id as a plain string);
 *  - everywhere: required bindings to value sets that can be expanded offline, and reference
 *    targets (the type in `Type/id` against the element's target profiles, which medplum only
 *    warns about for R4 base URLs and skips for ours).
 *
 * Everything medplum already checks precisely (the profile's cardinality and fixed/pattern values
 * outside slices and backbone elements, required elements in backbone elements directly under the
 * resource, the base definitions' everywhere, types, invariants, top-level slice counts) is left
 * to it: cardinality here is reported only where the profile tightens the base, so no problem is
 * reported twice.
 */
import type { ElementDefinition, OperationOutcomeIssue, StructureDefinition } from '@medplum/fhirtypes';
import { isBackbone, isRepeating } from './medplumView';
import { TerminologyIndex } from './terminologyIndex';
import { ID, ID_CHARS } from '../domain/ids';

/** A literal reference's type: `Type/id`, absolute or relative, perhaps with a version. */
const TYPED_REFERENCE = new RegExp(`^(?:.*/)?([A-Z][A-Za-z]+)/${ID_CHARS}(?:/_history/.*)?$`);

const R4_BASE = 'http://hl7.org/fhir/StructureDefinition/';

/**
 * How much of the profile medplum enforces on one part of the resource, given what medplumView.ts
 * lets it see: `profile` outside backbone elements and slices (all of it, bar fixed/pattern values on
 * repeating elements); `required` inside a backbone element directly under the resource (required
 * elements present, invariants, types); `none` inside slices, extensions checked against their
 * definitions, and deeper backbone elements.
 */
type Coverage = 'profile' | 'required' | 'none';

interface Node {
  value: unknown;
  /** FHIRPath-like location, e.g. `Patient.identifier[1].system`. */
  path: string;
}

/** A snapshot, indexed for walking from an element to its children and slices. */
class Snapshot {
  readonly byId = new Map<string, ElementDefinition>();
  private readonly childIds = new Map<string, string[]>();
  private readonly sliceIds = new Map<string, string[]>();

  constructor(readonly sd: StructureDefinition) {
    for (const element of sd.snapshot?.element ?? []) {
      const id = element.id ?? '';
      this.byId.set(id, element);
      const dot = id.lastIndexOf('.');
      const colon = id.lastIndexOf(':');
      if (colon > dot && element.sliceName && !id.slice(colon).includes('/')) {
        push(this.sliceIds, id.slice(0, colon), id);
      } else if (dot > 0) {
        push(this.childIds, id.slice(0, dot), id);
      }
    }
  }

  children(id: string): ElementDefinition[] {
    return (this.childIds.get(id) ?? []).map((c) => this.byId.get(c) as ElementDefinition);
  }

  slices(id: string): ElementDefinition[] {
    return (this.sliceIds.get(id) ?? []).map((c) => this.byId.get(c) as ElementDefinition);
  }

  hasChildren(id: string): boolean {
    return (this.childIds.get(id)?.length ?? 0) > 0;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export class ProfileChecker {
  private readonly snapshots = new Map<string, Snapshot>();

  constructor(
    profiles: Iterable<StructureDefinition>,
    private readonly terminology: TerminologyIndex,
  ) {
    for (const sd of profiles) {
      if (sd.url && sd.snapshot) this.snapshots.set(sd.url, new Snapshot(sd));
    }
  }

  /** Problems in `resource` against the profile at `profileUrl` that medplum's validator does not report. */
  check(resource: object, profileUrl: string): OperationOutcomeIssue[] {
    const snapshot = this.snapshots.get(profileUrl);
    if (!snapshot) throw new Error(`No snapshot for ${profileUrl}`);
    const issues: OperationOutcomeIssue[] = [];
    const rootId = snapshot.sd.type as string;
    // R4 types Resource.id as a plain string (fhir-type "string"), so medplum never checks the id format.
    const id = (resource as { id?: unknown }).id;
    if (id !== undefined && (typeof id !== 'string' || !ID.test(id))) {
      issues.push(issue(`${rootId}.id`, `Invalid id ${JSON.stringify(id)}: 1-64 letters, digits, '-' or '.'`));
    }
    this.walk(snapshot, rootId, [{ value: resource, path: rootId }], 'profile', issues);
    return issues;
  }

  /** Checks the children of element `id` in every node, where medplum's checks end (`coverage`). */
  private walk(snapshot: Snapshot, id: string, nodes: Node[], coverage: Coverage, issues: OperationOutcomeIssue[]): void {
    if (nodes.length === 0) return;
    for (const child of snapshot.children(id)) {
      const childId = child.id as string;
      const name = childId.slice(childId.lastIndexOf('.') + 1);
      const all: Node[] = [];
      for (const node of nodes) {
        const values = childValues(node, name, child, coverage === 'profile' ? undefined : issues);
        all.push(...values);
        const path = `${node.path}.${name.replace('[x]', '')}`;
        if (coverage !== 'profile') this.checkCardinality(child, values.length, path, coverage, issues);
        this.checkSlices(snapshot, child, values, coverage, path, issues);
      }
      for (const value of all) {
        // Medplum cannot apply fixed/pattern values to repeating elements (medplumView.ts drops them).
        if (coverage !== 'profile' || isRepeating(child)) this.checkFixedAndPattern(child, value, issues);
        this.checkBinding(child, value, issues);
        this.checkReference(child, value, issues);
      }
      // Medplum applies the profile inside a backbone element directly under the resource only.
      const inner = isBackbone(child) ? (coverage === 'profile' ? 'required' : 'none') : coverage;
      if (snapshot.hasChildren(childId)) this.walk(snapshot, childId, all, inner, issues);
    }
  }

  /** Slices of one element within one parent: their counts (where medplum does not check them) and their contents. */
  private checkSlices(snapshot: Snapshot, element: ElementDefinition, values: Node[], coverage: Coverage, path: string, issues: OperationOutcomeIssue[]) {
    const slices = snapshot.slices(element.id as string);
    if (slices.length === 0) return;
    const discriminators = element.slicing?.discriminator ?? defaultDiscriminator(element);
    for (const slice of slices) {
      const matcher = sliceMatcher(snapshot, slice, discriminators);
      if (!matcher) continue; // a discriminator we cannot evaluate: leave the slice unchecked
      const matched = values.filter((v) => matcher(v.value));
      if (coverage !== 'profile') this.checkCardinality(slice, matched.length, `${path}:${slice.sliceName}`, coverage, issues);
      for (const value of matched) {
        this.checkFixedAndPattern(slice, value, issues);
        this.checkBinding(slice, value, issues);
        this.checkReference(slice, value, issues);
      }
      const sliceId = slice.id as string;
      if (snapshot.hasChildren(sliceId)) {
        this.walk(snapshot, sliceId, matched, 'none', issues);
      } else {
        // An extension slice given only by its profile: check each value against that definition.
        const profile = slice.type?.length === 1 && slice.type[0].code === 'Extension' ? slice.type[0].profile?.[0] : undefined;
        const definition = profile ? this.snapshots.get(profile) : undefined;
        if (definition) this.walk(definition, 'Extension', matched, 'none', issues);
      }
    }
  }

  private checkCardinality(element: ElementDefinition, count: number, path: string, coverage: Coverage, issues: OperationOutcomeIssue[]) {
    const min = element.min ?? 0;
    const max = element.max === '*' || element.max === undefined ? Infinity : Number(element.max);
    // The base's own cardinality medplum checks everywhere; slices have counts of their own.
    if (!element.sliceName && element.base && element.base.min === element.min && element.base.max === element.max) return;
    // An absent required element medplum reports itself there ("Missing required property", at the value's path).
    if (coverage === 'required' && !element.sliceName && count === 0) return;
    if (count < min || count > max) {
      const what = element.sliceName ? `slice '${element.sliceName}'` : `${element.id}`;
      issues.push(
        issue(path, `Incorrect number of values for ${what}: expected ${min}..${element.max ?? '*'}, but found ${count}`),
      );
    }
  }

  private checkFixedAndPattern(element: ElementDefinition, node: Node, issues: OperationOutcomeIssue[]) {
    const fixed = choiceValue(element, 'fixed');
    if (fixed !== undefined && !deepEqual(node.value, fixed)) {
      issues.push(issue(node.path, `Value must be exactly ${JSON.stringify(fixed)} (${element.id})`));
    }
    const pattern = choiceValue(element, 'pattern');
    if (pattern !== undefined && !deepIncludes(node.value, pattern)) {
      issues.push(issue(node.path, `Value must match the pattern ${JSON.stringify(pattern)} (${element.id})`));
    }
  }

  private checkBinding(element: ElementDefinition, node: Node, issues: OperationOutcomeIssue[]) {
    const binding = element.binding;
    if (binding?.strength !== 'required' || !binding.valueSet) return;
    const expansion = this.terminology.expand(binding.valueSet);
    if (!expansion) return;
    const value = node.value as Record<string, unknown> | string;
    const problem = (what: string) => issues.push(issue(node.path, `${what} the required value set ${binding.valueSet} (${element.id})`, 'code-invalid'));
    if (typeof value === 'string') {
      if (!expansion.codes.has(value)) problem(`Code "${value}" is not in`);
      return;
    }
    if (!value || typeof value !== 'object') return;
    const isIn = (c: { system?: unknown; code?: unknown }) => expansion.codings.has(`${c.system}|${c.code}`);
    if (Array.isArray(value.coding) || 'text' in value) {
      const codings = (value.coding as { system?: unknown; code?: unknown }[] | undefined) ?? [];
      if (!codings.some(isIn)) {
        problem(codings.length ? `None of the codings (${codings.map((c) => `${c.system}|${c.code}`).join(', ')}) is in` : 'No coding: a code is needed from');
      }
    } else if ('code' in value || 'system' in value) {
      if (!isIn(value)) problem(`${value.system}|${value.code} is not in`);
    }
  }

  private checkReference(element: ElementDefinition, node: Node, issues: OperationOutcomeIssue[]) {
    const targets = element.type?.find((t) => t.code === 'Reference')?.targetProfile;
    const reference = (node.value as { reference?: unknown })?.reference;
    if (!targets?.length || typeof reference !== 'string' || reference.startsWith('#')) return;
    const type = TYPED_REFERENCE.exec(reference)?.[1];
    if (!type) return;
    const allowed = targets.map((t) => this.snapshots.get(t)?.sd.type ?? (t.startsWith(R4_BASE) ? t.slice(R4_BASE.length) : undefined));
    if (allowed.includes(undefined) || allowed.includes('Resource')) return; // a target we cannot resolve
    if (!allowed.includes(type)) {
      issues.push(issue(`${node.path}.reference`, `Reference to ${type} where ${element.id} allows ${[...new Set(allowed)].join(', ')}`));
    }
  }
}

/**
 * Children of a node for one element name: arrays flattened, `value[x]` matched by type suffix. With
 * `issues`, a choice of a type the profile does not allow (medplum checks only the base's types
 * there) is reported.
 */
function childValues(node: Node, name: string, element: ElementDefinition, issues?: OperationOutcomeIssue[]): Node[] {
  const obj = node.value;
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return [];
  let key: string | undefined = name;
  if (name.endsWith('[x]')) {
    const prefix = name.slice(0, -3);
    const codes = (element.type ?? []).map((t) => t.code ?? '');
    const keys = Object.keys(obj).filter((k) => k.startsWith(prefix) && /^[A-Z]/.test(k.slice(prefix.length)));
    key = keys.find((k) => codes.length === 0 || codes.some((c) => k === prefix + upperFirst(c)));
    for (const other of keys.filter((k) => k !== key && !k.startsWith('_'))) {
      issues?.push(issue(`${node.path}.${other}`, `${other} is not allowed: ${element.id} is ${codes.join(' or ')}`));
    }
    if (!key) return [];
  }
  const value = (obj as Record<string, unknown>)[key];
  if (value === undefined || value === null) return [];
  const path = `${node.path}.${key}`;
  return Array.isArray(value) ? value.map((v, i) => ({ value: v, path: `${path}[${i}]` })) : [{ value, path }];
}

function upperFirst(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

type Discriminator = NonNullable<NonNullable<ElementDefinition['slicing']>['discriminator']>[number];

/** Extension elements are sliced by url even where the snapshot does not say so. */
function defaultDiscriminator(element: ElementDefinition): Discriminator[] {
  return /\.(extension|modifierExtension)$/.test(element.path ?? '') ? [{ type: 'value', path: 'url' }] : [];
}

/** A test for "this value belongs to the slice", or undefined when a discriminator cannot be evaluated. */
function sliceMatcher(snapshot: Snapshot, slice: ElementDefinition, discriminators: Discriminator[]): ((value: unknown) => boolean) | undefined {
  if (discriminators.length === 0) return undefined;
  const tests: ((value: unknown) => boolean)[] = [];
  for (const d of discriminators) {
    if (d.type !== 'value' && d.type !== 'pattern') return undefined;
    const path = d.path ?? '$this';
    let expected: unknown;
    let isPattern = d.type === 'pattern';
    if (path === '$this') {
      expected = choiceValue(slice, 'fixed') ?? choiceValue(slice, 'pattern');
      isPattern = isPattern || choiceValue(slice, 'pattern') !== undefined;
    } else {
      const target = snapshot.byId.get(`${slice.id}.${path}`);
      expected = target && (choiceValue(target, 'fixed') ?? choiceValue(target, 'pattern'));
      if (target && choiceValue(target, 'pattern') !== undefined) isPattern = true;
      if (expected === undefined && path === 'url' && slice.type?.[0]?.code === 'Extension') {
        expected = slice.type[0].profile?.[0];
      }
    }
    if (expected === undefined) return undefined;
    const segments = path === '$this' ? [] : path.split('.');
    tests.push((value) =>
      valuesAt(value, segments).some((v) => (isPattern ? deepIncludes(v, expected) : deepEqual(v, expected))),
    );
  }
  return (value) => tests.every((t) => t(value));
}

function valuesAt(value: unknown, segments: string[]): unknown[] {
  let current: unknown[] = [value];
  for (const segment of segments) {
    current = current.flatMap((v) => {
      if (!v || typeof v !== 'object') return [];
      const next = (v as Record<string, unknown>)[segment];
      return next === undefined ? [] : Array.isArray(next) ? next : [next];
    });
  }
  return current;
}

function choiceValue(element: ElementDefinition, prefix: 'fixed' | 'pattern'): unknown {
  for (const [key, value] of Object.entries(element)) {
    if (key.startsWith(prefix) && /^[A-Z]/.test(key.slice(prefix.length))) return value;
  }
  return undefined;
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  }
  return v;
}

/** FHIR pattern matching: every property of the pattern is in the value; each pattern array item matches some value item. */
export function deepIncludes(value: unknown, pattern: unknown): boolean {
  if (Array.isArray(pattern)) {
    const values = Array.isArray(value) ? value : [value];
    return pattern.every((p) => values.some((v) => deepIncludes(v, p)));
  }
  if (pattern && typeof pattern === 'object') {
    if (!value || typeof value !== 'object') return false;
    return Object.entries(pattern).every(([k, p]) => deepIncludes((value as Record<string, unknown>)[k], p));
  }
  return value === pattern;
}

function issue(path: string, text: string, code: OperationOutcomeIssue['code'] = 'structure'): OperationOutcomeIssue {
  return { severity: 'error', code, details: { text }, expression: [path] };
}
