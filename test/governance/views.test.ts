import { Bundle, CarePlan, Communication, Flag, OperationOutcome, Resource } from '@medplum/fhirtypes';
import request from 'supertest';
import { startTestApp, TestApp } from '../support/app';
import { DRIVERS } from '../support/stores';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
/** Natalie Brooks (WXB-100010), whose record is restricted: her date of birth, as a hospital that knows her would search. */
const RESTRICTED_BIRTH_DATE = '1984-05-16';

type As = (r: request.Test) => request.Test;
const matches = <T extends Resource>(b: Bundle) => (b.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource as T);

describe.each(DRIVERS)('minimum-necessary views, restricted records, access notifications (%s)', (driver) => {
  let t: TestApp;
  let hospital: As;
  let council: As;
  let hub: As;
  let otherHospital: As;
  beforeAll(async () => {
    t = await startTestApp(driver);
    hospital = await t.as('sandbox-epr-rx1');
    council = await t.as('sandbox-council-mosaic');
    hub = await t.as('test-safeguarding-hub');
    otherHospital = await t.as('test-epr-rx2');
  });
  afterAll(() => t.close());

  const get = async (as: As, path: string, query: Record<string, string> = {}) => {
    const res = await as(t.http.get(path).query(query));
    expect(res.status).toBe(200);
    return res.body as Bundle;
  };

  describe('the health view hides what health staff do not need, for every type', () => {
    it('CarePlan: the package, its type, dates, funding and provider, but no hours, tasks, costs or notes', async () => {
      const [health] = matches<CarePlan>(await get(hospital, '/fhir/CarePlan', { patient: 'Patient/WXB-100001' }));
      const [social] = matches<CarePlan>(await get(council, '/fhir/CarePlan', { _id: 'PKG-0001' }));
      expect(health.activity?.[0].detail?.description).toBeUndefined();
      expect(JSON.stringify(health)).not.toMatch(/hours a week|weekly cost|£/);
      expect(social.activity?.[0].detail?.description).toMatch(/14 hours a week.*weekly cost £/);
      const { activity: _a, meta: _m, ...healthRest } = health;
      const { activity: _b, meta: _n, ...socialRest } = social;
      expect(healthRest).toEqual(socialRest);
    });

    it('Flag: that a concern is open and whom to call; not its type, and not closed concerns', async () => {
      const [open] = matches<Flag>(await get(hospital, '/fhir/Flag', { patient: 'WXB-100005' }));
      expect(open.status).toBe('active');
      expect(open.code.coding).toBeUndefined();
      expect(open.code.text).toMatch(/Contact .* on /);
      const [typed] = matches<Flag>(await get(council, '/fhir/Flag', { patient: 'WXB-100005' }));
      expect(typed.code.coding?.[0].code).toBe('financial');
      expect(matches(await get(hospital, '/fhir/Flag', { patient: 'WXB-100006' }))).toEqual([]);
      expect(matches<Flag>(await get(council, '/fhir/Flag', { patient: 'WXB-100006' })).map((f) => f.status)).toEqual(['inactive']);
      const closedId = matches<Flag>(await get(council, '/fhir/Flag', { patient: 'WXB-100006' }))[0].id;
      expect((await hospital(t.http.get(`/fhir/Flag/${closedId}`))).status).toBe(403);
    });

    it("Patient, CareTeam, Organization, Practitioner and PractitionerRole show the same in both views (nothing in them is beyond direct care but the council's own CLD details)", async () => {
      // Barbara's primary support reason and accommodation status come from the CLD return: the council's, not the hospital's.
      const councilOnly = ['PrimarySupportReason', 'AccommodationStatus'].map((name) => `https://fhir.social-care-facade.uk/StructureDefinition/Extension-${name}`);
      const withoutCouncilOnly = (body: { extension?: { url: string }[] }) => ({ ...body, extension: body.extension?.filter((e) => !councilOnly.includes(e.url)) });
      const barbara = (await council(t.http.get('/fhir/Patient/WXB-100001'))).body;
      expect(barbara.extension.map((e: { url: string }) => e.url)).toEqual(expect.arrayContaining(councilOnly));
      for (const [type, id] of [
        ['Patient', 'WXB-100001'],
        ['CareTeam', 'WXB-100001'],
        ['Organization', 'CQC-1-1000000123'],
        ['Practitioner', 'W-001'],
        ['PractitionerRole', 'W-001'],
      ]) {
        const h = await hospital(t.http.get(`/fhir/${type}/${id}`));
        const s = await council(t.http.get(`/fhir/${type}/${id}`));
        expect({ type, status: h.status, body: h.body }).toEqual({ type, status: 200, body: type === 'Patient' ? withoutCouncilOnly(s.body) : s.body });
      }
    });

    it('the view is in the token, as introspection shows', async () => {
      const token = await t.token(undefined, 'sandbox-epr-rx1');
      const res = await t.http.post('/auth/introspect').set('Authorization', `Bearer ${token}`).type('form').send({ token });
      expect(res.body.active).toBe(true);
      expect(res.body.view).toBe('health');
    });
  });

  describe('a restricted record is never disclosed without the dedicated view', () => {
    it('a lookup by NHS number gets an OperationOutcome with the council numbers, not a Patient', async () => {
      const bundle = await get(hospital, '/fhir/Patient', { identifier: `${NHS}|9990000093`, _revinclude: 'CarePlan:subject' });
      expect(matches(bundle)).toEqual([]);
      const outcome = bundle.entry!.find((e) => e.search?.mode === 'outcome')!.resource as OperationOutcome;
      expect(outcome.issue[0]).toMatchObject({ severity: 'warning', code: 'suppressed' });
      expect(outcome.issue[0].diagnostics).toMatch(/restricted.*call Wexbridge County Council on .*\d.*out of hours/);
      expect(JSON.stringify(bundle)).not.toMatch(/Natalie|Brooks|WXB-100010/);
    });

    it('reads are refused with the same message; searches by other routes simply leave the person out', async () => {
      const read = await hospital(t.http.get('/fhir/Patient/WXB-100010'));
      expect(read.status).toBe(403);
      expect(read.body.issue[0].code).toBe('suppressed');
      expect(read.body.issue[0].diagnostics).toMatch(/call Wexbridge County Council/);
      expect((await hospital(t.http.get('/fhir/CareTeam/WXB-100010'))).status).toBe(403);
      const plans = await get(hospital, '/fhir/CarePlan', { 'patient.identifier': `${NHS}|9990000093` });
      expect(matches(plans)).toEqual([]);
      expect(JSON.stringify(plans)).toMatch(/suppressed/);
      expect(matches(await get(hospital, '/fhir/Patient', { family: 'Brooks', birthdate: RESTRICTED_BIRTH_DATE }))).toEqual([]);
      // The council's own system browses; restricted people are left out of what it finds.
      expect(matches(await get(council, '/fhir/Flag', { status: 'active', _count: '100' })).map((f) => (f as Flag).subject.reference)).not.toContain('Patient/WXB-100010');
      // The social-care view does not include restricted records either: only the dedicated view does.
      expect((await council(t.http.get('/fhir/Patient/WXB-100010'))).status).toBe(403);
      const seen = await hub(t.http.get('/fhir/Patient/WXB-100010'));
      expect(seen.status).toBe(200);
      expect(seen.body.name[0].family).toBe('Brooks');
    });

    it('the attempt is audited with the person and notified to their worker', async () => {
      await hospital(t.http.get('/fhir/Patient').query({ identifier: `${NHS}|9990000093` }).set('X-Request-ID', 'restricted-1'));
      const trail = await get(council, '/fhir/AuditEvent', { patient: 'Patient/WXB-100010', _count: '50' });
      const event = matches(trail).find((e) => (e as { extension?: { valueString?: string }[] }).extension?.[0].valueString === 'restricted-1');
      expect(event).toBeDefined();
      const notices = matches<Communication>(await get(council, '/fhir/Communication', { category: 'access-notification', subject: 'Patient/WXB-100010' }));
      expect(notices).toHaveLength(1);
      expect(notices[0].priority).toBe('urgent');
      expect(notices[0].payload?.[0].contentString).toMatch(/sandbox-epr-rx1 .*tried to look up .*restricted record/);
    });
  });

  describe('access notifications (CP-IS pattern)', () => {
    it('one per client, person and day, to the allocated worker, searchable by recipient and category; none for the council', async () => {
      for (let i = 0; i < 3; i++) await hospital(t.http.get('/fhir/CarePlan').query({ 'patient.identifier': `${NHS}|9990000018` }));
      await otherHospital(t.http.get('/fhir/Patient/WXB-100001'));
      await council(t.http.get('/fhir/Patient/WXB-100001'));
      const careTeam = (await hospital(t.http.get('/fhir/CareTeam/WXB-100001'))).body;
      const worker = careTeam.participant.find((p: { member: { reference: string } }) => p.member.reference.startsWith('PractitionerRole/')).member.reference;
      const notes = matches<Communication>(
        await get(council, '/fhir/Communication', {
          recipient: worker,
          category: 'https://fhir.social-care-facade.uk/CodeSystem/communication-category|access-notification',
        }),
      ).filter((c) => c.subject?.reference === 'Patient/WXB-100001');
      // Earlier tests may have notified this person too, at any time today: whatever they did, each
      // hospital's looks today (three searches by one, a read by the other) make exactly one notification.
      const byHospitals = notes.map((c) => c.payload?.[0].contentString?.split(' ')[0]).filter((client) => client === 'sandbox-epr-rx1' || client === 'test-epr-rx2');
      expect(byHospitals.sort()).toEqual(['sandbox-epr-rx1', 'test-epr-rx2']);
      expect(notes.every((c) => c.recipient?.[0].reference === worker)).toBe(true);
      // Hospitals do not see the council's notifications.
      expect(matches(await get(hospital, '/fhir/Communication', { category: 'access-notification' }))).toEqual([]);
    });

    it('nobody is notified about a person without an allocated worker', async () => {
      await hospital(t.http.get('/fhir/Patient/WXB-100002'));
      expect(matches(await get(council, '/fhir/Communication', { category: 'access-notification', subject: 'Patient/WXB-100002' }))).toEqual([]);
    });
  });
});
