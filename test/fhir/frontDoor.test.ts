import { Bundle, CarePlan, Flag, Organization, Patient } from '@medplum/fhirtypes';
import { DRIVERS } from '../support/stores';
import { startTestApp, TestApp } from '../support/app';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const BARBARA = '9990000018';

function entries(bundle: Bundle, type?: string) {
  return (bundle.entry ?? []).filter((e) => !type || e.resource?.resourceType === type);
}

describe.each(DRIVERS)('front-door lookup by NHS number (%s)', (driver) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(driver);
  });
  afterAll(() => t.close());

  it('includes, through several _revinclude at once, exactly the records a read of each returns', async () => {
    const auth = await t.bearer();
    const res = await t.http
      .get('/fhir/Patient')
      .set('Authorization', auth)
      // Doreen Walsh: an active package, an open safeguarding concern and an allocated worker.
      .query({ identifier: `${NHS}|9990000050`, _revinclude: ['CarePlan:subject', 'Flag:subject', 'CareTeam:subject'] });
    expect(res.status).toBe(200);
    const included = entries(res.body as Bundle).filter((e) => e.search?.mode === 'include').map((e) => e.resource!);
    expect(new Set(included.map((r) => r.resourceType))).toEqual(new Set(['CarePlan', 'Flag', 'CareTeam']));
    for (const type of ['CarePlan', 'Flag', 'CareTeam']) {
      const ids = included.filter((r) => r.resourceType === type).map((r) => r.id!);
      expect(ids).toEqual([...ids].sort());
    }
    for (const r of included) {
      const read = await t.http.get(`/fhir/${r.resourceType}/${r.id}`).set('Authorization', auth);
      expect(read.status).toBe(200);
      expect(r).toEqual(read.body);
    }
  });

  it('finds Barbara with her active home-care package, its provider and phone, in one request', async () => {
    const res = await t.http
      .get('/fhir/CarePlan')
      .set('Authorization', await t.bearer())
      .query({ 'patient:identifier': `${NHS}|${BARBARA}`, status: 'active', _include: ['CarePlan:performer', 'CarePlan:subject'] });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
    const bundle = res.body as Bundle;
    const plans = entries(bundle, 'CarePlan').map((e) => e.resource as CarePlan);
    expect(plans).toHaveLength(1);
    expect(plans[0].status).toBe('active');
    expect(plans[0].category?.[0].coding?.[0].code).toBe('home-care');
    const patient = entries(bundle, 'Patient')[0].resource as Patient;
    expect(patient.identifier?.find((i) => i.system === NHS)?.value).toBe(BARBARA);
    expect(patient.name?.[0].given).toEqual(['Barbara']);
    const provider = entries(bundle, 'Organization')[0].resource as Organization;
    expect(plans[0].activity?.[0].detail?.performer?.[0].reference).toBe(`Organization/${provider.id}`);
    expect(provider.telecom?.some((t) => t.system === 'phone' && t.value)).toBe(true);
    expect(provider.contact?.[0].purpose?.text).toBe('Out of hours');
    expect(entries(bundle, 'Organization')[0].search?.mode).toBe('include');
  });

  it('answers Patient?identifier with _revinclude of packages, flags and the care team', async () => {
    const res = await t.http.get('/fhir/Patient').set('Authorization', await t.bearer()).query({
      identifier: `${NHS}|${BARBARA}`,
      _revinclude: ['CarePlan:subject', 'Flag:subject', 'CareTeam:subject'],
    });
    expect(res.status).toBe(200);
    const bundle = res.body as Bundle;
    expect(entries(bundle, 'Patient')).toHaveLength(1);
    expect(entries(bundle, 'Patient')[0].search?.mode).toBe('match');
    expect(entries(bundle, 'CarePlan').length).toBeGreaterThanOrEqual(1);
    const team = entries(bundle, 'CareTeam')[0].resource!;
    expect(team).toMatchObject({ resourceType: 'CareTeam', subject: { reference: 'Patient/WXB-100001' } });
    expect(JSON.stringify(team)).toContain('PractitionerRole/');
    for (const e of bundle.entry!) expect(e.fullUrl).toBe(`http://facade.test/fhir/${e.resource!.resourceType}/${e.resource!.id}`);
  });

  it('shows an open safeguarding concern as an active Flag naming the team to call, never the details', async () => {
    const res = await t.http.get('/fhir/Flag').set('Authorization', await t.bearer()).query({ 'patient.identifier': `${NHS}|9990000050`, status: 'active' });
    expect(res.status).toBe(200);
    const flags = entries(res.body).map((e) => e.resource as Flag);
    expect(flags).toHaveLength(1);
    expect(flags[0].category?.[0].coding?.[0]).toMatchObject({ code: 'safeguarding' });
    expect(flags[0].author?.reference).toMatch(/^Organization\//);
    expect(flags[0].code.text).toMatch(/Open safeguarding concern\. Contact .+ on \d/);
    // The health view never carries the type of concern.
    expect(flags[0].code.coding).toBeUndefined();
  });

  it('refuses an NHS number that fails its check digit with 400 and says so', async () => {
    const res = await t.http.get('/fhir/Patient').set('Authorization', await t.bearer()).query({ identifier: `${NHS}|9990000019` });
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].diagnostics).toMatch(/Modulus 11/);
    const chained = await t.http.get('/fhir/CarePlan').set('Authorization', await t.bearer()).query({ 'patient.identifier': `${NHS}|12345` });
    expect(chained.status).toBe(400);
    expect(chained.body.issue[0].diagnostics).toMatch(/10 digits/);
  });

  it('answers a valid NHS number the council does not know with an empty searchset', async () => {
    const res = await t.http.get('/fhir/Patient').set('Authorization', await t.bearer()).query({ identifier: `${NHS}|9998765439` });
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(0);
    expect(res.body.entry).toBeUndefined();
  });
});
