import { Extension, Procedure } from '@medplum/fhirtypes';
import { Assessment, AssessmentKind, AssessmentStatus } from '../../domain/assessment';
import { withoutUndefined } from '../../domain/objects';
import { viewRules } from '../../access/views';
import { Stored } from '../../store/store';
import { MappingContext } from '../context';
import { ResourceDefinition } from '../definition';
import { codedToken, dateCriterion, mappedToken } from '../searchValues';
import {
  ASSESSMENT_CATEGORY_SYSTEM,
  ASSESSMENT_METHOD_EXTENSION,
  ELIGIBLE_NEEDS_EXTENSION,
  OUTCOMES_ACHIEVED_EXTENSION,
  PROFILES,
} from '../systems';
import { byPatientParam, idParam, meta, reference } from './common';
import { personReferenceParam } from './personReference';

/**
 * The kinds of Procedure the facade serves (its category), typed by the domain's kinds so a kind
 * added there fails to compile here until it is given a display. profiles/terminology is written
 * from this.
 */
export const ASSESSMENT_CATEGORIES: Record<AssessmentKind, { display: string; definition: string }> = {
  assessment: {
    display: 'Needs assessment',
    definition: "An assessment of an adult's needs for care and support (Care Act 2014, section 9), or of a carer's (section 10).",
  },
  review: {
    display: 'Review',
    definition: "A review of an adult's care and support plan (Care Act 2014, section 27).",
  },
};

const STATUS: Record<AssessmentStatus, Procedure['status']> = { 'in-progress': 'in-progress', completed: 'completed' };
const STATUS_SEARCH: Record<string, string[]> = Object.fromEntries(Object.entries(STATUS).map(([domain, fhir]) => [fhir, [domain]]));

/**
 * A needs assessment or a review as a Procedure: what kind, of what type, when, and how it ended.
 * Every view sees that; how it was done, whether eligible needs were found and whether the
 * person's outcomes were met are the council's findings, for its own staff.
 */
export function toProcedure(stored: Stored<Assessment>, ctx: MappingContext): Procedure {
  const a = stored.record;
  const category = ASSESSMENT_CATEGORIES[a.kind];
  return withoutUndefined<Procedure>({
    resourceType: 'Procedure',
    id: a.id,
    meta: meta(stored, PROFILES.Procedure),
    extension: viewRules(ctx.view).councilFindings ? findings(a) : undefined,
    status: STATUS[a.status],
    category: { coding: [{ system: ASSESSMENT_CATEGORY_SYSTEM, code: a.kind, display: category.display }], text: category.display },
    code: { text: a.type?.trim() || category.display },
    subject: reference('Patient', a.personId),
    performedPeriod: withoutUndefined({ start: a.startDate, end: a.endDate }),
    outcome: a.outcome?.trim() ? { text: a.outcome.trim() } : undefined,
  });
}

function findings(a: Assessment): Extension[] | undefined {
  const out: Extension[] = [];
  if (a.method?.trim()) out.push({ url: ASSESSMENT_METHOD_EXTENSION, valueCodeableConcept: { text: a.method.trim() } });
  if (a.eligibleNeeds !== undefined && a.eligibleNeeds !== null) out.push({ url: ELIGIBLE_NEEDS_EXTENSION, valueBoolean: a.eligibleNeeds });
  if (a.outcomesAchieved?.trim()) out.push({ url: OUTCOMES_ACHIEVED_EXTENSION, valueCodeableConcept: { text: a.outcomesAchieved.trim() } });
  return out.length ? out : undefined;
}

export const procedureDefinition: ResourceDefinition<'assessment'> = {
  type: 'Procedure',
  profile: PROFILES.Procedure,
  documentation:
    "A needs assessment or a review of the person's care and support (from the council's CLD return): its kind (category), " +
    'type, dates, status and outcome. Find a person\'s with Procedure?patient.identifier=https://fhir.nhs.uk/Id/nhs-number|... ' +
    'or Patient?identifier=...&_revinclude=Procedure:patient.',
  entity: 'assessment',
  searchParams: {
    _id: idParam(),
    patient: personReferenceParam(
      'personId',
      'The person assessed or reviewed: Patient/id, :identifier with an NHS number, or chained (patient.identifier=...).',
      'Procedure.subject.where(resolve() is Patient)',
      'http://hl7.org/fhir/SearchParameter/clinical-patient',
    ),
    subject: personReferenceParam('personId', 'Same as patient.', 'Procedure.subject', 'http://hl7.org/fhir/SearchParameter/Procedure-subject'),
    date: {
      type: 'date',
      documentation: 'When it was done (start to end; an assessment still in progress runs on), with prefixes (date=ge2026-01-01).',
      expression: 'Procedure.performed',
      definition: 'http://hl7.org/fhir/SearchParameter/clinical-date',
      toCriterion: (use) => dateCriterion('period', use),
    },
    status: {
      type: 'token',
      documentation: 'in-progress or completed. :not supported.',
      modifiers: ['not'],
      expression: 'Procedure.status',
      definition: 'http://hl7.org/fhir/SearchParameter/Procedure-status',
      toCriterion: (use) => mappedToken('status', 'http://hl7.org/fhir/event-status', STATUS_SEARCH, use),
    },
    category: {
      type: 'token',
      documentation: `assessment or review, from ${ASSESSMENT_CATEGORY_SYSTEM}. :not supported.`,
      modifiers: ['not'],
      expression: 'Procedure.category',
      definition: 'http://hl7.org/fhir/SearchParameter/Procedure-category',
      toCriterion: (use) => codedToken('kind', ASSESSMENT_CATEGORY_SYSTEM, Object.keys(ASSESSMENT_CATEGORIES), use),
    },
  },
  includes: {
    patient: { targets: ['Patient'], references: (r) => [(r as Procedure).subject.reference!] },
    subject: { targets: ['Patient'], references: (r) => [(r as Procedure).subject.reference!] },
  },
  related: () => ({}),
  toFhir: toProcedure,
  personField: 'personId',
  patientCompartment: byPatientParam,
  // Written by the council's own systems (councilWrites.ts).
  councilRecord: {
    deletion: {
      effect: 'remove',
      documentation: 'For an assessment or review recorded in error: it is removed, its versions kept in the history.',
    },
  },
};
