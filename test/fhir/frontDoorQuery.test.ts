/**
 * The A&E question in one request: the person, their packages and the providers with their
 * numbers, safeguarding flags and the team to call, the allocated worker and team, and the carer,
 * through _revinclude and _include:iterate; with every included resource under the same access
 * rules. And who may search how: a hospital or portal names the person it looks for; the council's
 * own systems browse. On both store drivers, over HTTP, with the sandbox's people.
 */
import type { Bundle, OperationOutcome, Organization } from '@medplum/fhirtypes';
import request from 'supertest';
import { startTestApp, TestApp } from '../support/app';
import { DRIVERS } from '../support/stores';

type As = (req: request.Test) => request.Test;

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';

/** The documented front-door query (README, docs/conformance.md, the CapabilityStatement). */
const frontDoor = (nhs: string) => ({
  identifier: `${NHS}|${nhs}`,
  _revinclude: ['CarePlan:subject', 'Flag:subject', 'CareTeam:subject', 'RelatedPerson:patient'],
  '_include:iterate': ['CarePlan:performer', 'CareTeam:participant', 'Flag:author'],
});

const refs = (b: Bundle) => (b.entry ?? []).filter((e) => e.search?.mode !== 'outcome').map((e) => `${e.resource!.resourceType}/${e.resource!.id}`).sort();
const modes = (b: Bundle) => Object.fromEntries((b.entry ?? []).filter((e) => e.search?.mode !== 'outcome').map((e) => [`${e.resource!.resourceType}/${e.resource!.id}`, e.search?.mode]));

describe.each(DRIVERS)('the front door in one request (%s)', (driver) => {
  let t: TestApp;
  let hospital: As;
  let portal: As;
  let council: As;

  beforeAll(async () => {
    t = await startTestApp(driver);
    hospital = await t.as('sandbox-epr-rx1');
    portal = await t.as('sandbox-portal');
    council = await t.as('sandbox-council-mosaic');
  });
  afterAll(() => t.close());

  const ask = async (as: As, query: Record<string, string | string[]>) => {
    const res = await as(t.http.get('/fhir/Patient').query(query));
    expect(res.status).toBe(200);
    return res.body as Bundle;
  };

  it("Barbara: her package and its provider's numbers, her worker and team, her carer, in one answer", async () => {
    const answer = await ask(hospital, frontDoor('9990000018'));
    expect(refs(answer)).toEqual(
      [
        'Patient/WXB-100001',
        'CarePlan/PKG-0001',
        'Organization/CQC-1-1000000123',
        'CareTeam/WXB-100001',
        'PractitionerRole/W-001',
        'Organization/TEAM-OAN',
        'RelatedPerson/cr-461cd602bfcc7e65ede9468d4ea4cceb2491f952',
      ].sort(),
    );
    expect(modes(answer)['Patient/WXB-100001']).toBe('match');
    expect(modes(answer)['Organization/CQC-1-1000000123']).toBe('include');
    const provider = answer.entry!.find((e) => e.resource?.id === 'CQC-1-1000000123')!.resource as Organization;
    expect(provider.telecom?.[0].value).toBe('0113 496 0210');
    expect(provider.contact?.[0].telecom?.[0].value).toBe('07700 900 211');
  });

  it('a person with two packages from two providers: both providers', async () => {
    const answer = await ask(hospital, frontDoor('9990000077'));
    expect(refs(answer).filter((r) => r.startsWith('CarePlan/') || r.startsWith('Organization/CQC'))).toEqual(
      ['CarePlan/PKG-0006', 'CarePlan/PKG-0007', 'Organization/CQC-1-1000000247', 'Organization/CQC-1-1000000556'].sort(),
    );
  });

  it('a self-funder: the package, said plainly, and no provider the council does not know', async () => {
    const answer = await ask(hospital, frontDoor('9990000085'));
    const plans = answer.entry!.filter((e) => e.resource?.resourceType === 'CarePlan');
    expect(plans.map((e) => e.resource!.id)).toEqual(['PKG-0008']);
    expect((plans[0].resource as { description: string }).description).toMatch(/Self-funded/);
    expect(refs(answer).filter((r) => r.startsWith('Organization/CQC'))).toEqual([]);
  });

  it('an open safeguarding concern and the team to call', async () => {
    const answer = await ask(hospital, frontDoor('9990000050'));
    expect(refs(answer)).toEqual(expect.arrayContaining(['Flag/SG-0001', 'Organization/TEAM-SGH']));
  });

  it('a restricted person: nothing of them, included or not, only the council number to ring', async () => {
    const answer = await ask(hospital, frontDoor('9990000093'));
    expect(refs(answer)).toEqual([]);
    const warning = answer.entry!.find((e) => e.search?.mode === 'outcome')!.resource as OperationOutcome;
    expect(warning.issue![0].code).toBe('suppressed');
  });

  it('the same rules for every included resource: a portal sees flags only through its granular scope', async () => {
    const answer = await ask(portal, frontDoor('9990000050'));
    expect(refs(answer)).toEqual(expect.arrayContaining(['Patient/WXB-100005', 'Flag/SG-0001']));
  });

  it('refuses :iterate that would list a provider\'s or a team\'s people (400)', async () => {
    const res = await hospital(t.http.get('/fhir/Patient').query({ ...frontDoor('9990000018'), '_revinclude:iterate': 'CarePlan:performer' }));
    expect(res.status).toBe(400);
  });

  describe('who may search how', () => {
    it.each([
      ['a bare search', {}],
      ['CarePlan-style browsing by status', { gender: 'female' }],
      ['a misspelt parameter', { identifer: `${NHS}|9990000018` }],
      ['a family name alone', { family: 'Thornton' }],
    ])('a hospital or portal is refused %s of Patient with 403 saying what to send', async (_what, query) => {
      for (const as of [hospital, portal]) {
        const res = await as(t.http.get('/fhir/Patient').query(query));
        expect({ status: res.status, code: res.body.issue?.[0]?.code }).toEqual({ status: 403, code: 'forbidden' });
        expect(res.body.issue[0].diagnostics).toMatch(/identifier=https:\/\/fhir\.nhs\.uk\/Id\/nhs-number/);
      }
    });

    it('a hospital is refused a search of packages, flags or teams that names nobody', async () => {
      for (const [type, query] of [['CarePlan', { status: 'active' }], ['Flag', {}], ['CareTeam', { participant: 'PractitionerRole/W-001' }], ['Procedure', {}], ['RelatedPerson', {}]] as const) {
        const res = await hospital(t.http.get(`/fhir/${type}`).query(query));
        expect({ type, status: res.status }).toEqual({ type, status: 403 });
      }
    });

    it('a hospital finds a person it names: by NHS number, id, family name with birth date, or through the patient of a record', async () => {
      for (const [type, query] of [
        ['Patient', { identifier: `${NHS}|9990000018` }],
        ['Patient', { _id: 'WXB-100001' }],
        ['Patient', { family: 'Thornton', birthdate: '1941-06-14' }],
        ['CarePlan', { patient: 'Patient/WXB-100001' }],
        ['CarePlan', { 'patient.identifier': `${NHS}|9990000018` }],
        ['CarePlan', { 'patient:identifier': `${NHS}|9990000018` }],
        ['Flag', { subject: 'Patient/WXB-100005' }],
      ] as const) {
        const res = await hospital(t.http.get(`/fhir/${type}`).query(query));
        expect({ type, query, status: res.status, found: (res.body.entry?.length ?? 0) > 0 }).toEqual({ type, query, status: 200, found: true });
      }
    });

    it('a hospital is refused what would list people all the same: a list of ids, a name prefix with a range of birth dates, the history of a type, a directory search bringing people', async () => {
      for (const [path, query] of [
        ['/fhir/Patient', { _id: 'WXB-100001,WXB-100002,WXB-100003' }],
        ['/fhir/Patient', { identifier: `${NHS}|9990000018,${NHS}|9990000026` }],
        ['/fhir/Patient', { family: 'B', birthdate: 'ge1900-01-01' }],
        ['/fhir/Patient', { family: 'Thornton', birthdate: '1941' }],
        ['/fhir/CarePlan', { _id: 'PKG-0001' }],
        ['/fhir/CarePlan', { patient: 'Patient/WXB-100001,Patient/WXB-100002' }],
        ['/fhir/CarePlan', { 'patient.family': 'T', 'patient.birthdate': 'ge1900' }],
        ['/fhir/Patient/_history', {}],
        ['/fhir/CarePlan/_history', { _since: '2020-01-01T00:00:00Z' }],
        ['/fhir/Organization', { _revinclude: 'CarePlan:performer', '_include:iterate': 'CarePlan:subject' }],
        ['/fhir/PractitionerRole', { _revinclude: 'CareTeam:participant' }],
        ['/fhir/Organization', { _revinclude: 'Flag:author' }],
      ] as const) {
        const res = await hospital(t.http.get(path).query(query));
        expect({ path, query, status: res.status }).toEqual({ path, query, status: 403 });
      }
      expect((await council(t.http.get('/fhir/Patient/_history'))).status).toBe(200);
      expect((await council(t.http.get('/fhir/Organization').query({ _revinclude: 'CarePlan:performer' }))).status).toBe(200);
    });

    it("a restricted person's concern or provider is not found through _has from the directory either", async () => {
      for (const query of [{ '_has:Flag:author:patient': 'Patient/WXB-100010' }, { '_has:CarePlan:performer:patient:identifier': `${NHS}|9990000093` }]) {
        const res = await hospital(t.http.get('/fhir/Organization').query(query));
        expect({ query, status: res.status, found: (res.body.entry ?? []).filter((e: { search?: { mode?: string } }) => e.search?.mode === 'match').length }).toEqual({ query, status: 200, found: 0 });
      }
    });

    it('refuses a day or an instant that does not exist (400), never a 500', async () => {
      for (const [path, query] of [
        ['/fhir/Patient/WXB-100001/_history', { _since: '0000-01-01T00:00:00Z' }],
        ['/fhir/Patient/WXB-100001/_history', { _since: '2026-02-30T00:00:00Z' }],
        ['/fhir/Patient/WXB-100001/_history', { _since: '2026-01-01T00:00:00-23:59' }],
        ['/fhir/Patient/WXB-100001/_history', { _count: '0' }],
        ['/fhir/Patient', { identifier: `${NHS}|9990000018`, _lastUpdated: 'ge0000-01-01' }],
        ['/fhir/Patient', { identifier: `${NHS}|9990000018`, _lastUpdated: 'ge2026-02-30T10:00:00Z' }],
      ] as const) {
        const res = await hospital(t.http.get(path).query(query));
        expect({ path, query, status: res.status }).toEqual({ path, query, status: 400 });
      }
    });

    it("a person's first version (held back by the CLD import until the allocations extract) is theirs to read as they are now", async () => {
      const res = await hospital(t.http.get('/fhir/Patient/WXB-100001/_history/1'));
      expect(res.status).toBe(200);
    });

    it("the council's own systems browse, and everyone may list the directory (providers, teams, staff)", async () => {
      expect((await council(t.http.get('/fhir/Patient'))).status).toBe(200);
      expect((await council(t.http.get('/fhir/CarePlan').query({ status: 'active' }))).status).toBe(200);
      expect((await hospital(t.http.get('/fhir/Organization').query({ name: 'Bright' }))).status).toBe(200);
      expect((await hospital(t.http.get('/fhir/PractitionerRole'))).status).toBe(200);
    });
  });
});
