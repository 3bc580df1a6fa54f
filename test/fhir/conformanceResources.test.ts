/**
 * The conformance resources under profiles/ are served as they are committed, without a token:
 * read by id, search by url (and url|version) and _id.
 */
import { Bundle, Resource } from '@medplum/fhirtypes';
import { readAllConformanceFiles } from '../../src/conformance/profileFiles';
import { CANONICAL_BASE, PROFILES, UKCORE_BASE } from '../../src/fhir/systems';
import { startTestApp, TestApp } from '../support/app';

const FILES = readAllConformanceFiles();

describe('conformance resources (StructureDefinition, CodeSystem, ValueSet)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('pglite');
  });
  afterAll(() => t.close());

  it('serves every file in profiles/ (ours, our terminology, UK Core) by id, unchanged, without a token', async () => {
    expect(FILES.length).toBeGreaterThanOrEqual(30);
    for (const { file, resource } of FILES) {
      const res = await t.http.get(`/fhir/${resource.resourceType}/${resource.id}`);
      expect({ file, status: res.status }).toEqual({ file, status: 200 });
      expect(res.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
      expect(res.body).toEqual(resource);
    }
  });

  it('finds each by its canonical url, by url|version, and by _id', async () => {
    for (const { resource } of FILES) {
      const r = resource as Resource & { url: string; version?: string };
      const byUrl = await t.http.get(`/fhir/${r.resourceType}`).query({ url: r.url });
      expect({ url: r.url, total: byUrl.body.total, id: byUrl.body.entry?.[0]?.resource?.id }).toEqual({ url: r.url, total: 1, id: r.id });
      if (r.version) {
        expect((await t.http.get(`/fhir/${r.resourceType}`).query({ url: `${r.url}|${r.version}` })).body.total).toBe(1);
        expect((await t.http.get(`/fhir/${r.resourceType}`).query({ url: `${r.url}|0.0.0-other` })).body.total).toBe(0);
      }
      expect((await t.http.get(`/fhir/${r.resourceType}`).query({ _id: r.id })).body.total).toBe(1);
    }
  });

  it('searches: all of a type, several urls at once, an unknown url, paging', async () => {
    const types = ['StructureDefinition', 'CodeSystem', 'ValueSet'];
    for (const type of types) {
      const all = (await t.http.get(`/fhir/${type}`).query({ _count: '100' })).body as Bundle;
      expect(all.total).toBe(FILES.filter((f) => f.resource.resourceType === type).length);
    }
    const two = await t.http.get('/fhir/StructureDefinition').query({ url: `${PROFILES.Patient},${PROFILES.Flag}` });
    expect(two.body.entry.map((e: { resource: Resource }) => e.resource.id).sort()).toEqual(['SocialCare-Patient', 'SocialCare-SafeguardingFlag']);
    const none = await t.http.get('/fhir/StructureDefinition').query({ url: `${CANONICAL_BASE}/StructureDefinition/Nope` });
    expect(none.status).toBe(200);
    expect(none.body.total).toBe(0);
    const page = await t.http.get('/fhir/StructureDefinition').query({ _count: '5', _offset: '5' });
    expect(page.body.entry).toHaveLength(5);
    expect(page.body.link.map((l: { relation: string }) => l.relation)).toEqual(['self', 'first', 'previous', 'next']);
  });

  it('publishes our CodeSystems and ValueSets under our canonical base, and UK Core\'s under theirs', async () => {
    for (const id of ['care-package-service-type', 'care-package-funding', 'safeguarding-concern-type', 'contact-outcome', 'contact-purpose']) {
      const cs = await t.http.get(`/fhir/CodeSystem/${id}`);
      expect(cs.body).toMatchObject({ url: `${CANONICAL_BASE}/CodeSystem/${id}`, content: 'complete', valueSet: `${CANONICAL_BASE}/ValueSet/${id}` });
      expect((await t.http.get(`/fhir/ValueSet/${id}`)).body.compose.include).toEqual([{ system: `${CANONICAL_BASE}/CodeSystem/${id}` }]);
    }
    const noticeKinds = (await t.http.get('/fhir/ValueSet/notice-kind')).body;
    expect(noticeKinds.compose.include[0].system).toBe('http://snomed.info/sct');
    expect(noticeKinds.compose.include[0].concept.map((c: { code: string }) => c.code)).toContain('975701000000106');
    const headings = await t.http.get('/fhir/CodeSystem').query({ url: `${UKCORE_BASE}/CodeSystem/UKCore-RecordStandardHeadings` });
    expect(headings.body.total).toBe(1);
  });

  it('every code system of ours or UK Core\'s that an emitted resource uses can be fetched', async () => {
    const api = await t.as('test-social-care');
    const systems = new Set<string>();
    const collect = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(collect);
      else if (value && typeof value === 'object') {
        const o = value as Record<string, unknown>;
        if (typeof o.system === 'string' && typeof o.code === 'string') systems.add(o.system);
        Object.values(o).forEach(collect);
      }
    };
    for (const type of ['Patient', 'CarePlan', 'Flag', 'CareTeam', 'Organization', 'PractitionerRole']) {
      collect((await api(t.http.get(`/fhir/${type}`).query({ _count: '100' }))).body);
    }
    const ours = [...systems].filter((s) => s.startsWith(CANONICAL_BASE) || s.startsWith(UKCORE_BASE));
    expect(ours.length).toBeGreaterThanOrEqual(5);
    for (const system of ours) {
      const res = await t.http.get('/fhir/CodeSystem').query({ url: system });
      expect({ system, total: res.body.total }).toEqual({ system, total: 1 });
    }
  });

  it('refuses what it does not do: writes (405), unknown ids (404), modifiers (400)', async () => {
    const post = await t.http.post('/fhir/StructureDefinition').set('Content-Type', 'application/fhir+json').send({ resourceType: 'StructureDefinition' });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    expect((await t.http.get('/fhir/ValueSet/nope')).status).toBe(404);
    expect((await t.http.get('/fhir/CodeSystem').query({ 'url:below': CANONICAL_BASE })).status).toBe(400);
    expect((await t.http.get('/fhir/StructureDefinition/SocialCare-Patient/_history')).status).toBe(404);
  });
});
