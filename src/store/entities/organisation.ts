import { Organisation } from '../../domain/organisation';
import { columnsOf, entityTable } from '../columns';

const organisation = columnsOf<Organisation>();
/** Organisations: the council, its teams, and care providers. */
export const organisations = entityTable({
  table: 'organisations',
  refersTo: [],
  columns: [
    ...organisation.plain('text', ['id', 'kind', 'name', 'odsCode', 'cqcLocationId', 'partOfId']),
    ...organisation.plain('jsonb', ['address']),
    // NOT NULL: a record that leaves it out is stored with the column's default.
    ...organisation.plain('jsonb', ['telecom'], { ifAbsent: [] }),
    organisation.derived('name_lower', 'text', (o) => o.name.toLowerCase()),
    ...organisation.meta(),
  ],
  searchBy: ['id', 'kind', 'odsCode', 'cqcLocationId', 'partOfId', 'lastUpdated'],
  fields: { name: { kind: 'text', lower: 'name_lower', exact: 'name', array: false } },
  datasetPart: 'organisations',
});
