import { startTestApp, TestApp } from '../support/app';

/** Percent-encoding that does not decode is the caller's mistake, never a 500 or 503. */
describe('malformed percent-encoding', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('pglite');
  });
  afterAll(() => t.close());

  it('in the path: 400 with an OperationOutcome', async () => {
    const res = await t.http.get('/fhir/Patient/%E0%A4%A').set('Authorization', await t.bearer());
    expect(res.status).toBe(400);
    expect(res.body.issue[0].diagnostics).toMatch(/percent-encoding/);
  });

  it.each([['/fhir/Patient?name=%E0%A4%A'], ['/fhir/Patient?identifier=%']])(
    'in the query (%s): read literally, as the query parser leaves it, and answered',
    async (url) => {
      const res = await t.http.get(url).set('Authorization', await t.bearer());
      expect(res.status).toBe(200);
      expect(res.body.resourceType).toBe('Bundle');
      expect(res.body.total).toBe(0);
    },
  );
});
