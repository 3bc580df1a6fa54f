/**
 * Snapshot generation for our StructureDefinitions, fully offline.
 *
 * The element-by-element work (merging the differential onto the base snapshot, slicing, expanding
 * into datatypes and extension definitions) is done by the npm package fhir-snapshot-generator
 * (FSG), pinned to an exact version because its output is committed. This module feeds it a
 * local package cache (see packageCache.ts) and then tidies its output:
 *  - drops FSG's bookkeeping properties (`__packageId`, `__filename`, ...);
 *  - adds the implicit "extensions are sliced by url" slicing that FSG leaves out when the base
 *    snapshot (e.g. `Patient.extension` in R4) has none: a snapshot with slices but no slicing is
 *    invalid, and @medplum/core refuses to load it ("Invalid slice start before discriminator");
 *  - orders each element's properties as the ElementDefinition datatype does (elementOrder.ts);
 *  - keeps every property of the source StructureDefinition as written, replacing only `snapshot`.
 */
import type { ElementDefinition, ElementDefinitionSlicing, StructureDefinition } from '@medplum/fhirtypes';
import { FhirPackageExplorer } from 'fhir-package-explorer';
import { FhirSnapshotGenerator } from 'fhir-snapshot-generator';
import { orderElementProperties } from './elementOrder';
import { createPackageCache, LocalPackage, R4_CORE_PACKAGE } from './packageCache';

/** The slicing every `extension` element implicitly has in FHIR R4 (wording as in the R4 datatype definitions). */
export const DEFAULT_EXTENSION_SLICING: ElementDefinitionSlicing = {
  discriminator: [{ type: 'value', path: 'url' }],
  description: 'Extensions are always sliced by (at least) url',
  rules: 'open',
};

export interface SnapshotGenerator {
  /** Returns a copy of `profile` (which must be in one of the generator's packages) with a fresh snapshot. */
  generate(profile: StructureDefinition): Promise<StructureDefinition>;
  /** Warnings FSG logged, other than the expected "registry disabled" ones. */
  readonly warnings: string[];
  /** Removes the temporary package cache. */
  dispose(): void;
}

/**
 * Prepares a generator over R4 core plus the given local packages. Every profile to generate, and
 * every non-R4 profile they derive from or reference as an extension, must be in `packages`.
 */
export async function createSnapshotGenerator(packages: LocalPackage[]): Promise<SnapshotGenerator> {
  // Snapshots are always regenerated from differentials: any committed snapshot is left out.
  const cache = createPackageCache(packages.map((pkg) => ({ ...pkg, resources: pkg.resources.map(withoutSnapshot) })));
  const warnings: string[] = [];
  const logger = {
    info: () => undefined,
    debug: () => undefined,
    warn: (message: unknown) => {
      const text = String(message);
      // Expected: we disable the registry on purpose and ship empty implicit packages.
      if (!text.includes('Registry disabled')) {
        warnings.push(text);
      }
    },
    error: (message: unknown) => warnings.push(String(message)),
  };
  try {
    const fpe = await FhirPackageExplorer.create({
      context: packages.map((pkg) => `${pkg.name}@${pkg.version}`),
      cachePath: cache.path,
      fhirVersion: R4_CORE_PACKAGE.version,
      skipExamples: true,
      registryUrl: 'n/a', // never touch the network
      logger,
    });
    const fsg = await FhirSnapshotGenerator.create({
      fpe,
      fhirVersion: R4_CORE_PACKAGE.version,
      cacheMode: 'none', // nothing reused between runs: output depends only on the inputs
      logger,
    });
    return {
      warnings,
      dispose: cache.dispose,
      async generate(profile) {
        if (!profile.url) {
          throw new Error(`StructureDefinition ${profile.id} has no url`);
        }
        const generated = (await fsg.getSnapshot(profile.url)) as StructureDefinition;
        const elements = addDefaultExtensionSlicing(generated.snapshot?.element ?? []).map(orderElementProperties);
        return withSnapshot(profile, elements);
      },
    };
  } catch (err) {
    cache.dispose();
    throw err;
  }
}

/**
 * Gives every `extension`/`modifierExtension` element that is followed by its own slices the
 * default extension slicing, if it has none. Pure: returns new arrays/objects where changed.
 */
export function addDefaultExtensionSlicing(elements: ElementDefinition[]): ElementDefinition[] {
  // A slice of `X.extension` has the id `X.extension:name` (its children add `.child`).
  const isSliceOf = (id: string, candidate: string): boolean =>
    candidate.startsWith(`${id}:`) && !candidate.slice(id.length + 1).includes('.');
  return elements.map((element) => {
    const id = element.id ?? '';
    const sliced = elements.some((other) => isSliceOf(id, other.id ?? ''));
    if (element.slicing || !/\.(extension|modifierExtension)$/.test(id) || !sliced) {
      return element;
    }
    return { ...element, slicing: DEFAULT_EXTENSION_SLICING };
  });
}

/** A copy of `profile` with `snapshot` replaced, placed where FHIR's element order puts it (before differential). */
export function withSnapshot(profile: StructureDefinition, elements: ElementDefinition[]): StructureDefinition {
  const result: Record<string, unknown> = {};
  const snapshot = { element: elements };
  for (const [key, value] of Object.entries(profile)) {
    if (key === 'snapshot') {
      continue;
    }
    if (key === 'differential') {
      result.snapshot = snapshot;
    }
    result[key] = value;
  }
  if (!result.snapshot) {
    result.snapshot = snapshot;
  }
  return result as unknown as StructureDefinition;
}

function withoutSnapshot<T>(resource: T): T {
  const { snapshot: _ignored, ...rest } = resource as T & { snapshot?: unknown };
  return rest as T;
}
