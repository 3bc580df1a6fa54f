/**
 * The column kit derives column names from field names and criteria fields from columns, and the
 * compiler checks both: this file compiles only while the misspelt names below are refused
 * (typeLevelChecks.test.ts compiles it under npm test).
 */
import { Person } from '../../src/domain/person';
import { columnsOf, entityTable } from '../../src/store/columns';

const person = columnsOf<Person>();

describe('column descriptions', () => {
  it('names a plain column after its field, and searches a listed field by its column', () => {
    const table = entityTable({
      table: 'people',
      refersTo: [],
      columns: [...person.plain('text', ['id', 'nhsNumber']), ...person.plain('date', ['birthDate']), ...person.meta()],
      searchBy: ['nhsNumber', 'lastUpdated'],
      fields: { born: { kind: 'range', start: 'birth_date', end: 'birth_date' } },
    });
    expect(table.insertColumns).toBe('id text, nhs_number text, birth_date date');
    expect(table.fields).toEqual({
      nhsNumber: { kind: 'value', sql: 'nhs_number' },
      lastUpdated: { kind: 'instant', sql: 'last_updated' },
      born: { kind: 'range', start: 'birth_date', end: 'birth_date' },
    });
    const names: (keyof typeof table.fields)[] = ['nhsNumber', 'lastUpdated', 'born'];
    // @ts-expect-error id is a column, but not listed in searchBy
    const id: keyof typeof table.fields = 'id';
    expect([names, id]).toHaveLength(2);
  });

  it('refuses misspelt field and column names at compile time', () => {
    const described = () => [
      // @ts-expect-error nhsNumbr is not a field of Person
      person.plain('text', ['nhsNumbr']),
      // @ts-expect-error searchBy names a field some column holds
      entityTable({ table: 'people', refersTo: [], columns: person.plain('text', ['id']), searchBy: ['nhsNumber'] }),
      entityTable({
        table: 'people',
        refersTo: [],
        columns: person.plain('date', ['birthDate']),
        // @ts-expect-error a range's ends are described columns
        fields: { born: { kind: 'range', start: 'birth_dat', end: 'birth_date' } },
      }),
    ];
    expect(described).toBeInstanceOf(Function);
  });

  it('refuses a column described twice', () => {
    const twice = () => entityTable({ table: 'people', refersTo: [], columns: [...person.plain('text', ['id']), person.field('id', 'text', 'id')] });
    expect(twice).toThrow('people describes id more than once');
  });
});
