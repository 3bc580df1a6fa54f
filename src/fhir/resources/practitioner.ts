import { Practitioner } from '@medplum/fhirtypes';
import { Worker } from '../../domain/worker';
import { Stored } from '../../store/store';
import { ResourceDefinition } from '../definition';
import { PROFILES, WORKER_ID_SYSTEM } from '../systems';
import { idParam, ownIdentifierParam, stringParam, outsidePatientCompartment, meta, toFhirTelecom } from './common';

/** A council practitioner (social worker, occupational therapist, ...) as a person. */
export function toPractitioner(stored: Stored<Worker>): Practitioner {
  const w = stored.record;
  return {
    resourceType: 'Practitioner',
    id: w.id,
    meta: meta(stored, PROFILES.Practitioner),
    identifier: [{ system: WORKER_ID_SYSTEM, value: w.id }],
    active: true,
    name: [{ use: 'official', family: w.familyName, given: w.givenNames }],
    telecom: w.telecom.map(toFhirTelecom),
  };
}

export const practitionerDefinition: ResourceDefinition<'worker'> = {
  type: 'Practitioner',
  profile: PROFILES.Practitioner,
  documentation: 'A council social-care practitioner who may be allocated to a person. Its role and team are in PractitionerRole (same id).',
  entity: 'worker',
  searchParams: {
    _id: idParam(),
    identifier: ownIdentifierParam(WORKER_ID_SYSTEM, "The worker's id in the council's system", 'Practitioner.identifier', 'http://hl7.org/fhir/SearchParameter/Practitioner-identifier'),
    name: stringParam('name', 'Any part of the name', 'Practitioner.name', 'http://hl7.org/fhir/SearchParameter/Practitioner-name'),
  },
  includes: {},
  related: () => ({}),
  toFhir: (stored) => toPractitioner(stored),
  patientCompartment: outsidePatientCompartment,
  // Written by the council's own systems (councilWrites.ts).
  councilRecord: {
    deletion: {
      effect: 'remove',
      documentation: 'The worker is removed (their Practitioner and PractitionerRole both), versions kept in the history; refused (409) while anyone is allocated to them.',
    },
  },
};
