import { definitionOf } from '../../src/fhir/registry';
import { FhirError } from '../../src/fhir/outcome';
import { parseSearchQuery, RESULT_PARAMETERS } from '../../src/fhir/searchQuery';
import { ResourceDefinition } from '../../src/fhir/definition';

const LIMITS = { defaultPageSize: 20, maxPageSize: 100 };
const def = (type: string): ResourceDefinition => definitionOf(type)!;
const parse = (type: string, query: Record<string, string | string[]>, strict = false) =>
  parseSearchQuery(
    def(type),
    Object.fromEntries(Object.entries(query).map(([k, v]) => [k, Array.isArray(v) ? v : [v]])),
    strict,
    LIMITS,
  );

/** The refusal parsing throws, as status, issue code, diagnostics and expression. */
function refusal(type: string, query: Record<string, string | string[]>, strict = false) {
  try {
    parse(type, query, strict);
  } catch (err) {
    if (!(err instanceof FhirError)) throw err;
    const issue = err.outcome.issue![0];
    return { status: err.status, code: issue.code, message: issue.diagnostics, expression: issue.expression };
  }
  throw new Error(`${JSON.stringify(query)} was not refused`);
}

describe('parseSearchQuery', () => {
  it('turns each known parameter into store criteria and records what it applied', () => {
    const q = parse('Patient', { identifier: 'https://fhir.nhs.uk/Id/nhs-number|9990000018', gender: 'female' });
    expect(q.criteria).toEqual([
      { match: 'any', groups: [[{ field: 'nhsNumber', match: 'any-of', values: ['9990000018'] }]] },
      { field: 'gender', match: 'any-of', values: ['female'] },
    ]);
    expect(q.applied).toEqual([
      ['identifier', 'https://fhir.nhs.uk/Id/nhs-number|9990000018'],
      ['gender', 'female'],
    ]);
    expect(q).toMatchObject({ ignored: [], count: 20, offset: 0, summaryCount: false, includes: [], revIncludes: [] });
    expect(q.elements).toBeUndefined();
  });

  it("starts from the type's base criteria (a CareTeam exists only for a person with a team)", () => {
    const q = parse('CareTeam', {});
    expect(q.criteria).toEqual(def('CareTeam').baseCriteria);
    expect(q.criteria.length).toBeGreaterThan(0);
  });

  it('gives each repeat of a parameter its own criterion (AND), and splits a date prefix off the value', () => {
    const q = parse('Patient', { birthdate: ['ge1940', 'lt1950'] });
    expect(q.criteria).toHaveLength(2);
    expect(q.applied).toEqual([
      ['birthdate', 'ge1940'],
      ['birthdate', 'lt1950'],
    ]);
    expect(JSON.stringify(q.criteria[0])).toContain('1940');
    expect(JSON.stringify(q.criteria[0])).not.toContain('ge1940');
  });

  it('reads no result parameter as a criterion: every name in the one list is skipped', () => {
    const all = Object.fromEntries(Object.keys(RESULT_PARAMETERS).map((k) => [k, k === '_summary' ? 'false' : k === '_elements' ? 'id' : k === '_count' || k === '_offset' ? '5' : k === '_sort' ? '-_lastUpdated' : k === '_total' ? 'accurate' : '']));
    delete all._include;
    delete all._revinclude;
    delete all['_include:iterate'];
    delete all['_revinclude:iterate'];
    const q = parse('Patient', all, true);
    expect(q.criteria).toEqual([]);
    expect(q.ignored).toEqual([]);
    expect(q).toMatchObject({ sort: [{ field: 'lastUpdated', descending: true }], total: 'accurate' });
    expect(Object.keys(RESULT_PARAMETERS)).toEqual(
      expect.arrayContaining(['_count', '_offset', '_sort', '_total', '_summary', '_elements', '_include', '_revinclude', '_format', '_pretty']),
    );
  });

  it('ignores unknown parameters under lenient handling and refuses them under strict, naming them', () => {
    expect(parse('Flag', { colour: 'red', constructor: 'x' }).ignored).toEqual(['colour', 'constructor']);
    expect(refusal('Flag', { colour: 'red', size: 'big' }, true)).toEqual({
      status: 400,
      code: 'invalid',
      message:
        'Unknown search parameters for Flag: colour, size (Prefer: handling=strict). Supported: _id, _lastUpdated, patient, subject, status, category, author, date',
      expression: ['colour', 'size'],
    });
  });

  it('refuses an empty value, an unsupported modifier and an unsupported chain', () => {
    expect(refusal('Patient', { family: '' })).toMatchObject({ status: 400, message: 'family: a value is required', expression: ['family'] });
    expect(refusal('Patient', { 'birthdate:exact': '1941' })).toMatchObject({
      status: 400,
      code: 'not-supported',
      message: 'birthdate:exact: the modifier :exact is not supported on Patient.birthdate',
    });
    expect(refusal('Patient', { 'name:missing': 'true' }).message).toBe(
      'name:missing: the modifier :missing is not supported on Patient.name (supported: :exact, :contains)',
    );
    expect(refusal('CarePlan', { 'patient.address': 'x' })).toMatchObject({ status: 400, code: 'not-supported' });
    expect(refusal('CarePlan', { 'patient.address': 'x' }).message).toContain('Patient has no search parameter address');
  });

  it('chains into the target type and treats a type modifier as restating the target', () => {
    const chained = parse('CarePlan', { 'patient.identifier': '9990000018' });
    expect(chained.criteria).toEqual([expect.objectContaining({ field: 'personId', match: 'in', kind: 'person' })]);
    const typed = parse('CarePlan', { 'subject:Patient': 'Patient/p1' });
    expect(typed.criteria).toEqual(parse('CarePlan', { subject: 'Patient/p1' }).criteria);
  });

  it('pages with _count (default, capped) and _offset (bounded), and reads _count=0 as a count only', () => {
    expect(parse('Patient', { _count: '7', _offset: '14' })).toMatchObject({ count: 7, offset: 14, summaryCount: false });
    expect(parse('Patient', { _count: '1000' }).count).toBe(100);
    expect(parse('Patient', { _count: '0' }).summaryCount).toBe(true);
    expect(parse('Patient', { _summary: 'count' }).summaryCount).toBe(true);
    expect(parse('Patient', { _summary: 'false' }).summaryCount).toBe(false);
    expect(refusal('Patient', { _count: 'ten' })).toMatchObject({ status: 400, message: '_count must be a whole number, not "ten"' });
    expect(refusal('Patient', { _count: '-1' }).status).toBe(400);
    expect(refusal('Patient', { _count: ['5', '6'] })).toMatchObject({ status: 400, message: '_count may be given only once' });
    expect(parse('Patient', { _offset: '10000' }).offset).toBe(10000);
    expect(refusal('Patient', { _offset: '10001' })).toMatchObject({ status: 400, expression: ['_offset'] });
    expect(refusal('Patient', { _summary: 'true' })).toMatchObject({
      status: 400,
      code: 'not-supported',
      message: '_summary=true is not supported; _summary=count is',
    });
  });

  it('reads _elements, and checks _include and _revinclude against the registry', () => {
    expect(parse('Patient', { _elements: 'name,birthDate' }).elements).toEqual(['name', 'birthDate']);
    const q = parse('CarePlan', { _include: ['CarePlan:performer', 'CarePlan:subject:Patient'] });
    expect(q.includes).toEqual([
      { sourceType: 'CarePlan', param: 'performer', targetType: undefined, iterate: false },
      { sourceType: 'CarePlan', param: 'subject', targetType: 'Patient', iterate: false },
    ]);
    expect(q.applied).toEqual([
      ['_include', 'CarePlan:performer'],
      ['_include', 'CarePlan:subject:Patient'],
    ]);
    expect(refusal('CarePlan', { _include: 'CarePlan:status' }).message).toBe(
      "_include=CarePlan:status is not supported (supported: CarePlan:performer, CarePlan:subject, CarePlan:patient, CarePlan:care-team; another type's with _include:iterate)",
    );
    // :iterate follows another type's include from whatever of that type the answer holds.
    expect(parse('Patient', { '_include:iterate': 'CarePlan:performer' }).includes).toEqual([{ sourceType: 'CarePlan', param: 'performer', targetType: undefined, iterate: true }]);
    expect(refusal('Patient', { '_include:iterate': 'CarePlan:status' }).status).toBe(400);
    expect(refusal('Patient', { '_revinclude:iterate': 'CarePlan:performer' }).status).toBe(400);
    expect(refusal('CarePlan', { _include: 'Flag:author' }).status).toBe(400);
    expect(refusal('CarePlan', { _include: 'CarePlan:performer:Patient' }).message).toBe(
      '_include=CarePlan:performer:Patient: performer does not point at Patient',
    );

    const rev = parse('Patient', { _revinclude: 'Flag:patient' }).revIncludes;
    expect(rev.map((r) => [r.def.type, r.param])).toEqual([['Flag', 'patient']]);
    expect(refusal('Patient', { _revinclude: 'Flag:status' })).toMatchObject({
      status: 400,
      message: '_revinclude=Flag:status is not supported for Patient',
    });
    expect(refusal('Organization', { _revinclude: 'Flag:patient' }).message).toBe('_revinclude=Flag:patient is not supported for Organization');
  });

  it('drops values a lookup table cannot hold: a code like constructor matches nothing', () => {
    expect(parse('Flag', { status: 'constructor' }).criteria).toEqual([{ match: 'nothing' }]);
  });
});
