import { Practitioner } from '@medplum/fhirtypes';
import { withoutUndefined } from '../../domain/objects';
import { Worker } from '../../domain/worker';
import { WORKER_ID_SYSTEM } from '../systems';
import { businessRule, checkOwnIdentifier, checkResource, contactPoints, personName, refuseInactive } from './elements';
import { InboundMapping } from './inbound';

const NEEDS_WORKER =
  'a worker is created with their PractitionerRole (team and role); send PractitionerRole/<id> first, in the same transaction if you like';

/**
 * Practitioner -> Worker: the worker's name and numbers, the inverse of toPractitioner. Their team
 * and role are the PractitionerRole's, kept from the worker held.
 */
export const practitionerInbound: InboundMapping<'worker'> = {
  entity: 'worker',
  needsCurrent: NEEDS_WORKER,
  toRecord(resource, id, current) {
    checkResource(resource, 'Practitioner', id);
    const practitioner = resource as Practitioner;
    refuseInactive(practitioner.active, 'Practitioner');
    checkOwnIdentifier(practitioner.identifier, WORKER_ID_SYSTEM, id, 'Practitioner.identifier');
    // The write path checks needsCurrent first; this guards a caller that did not.
    if (!current) throw businessRule(NEEDS_WORKER, 'Practitioner.id');
    const { givenNames, familyName } = personName(practitioner.name, 'Practitioner.name');
    return withoutUndefined<Worker>({
      ...current,
      givenNames,
      familyName,
      telecom: contactPoints(practitioner.telecom, 'Practitioner.telecom'),
    });
  },
  // The team is the PractitionerRole's, checked when that was written.
  references: () => [],
};
