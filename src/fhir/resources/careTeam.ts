import { CareTeam, CareTeamParticipant } from '@medplum/fhirtypes';
import { outOfHoursNumber } from '../../domain/organisation';
import { fullName, Person } from '../../domain/person';
import { withoutUndefined } from '../../domain/objects';
import { Stored } from '../../store/store';
import { MappingContext } from '../context';
import { ResourceDefinition } from '../definition';
import { PROFILES, RECORD_HEADINGS_SYSTEM } from '../systems';
import { byPatientParam, idParam, meta, reference, toFhirTelecom } from './common';
import { personReferenceParam } from './personReference';
import { referenceCriterion } from '../searchValues';

/**
 * The person's social-care team: the allocated worker (as PractitionerRole) and the responsible
 * team, with the numbers to ring. One per person who has either; its id is the person's id.
 */
export function hasCareTeam(person: Person | undefined): boolean {
  return !!person && !!(person.allocatedWorkerId || person.responsibleTeamId);
}

export function toCareTeam(stored: Stored<Person>, ctx: MappingContext): CareTeam {
  const person = stored.record;
  const worker = ctx.worker(person.allocatedWorkerId);
  const team = ctx.organisation(person.responsibleTeamId);
  const council = ctx.organisation(team?.partOfId);
  const participant: CareTeamParticipant[] = [];
  if (worker) {
    // No onBehalfOf: R4 (ctm-1) allows it only for a Practitioner member. The PractitionerRole
    // names the worker's team itself, and the team is a participant of its own below.
    participant.push({
      role: [{ text: `Allocated ${worker.role.toLowerCase()}` }],
      member: reference('PractitionerRole', worker.id, `${fullName(worker)} (${worker.role})`),
    });
  }
  if (team) {
    participant.push({ role: [{ text: 'Responsible team' }], member: reference('Organization', team.id, team.name) });
  }
  const duty = council && outOfHoursNumber(council);
  const telecom = [
    ...(worker?.telecom ?? []).map(toFhirTelecom),
    ...(team?.telecom ?? []).filter((t) => t.use !== 'out-of-hours').map(toFhirTelecom),
    ...(duty ? [{ system: 'phone' as const, value: duty, use: 'work' as const }] : []),
  ];
  return withoutUndefined<CareTeam>({
    resourceType: 'CareTeam',
    id: person.id,
    meta: meta(stored, PROFILES.CareTeam),
    status: 'active',
    category: [
      { coding: [{ system: RECORD_HEADINGS_SYSTEM, code: 'professional-contacts', display: 'Professional contacts' }] },
    ],
    name: `Adult social care team for ${fullName(person)}`,
    subject: reference('Patient', person.id),
    participant,
    managingOrganization: council ? [reference('Organization', council.id, council.name)] : undefined,
    telecom: telecom.length ? telecom : undefined,
    note: duty
      ? [{ text: `Out of hours, ring the council's emergency duty team on ${duty}.` }]
      : undefined,
  });
}

export const careTeamDefinition: ResourceDefinition<'person'> = {
  type: 'CareTeam',
  profile: PROFILES.CareTeam,
  documentation:
    "The person's adult social care team: the allocated worker and the responsible team, with their phone " +
    "numbers and the council's out-of-hours number. Its id is the person's id.",
  entity: 'person',
  baseCriteria: [
    {
      match: 'any',
      groups: [
        [{ field: 'allocatedWorkerId', match: 'missing', missing: false }],
        [{ field: 'responsibleTeamId', match: 'missing', missing: false }],
      ],
    },
  ],
  searchParams: {
    _id: idParam(),
    patient: personReferenceParam(
      'id',
      'The person: Patient/id, :identifier with an NHS number, or chained (patient.identifier=...).',
      'CareTeam.subject.where(resolve() is Patient)',
      'http://hl7.org/fhir/SearchParameter/clinical-patient',
    ),
    subject: personReferenceParam('id', 'Same as patient.', 'CareTeam.subject', 'http://hl7.org/fhir/SearchParameter/CareTeam-subject'),
    participant: {
      type: 'reference',
      documentation: 'A member: the allocated worker (PractitionerRole/id) or the responsible team (Organization/id).',
      targets: ['PractitionerRole', 'Organization'],
      expression: 'CareTeam.participant.member',
      definition: 'http://hl7.org/fhir/SearchParameter/CareTeam-participant',
      toCriterion: (use) => ({
        match: 'any',
        groups: [
          [referenceCriterion('allocatedWorkerId', 'PractitionerRole', use)],
          [referenceCriterion('responsibleTeamId', 'Organization', use)],
        ],
      }),
    },
  },
  includes: {
    participant: {
      targets: ['PractitionerRole', 'Organization'],
      references: (r) => ((r as CareTeam).participant ?? []).map((p) => p.member!.reference!),
    },
    subject: { targets: ['Patient'], references: (r) => [(r as CareTeam).subject!.reference!] },
    patient: { targets: ['Patient'], references: (r) => [(r as CareTeam).subject!.reference!] },
  },
  related: (p) => ({ people: [p.id] }),
  toFhir: toCareTeam,
  // A CareTeam is the person's own record (its id is theirs).
  personField: 'id',
  patientCompartment: byPatientParam,
  // Written by the council's own systems (councilWrites.ts).
  councilRecord: {
    deletion: {
      effect: 'end-allocation',
      documentation: "Ends the person's allocation (no allocated worker, no responsible team); the person's record stays.",
    },
  },
};
