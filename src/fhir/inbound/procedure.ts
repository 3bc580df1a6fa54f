import { Procedure } from '@medplum/fhirtypes';
import { Assessment, AssessmentKind, AssessmentStatus } from '../../domain/assessment';
import { withoutUndefined } from '../../domain/objects';
import { badRequest } from '../outcome';
import { ASSESSMENT_CATEGORY_SYSTEM, ASSESSMENT_METHOD_EXTENSION, ELIGIBLE_NEEDS_EXTENSION, OUTCOMES_ACHIEVED_EXTENSION } from '../systems';
import { ASSESSMENT_CATEGORIES } from '../resources/procedure';
import { booleanExtension, calendarDate, checkResource, period, required, requiredCodeIn, requiredReferencedId, text, wordsExtension } from './elements';
import { InboundMapping } from './inbound';

const STATUSES: AssessmentStatus[] = ['in-progress', 'completed'];

/** Procedure -> Assessment: the inverse of toProcedure. */
export const procedureInbound: InboundMapping<'assessment'> = {
  entity: 'assessment',
  toRecord(resource, id) {
    checkResource(resource, 'Procedure', id);
    const procedure = resource as Procedure;
    const kind = requiredCodeIn(procedure.category, ASSESSMENT_CATEGORY_SYSTEM, Object.keys(ASSESSMENT_CATEGORIES) as AssessmentKind[], 'Procedure.category');
    const { start, end } = performed(procedure);
    const type = text(procedure.code?.text);
    return withoutUndefined<Assessment>({
      id,
      personId: requiredReferencedId(procedure.subject, ['Patient'], 'Procedure.subject', 'the person assessed or reviewed, Patient/<id>'),
      kind,
      status: status(procedure.status),
      // toProcedure names an assessment without a type by its category.
      type: type === ASSESSMENT_CATEGORIES[kind].display ? undefined : type,
      startDate: required(start, 'Procedure.performedPeriod.start', 'the day it began, YYYY-MM-DD'),
      endDate: end,
      outcome: text(procedure.outcome?.text),
      method: wordsExtension(procedure.extension, ASSESSMENT_METHOD_EXTENSION, 'Procedure.extension'),
      eligibleNeeds: booleanExtension(procedure.extension, ELIGIBLE_NEEDS_EXTENSION, 'Procedure.extension'),
      outcomesAchieved: wordsExtension(procedure.extension, OUTCOMES_ACHIEVED_EXTENSION, 'Procedure.extension'),
      source: 'fhir',
    });
  },
  references: (assessment) => [{ kind: 'person', id: assessment.personId, expression: 'Procedure.subject' }],
};

function status(value: Procedure['status']): AssessmentStatus {
  if ((STATUSES as string[]).includes(value)) return value as AssessmentStatus;
  const advice = value === 'entered-in-error' ? '; one entered in error is removed with DELETE Procedure/<id>' : '';
  throw badRequest(`Procedure.status ${value ?? 'missing'}: send in-progress or completed${advice}`, ['Procedure.status']);
}

/** performedPeriod, or a performedDateTime as its start. */
function performed(procedure: Procedure): { start?: string; end?: string } {
  if (procedure.performedDateTime !== undefined) return { start: calendarDate(procedure.performedDateTime, 'Procedure.performedDateTime') };
  return period(procedure.performedPeriod, 'Procedure.performedPeriod');
}
