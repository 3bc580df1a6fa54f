import { Person } from '../../domain/person';
import { columnsOf, entityTable } from '../columns';
import { lowerParts, NAME } from './names';

const person = columnsOf<Person>();
/** People the council knows: the table lookups by NHS number, name and birth date read. */
export const people = entityTable({
  table: 'people',
  refersTo: ['workers', 'organisations'],
  columns: [
    ...person.plain('text', ['id', 'nhsNumber', 'nhsNumberVerification', 'familyName', 'title', 'gender']),
    ...person.plain('text', ['allocatedWorkerId', 'responsibleTeamId']),
    ...person.plain('jsonb', ['givenNames', 'address']),
    ...person.plain('date', ['birthDate']),
    // NOT NULL: a record that leaves them out is stored with the columns' defaults.
    ...person.plain('jsonb', ['telecom'], { ifAbsent: [] }),
    ...person.plain('boolean', ['restricted'], { ifAbsent: false }),
    ...person.plain('date', ['deceasedDate']),
    ...person.plain('text', ['gpPracticeOds', 'gpPracticeName', 'primarySupportReason', 'accommodationStatus', 'source']),
    ...person.plain('boolean', ['hasUnpaidCarer']),
    ...person.plain('jsonb', ['communicationNeeds']),
    person.derived('name_parts', 'text[]', (p) => lowerParts(p.givenNames, p.familyName)),
    ...person.meta(),
  ],
  searchBy: ['id', 'nhsNumber', 'gender', 'restricted', 'allocatedWorkerId', 'responsibleTeamId', 'source', 'lastUpdated'],
  fields: {
    name: NAME,
    family: { kind: 'text', lower: 'lower(family_name)', exact: 'family_name', array: false },
    given: {
      kind: 'text',
      lower: `ARRAY(SELECT lower(g) FROM jsonb_array_elements_text(given_names) g)`,
      exact: `ARRAY(SELECT jsonb_array_elements_text(given_names))`,
      array: true,
    },
    birthDate: { kind: 'range', start: 'birth_date', end: 'birth_date' },
  },
  datasetPart: 'people',
  migrations: [
    {
      version: 8,
      name: 'what the CLD return says of a person',
      sql: `
        ALTER TABLE people
          ADD COLUMN deceased_date date,
          ADD COLUMN gp_practice_ods text,
          ADD COLUMN gp_practice_name text,
          ADD COLUMN primary_support_reason text,
          ADD COLUMN accommodation_status text,
          ADD COLUMN has_unpaid_carer boolean,
          ADD COLUMN communication_needs jsonb,
          -- Which kind of load brought the record in (cld, allocations, cqc, fhir, dataset).
          ADD COLUMN source text;
        CREATE INDEX people_last_updated ON people (last_updated);
      `,
    },
  ],
});
