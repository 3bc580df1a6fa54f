/**
 * The front-door lookup every round of the benchmark drives: a person found by NHS number, with
 * their care packages and safeguarding flags, as a hospital system asks for them.
 */
export const NHS = 'https://fhir.nhs.uk/Id/nhs-number';

/**
 * The whole A&E picture in one request (the documented front-door query): the person, their
 * packages and the providers' numbers, flags and the team to call, worker and team, and carer.
 */
export function wholePicturePath(nhsNumber: string): string {
  return (
    `/fhir/Patient?identifier=${encodeURIComponent(`${NHS}|${nhsNumber}`)}` +
    '&_revinclude=CarePlan:subject&_revinclude=Flag:subject&_revinclude=CareTeam:subject&_revinclude=RelatedPerson:patient' +
    '&_include:iterate=CarePlan:performer&_include:iterate=CareTeam:participant&_include:iterate=Flag:author'
  );
}

export function frontDoorPath(nhsNumber: string): string {
  return `/fhir/Patient?identifier=${encodeURIComponent(`${NHS}|${nhsNumber}`)}&_revinclude=CarePlan:subject&_revinclude=Flag:subject`;
}
