import { Bundle, CarePlan, Resource } from '@medplum/fhirtypes';
import { startTestApp, TestApp } from '../support/app';
import { DRIVERS } from '../support/stores';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const SERVICE = 'https://fhir.social-care-facade.uk/CodeSystem/care-package-service-type';
const HEADINGS = 'https://fhir.hl7.org.uk/CodeSystem/UKCore-RecordStandardHeadings';

const ids = (b: Bundle, type?: string) =>
  (b.entry ?? [])
    .filter((e) => e.search?.mode === 'match' && (!type || e.resource?.resourceType === type))
    .map((e) => e.resource!.id!)
    .sort();
const resources = <T extends Resource>(b: Bundle) => (b.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource as T);

describe.each(DRIVERS)('search parameters (%s)', (driver) => {
  let t: TestApp;
  // As the council's own system: it may browse (a hospital must name the person; see frontDoorQuery.test.ts).
  const get = async (path: string, query: Record<string, string | string[]> = {}) => {
    const res = await t.http.get(path).set('Authorization', await t.bearer(undefined, 'test-social-care')).query(query);
    expect(res.status).toBe(200);
    return res.body as Bundle;
  };
  beforeAll(async () => {
    t = await startTestApp(driver);
  });
  afterAll(() => t.close());

  describe('Patient', () => {
    it('by _id, identifier (NHS number with or without system, social-care reference) and comma-separated alternatives', async () => {
      expect(ids(await get('/fhir/Patient', { _id: 'WXB-100001' }))).toEqual(['WXB-100001']);
      expect(ids(await get('/fhir/Patient', { identifier: '9990000018' }))).toEqual(['WXB-100001']);
      expect(ids(await get('/fhir/Patient', { identifier: `${NHS}|999 000 0026` }))).toEqual(['WXB-100002']);
      expect(ids(await get('/fhir/Patient', { identifier: 'https://fhir.social-care-facade.uk/Id/social-care-reference|WXB-100009' }))).toEqual(['WXB-100009']);
      expect(ids(await get('/fhir/Patient', { identifier: `${NHS}|9990000018,${NHS}|9990000026` }))).toEqual(['WXB-100001', 'WXB-100002']);
      expect(ids(await get('/fhir/Patient', { identifier: 'http://other.example/system|9990000018' }))).toEqual([]);
    });

    it('by name: starts-with and case-insensitive by default, :exact, :contains; family and given', async () => {
      expect(ids(await get('/fhir/Patient', { name: 'barb' }))).toContain('WXB-100001');
      expect(ids(await get('/fhir/Patient', { name: 'THORN' }))).toContain('WXB-100001');
      expect(ids(await get('/fhir/Patient', { name: 'arbara' }))).not.toContain('WXB-100001');
      expect(ids(await get('/fhir/Patient', { 'name:contains': 'arbar' }))).toContain('WXB-100001');
      expect(ids(await get('/fhir/Patient', { 'name:exact': 'Barbara' }))).toContain('WXB-100001');
      expect(ids(await get('/fhir/Patient', { 'name:exact': 'barbara' }))).not.toContain('WXB-100001');
      expect(ids(await get('/fhir/Patient', { family: 'Thornton', given: 'Barb' }))).toEqual(['WXB-100001']);
      expect(ids(await get('/fhir/Patient', { family: 'Barbara' }))).not.toContain('WXB-100001');
    });

    it('by birthdate with prefixes, and gender', async () => {
      expect(ids(await get('/fhir/Patient', { birthdate: '1941-06-14' }))).toContain('WXB-100001');
      expect(ids(await get('/fhir/Patient', { birthdate: '1941' }))).toContain('WXB-100001');
      expect(ids(await get('/fhir/Patient', { birthdate: '1941-06' }))).toContain('WXB-100001');
      expect(ids(await get('/fhir/Patient', { birthdate: 'gt1941-06-14' }))).not.toContain('WXB-100001');
      expect(ids(await get('/fhir/Patient', { birthdate: 'ge1941-06-14' }))).toContain('WXB-100001');
      expect(ids(await get('/fhir/Patient', { birthdate: 'lt1941-06-15' }))).toContain('WXB-100001');
      expect(ids(await get('/fhir/Patient', { birthdate: ['ge1941-01-01', 'le1941-12-31'] }))).toContain('WXB-100001');
      expect(ids(await get('/fhir/Patient', { birthdate: 'ne1941-06-14' }))).not.toContain('WXB-100001');
      const women = resources<{ gender: string } & Resource>(await get('/fhir/Patient', { gender: 'female', _count: '100' }));
      expect(women.length).toBeGreaterThan(5);
      expect(women.every((p) => p.gender === 'female')).toBe(true);
    });
  });

  describe('CarePlan', () => {
    it('by patient and subject: reference, :identifier, chained identifier, subject:Patient', async () => {
      const expected = ['PKG-0001'];
      const plansOf = async (q: Record<string, string>) => ids(await get('/fhir/CarePlan', q));
      const direct = await plansOf({ patient: 'Patient/WXB-100001' });
      expect(direct).toEqual(expect.arrayContaining(expected));
      expect(await plansOf({ patient: 'WXB-100001' })).toEqual(direct);
      expect(await plansOf({ subject: 'Patient/WXB-100001' })).toEqual(direct);
      expect(await plansOf({ 'subject:Patient': 'WXB-100001' })).toEqual(direct);
      expect(await plansOf({ 'patient:identifier': `${NHS}|9990000018` })).toEqual(direct);
      expect(await plansOf({ 'patient.identifier': `${NHS}|9990000018` })).toEqual(direct);
      expect(await plansOf({ 'subject:Patient.identifier': `${NHS}|9990000018` })).toEqual(direct);
      expect(await plansOf({ 'patient.name': 'Barbara' })).toEqual(direct);
      expect(await plansOf({ patient: 'http://facade.test/fhir/Patient/WXB-100001' })).toEqual(direct);
      expect(await plansOf({ patient: 'Organization/WXB-100001' })).toEqual([]);
    });

    it('by status, including :not', async () => {
      const active = resources<CarePlan>(await get('/fhir/CarePlan', { status: 'active', _count: '100' }));
      expect(active.length).toBeGreaterThan(5);
      expect(active.every((p) => p.status === 'active')).toBe(true);
      const onHold = resources<CarePlan>(await get('/fhir/CarePlan', { status: 'on-hold' }));
      expect(onHold.map((p) => p.subject?.reference)).toContain('Patient/WXB-100004');
      const notActive = resources<CarePlan>(await get('/fhir/CarePlan', { 'status:not': 'active', _count: '100' }));
      expect(notActive.length).toBeGreaterThan(0);
      expect(notActive.every((p) => p.status !== 'active')).toBe(true);
      const both = await get('/fhir/CarePlan', { status: 'active,on-hold', _summary: 'count' });
      const a = await get('/fhir/CarePlan', { status: 'active', _summary: 'count' });
      const h = await get('/fhir/CarePlan', { status: 'on-hold', _summary: 'count' });
      expect(both.total).toBe(a.total! + h.total!);
    });

    it('by category (service type) with and without system', async () => {
      const homeCare = resources<CarePlan>(await get('/fhir/CarePlan', { category: `${SERVICE}|home-care`, _count: '100' }));
      expect(homeCare.length).toBeGreaterThan(2);
      expect(homeCare.every((p) => p.category?.[0].coding?.[0].code === 'home-care')).toBe(true);
      expect(ids(await get('/fhir/CarePlan', { category: 'home-care', _count: '100' }))).toEqual(homeCare.map((p) => p.id).sort());
      expect(ids(await get('/fhir/CarePlan', { category: 'http://other|home-care' }))).toEqual([]);
    });

    it('by date (the package period) with prefixes', async () => {
      // Barbara's package started 2024-03-11 and has no end.
      expect(ids(await get('/fhir/CarePlan', { patient: 'WXB-100001', date: 'ge2026-11-23' }))).toContain('PKG-0001');
      expect(ids(await get('/fhir/CarePlan', { patient: 'WXB-100001', date: 'lt2024-03-11' }))).not.toContain('PKG-0001');
      expect(ids(await get('/fhir/CarePlan', { patient: 'WXB-100001', date: 'le2024-03-11' }))).toContain('PKG-0001');
      const ended = resources<CarePlan>(await get('/fhir/CarePlan', { patient: 'WXB-100003' }))[0];
      expect(ended.status).toBe('completed');
      expect(ids(await get('/fhir/CarePlan', { patient: 'WXB-100003', date: `gt${ended.period!.end}` }))).toEqual([]);
      expect(ids(await get('/fhir/CarePlan', { patient: 'WXB-100003', date: `sa${ended.period!.start}` }))).toEqual([]);
    });

    it('two concurrent packages with different providers both come back', async () => {
      const plans = resources<CarePlan>(await get('/fhir/CarePlan', { patient: 'WXB-100007', status: 'active' }));
      expect(plans).toHaveLength(2);
      const providers = new Set(plans.map((p) => p.activity?.[0].detail?.performer?.[0].reference));
      expect(providers.size).toBe(2);
    });

    it('a self-funded package says the council does not know its details', async () => {
      const [plan] = resources<CarePlan>(await get('/fhir/CarePlan', { patient: 'WXB-100008' }));
      expect(plan.description).toMatch(/not known in detail to the council/);
      expect(plan.extension?.[0].valueCodeableConcept?.coding?.[0].code).toBe('self-funded');
    });
  });

  describe('Flag', () => {
    it('by patient, status, category and date', async () => {
      expect(ids(await get('/fhir/Flag', { patient: 'WXB-100005', status: 'active' }))).toHaveLength(1);
      // WXB-100006's concern is closed: the council's view shows it, inactive (the health view shows open concerns only: test/governance/views.test.ts).
      expect(resources(await get('/fhir/Flag', { patient: 'WXB-100006' })).map((f) => (f as { status: string }).status)).toEqual(['inactive']);
      expect(ids(await get('/fhir/Flag', { patient: 'WXB-100006', status: 'active' }))).toEqual([]);
      const all = ids(await get('/fhir/Flag', { _count: '100' }));
      expect(ids(await get('/fhir/Flag', { category: `${HEADINGS}|safeguarding`, _count: '100' }))).toEqual(all);
      expect(ids(await get('/fhir/Flag', { category: `${HEADINGS}|alerts` }))).toEqual([]);
      expect(ids(await get('/fhir/Flag', { 'subject.identifier': `${NHS}|9990000050`, date: 'ge2000' }))).toHaveLength(1);
    });
  });

  describe('Organization, Practitioner, PractitionerRole, CareTeam', () => {
    it('Organization by identifier (ODS code), name and partof', async () => {
      const [council] = resources<{ name: string; identifier: { value: string }[] } & Resource>(
        await get('/fhir/Organization', { identifier: 'https://fhir.nhs.uk/Id/ods-organization-code|WXB' }),
      );
      expect(council.name).toMatch(/Council/);
      expect(ids(await get('/fhir/Organization', { name: 'wexbridge' }))).toContain(council.id);
      expect(ids(await get('/fhir/Organization', { 'name:contains': 'county' }))).toContain(council.id);
      const teams = ids(await get('/fhir/Organization', { partof: `Organization/${council.id}` }));
      expect(teams.length).toBeGreaterThanOrEqual(5);
    });

    it('Practitioner by name, PractitionerRole by practitioner and organization with _include', async () => {
      const [w] = ids(await get('/fhir/Practitioner', { name: 'Amira' }));
      expect(w).toBe('W-001');
      const bundle = await get('/fhir/PractitionerRole', {
        practitioner: `Practitioner/${w}`,
        _include: ['PractitionerRole:organization', 'PractitionerRole:practitioner'],
      });
      expect(ids(bundle)).toEqual([w]);
      const included = bundle.entry!.filter((e) => e.search?.mode === 'include').map((e) => e.resource!.resourceType).sort();
      expect(included).toEqual(['Organization', 'Practitioner']);
      expect(ids(await get('/fhir/PractitionerRole', { organization: 'Organization/TEAM-OAN', _count: '50' }))).toContain(w);
    });

    it('CareTeam by patient, with participants included', async () => {
      const bundle = await get('/fhir/CareTeam', { 'patient.identifier': `${NHS}|9990000018`, _include: 'CareTeam:participant' });
      expect(ids(bundle)).toEqual(['WXB-100001']);
      const included = bundle.entry!.filter((e) => e.search?.mode === 'include').map((e) => `${e.resource!.resourceType}/${e.resource!.id}`);
      expect(included).toEqual(expect.arrayContaining(['PractitionerRole/W-001']));
    });
  });

  describe('paging, _summary, _elements, POST _search', () => {
    it('pages with _count and next/previous links until every match has been seen once', async () => {
      const total = (await get('/fhir/Patient', { _summary: 'count' })).total!;
      expect(total).toBeGreaterThanOrEqual(30);
      const seen: string[] = [];
      let url: string | undefined = '/fhir/Patient?_count=7';
      let pages = 0;
      while (url) {
        const res = await t.http.get(url.replace('http://facade.test', '')).set('Authorization', await t.bearer(undefined, 'test-social-care'));
        expect(res.status).toBe(200);
        const bundle = res.body as Bundle;
        expect(bundle.entry!.length).toBeLessThanOrEqual(7);
        seen.push(...ids(bundle));
        if (pages > 0) expect(bundle.link?.find((l) => l.relation === 'previous')).toBeDefined();
        url = bundle.link?.find((l) => l.relation === 'next')?.url;
        pages++;
      }
      expect(seen).toHaveLength(total);
      expect(new Set(seen).size).toBe(total);
      expect(pages).toBe(Math.ceil(total / 7));
    });

    it('_summary=count and _count=0 return only the total', async () => {
      const count = await get('/fhir/CarePlan', { status: 'active', _summary: 'count' });
      expect(count.entry).toBeUndefined();
      expect(count.total).toBeGreaterThan(0);
      const zero = await get('/fhir/CarePlan', { status: 'active', _count: '0' });
      expect(zero.total).toBe(count.total);
      expect(zero.entry).toBeUndefined();
    });

    it('caps _count at the maximum page size', async () => {
      const res = await get('/fhir/Patient', { _count: '100000' });
      expect(res.link?.find((l) => l.relation === 'self')?.url).toContain('_count=100');
    });

    it('_elements keeps only the named elements and marks the resource SUBSETTED', async () => {
      const [p] = resources<Resource & Record<string, unknown>>(await get('/fhir/Patient', { _id: 'WXB-100001', _elements: 'name,birthDate' }));
      expect(Object.keys(p).sort()).toEqual(['birthDate', 'id', 'meta', 'name', 'resourceType']);
      expect(p.meta?.tag?.[0].code).toBe('SUBSETTED');
    });

    it('POST [type]/_search with a form body gives the same results as GET', async () => {
      const get1 = await get('/fhir/CarePlan', { 'patient.identifier': `${NHS}|9990000077`, status: 'active' });
      const res = await t.http
        .post('/fhir/CarePlan/_search')
        .set('Authorization', await t.bearer())
        .type('form')
        .send({ 'patient.identifier': `${NHS}|9990000077`, status: 'active' });
      expect(res.status).toBe(200);
      expect(ids(res.body)).toEqual(ids(get1));
      expect(ids(res.body)).toHaveLength(2);
    });
  });
});
