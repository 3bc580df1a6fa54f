import { Worker } from '../../domain/worker';
import { columnsOf, entityTable } from '../columns';
import { lowerParts, NAME } from './names';

const worker = columnsOf<Worker>();
/** Social workers and other council staff, each in a team. */
export const workers = entityTable({
  table: 'workers',
  refersTo: ['organisations'],
  columns: [
    worker.field('id', 'text', 'id'),
    worker.field('given_names', 'jsonb', 'givenNames'),
    worker.field('family_name', 'text', 'familyName'),
    worker.derived('name_parts', 'text[]', (w) => lowerParts(w.givenNames, w.familyName)),
    worker.field('role', 'text', 'role'),
    worker.field('team_id', 'text', 'teamId'),
    worker.field('telecom', 'jsonb', 'telecom', { ifAbsent: [] }),
    ...worker.meta(),
  ],
  fields: { id: 'id', name: NAME, teamId: 'team_id' },
});
