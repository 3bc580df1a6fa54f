/**
 * Criterion field names are checked by the compiler for a known entity kind: this file compiles
 * only while the misspelt fields below are refused (tsc runs over test/, and ts-jest type-checks).
 */
import { Criterion, FieldName } from '../../src/store/criteria';
import { TABLES } from '../../src/store/tables';

describe('criterion field names', () => {
  it('accepts the fields of the kind it is over, nested criteria over their own kind', () => {
    const byNhsNumber: Criterion<'person'> = { field: 'nhsNumber', match: 'any-of', values: ['9990000018'] };
    const packages: Criterion<'carePackage'>[] = [
      { field: 'period', match: 'range', op: 'ge', start: '2026-01-01', end: '2026-01-01' },
      { field: 'personId', match: 'in', kind: 'person', where: [byNhsNumber] },
      { match: 'any', groups: [[{ field: 'status', match: 'any-of', values: ['active'] }], [{ field: 'providerId', match: 'missing', missing: true }]] },
    ];
    // Criteria for a known kind go wherever kind-agnostic criteria do (the store's search, the FHIR layer).
    const anyKind: Criterion[] = packages;
    expect(anyKind).toHaveLength(3);
    const field: FieldName<'worker'> = 'teamId';
    expect(Object.keys(TABLES.worker.fields)).toContain(field);
  });

  it('refuses a misspelt field at compile time', () => {
    // @ts-expect-error nhsNumbr is not a field of person
    const typo: Criterion<'person'> = { field: 'nhsNumbr', match: 'any-of', values: ['9990000018'] };
    const nested: Criterion<'carePackage'> = {
      field: 'personId',
      match: 'in',
      kind: 'person',
      // @ts-expect-error a chained search's criteria are over the target kind: people have no providerId
      where: [{ field: 'providerId', match: 'any-of', values: ['ORG-1'] }],
    };
    // @ts-expect-error teamid: field names are case-sensitive
    const worker: FieldName<'worker'> = 'teamid';
    expect([typo, nested, worker]).toHaveLength(3);
  });

  it('gives every entity an id field', () => {
    for (const table of Object.values(TABLES)) expect(Object.keys(table.fields)).toContain('id');
  });
});
