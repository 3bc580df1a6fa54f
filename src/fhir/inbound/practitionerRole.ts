import { PractitionerRole } from '@medplum/fhirtypes';
import { withoutUndefined } from '../../domain/objects';
import { Worker } from '../../domain/worker';
import { badRequest } from '../outcome';
import { WORKER_ID_SYSTEM } from '../systems';
import { checkOwnIdentifier, checkResource, contactPoints, ownIdentifier, referencedId, refuseInactive, required, requiredReferencedId, text } from './elements';
import { InboundMapping } from './inbound';

/**
 * PractitionerRole -> Worker: the worker's post (role, team, work numbers), the inverse of
 * toPractitionerRole. A worker is created through it; their name is the Practitioner's, so it is
 * kept from the worker held, and a new worker takes it from practitioner.display when given.
 */
export const practitionerRoleInbound: InboundMapping<'worker'> = {
  entity: 'worker',
  // A new worker's id: the worker identifier, else the Practitioner it names (the same id).
  idFromResource: (resource) => {
    const role = resource as PractitionerRole;
    return ownIdentifier(role.identifier, WORKER_ID_SYSTEM, 'PractitionerRole.identifier') ?? referencedId(role.practitioner, ['Practitioner'], 'PractitionerRole.practitioner');
  },
  toRecord(resource, id, current) {
    checkResource(resource, 'PractitionerRole', id);
    const role = resource as PractitionerRole;
    refuseInactive(role.active, 'PractitionerRole');
    checkOwnIdentifier(role.identifier, WORKER_ID_SYSTEM, id, 'PractitionerRole.identifier');
    const practitioner = referencedId(role.practitioner, ['Practitioner'], 'PractitionerRole.practitioner');
    if (practitioner !== undefined && practitioner !== id) {
      throw badRequest(
        `PractitionerRole.practitioner names Practitioner/${practitioner}, but a worker's Practitioner and PractitionerRole share one id: send Practitioner/${id}`,
        ['PractitionerRole.practitioner'],
      );
    }
    return withoutUndefined<Worker>({
      id,
      ...(current ? { givenNames: current.givenNames, familyName: current.familyName } : nameFromDisplay(role.practitioner?.display)),
      role: required(text(role.code?.[0]?.text) ?? text(role.code?.[0]?.coding?.[0]?.display), 'PractitionerRole.code', 'the job title, as code[0].text (e.g. "Social Worker")'),
      teamId: requiredReferencedId(role.organization, ['Organization'], 'PractitionerRole.organization', 'the council team the worker belongs to, Organization/<id>'),
      telecom: contactPoints(role.telecom, 'PractitionerRole.telecom'),
    });
  },
  references: (worker) => [{ kind: 'organisation', id: worker.teamId, expression: 'PractitionerRole.organization', organisationKinds: ['team', 'council'] }],
};

/** "Sam Okafor" -> given Sam, family Okafor: the last word is the family name. Nothing until the Practitioner says. */
function nameFromDisplay(display: string | undefined): Pick<Worker, 'givenNames' | 'familyName'> {
  const words = display?.trim().split(/\s+/).filter(Boolean) ?? [];
  return { givenNames: words.slice(0, -1), familyName: words.at(-1) ?? '' };
}
