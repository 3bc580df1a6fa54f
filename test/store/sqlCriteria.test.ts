/**
 * The SQL the WhereBuilder writes for each kind of criterion, and the parameters it passes: every
 * value travels as a parameter, never as SQL text, whatever it contains.
 */
import { Criterion, EntityKind } from '../../src/store/criteria';
import { WhereBuilder } from '../../src/store/sqlCriteria';

function build<K extends EntityKind>(kind: K, criteria: Criterion<K>[]) {
  const b = new WhereBuilder();
  const sql = b.where(kind, criteria);
  return { sql, params: b.params };
}

const NAME_EXACT = `(ARRAY[family_name] || ARRAY(SELECT jsonb_array_elements_text(given_names)))`;

describe('WhereBuilder', () => {
  it('matches everything without criteria', () => {
    expect(build('person', [])).toEqual({ sql: 'TRUE', params: [] });
  });

  it('any-of: a value column against a text[] parameter, ANDed with the next criterion', () => {
    expect(
      build('person', [
        { field: 'nhsNumber', match: 'any-of', values: ['9990000018', '9990000026'] },
        { field: 'gender', match: 'any-of', values: ['female'] },
      ]),
    ).toEqual({ sql: '(nhs_number = ANY($1::text[])) AND (gender = ANY($2::text[]))', params: [['9990000018', '9990000026'], ['female']] });
  });

  it('any-of on a boolean: each value compared as a boolean', () => {
    expect(build('person', [{ field: 'restricted', match: 'any-of', values: ['true', 'false'] }])).toEqual({
      sql: '(restricted = $1 OR restricted = $2)',
      params: [true, false],
    });
  });

  it('any-of on an array column: overlap', () => {
    expect(build('audit', [{ field: 'personIds', match: 'any-of', values: ['P1'] }])).toEqual({ sql: '(person_ids && $1::text[])', params: [['P1']] });
  });

  it('text: prefix and contains over lower-cased text, escaping LIKE wildcards', () => {
    expect(build('organisation', [{ field: 'name', match: 'text', mode: 'starts-with', values: ['Ash', '50%_off\\'] }])).toEqual({
      sql: '(name_lower LIKE $1 OR name_lower LIKE $2)',
      params: ['ash%', '50\\%\\_off\\\\%'],
    });
    expect(build('person', [{ field: 'family', match: 'text', mode: 'contains', values: ['SMI'] }])).toEqual({
      sql: '(lower(family_name) LIKE $1)',
      params: ['%smi%'],
    });
  });

  it('text over name parts: any part matches; exact compares as written', () => {
    expect(build('person', [{ field: 'name', match: 'text', mode: 'starts-with', values: ['bar'] }])).toEqual({
      sql: '(EXISTS (SELECT 1 FROM unnest(name_parts) AS part WHERE part LIKE $1))',
      params: ['bar%'],
    });
    expect(build('worker', [{ field: 'name', match: 'text', mode: 'exact', values: ['Barbara'] }])).toEqual({
      sql: `($1 = ANY(${NAME_EXACT}))`,
      params: ['Barbara'],
    });
    expect(build('organisation', [{ field: 'name', match: 'text', mode: 'exact', values: ['Ash House'] }])).toEqual({
      sql: '(name = $1)',
      params: ['Ash House'],
    });
  });

  it('date ranges: each prefix against the field range, only the parameters it uses', () => {
    const range = (op: Extract<Criterion, { match: 'range' }>['op']) =>
      build('carePackage', [{ field: 'period', match: 'range', op, start: '2026-01-01', end: '2026-01-31' }]);
    expect(range('eq')).toEqual({ sql: '(start_date >= $1::date AND end_date <= $2::date)', params: ['2026-01-01', '2026-01-31'] });
    expect(range('ne')).toEqual({
      sql: '(NOT (start_date >= $1::date AND end_date <= $2::date) OR start_date IS NULL OR end_date IS NULL)',
      params: ['2026-01-01', '2026-01-31'],
    });
    expect(range('gt')).toEqual({ sql: '(end_date IS NULL OR end_date > $1::date)', params: ['2026-01-31'] });
    expect(range('ge')).toEqual({ sql: '(end_date IS NULL OR end_date >= $1::date)', params: ['2026-01-01'] });
    expect(range('lt')).toEqual({ sql: '(start_date IS NULL OR start_date < $1::date)', params: ['2026-01-01'] });
    expect(range('le')).toEqual({ sql: '(start_date IS NULL OR start_date <= $1::date)', params: ['2026-01-31'] });
    expect(range('sa')).toEqual({ sql: '(start_date > $1::date)', params: ['2026-01-31'] });
    expect(range('eb')).toEqual({ sql: '(end_date < $1::date)', params: ['2026-01-01'] });
    expect(build('person', [{ field: 'birthDate', match: 'range', op: 'eq', start: '1940-01-01', end: '1940-12-31' }])).toEqual({
      sql: '(birth_date >= $1::date AND birth_date <= $2::date)',
      params: ['1940-01-01', '1940-12-31'],
    });
  });

  it('instant ranges: a timestamp against [start, end)', () => {
    const start = '2026-11-23T00:00:00.000Z';
    const end = '2026-11-24T00:00:00.000Z';
    const at = (op: Extract<Criterion, { match: 'range' }>['op']) => build('audit', [{ field: 'recorded', match: 'range', op, start, end }]);
    expect(at('eq')).toEqual({ sql: '(recorded >= $1::timestamptz AND recorded < $2::timestamptz)', params: [start, end] });
    expect(at('ne')).toEqual({ sql: '(NOT (recorded >= $1::timestamptz AND recorded < $2::timestamptz))', params: [start, end] });
    expect(at('gt')).toEqual({ sql: '(recorded >= $1::timestamptz)', params: [end] });
    expect(at('sa')).toEqual({ sql: '(recorded >= $1::timestamptz)', params: [end] });
    expect(at('ge')).toEqual({ sql: '(recorded >= $1::timestamptz)', params: [start] });
    expect(at('lt')).toEqual({ sql: '(recorded < $1::timestamptz)', params: [start] });
    expect(at('eb')).toEqual({ sql: '(recorded < $1::timestamptz)', params: [start] });
    expect(at('le')).toEqual({ sql: '(recorded < $1::timestamptz)', params: [end] });
  });

  it('references to other entities: a subquery over the target table, parameters numbered in order', () => {
    expect(
      build('carePackage', [
        { field: 'status', match: 'any-of', values: ['active'] },
        { field: 'personId', match: 'in', kind: 'person', where: [{ field: 'nhsNumber', match: 'any-of', values: ['9990000018'] }] },
      ]),
    ).toEqual({
      sql: '(status = ANY($1::text[])) AND (person_id IN (SELECT id FROM people WHERE (nhs_number = ANY($2::text[]))))',
      params: [['active'], ['9990000018']],
    });
  });

  it('missing: IS NULL or IS NOT NULL (a range by its start)', () => {
    expect(build('carePackage', [{ field: 'providerId', match: 'missing', missing: true }])).toEqual({ sql: '(provider_id IS NULL)', params: [] });
    expect(build('carePackage', [{ field: 'period', match: 'missing', missing: false }])).toEqual({ sql: '(start_date IS NOT NULL)', params: [] });
  });

  it('or-groups: each group a conjunction; no group and nothing match nothing', () => {
    expect(
      build('organisation', [
        {
          match: 'any',
          groups: [
            [{ field: 'odsCode', match: 'any-of', values: ['X1'] }],
            [
              { field: 'cqcLocationId', match: 'any-of', values: ['1-1'] },
              { field: 'kind', match: 'any-of', values: ['provider'] },
            ],
          ],
        },
      ]),
    ).toEqual({
      sql: '(((ods_code = ANY($1::text[]))) OR ((cqc_location_id = ANY($2::text[])) AND (kind = ANY($3::text[]))))',
      params: [['X1'], ['1-1'], ['provider']],
    });
    expect(build('organisation', [{ match: 'any', groups: [] }])).toEqual({ sql: '(FALSE)', params: [] });
    expect(build('person', [{ match: 'nothing' }])).toEqual({ sql: '(FALSE)', params: [] });
  });

  it('keeps hostile values as parameters, never as SQL text', () => {
    const hostile = ["x'); DROP TABLE people; --", '$99', '\\', "' OR '1'='1"];
    const { sql, params } = build('person', [
      { field: 'nhsNumber', match: 'any-of', values: hostile },
      { field: 'family', match: 'text', mode: 'exact', values: hostile },
      { field: 'birthDate', match: 'range', op: 'eq', start: hostile[0], end: hostile[3] },
    ]);
    for (const value of hostile) expect(sql).not.toContain(value);
    expect(sql).toBe(
      '(nhs_number = ANY($1::text[])) AND (family_name = $2 OR family_name = $3 OR family_name = $4 OR family_name = $5) AND (birth_date >= $6::date AND birth_date <= $7::date)',
    );
    expect(params).toEqual([hostile, ...hostile, hostile[0], hostile[3]]);
  });

  it('refuses fields the entity does not have, and matches its fields cannot take', () => {
    expect(() => build('person', [{ field: 'providerId', match: 'any-of', values: ['1'] }] as Criterion[] as Criterion<'person'>[])).toThrow(
      'person has no field providerId',
    );
    expect(() => build('person', [{ field: 'birthDate', match: 'any-of', values: ['1'] }])).toThrow('person.birthDate is not a value field');
    expect(() => build('person', [{ field: 'gender', match: 'text', mode: 'contains', values: ['f'] }])).toThrow('person.gender is not a text field');
    expect(() => build('person', [{ field: 'gender', match: 'range', op: 'eq', start: 'a', end: 'b' }])).toThrow('person.gender is not a range field');
    // The field's own name is never taken from the inherited properties of an object.
    expect(() => build('person', [{ field: 'constructor', match: 'any-of', values: ['1'] }] as Criterion[] as Criterion<'person'>[])).toThrow(
      'person has no field constructor',
    );
  });
});
