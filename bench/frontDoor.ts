/**
 * The front-door lookup every round of the benchmark drives: a person found by NHS number, with
 * their care packages and safeguarding flags, as a hospital system asks for them.
 */
export const NHS = 'https://fhir.nhs.uk/Id/nhs-number';

export function frontDoorPath(nhsNumber: string): string {
  return `/fhir/Patient?identifier=${encodeURIComponent(`${NHS}|${nhsNumber}`)}&_revinclude=CarePlan:subject&_revinclude=Flag:subject`;
}
