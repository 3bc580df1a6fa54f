import { Assessment } from '../../domain/assessment';
import { columnsOf, entityTable } from '../columns';

const assessment = columnsOf<Assessment>();
/** Needs assessments and reviews: the history a clinician reads of what the council has done. */
export const assessments = entityTable({
  table: 'assessments',
  refersTo: ['people'],
  columns: [
    ...assessment.plain('text', ['id', 'personId', 'kind', 'status', 'type', 'outcome', 'method', 'outcomesAchieved', 'source']),
    ...assessment.plain('date', ['startDate', 'endDate']),
    ...assessment.plain('boolean', ['eligibleNeeds']),
    ...assessment.meta(),
  ],
  searchBy: ['id', 'personId', 'kind', 'status', 'source', 'lastUpdated'],
  fields: { period: { kind: 'range', start: 'start_date', end: 'end_date' } },
  datasetPart: 'assessments',
});
