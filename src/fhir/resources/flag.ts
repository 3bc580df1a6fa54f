import { Flag } from '@medplum/fhirtypes';
import { outOfHoursNumber } from '../../domain/organisation';
import { CONCERN_TYPES, SafeguardingConcern } from '../../domain/safeguarding';
import { withoutUndefined } from '../../domain/objects';
import { Stored } from '../../store/store';
import { MappingContext } from '../context';
import { viewRules } from '../../access/views';
import { ResourceDefinition } from '../definition';
import { CONCERN_TYPE_SYSTEM, PROFILES, RECORD_HEADINGS_SYSTEM } from '../systems';
import { codedToken, dateCriterion, mappedToken, referenceCriterion } from '../searchValues';
import { byPatientParam, idParam, meta, reference } from './common';
import { personReferenceParam } from './personReference';

const SAFEGUARDING = { system: RECORD_HEADINGS_SYSTEM, code: 'safeguarding', display: 'Safeguarding' };

/**
 * A safeguarding concern as a Flag: that it is open (active) or closed (inactive), since when,
 * and whom to ring (the author). Never the details; the type of concern only in the social-care view.
 */
export function toFlag(stored: Stored<SafeguardingConcern>, ctx: MappingContext): Flag {
  const c = stored.record;
  const team = ctx.organisation(c.contactTeamId);
  const phone = team?.telecom.find((t) => t.system === 'phone' && t.use !== 'out-of-hours')?.value;
  const council = ctx.organisation(team?.partOfId);
  const duty = council && outOfHoursNumber(council);
  const contact = team
    ? ` Contact ${team.name}${phone ? ` on ${phone}` : ''}${duty ? ` (out of hours: ${duty})` : ''}.`
    : '';
  const open = c.status === 'open';
  const text = `${open ? 'Open' : 'Closed'} safeguarding concern.${open ? contact : ''}`;
  const typeCoding =
    viewRules(ctx.view).concernTypes
      ? [{ system: CONCERN_TYPE_SYSTEM, code: c.concernType, display: CONCERN_TYPES[c.concernType] }]
      : undefined;
  return withoutUndefined<Flag>({
    resourceType: 'Flag',
    id: c.id,
    meta: meta(stored, PROFILES.Flag),
    status: open ? 'active' : 'inactive',
    category: [{ coding: [SAFEGUARDING], text: 'Safeguarding' }],
    code: withoutUndefined({ coding: typeCoding, text }),
    subject: reference('Patient', c.personId),
    period: withoutUndefined({ start: c.raisedDate, end: c.closedDate }),
    author: team ? reference('Organization', team.id, team.name) : undefined,
  });
}

export const flagDefinition: ResourceDefinition<'safeguardingConcern'> = {
  type: 'Flag',
  profile: PROFILES.Flag,
  documentation:
    'A safeguarding concern about the person: whether it is open (active) and which team to contact (author). ' +
    'The details of a concern are never shared.',
  entity: 'safeguardingConcern',
  searchParams: {
    _id: idParam(),
    patient: personReferenceParam(
      'personId',
      'The person: Patient/id, :identifier with an NHS number, or chained (patient.identifier=...).',
      'Flag.subject.where(resolve() is Patient)',
      'http://hl7.org/fhir/SearchParameter/clinical-patient',
    ),
    subject: personReferenceParam('personId', 'Same as patient.', 'Flag.subject', 'http://hl7.org/fhir/SearchParameter/Flag-subject'),
    status: {
      type: 'token',
      documentation: 'active (open concern) or inactive (closed). :not supported.',
      modifiers: ['not'],
      expression: 'Flag.status',
      toCriterion: (use) =>
        mappedToken('status', 'http://hl7.org/fhir/flag-status', { active: ['open'], inactive: ['closed'] }, use),
    },
    category: {
      type: 'token',
      documentation: `Always safeguarding (${RECORD_HEADINGS_SYSTEM}|safeguarding).`,
      expression: 'Flag.category',
      toCriterion: (use) => {
        // Every Flag here is a safeguarding flag: the category matches all of them or none.
        const c = codedToken('category', RECORD_HEADINGS_SYSTEM, ['safeguarding'], use);
        return c.match === 'any-of' && c.values.includes('safeguarding') ? { match: 'any', groups: [[]] } : { match: 'nothing' };
      },
    },
    author: {
      type: 'reference',
      documentation: 'The team to contact about the concern.',
      targets: ['Organization'],
      expression: 'Flag.author',
      definition: 'http://hl7.org/fhir/SearchParameter/Flag-author',
      toCriterion: (use) => referenceCriterion('contactTeamId', 'Organization', use),
    },
    date: {
      type: 'date',
      documentation: 'The period the concern was open (raised to closed), with prefixes.',
      expression: 'Flag.period',
      definition: 'http://hl7.org/fhir/SearchParameter/clinical-date',
      toCriterion: (use) => dateCriterion('period', use),
    },
  },
  includes: {
    subject: { targets: ['Patient'], references: (r) => [(r as Flag).subject.reference!] },
    patient: { targets: ['Patient'], references: (r) => [(r as Flag).subject.reference!] },
    author: {
      targets: ['Organization'],
      references: (r) => [(r as Flag).author?.reference].filter((x): x is string => !!x),
    },
  },
  related: (c) => ({ organisations: [c.contactTeamId] }),
  toFhir: toFlag,
  personField: 'personId',
  // Health staff need to know a concern is open, not the history of closed ones.
  viewCriteria: (rules) => (rules.closedConcerns ? [] : [{ field: 'status', match: 'any-of', values: ['open'] }]),
  patientCompartment: byPatientParam,
  // Written by the council's own systems (councilWrites.ts).
  councilRecord: {
    deletion: {
      effect: 'remove',
      documentation: 'For a concern recorded in error: it is removed, its versions kept in the history. A concern that has closed is updated to inactive, not deleted.',
    },
  },
};
