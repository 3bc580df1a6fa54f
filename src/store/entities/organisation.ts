import { Organisation } from '../../domain/organisation';
import { columnsOf, entityTable } from '../columns';

const organisation = columnsOf<Organisation>();
/** Organisations: the council, its teams, and care providers. */
export const organisations = entityTable({
  table: 'organisations',
  refersTo: [],
  columns: [
    organisation.field('id', 'text', 'id'),
    organisation.field('kind', 'text', 'kind'),
    organisation.field('name', 'text', 'name'),
    organisation.derived('name_lower', 'text', (o) => o.name.toLowerCase()),
    organisation.field('ods_code', 'text', 'odsCode'),
    organisation.field('cqc_location_id', 'text', 'cqcLocationId'),
    organisation.field('telecom', 'jsonb', 'telecom', { ifAbsent: [] }),
    organisation.field('address', 'jsonb', 'address'),
    organisation.field('part_of_id', 'text', 'partOfId'),
    ...organisation.meta(),
  ],
  fields: {
    id: 'id',
    kind: 'kind',
    name: { kind: 'text', lower: 'name_lower', exact: 'name', array: false },
    odsCode: 'ods_code',
    cqcLocationId: 'cqc_location_id',
    partOfId: 'part_of_id',
  },
});
