import { startTestApp, TestApp } from '../support/app';

/**
 * Percent-encoding that does not decode is the caller's mistake, never a 500 or 503. Asked as the
 * council's system, which may search without naming a person, so the URL itself is what is tested.
 */
describe('malformed percent-encoding', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('pglite');
  });
  afterAll(() => t.close());

  it('in the path: 400 with an OperationOutcome', async () => {
    const res = await t.http.get('/fhir/Patient/%E0%A4%A').set('Authorization', await t.bearer(undefined, 'test-social-care'));
    expect(res.status).toBe(400);
    expect(res.body.issue[0].diagnostics).toMatch(/percent-encoding/);
  });

  it.each([['/fhir/Patient?name=%E0%A4%A'], ['/fhir/Patient?identifier=%']])(
    'in the query (%s): read literally, as the query parser leaves it, and answered',
    async (url) => {
      const res = await t.http.get(url).set('Authorization', await t.bearer(undefined, 'test-social-care'));
      expect(res.status).toBe(200);
      expect(res.body.resourceType).toBe('Bundle');
      expect(res.body.total).toBe(0);
    },
  );
});

/** Parameter names and values are the client's: none of them may reach a 500. */
describe('odd search parameters', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('pglite');
  });
  afterAll(() => t.close());

  it.each([['constructor=x'], ['toString=x'], ['hasOwnProperty=1'], ['__proto__=x']])(
    'a name that is also an object member (%s) is an unknown parameter: ignored leniently, refused strictly',
    async (query) => {
      const lenient = await t.http.get(`/fhir/Patient?${query}`).set('Authorization', await t.bearer(undefined, 'test-social-care'));
      expect(lenient.status).toBe(200);
      expect(lenient.body.resourceType).toBe('Bundle');
      const strict = await t.http.get(`/fhir/Patient?${query}`).set('Authorization', await t.bearer(undefined, 'test-social-care')).set('Prefer', 'handling=strict');
      expect(strict.status).toBe(400);
      expect(strict.body.resourceType).toBe('OperationOutcome');
    },
  );

  it('the same names in a form search', async () => {
    const res = await t.http
      .post('/fhir/Patient/_search')
      .set('Authorization', await t.bearer(undefined, 'test-social-care'))
      .type('form')
      .send('constructor=1&__proto__=2');
    expect(res.status).toBe(200);
    expect(res.body.resourceType).toBe('Bundle');
  });

  it.each([['_include=Patient:constructor'], ['_include=Patient'], ['_revinclude=*'], ['_include=a:b:c:d'], ['_revinclude=CarePlan:toString']])(
    '%s: 4xx with an OperationOutcome',
    async (query) => {
      const res = await t.http.get(`/fhir/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|9990000018&${query}`).set('Authorization', await t.bearer(undefined, 'test-social-care'));
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.body.resourceType).toBe('OperationOutcome');
    },
  );

  it.each([['_offset=100000000000000000000'], ['_offset=9999999999'], ['_offset=10001']])('%s: 400, not a database error', async (query) => {
    const res = await t.http.get(`/fhir/Patient?${query}`).set('Authorization', await t.bearer(undefined, 'test-social-care'));
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].expression).toEqual(['_offset']);
  });

  it('a huge _count is capped at the largest page, as documented', async () => {
    const res = await t.http.get('/fhir/Patient?_count=100000000000000000000').set('Authorization', await t.bearer(undefined, 'test-social-care'));
    expect(res.status).toBe(200);
    expect(res.body.entry.length).toBeLessThanOrEqual(100);
  });
});

/** NUL can be neither a FHIR value nor stored: refused as the caller's mistake, never a 500 or 503. */
describe('the NUL character', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('pglite');
  });
  afterAll(() => t.close());

  it.each([['/fhir/Patient?name=%00'], ['/fhir/Patient?birthdate=%00'], ['/fhir/Patient?identifier=%00'], ['/fhir/Patient/%00'], ['/fhir/Flag?category=x%00y']])(
    'in the URL (%s): 400 with an OperationOutcome',
    async (url) => {
      const res = await t.http.get(url).set('Authorization', await t.bearer(undefined, 'test-social-care'));
      expect(res.status).toBe(400);
      expect(res.body.issue[0].diagnostics).toMatch(/NUL/);
    },
  );

  it('in a JSON body: 400 with an OperationOutcome', async () => {
    const res = await t.http
      .post('/fhir/Patient/$validate')
      .set('Authorization', await t.bearer(undefined, 'test-social-care'))
      .set('Content-Type', 'application/fhir+json')
      .send('{"resourceType":"Patient","name":[{"family":"Thorn\\u0000ton"}]}');
    expect(res.status).toBe(400);
    expect(res.body.issue[0].diagnostics).toMatch(/NUL/);
  });
});
