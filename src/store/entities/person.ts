import { Person } from '../../domain/person';
import { columnsOf, entityTable } from '../columns';
import { lowerParts, NAME } from './names';

const person = columnsOf<Person>();
/** People the council knows: the table lookups by NHS number, name and birth date read. */
export const people = entityTable({
  table: 'people',
  refersTo: ['workers', 'organisations'],
  columns: [
    person.field('id', 'text', 'id'),
    person.field('nhs_number', 'text', 'nhsNumber'),
    person.field('nhs_number_verification', 'text', 'nhsNumberVerification'),
    person.field('given_names', 'jsonb', 'givenNames'),
    person.field('family_name', 'text', 'familyName'),
    person.derived('name_parts', 'text[]', (p) => lowerParts(p.givenNames, p.familyName)),
    person.field('title', 'text', 'title'),
    person.field('birth_date', 'date', 'birthDate'),
    person.field('gender', 'text', 'gender'),
    person.field('address', 'jsonb', 'address'),
    person.field('telecom', 'jsonb', 'telecom', { ifAbsent: [] }),
    person.field('restricted', 'boolean', 'restricted', { ifAbsent: false }),
    person.field('allocated_worker_id', 'text', 'allocatedWorkerId'),
    person.field('responsible_team_id', 'text', 'responsibleTeamId'),
    ...person.meta(),
  ],
  fields: {
    id: 'id',
    nhsNumber: 'nhs_number',
    name: NAME,
    family: { kind: 'text', lower: 'lower(family_name)', exact: 'family_name', array: false },
    given: {
      kind: 'text',
      lower: `ARRAY(SELECT lower(g) FROM jsonb_array_elements_text(given_names) g)`,
      exact: `ARRAY(SELECT jsonb_array_elements_text(given_names))`,
      array: true,
    },
    birthDate: { kind: 'range', start: 'birth_date', end: 'birth_date' },
    gender: 'gender',
    restricted: 'restricted',
    allocatedWorkerId: 'allocated_worker_id',
    responsibleTeamId: 'responsible_team_id',
  },
});
