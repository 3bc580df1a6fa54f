import { PractitionerRole } from '@medplum/fhirtypes';
import { fullName } from '../../domain/person';
import { Worker } from '../../domain/worker';
import { withoutUndefined } from '../../domain/objects';
import { Stored } from '../../store/store';
import { MappingContext } from '../context';
import { ResourceDefinition } from '../definition';
import { PROFILES } from '../systems';
import { referenceCriterion } from '../searchValues';
import { idParam, outsidePatientCompartment, meta, reference, toFhirTelecom } from './common';

/** A worker's post: their role, their team and how to reach them at work. Same id as the Practitioner. */
export function toPractitionerRole(stored: Stored<Worker>, ctx: MappingContext): PractitionerRole {
  const w = stored.record;
  const team = ctx.organisation(w.teamId);
  return withoutUndefined<PractitionerRole>({
    resourceType: 'PractitionerRole',
    id: w.id,
    meta: meta(stored, PROFILES.PractitionerRole),
    active: true,
    practitioner: reference('Practitioner', w.id, fullName(w)),
    organization: reference('Organization', w.teamId, team?.name),
    code: [{ text: w.role }],
    telecom: w.telecom.map(toFhirTelecom),
  });
}

export const practitionerRoleDefinition: ResourceDefinition<'worker'> = {
  type: 'PractitionerRole',
  profile: PROFILES.PractitionerRole,
  documentation: "A council practitioner's role in their team, with their work phone and e-mail.",
  entity: 'worker',
  searchParams: {
    _id: idParam(),
    practitioner: {
      type: 'reference',
      documentation: 'The practitioner.',
      targets: ['Practitioner'],
      expression: 'PractitionerRole.practitioner',
      definition: 'http://hl7.org/fhir/SearchParameter/PractitionerRole-practitioner',
      toCriterion: (use) => referenceCriterion('id', 'Practitioner', use),
    },
    organization: {
      type: 'reference',
      documentation: 'The team the practitioner works in.',
      targets: ['Organization'],
      expression: 'PractitionerRole.organization',
      definition: 'http://hl7.org/fhir/SearchParameter/PractitionerRole-organization',
      toCriterion: (use) => referenceCriterion('teamId', 'Organization', use),
    },
  },
  includes: {
    practitioner: { targets: ['Practitioner'], references: (r) => [(r as PractitionerRole).practitioner!.reference!] },
    organization: { targets: ['Organization'], references: (r) => [(r as PractitionerRole).organization!.reference!] },
  },
  related: (w) => ({ organisations: [w.teamId] }),
  toFhir: toPractitionerRole,
  patientCompartment: outsidePatientCompartment,
  // Written by the council's own systems (councilWrites.ts).
  councilRecord: {
    deletion: {
      effect: 'remove',
      documentation: 'The worker is removed (their Practitioner and PractitionerRole both), versions kept in the history; refused (409) while anyone is allocated to them.',
    },
  },
};
