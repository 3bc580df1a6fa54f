import { Worker } from '../../domain/worker';
import { columnsOf, entityTable } from '../columns';
import { lowerParts, NAME } from './names';

const worker = columnsOf<Worker>();
/** Social workers and other council staff, each in a team. */
export const workers = entityTable({
  table: 'workers',
  refersTo: ['organisations'],
  columns: [
    ...worker.plain('text', ['id', 'familyName', 'role', 'teamId']),
    ...worker.plain('jsonb', ['givenNames']),
    // NOT NULL: a record that leaves it out is stored with the column's default.
    ...worker.plain('jsonb', ['telecom'], { ifAbsent: [] }),
    worker.derived('name_parts', 'text[]', (w) => lowerParts(w.givenNames, w.familyName)),
    ...worker.meta(),
  ],
  searchBy: ['id', 'teamId', 'lastUpdated'],
  fields: { name: NAME },
  datasetPart: 'workers',
});
