import { CareRelationship } from '../../domain/carer';
import { columnsOf, entityTable } from '../columns';

const relationship = columnsOf<CareRelationship>();
/** Unpaid carers and the adults they care for: both people of the council's. */
export const careRelationships = entityTable({
  table: 'care_relationships',
  refersTo: ['people'],
  columns: [
    ...relationship.plain('text', ['id', 'carerId', 'caredForId', 'status', 'hoursCaringPerWeek', 'relationship', 'source', 'endedBy']),
    ...relationship.plain('date', ['startDate', 'endDate']),
    ...relationship.meta(),
  ],
  searchBy: ['id', 'carerId', 'caredForId', 'status', 'source', 'lastUpdated'],
  fields: { period: { kind: 'range', start: 'start_date', end: 'end_date' } },
  datasetPart: 'careRelationships',
});
