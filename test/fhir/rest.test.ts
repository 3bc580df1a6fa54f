import { Bundle, CapabilityStatement } from '@medplum/fhirtypes';
import { startTestApp, TestApp } from '../support/app';

/** REST behaviour that does not depend on the store driver: errors, negotiation, caching headers. */
describe('FHIR REST hygiene', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('pglite');
  });
  afterAll(() => t.close());

  const expectOutcome = (body: { resourceType: string; issue: { severity: string; code: string }[] }, code?: string) => {
    expect(body.resourceType).toBe('OperationOutcome');
    expect(body.issue[0].severity).toBe('error');
    if (code) expect(body.issue[0].code).toBe(code);
  };

  it('reads a resource with ETag and Last-Modified, and answers If-None-Match with 304', async () => {
    const res = await t.http.get('/fhir/Patient/WXB-100001');
    expect(res.status).toBe(200);
    expect(res.body.id).toBe('WXB-100001');
    expect(res.headers.etag).toBe(`W/"${res.body.meta.versionId}"`);
    expect(new Date(res.headers['last-modified']).getTime()).toBe(Math.floor(new Date(res.body.meta.lastUpdated).getTime() / 1000) * 1000);
    const again = await t.http.get('/fhir/Patient/WXB-100001').set('If-None-Match', res.headers.etag);
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    const changed = await t.http.get('/fhir/Patient/WXB-100001').set('If-None-Match', 'W/"999"');
    expect(changed.status).toBe(200);
  });

  it('404 with an OperationOutcome for an unknown id, an invalid id, an unknown type and an unserved type', async () => {
    const unknownId = await t.http.get('/fhir/Patient/NOPE-1');
    expect(unknownId.status).toBe(404);
    expectOutcome(unknownId.body, 'not-found');
    expect((await t.http.get('/fhir/Patient/bad$id')).status).toBe(404);
    const unknownType = await t.http.get('/fhir/Banana');
    expect(unknownType.status).toBe(404);
    expectOutcome(unknownType.body, 'not-found');
    const unserved = await t.http.get('/fhir/Observation?patient=1');
    expect(unserved.status).toBe(404);
    expectOutcome(unserved.body, 'not-supported');
    const careTeamOfNobody = await t.http.get('/fhir/CareTeam/NOPE-1');
    expect(careTeamOfNobody.status).toBe(404);
    const outsideFhir = await t.http.get('/nothing-here');
    expect(outsideFhir.status).toBe(404);
    expectOutcome(outsideFhir.body);
  });

  it('405 for methods the facade does not offer, with Allow', async () => {
    const res = await t.http.delete('/fhir/Patient/WXB-100001');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET');
    expectOutcome(res.body, 'not-supported');
  });

  it('refuses unsupported modifiers and chains with 400', async () => {
    const modifier = await t.http.get('/fhir/Patient').query({ 'name:sounds-like': 'barbara' });
    expect(modifier.status).toBe(400);
    expectOutcome(modifier.body, 'not-supported');
    expect(modifier.body.issue[0].diagnostics).toMatch(/:sounds-like/);
    expect((await t.http.get('/fhir/Patient').query({ 'identifier:text': 'x' })).status).toBe(400);
    expect((await t.http.get('/fhir/CarePlan').query({ 'patient.address': 'x' })).status).toBe(400);
    expect((await t.http.get('/fhir/CarePlan').query({ _include: 'CarePlan:goal' })).status).toBe(400);
    expect((await t.http.get('/fhir/Patient').query({ _revinclude: 'Observation:subject' })).status).toBe(400);
  });

  it('refuses malformed values with 400: dates, _count, _summary modes it lacks', async () => {
    for (const query of [{ birthdate: '14/06/1941' }, { birthdate: '1941-13' }, { birthdate: '1941-02-30' }, { _count: 'ten' }, { _summary: 'true' }, { birthdate: 'ap1941' }]) {
      const res = await t.http.get('/fhir/Patient').query(query);
      expect(res.status).toBe(400);
      expectOutcome(res.body);
    }
  });

  it('ignores unknown parameters by default (and drops them from self), refuses them under handling=strict', async () => {
    const lenient = await t.http.get('/fhir/Patient').query({ family: 'Thornton', colour: 'blue' });
    expect(lenient.status).toBe(200);
    const bundle = lenient.body as Bundle;
    const self = bundle.link!.find((l) => l.relation === 'self')!.url;
    expect(self).toContain('family=Thornton');
    expect(self).not.toContain('colour');
    const warning = bundle.entry!.find((e) => e.search?.mode === 'outcome')!.resource as { issue: { severity: string }[] };
    expect(warning.issue[0].severity).toBe('warning');
    const explicitLenient = await t.http.get('/fhir/Patient').set('Prefer', 'handling=lenient').query({ colour: 'blue' });
    expect(explicitLenient.status).toBe(200);
    const strict = await t.http.get('/fhir/Patient').set('Prefer', 'handling=strict').query({ family: 'Thornton', colour: 'blue' });
    expect(strict.status).toBe(400);
    expectOutcome(strict.body, 'invalid');
    expect(strict.body.issue[0].diagnostics).toMatch(/colour/);
  });

  describe('content negotiation', () => {
    it.each([
      ['application/fhir+json'],
      ['application/json'],
      ['application/fhir+json; fhirVersion=4.0'],
      ['application/fhir+json;charset=utf-8'],
      ['*/*'],
      ['text/html, application/xhtml+xml, */*;q=0.8'],
    ])('serves FHIR JSON for Accept: %s', async (accept) => {
      const res = await t.http.get('/fhir/Patient/WXB-100001').set('Accept', accept);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
    });

    it('406 for XML, and _format overrides Accept either way', async () => {
      expect((await t.http.get('/fhir/Patient/WXB-100001').set('Accept', 'application/fhir+xml')).status).toBe(406);
      const xml = await t.http.get('/fhir/Patient/WXB-100001?_format=xml');
      expect(xml.status).toBe(406);
      expectOutcome(xml.body, 'not-supported');
      for (const f of ['json', 'application/json', 'application/fhir+json']) {
        const res = await t.http.get(`/fhir/Patient/WXB-100001?_format=${encodeURIComponent(f)}`).set('Accept', 'application/fhir+xml');
        expect(res.status).toBe(200);
      }
    });

    it('415 for an XML body, 400 for broken JSON', async () => {
      const xml = await t.http.post('/fhir/Patient/_search').set('Content-Type', 'application/fhir+xml').send('<Parameters/>');
      expect(xml.status).toBe(415);
      expectOutcome(xml.body, 'not-supported');
      const broken = await t.http.post('/fhir/Patient/_search').set('Content-Type', 'application/fhir+json').send('{"resourceType": ');
      expect(broken.status).toBe(400);
      expectOutcome(broken.body, 'invalid');
    });
  });

  it('echoes X-Request-ID, or makes one', async () => {
    const given = await t.http.get('/fhir/metadata').set('X-Request-ID', 'abc-123');
    expect(given.headers['x-request-id']).toBe('abc-123');
    const made = await t.http.get('/fhir/metadata');
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  describe('CapabilityStatement', () => {
    let cs: CapabilityStatement;
    beforeAll(async () => {
      const res = await t.http.get('/fhir/metadata');
      expect(res.status).toBe(200);
      cs = res.body;
    });

    it('is FHIR 4.0.1 JSON and lists the resource types served', () => {
      expect(cs.fhirVersion).toBe('4.0.1');
      expect(cs.format).toContain('application/fhir+json');
      expect(cs.rest![0].resource!.map((r) => r.type).sort()).toEqual(
        ['CarePlan', 'CareTeam', 'Flag', 'Organization', 'Patient', 'Practitioner', 'PractitionerRole'].sort(),
      );
    });

    const sampleValue: Record<string, string> = { token: 'x', string: 'x', date: 'ge2000-01-01', reference: 'Patient/x' };

    it('every declared search parameter, include and revinclude is accepted under handling=strict', async () => {
      for (const resource of cs.rest![0].resource!) {
        for (const param of resource.searchParam ?? []) {
          const value = param.name === '_id' ? 'x' : sampleValue[param.type];
          const res = await t.http.get(`/fhir/${resource.type}`).set('Prefer', 'handling=strict').query({ [param.name]: value });
          expect({ type: resource.type, param: param.name, status: res.status }).toEqual({ type: resource.type, param: param.name, status: 200 });
        }
        for (const inc of resource.searchInclude ?? []) {
          const res = await t.http.get(`/fhir/${resource.type}`).set('Prefer', 'handling=strict').query({ _include: inc, _count: '3' });
          expect({ inc, status: res.status }).toEqual({ inc, status: 200 });
        }
        for (const rev of resource.searchRevInclude ?? []) {
          const res = await t.http.get(`/fhir/${resource.type}`).set('Prefer', 'handling=strict').query({ _revinclude: rev, _count: '3' });
          expect({ rev, status: res.status }).toEqual({ rev, status: 200 });
        }
      }
    });

    it('every declared read works on a resource found by search', async () => {
      for (const resource of cs.rest![0].resource!) {
        expect(resource.interaction!.map((i) => i.code).sort()).toEqual(['read', 'search-type']);
        const bundle = (await t.http.get(`/fhir/${resource.type}`).query({ _count: '1' })).body as Bundle;
        const id = bundle.entry![0].resource!.id;
        const res = await t.http.get(`/fhir/${resource.type}/${id}`);
        expect(res.status).toBe(200);
        expect(res.body.meta.profile).toEqual([resource.profile]);
      }
    });
  });
});
