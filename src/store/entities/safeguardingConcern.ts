import { SafeguardingConcern } from '../../domain/safeguarding';
import { columnsOf, entityTable } from '../columns';

const concern = columnsOf<SafeguardingConcern>();
/** Safeguarding concerns raised about a person, open or closed. */
export const safeguardingConcerns = entityTable({
  table: 'safeguarding_concerns',
  refersTo: ['people', 'organisations'],
  columns: [
    ...concern.plain('text', ['id', 'personId', 'status', 'concernType', 'contactTeamId']),
    ...concern.plain('date', ['raisedDate', 'closedDate']),
    ...concern.meta(),
  ],
  searchBy: ['id', 'personId', 'status', 'concernType', 'contactTeamId', 'lastUpdated'],
  fields: { period: { kind: 'range', start: 'raised_date', end: 'closed_date' } },
  datasetPart: 'safeguardingConcerns',
});
