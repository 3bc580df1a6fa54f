import { Bundle, CapabilityStatement, CarePlan, OperationOutcome, Patient, Resource } from '@medplum/fhirtypes';
import request from 'supertest';
import { startTestApp, TestApp } from '../support/app';
import { DRIVERS } from '../support/stores';

/**
 * FHIR search as clients expect it: _lastUpdated on every type, _sort, chains one level into any
 * parameter of the type referred to, _total, and _has, each refused with 400 when it cannot be
 * honoured (never ignored), and each looking only at what the caller may search.
 */

type As = (req: request.Test) => request.Test;
const NHS = 'https://fhir.nhs.uk/Id/nhs-number';

const matches = <T extends Resource>(b: Bundle) => (b.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource as T);
const ids = (b: Bundle) => matches(b).map((r) => r.id!);
const sorted = (xs: string[]) => [...xs].sort();
const next = (b: Bundle) => b.link?.find((l) => l.relation === 'next')?.url;

describe.each(DRIVERS)('search features (%s)', (driver) => {
  let t: TestApp;
  /** The council's social-care system: the social-care view, every type. */
  let council: As;
  /** A hospital EPR: the health view, no AuditEvent. */
  let hospital: As;

  const get = async (as: As, path: string, query: Record<string, string | string[]> = {}) => {
    const res = await as(t.http.get(path).query(query));
    expect({ path, query, status: res.status, body: res.status === 200 ? undefined : res.body }).toMatchObject({ path, query, status: 200 });
    return res.body as Bundle;
  };
  /** The refusal a search gets: its status and the OperationOutcome's first issue. */
  const refused = async (as: As, path: string, query: Record<string, string | string[]>, headers: Record<string, string> = {}) => {
    const req = as(t.http.get(path).query(query));
    for (const [k, v] of Object.entries(headers)) req.set(k, v);
    const res = await req;
    const outcome = res.body as OperationOutcome;
    expect(outcome.resourceType).toBe('OperationOutcome');
    return { status: res.status, code: outcome.issue?.[0]?.code, diagnostics: outcome.issue?.[0]?.diagnostics ?? '' };
  };
  /** Every match of a search, following its next links. */
  const all = async (as: As, path: string, query: Record<string, string | string[]>) => {
    const out: Resource[] = [];
    let page = await get(as, path, { ...query, _count: '7' });
    out.push(...matches(page));
    for (let url = next(page); url; url = next(page)) {
      const u = new URL(url);
      page = (await as(t.http.get(u.pathname + u.search))).body as Bundle;
      out.push(...matches(page));
    }
    return out;
  };
  const count = async (as: As, path: string, query: Record<string, string | string[]> = {}) =>
    (await get(as, path, { ...query, _summary: 'count' })).total!;

  beforeAll(async () => {
    t = await startTestApp(driver);
    council = await t.as('sandbox-council-mosaic');
    hospital = await t.as('sandbox-epr-rx1');
  }, 60000);
  afterAll(() => t?.close());

  describe('_lastUpdated', () => {
    it('is listed for every type the CapabilityStatement serves', async () => {
      const cs = (await t.http.get('/fhir/metadata')).body as CapabilityStatement;
      const served = cs.rest![0].resource!.filter((r) => !['StructureDefinition', 'CodeSystem', 'ValueSet'].includes(r.type));
      expect(served.length).toBeGreaterThanOrEqual(12);
      for (const r of served) {
        expect({ type: r.type, lastUpdated: r.searchParam?.find((p) => p.name === '_lastUpdated')?.type }).toEqual({ type: r.type, lastUpdated: 'date' });
      }
    });

    it('searches every type by the time of last change, with prefixes', async () => {
      const future = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
      for (const type of ['Patient', 'CarePlan', 'Flag', 'CareTeam', 'Organization', 'Practitioner', 'PractitionerRole', 'RelatedPerson', 'Procedure', 'Communication', 'Task', 'AuditEvent']) {
        const everything = await count(council, `/fhir/${type}`);
        const before = await count(council, `/fhir/${type}`, { _lastUpdated: `lt${future}` });
        // The audit trail grows by a record with every request, this count's own included.
        if (type === 'AuditEvent') expect(before).toBeGreaterThan(everything);
        else expect({ type, before }).toEqual({ type, before: everything });
        expect({ type, after: await count(council, `/fhir/${type}`, { _lastUpdated: `ge${future}` }) }).toEqual({ type, after: 0 });
      }
    });

    it('finds a record by its own instant or its day, and not either side of it', async () => {
      const patient = (await council(t.http.get('/fhir/Patient/WXB-100001'))).body as Patient;
      const at = patient.meta!.lastUpdated!;
      const day = at.slice(0, 10);
      const found = async (value: string) => ids(await get(council, '/fhir/Patient', { _id: 'WXB-100001', _lastUpdated: value }));
      expect(await found(at)).toEqual(['WXB-100001']);
      expect(await found(`eq${day}`)).toEqual(['WXB-100001']);
      expect(await found(day.slice(0, 7))).toEqual(['WXB-100001']);
      expect(await found(`ge${at}`)).toEqual(['WXB-100001']);
      expect(await found(`le${at}`)).toEqual(['WXB-100001']);
      expect(await found(`ne${at}`)).toEqual([]);
      expect(await found(`gt${at}`)).toEqual([]);
      expect(await found(`sa${day}`)).toEqual([]);
      expect(await found(`eb${day}`)).toEqual([]);
      expect(await found(`lt${at}`)).toEqual([]);
    });

    it('refuses what is not a date or a prefix it knows with 400', async () => {
      expect(await refused(council, '/fhir/Organization', { _lastUpdated: 'yesterday' })).toMatchObject({ status: 400, diagnostics: expect.stringContaining('_lastUpdated') });
      expect(await refused(council, '/fhir/Organization', { _lastUpdated: 'ap2026-01-01' })).toMatchObject({ status: 400 });
      expect(await refused(council, '/fhir/Organization', { _lastUpdated: '2026-11-23T10:00' })).toMatchObject({ status: 400 });
    });
  });

  describe('_sort', () => {
    it('orders by a date parameter, ascending or descending, and pages through every match once', async () => {
      const births = (ps: Resource[]) => ps.map((p) => (p as Patient).birthDate ?? '');
      const up = await all(council, '/fhir/Patient', { _sort: 'birthdate' });
      const down = await all(council, '/fhir/Patient', { _sort: '-birthdate' });
      const plain = await all(council, '/fhir/Patient', {});
      expect(up.length).toBe(plain.length);
      expect(new Set(up.map((p) => p.id)).size).toBe(up.length);
      expect(sorted(up.map((p) => p.id!))).toEqual(sorted(plain.map((p) => p.id!)));
      const known = (xs: string[]) => xs.filter(Boolean);
      expect(known(births(up))).toEqual(sorted(known(births(up))));
      expect(known(births(down))).toEqual(sorted(known(births(down))).reverse());
      expect(births(up)).not.toEqual(births(plain));
    });

    it('breaks ties by id, takes several keys and carries _sort in the paging links', async () => {
      // Records loaded together share their time of change: the id decides, the same on every page.
      const byChange = await all(council, '/fhir/CarePlan', { _sort: '-_lastUpdated,date' });
      const instants = byChange.map((r) => r.meta!.lastUpdated!);
      expect(instants).toEqual(sorted(instants).reverse());
      expect(new Set(byChange.map((r) => r.id)).size).toBe(byChange.length);
      const page = await get(council, '/fhir/CarePlan', { _sort: 'date', _count: '3' });
      expect(next(page)).toContain('_sort=date');
      const starts = (await all(council, '/fhir/CarePlan', { _sort: 'date' })).map((r) => (r as CarePlan).period?.start).filter((s): s is string => !!s);
      expect(starts).toEqual(sorted(starts));
    });

    it('refuses any other key with 400, naming what may be sorted by', async () => {
      for (const value of ['name', '-gender', '_id', '', 'birthdate,', 'birthdate,birthdate', '__proto__']) {
        expect({ value, ...(await refused(council, '/fhir/Patient', { _sort: value })) }).toMatchObject({ value, status: 400, diagnostics: expect.stringContaining('_lastUpdated, birthdate') });
      }
      expect(await refused(council, '/fhir/Organization', { _sort: 'name' })).toMatchObject({ status: 400, diagnostics: expect.stringContaining('sortable for Organization: _lastUpdated') });
    });
  });

  describe('chained parameters', () => {
    it('chain into any parameter of the type referred to, with its modifiers', async () => {
      const direct = ids(await get(council, '/fhir/CarePlan', { patient: 'Patient/WXB-100001' }));
      expect(direct.length).toBeGreaterThan(0);
      expect(ids(await get(council, '/fhir/CarePlan', { 'patient.name:exact': 'Barbara' }))).toEqual(direct);
      expect(ids(await get(council, '/fhir/CarePlan', { 'patient.name:exact': 'barbara' }))).toEqual([]);
      expect(ids(await get(council, '/fhir/CarePlan', { 'subject:Patient.birthdate': '1941-06-14', 'patient.family': 'Thornton' }))).toEqual(direct);
      expect(ids(await get(council, '/fhir/CarePlan', { 'patient.identifier': `${NHS}|9990000018` }))).toEqual(direct);
      expect(ids(await get(council, '/fhir/Flag', { 'patient.identifier': `${NHS}|9990000018` }))).toEqual(
        ids(await get(council, '/fhir/Flag', { patient: 'WXB-100001' })),
      );
    });

    it('chain through references to organisations, practitioners and teams', async () => {
      const barbara = (await council(t.http.get('/fhir/Patient/WXB-100001'))).body as Patient;
      const teamId = barbara.managingOrganization!.reference!.split('/')[1];
      const team = (await council(t.http.get(`/fhir/Organization/${teamId}`))).body as { name: string };
      const inTeam = sorted(ids(await get(council, '/fhir/Patient', { organization: teamId, _count: '100' })));
      expect(inTeam).toContain('WXB-100001');
      expect(sorted(ids(await get(council, '/fhir/Patient', { 'organization.name:exact': team.name, _count: '100' })))).toEqual(inTeam);
      expect(sorted(ids(await get(council, '/fhir/CareTeam', { 'participant:Organization.name:exact': team.name, _count: '100' })))).toEqual(inTeam);
      const plans = await get(council, '/fhir/CarePlan', { patient: 'WXB-100001' });
      const provider = (matches<CarePlan>(plans)[0].activity![0].detail!.performer![0].reference!).split('/')[1];
      expect(ids(await get(council, '/fhir/CarePlan', { 'performer._id': provider, patient: 'WXB-100001' }))).toContain(matches(plans)[0].id);
    });

    it('refuses a chain it cannot honour with 400, even under lenient handling', async () => {
      const cases: [string, string, Record<string, string>, string][] = [
        ['/fhir/CarePlan', 'deeper than one level', { 'patient.organization.name': 'Older' }, 'one level'],
        ['/fhir/CarePlan', 'a parameter the target lacks', { 'patient.address': 'x' }, 'Patient has no search parameter address'],
        ['/fhir/CarePlan', "a modifier the target's parameter lacks", { 'patient.name:below': 'x' }, 'the modifier :below is not supported on Patient.name'],
        ['/fhir/CarePlan', 'a parameter that is no reference', { 'status.name': 'x' }, 'is not a reference'],
        ['/fhir/CarePlan', 'an unknown parameter', { 'colour.name': 'x' }, 'no search parameter colour'],
        ['/fhir/CarePlan', 'a type the reference does not point at', { 'subject:Group.name': 'x' }, 'not Group'],
        ['/fhir/CareTeam', 'a reference to several types without one named', { 'participant.name': 'x' }, 'name the type'],
        ['/fhir/CarePlan', 'a chain with no parameter', { 'patient.': 'x' }, 'not a chained parameter'],
      ];
      for (const [path, what, query, says] of cases) {
        expect({ what, ...(await refused(council, path, query)) }).toMatchObject({ what, status: 400, diagnostics: expect.stringContaining(says) });
      }
    });

    it('looks into the type referred to only as far as the caller may search it', async () => {
      const noPatients = await t.as('test-system', 'system/CarePlan.rs');
      expect(await refused(noPatients, '/fhir/CarePlan', { 'patient.name': 'Barbara' })).toMatchObject({ status: 403, code: 'forbidden' });
      expect((await noPatients(t.http.get('/fhir/CarePlan').query({ patient: 'WXB-100001' }))).status).toBe(200);
    });
  });

  describe('_total', () => {
    it('is right at any offset, counted when asked, and left out when not wanted', async () => {
      const matching = await count(council, '/fhir/Patient', { name: 'a' });
      expect(matching).toBeGreaterThan(0);
      const deep = await get(council, '/fhir/Patient', { name: 'a', _offset: '10000' });
      expect(deep.total).toBe(matching);
      expect(deep.entry ?? []).toEqual([]);
      const pastTheEnd = await get(council, '/fhir/Patient', { name: 'a', _offset: String(matching + 1), _count: '1' });
      expect(pastTheEnd.total).toBe(matching);
      const everyone = await count(council, '/fhir/Patient');
      expect((await get(council, '/fhir/Patient', { _count: '1' })).total).toBeUndefined();
      expect((await get(council, '/fhir/Patient', { _count: '1', _total: 'estimate' })).total).toBeUndefined();
      expect((await get(council, '/fhir/Patient', { _count: '1', _total: 'accurate' })).total).toBe(everyone);
      expect((await get(council, '/fhir/Patient', { _count: '1', _offset: '3', _total: 'accurate' })).total).toBe(everyone);
      const last = await get(council, '/fhir/Patient', { _count: '5', _offset: String(everyone - 2) });
      expect(last.total).toBe(everyone);
      expect((await get(council, '/fhir/Patient', { _count: '5', _offset: String(everyone - 2), _total: 'none' })).total).toBeUndefined();
      const paged = await get(council, '/fhir/Patient', { _count: '2', _total: 'accurate' });
      expect(next(paged)).toContain('_total=accurate');
    });

    it('refuses any other value with 400', async () => {
      expect(await refused(council, '/fhir/Patient', { _total: 'exact' })).toMatchObject({ status: 400, diagnostics: expect.stringContaining('none, estimate or accurate') });
    });
  });

  describe('_has', () => {
    const subjects = (rs: Resource[]) => sorted([...new Set(rs.map((r) => ((r as CarePlan).subject ?? (r as { patient?: { reference?: string } }).patient)!.reference!.split('/')[1]))]);

    it('finds the people a record of another type points at', async () => {
      const withActive = sorted((await all(council, '/fhir/Patient', { '_has:CarePlan:patient:status': 'active' })).map((p) => p.id!));
      expect(withActive.length).toBeGreaterThan(0);
      expect(withActive).toEqual(subjects(await all(council, '/fhir/CarePlan', { status: 'active' })));
      expect(sorted((await all(council, '/fhir/Patient', { '_has:CarePlan:subject:status': 'active' })).map((p) => p.id!))).toEqual(withActive);
      expect(sorted((await all(council, '/fhir/Patient', { '_has:Flag:patient:status': 'active' })).map((p) => p.id!))).toEqual(
        subjects(await all(council, '/fhir/Flag', { status: 'active' })),
      );
      expect(sorted((await all(council, '/fhir/Patient', { '_has:RelatedPerson:patient:active': 'true' })).map((p) => p.id!))).toEqual(
        subjects(await all(council, '/fhir/RelatedPerson', { active: 'true' })),
      );
      expect(sorted((await all(council, '/fhir/Patient', { '_has:Procedure:subject:status': 'completed' })).map((p) => p.id!))).toEqual(
        subjects(await all(council, '/fhir/Procedure', { status: 'completed' })),
      );
      expect(ids(await get(council, '/fhir/Patient', { '_has:CareTeam:patient:_id': 'WXB-100001' }))).toEqual(['WXB-100001']);
      // With a modifier of the parameter looked at, and beside the search's own parameters.
      const notActive = sorted((await all(council, '/fhir/Patient', { '_has:CarePlan:patient:status:not': 'active' })).map((p) => p.id!));
      expect(notActive).toEqual(subjects(await all(council, '/fhir/CarePlan', { 'status:not': 'active' })));
      expect(ids(await get(council, '/fhir/Patient', { _id: 'WXB-100001', '_has:CarePlan:patient:_id': 'NO-SUCH-PACKAGE' }))).toEqual([]);
    });

    it("applies the caller's view and scopes to the records it looks at", async () => {
      // The health view sees open concerns only: a closed one tells a hospital nothing.
      const closed = await all(council, '/fhir/Flag', { status: 'inactive' });
      expect(closed.length).toBeGreaterThan(0);
      const person = subjects(closed)[0];
      const nhs = ((await council(t.http.get(`/fhir/Patient/${person}`))).body as Patient).identifier!.find((i) => i.system === NHS)!.value!;
      const asked = { identifier: `${NHS}|${nhs}`, '_has:Flag:patient:status': 'inactive' };
      expect(ids(await get(council, '/fhir/Patient', asked))).toEqual([person]);
      expect(ids(await get(hospital, '/fhir/Patient', asked))).toEqual([]);
      // A client that may not search care packages learns nothing of who has one.
      const patientsOnly = await t.as('test-system', 'system/Patient.rs');
      expect(await refused(patientsOnly, '/fhir/Patient', { identifier: `${NHS}|9990000018`, '_has:CarePlan:patient:status': 'active' })).toMatchObject({
        status: 403,
        code: 'forbidden',
        diagnostics: expect.stringContaining('may not search CarePlan'),
      });
    });

    it('refuses what it cannot honour with 400, even under lenient handling', async () => {
      const cases: [string, string][] = [
        ['_has:CarePlan:performer:status', 'is not a reference to Patient'],
        ['_has:Foo:patient:status', 'Foo is not a type served here'],
        ['_has:CarePlan:patient:colour', 'CarePlan has no search parameter colour'],
        ['_has:CarePlan:patient:status:exact', 'the modifier :exact is not supported'],
        ['_has:CarePlan:patient:_has:Flag:patient:status', 'a _has within a _has'],
        ['_has:CarePlan:patient', 'not a reverse chain'],
        ['_has', 'not a reverse chain'],
      ];
      for (const [key, says] of cases) {
        expect({ key, ...(await refused(council, '/fhir/Patient', { [key]: 'active' })) }).toMatchObject({ key, status: 400, diagnostics: expect.stringContaining(says) });
      }
    });
  });
});
