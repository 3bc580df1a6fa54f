import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Bundle, CapabilityStatement, CapabilityStatementRestResource, OperationOutcome, StructureDefinition } from '@medplum/fhirtypes';
import request from 'supertest';
import { CANONICAL_BASE } from '../../src/fhir/systems';
import { startTestApp, TestApp } from '../support/app';

/** REST behaviour that does not depend on the store driver: errors, negotiation, caching headers. */
describe('FHIR REST hygiene', () => {
  let t: TestApp;
  /**
   * Requests as the council's system (test-social-care: social-care view, every type): it may
   * browse every type, which these checks of the whole API do; a hospital names the person it
   * searches for (test/fhir/frontDoorQuery.test.ts).
   */
  let api: ReturnType<typeof request.agent>;
  beforeAll(async () => {
    t = await startTestApp('pglite');
    // Carers and assessments, which the sandbox does not carry yet, so every served type has a record to read.
    await t.testStore.store.loadDataset('council-records', JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'council-records.json'), 'utf8')));
    api = request.agent(t.app).set('Authorization', await t.bearer(undefined, 'test-social-care'));
    // One hospital notice, so that Communication and Task have something to read (the council sees every hospital's).
    const notice = JSON.parse(readFileSync(join(__dirname, '..', '..', 'fixtures', 'notices', 'assessment-notice.json'), 'utf8'));
    const sent = await (await t.as('sandbox-epr-rx1'))(t.http.post('/fhir/Communication').set('Content-Type', 'application/fhir+json').send(notice));
    expect([200, 201]).toContain(sent.status);
  });
  afterAll(() => t.close());

  const expectOutcome = (body: { resourceType: string; issue: { severity: string; code: string }[] }, code?: string) => {
    expect(body.resourceType).toBe('OperationOutcome');
    expect(body.issue[0].severity).toBe('error');
    if (code) expect(body.issue[0].code).toBe(code);
  };

  it('reads a resource with ETag and Last-Modified, and answers If-None-Match with 304', async () => {
    const res = await api.get('/fhir/Patient/WXB-100001');
    expect(res.status).toBe(200);
    expect(res.body.id).toBe('WXB-100001');
    expect(res.headers.etag).toBe(`W/"${res.body.meta.versionId}"`);
    expect(new Date(res.headers['last-modified']).getTime()).toBe(Math.floor(new Date(res.body.meta.lastUpdated).getTime() / 1000) * 1000);
    const again = await api.get('/fhir/Patient/WXB-100001').set('If-None-Match', res.headers.etag);
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    const changed = await api.get('/fhir/Patient/WXB-100001').set('If-None-Match', 'W/"999"');
    expect(changed.status).toBe(200);
  });

  it('404 with an OperationOutcome for an unknown id, an invalid id, an unknown type and an unserved type', async () => {
    const unknownId = await api.get('/fhir/Patient/NOPE-1');
    expect(unknownId.status).toBe(404);
    expectOutcome(unknownId.body, 'not-found');
    expect((await api.get('/fhir/Patient/bad$id')).status).toBe(404);
    const unknownType = await api.get('/fhir/Banana');
    expect(unknownType.status).toBe(404);
    expectOutcome(unknownType.body, 'not-found');
    const unserved = await api.get('/fhir/Observation?patient=1');
    expect(unserved.status).toBe(404);
    expectOutcome(unserved.body, 'not-supported');
    const careTeamOfNobody = await api.get('/fhir/CareTeam/NOPE-1');
    expect(careTeamOfNobody.status).toBe(404);
    const outsideFhir = await api.get('/nothing-here');
    expect(outsideFhir.status).toBe(404);
    expectOutcome(outsideFhir.body);
  });

  it('405 for methods the facade does not offer, with Allow', async () => {
    const res = await api.delete('/fhir/Patient/WXB-100001');
    expect(res.status).toBe(405);
    // A person is never deleted; their record is updated.
    expect(res.headers.allow).toBe('GET, HEAD, PUT, PATCH');
    expectOutcome(res.body, 'not-supported');
  });

  it('refuses unsupported modifiers and chains with 400', async () => {
    const modifier = await api.get('/fhir/Patient').query({ 'name:sounds-like': 'barbara' });
    expect(modifier.status).toBe(400);
    expectOutcome(modifier.body, 'not-supported');
    expect(modifier.body.issue[0].diagnostics).toMatch(/:sounds-like/);
    expect((await api.get('/fhir/Patient').query({ 'identifier:text': 'x' })).status).toBe(400);
    expect((await api.get('/fhir/CarePlan').query({ 'patient.address': 'x' })).status).toBe(400);
    expect((await api.get('/fhir/CarePlan').query({ _include: 'CarePlan:goal' })).status).toBe(400);
    expect((await api.get('/fhir/Patient').query({ _revinclude: 'Observation:subject' })).status).toBe(400);
  });

  it('refuses malformed values with 400: dates, _count, _summary modes it lacks', async () => {
    for (const query of [{ birthdate: '14/06/1941' }, { birthdate: '1941-13' }, { birthdate: '1941-02-30' }, { _count: 'ten' }, { _summary: 'true' }, { birthdate: 'ap1941' }]) {
      const res = await api.get('/fhir/Patient').query(query);
      expect(res.status).toBe(400);
      expectOutcome(res.body);
    }
  });

  it('ignores unknown parameters by default (and drops them from self), refuses them under handling=strict', async () => {
    const lenient = await api.get('/fhir/Patient').query({ family: 'Thornton', colour: 'blue' });
    expect(lenient.status).toBe(200);
    const bundle = lenient.body as Bundle;
    const self = bundle.link!.find((l) => l.relation === 'self')!.url;
    expect(self).toContain('family=Thornton');
    expect(self).not.toContain('colour');
    const warning = bundle.entry!.find((e) => e.search?.mode === 'outcome')!.resource as { issue: { severity: string }[] };
    expect(warning.issue[0].severity).toBe('warning');
    const explicitLenient = await api.get('/fhir/Patient').set('Prefer', 'handling=lenient').query({ colour: 'blue' });
    expect(explicitLenient.status).toBe(200);
    const strict = await api.get('/fhir/Patient').set('Prefer', 'handling=strict').query({ family: 'Thornton', colour: 'blue' });
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
      const res = await api.get('/fhir/Patient/WXB-100001').set('Accept', accept);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
    });

    it('406 for XML, and _format overrides Accept either way', async () => {
      expect((await api.get('/fhir/Patient/WXB-100001').set('Accept', 'application/fhir+xml')).status).toBe(406);
      const xml = await api.get('/fhir/Patient/WXB-100001?_format=xml');
      expect(xml.status).toBe(406);
      expectOutcome(xml.body, 'not-supported');
      for (const f of ['json', 'application/json', 'application/fhir+json']) {
        const res = await api.get(`/fhir/Patient/WXB-100001?_format=${encodeURIComponent(f)}`).set('Accept', 'application/fhir+xml');
        expect(res.status).toBe(200);
      }
    });

    it('415 for an XML body, 400 for broken JSON', async () => {
      const xml = await api.post('/fhir/Patient/_search').set('Content-Type', 'application/fhir+xml').send('<Parameters/>');
      expect(xml.status).toBe(415);
      expectOutcome(xml.body, 'not-supported');
      const broken = await api.post('/fhir/Patient/_search').set('Content-Type', 'application/fhir+json').send('{"resourceType": ');
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
        [
          'CarePlan',
          'CareTeam',
          'Flag',
          'Organization',
          'Patient',
          'Practitioner',
          'PractitionerRole',
          'RelatedPerson',
          'Procedure',
          'Communication',
          'Task',
          'AuditEvent',
          'StructureDefinition',
          'CodeSystem',
          'ValueSet',
        ].sort(),
      );
    });

    const sampleValue: Record<string, string> = { token: 'x', string: 'x', date: 'ge2000-01-01', reference: 'Patient/x', uri: 'https://example.org/x' };
    const resources = (): CapabilityStatementRestResource[] => cs.rest![0].resource!;

    it('every declared search parameter, include and revinclude is accepted under handling=strict', async () => {
      for (const resource of resources()) {
        for (const param of resource.searchParam ?? []) {
          const value = param.name === '_id' ? 'x' : sampleValue[param.type];
          expect({ type: resource.type, param: param.name, value: typeof value }).toEqual({ type: resource.type, param: param.name, value: 'string' });
          const res = await api.get(`/fhir/${resource.type}`).set('Prefer', 'handling=strict').query({ [param.name]: value });
          expect({ type: resource.type, param: param.name, status: res.status }).toEqual({ type: resource.type, param: param.name, status: 200 });
        }
        for (const inc of resource.searchInclude ?? []) {
          const res = await api.get(`/fhir/${resource.type}`).set('Prefer', 'handling=strict').query({ _include: inc, _count: '3' });
          expect({ inc, status: res.status }).toEqual({ inc, status: 200 });
        }
        for (const rev of resource.searchRevInclude ?? []) {
          const res = await api.get(`/fhir/${resource.type}`).set('Prefer', 'handling=strict').query({ _revinclude: rev, _count: '3' });
          expect({ rev, status: res.status }).toEqual({ rev, status: 200 });
        }
      }
    });

    it('every declared read works on a resource found by search', async () => {
      for (const resource of resources()) {
        expect(resource.interaction!.map((i) => i.code)).toEqual(expect.arrayContaining(['read', 'search-type']));
        const bundle = (await api.get(`/fhir/${resource.type}`).query({ _count: '1' })).body as Bundle;
        expect({ type: resource.type, found: bundle.entry?.length }).toEqual({ type: resource.type, found: 1 });
        const id = bundle.entry![0].resource!.id;
        const res = await api.get(`/fhir/${resource.type}/${id}`);
        expect(res.status).toBe(200);
        if (resource.profile) {
          expect(res.body.meta.profile).toHaveLength(1);
          expect(resource.supportedProfile).toContain(res.body.meta.profile[0]);
        }
      }
    });

    /**
     * How to exercise each operation the CapabilityStatement may declare: a type whose statement
     * names an operation missing here fails, so no operation is declared untested.
     */
    const exercise: Record<string, (type: string, profile?: string) => Promise<void>> = {
      'http://hl7.org/fhir/OperationDefinition/Resource-validate': async (type, profile) => {
        const found = ((await api.get(`/fhir/${type}`).query({ _count: '1' })).body as Bundle).entry![0].resource!;
        const res = await api.post(`/fhir/${type}/$validate`).set('Content-Type', 'application/fhir+json').send(found);
        expect({ type, status: res.status }).toEqual({ type, status: 200 });
        const outcome = res.body as OperationOutcome;
        expect({ type, issues: outcome.issue }).toEqual({ type, issues: [expect.objectContaining({ severity: 'information', expression: [type] })] });
        expect(outcome.issue![0].diagnostics).toContain(profile);
        const broken = await api.post(`/fhir/${type}/$validate`).set('Content-Type', 'application/fhir+json').send({ ...found, id: 'not valid!', colour: 'blue' });
        expect(broken.status).toBe(200);
        const errors = (broken.body as OperationOutcome).issue!.filter((i) => i.severity === 'error').map((i) => i.expression);
        expect(errors).toEqual(expect.arrayContaining([[`${type}.id`], [`${type}.colour`]]));
      },
    };

    it('every declared operation works', async () => {
      let exercised = 0;
      for (const resource of resources()) {
        for (const op of resource.operation ?? []) {
          const run = exercise[op.definition];
          expect({ type: resource.type, operation: op.definition, known: !!run }).toEqual({ type: resource.type, operation: op.definition, known: true });
          await run(resource.type, resource.profile);
          exercised++;
        }
      }
      expect(exercised).toBeGreaterThanOrEqual(9);
    });

    it('every declared profile and supportedProfile can be fetched, without a token, from StructureDefinition?url=', async () => {
      const urls = new Set(resources().flatMap((r) => [r.profile, ...(r.supportedProfile ?? [])].filter((u): u is string => !!u)));
      expect(urls.size).toBeGreaterThanOrEqual(9);
      for (const url of urls) {
        const res = await t.http.get('/fhir/StructureDefinition').query({ url });
        expect({ url, status: res.status, total: res.body.total }).toEqual({ url, status: 200, total: 1 });
        const sd = res.body.entry[0].resource as StructureDefinition;
        expect(sd.url).toBe(url);
        expect(sd.snapshot?.element?.length).toBeGreaterThan(0);
        // What it builds on and refers to that is ours or UK Core's is published too.
        const references = [
          sd.baseDefinition,
          ...(sd.snapshot?.element ?? []).flatMap((e) => [
            ...(e.type ?? []).flatMap((ty) => [...(ty.profile ?? []), ...(ty.targetProfile ?? [])]),
          ]),
        ].filter((u): u is string => !!u && u.startsWith(CANONICAL_BASE));
        for (const ref of new Set(references)) {
          const found = await t.http.get('/fhir/StructureDefinition').query({ url: ref });
          expect({ from: url, ref, total: found.body.total }).toEqual({ from: url, ref, total: 1 });
        }
        const valueSets = (sd.snapshot?.element ?? []).map((e) => e.binding?.valueSet).filter((u): u is string => !!u && u.startsWith(CANONICAL_BASE));
        for (const vs of new Set(valueSets)) {
          const found = await t.http.get('/fhir/ValueSet').query({ url: vs });
          expect({ from: url, vs, total: found.body.total }).toEqual({ from: url, vs, total: 1 });
        }
      }
    });

    it('declares $validate on every type the registry serves, and no instantiates or implementationGuide it cannot back', () => {
      for (const resource of resources().filter((r) => r.profile)) {
        expect(resource.operation).toEqual([expect.objectContaining({ name: 'validate', definition: 'http://hl7.org/fhir/OperationDefinition/Resource-validate' })]);
      }
      expect(cs.instantiates).toBeUndefined();
      expect(cs.implementationGuide).toBeUndefined();
    });
  });
});
