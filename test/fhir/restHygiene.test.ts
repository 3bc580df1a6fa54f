/**
 * The same REST rules for every type the facade serves (the registry's and the conformance
 * types), table-driven so a new type is covered the day it is added: 404 for unknown ids (nothing
 * is ever deleted, so never 410), 400 for unsupported modifiers, strict vs lenient handling of
 * unknown parameters, _count caps, _summary=count, content negotiation, 405 for missing methods.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Bundle, OperationOutcome } from '@medplum/fhirtypes';
import request from 'supertest';
import { CONFORMANCE_DEFINITIONS } from '../../src/fhir/conformance';
import { RESOURCE_DEFINITIONS } from '../../src/fhir/registry';
import { startTestApp, TestApp } from '../support/app';

const TYPES = [...RESOURCE_DEFINITIONS.map((d) => d.type), ...CONFORMANCE_DEFINITIONS.map((d) => d.type)];
const CONFORMANCE_TYPES = new Set<string>(CONFORMANCE_DEFINITIONS.map((d) => d.type));

/**
 * AuditEvent grows with every request (each is audited), so where a check compares two answers it
 * looks only at events recorded before the checks began.
 */
let frozenAt = '';
const stable = (type: string): Record<string, string> => (type === 'AuditEvent' ? { date: `lt${frozenAt}` } : {});

describe('REST hygiene, every type', () => {
  let t: TestApp;
  let api: ReturnType<typeof request.agent>;
  beforeAll(async () => {
    t = await startTestApp('pglite');
    // As the council's system, which browses every type (a hospital names the person it searches for).
    api = request.agent(t.app).set('Authorization', await t.bearer(undefined, 'test-social-care'));
    const notice = JSON.parse(readFileSync(join(__dirname, '..', '..', 'fixtures', 'notices', 'assessment-notice.json'), 'utf8'));
    const sent = await (await t.as('sandbox-epr-rx1'))(t.http.post('/fhir/Communication').set('Content-Type', 'application/fhir+json').send(notice));
    expect([200, 201]).toContain(sent.status);
    await new Promise((r) => setTimeout(r, 200));
    frozenAt = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 200));
  });
  afterAll(() => t.close());

  const error = (res: request.Response, status: number, code: string) => {
    expect({ status: res.status, type: res.body.resourceType, severity: res.body.issue?.[0]?.severity, code: res.body.issue?.[0]?.code }).toEqual({
      status,
      type: 'OperationOutcome',
      severity: 'error',
      code,
    });
  };
  const self = (bundle: Bundle) => bundle.link!.find((l) => l.relation === 'self')!.url;
  const matches = (bundle: Bundle) => (bundle.entry ?? []).filter((e) => e.search?.mode === 'match');

  describe.each(TYPES)('%s', (type) => {
    it('404 (not 410) with an OperationOutcome for an id that does not exist', async () => {
      error(await api.get(`/fhir/${type}/NO-SUCH-ID-1`), 404, 'not-found');
    });

    it('405 with Allow for a method the path does not take', async () => {
      const res = await api.delete(`/fhir/${type}/_search`);
      error(res, 405, 'not-supported');
      expect(res.headers.allow).toBe('POST, GET, HEAD');
    });

    it('400 for an unsupported modifier', async () => {
      const res = await api.get(`/fhir/${type}`).query({ '_id:above': 'x' });
      error(res, 400, 'not-supported');
      expect(res.body.issue[0].expression).toEqual(['_id:above']);
    });

    it('400 for an unknown parameter under Prefer: handling=strict; lenient ignores it, says so and drops it from self', async () => {
      const strict = await api.get(`/fhir/${type}`).set('Prefer', 'handling=strict').query({ colour: 'blue', _count: '1' });
      error(strict, 400, 'invalid');
      expect(strict.body.issue[0].diagnostics).toMatch(/colour/);
      for (const prefer of [undefined, 'handling=lenient']) {
        const req = api.get(`/fhir/${type}`).query({ colour: 'blue', _count: '1' });
        const lenient = prefer ? await req.set('Prefer', prefer) : await req;
        expect(lenient.status).toBe(200);
        const bundle = lenient.body as Bundle;
        expect(self(bundle)).not.toContain('colour');
        expect(self(bundle)).toContain('_count=1');
        const warning = bundle.entry!.find((e) => e.search?.mode === 'outcome')!.resource as OperationOutcome;
        expect(warning.issue![0]).toMatchObject({ severity: 'warning', expression: ['colour'] });
      }
    });

    it('caps _count at the largest page size and pages with next links; refuses a _count that is not a whole number', async () => {
      const big = await api.get(`/fhir/${type}`).query({ _count: '1000' });
      expect(big.status).toBe(200);
      expect(self(big.body)).toContain(`_count=${t.config.maxPageSize}`);
      expect(matches(big.body).length).toBeLessThanOrEqual(t.config.maxPageSize);
      const one = await api.get(`/fhir/${type}`).query({ ...stable(type), _count: '1' });
      expect(matches(one.body).length).toBeLessThanOrEqual(1);
      const next = (one.body as Bundle).link!.find((l) => l.relation === 'next');
      if (next) {
        const second = await api.get(new URL(next.url).pathname + new URL(next.url).search);
        expect(second.status).toBe(200);
        expect(matches(second.body)[0].resource!.id).not.toBe(matches(one.body)[0].resource!.id);
      }
      for (const bad of ['-1', 'ten', '1.5']) error(await api.get(`/fhir/${type}`).query({ _count: bad }), 400, 'invalid');
    });

    it('_summary=count gives the total and no entries; other _summary modes are refused', async () => {
      const all = await api.get(`/fhir/${type}`).query({ ...stable(type), _count: String(t.config.maxPageSize) });
      const count = await api.get(`/fhir/${type}`).query({ ...stable(type), _summary: 'count' });
      expect(count.status).toBe(200);
      expect(count.body.total).toBe(matches(all.body).length);
      expect(count.body.total).toBeLessThan(t.config.maxPageSize); // else the comparison above proves nothing
      expect(count.body.entry).toBeUndefined();
      error(await api.get(`/fhir/${type}`).query({ _summary: 'true' }), 400, 'not-supported');
    });

    it.each([
      ['application/json'],
      ['application/fhir+json'],
      ['application/fhir+json; fhirVersion=4.0'],
      ['application/fhir+json; charset=utf-8'],
      ['application/json;charset=UTF-8'],
    ])('serves FHIR JSON for Accept: %s', async (accept) => {
      const res = await api.get(`/fhir/${type}`).query({ _count: '1' }).set('Accept', accept);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
    });

    it('406 for XML, and _format overrides Accept', async () => {
      error(await api.get(`/fhir/${type}`).set('Accept', 'application/fhir+xml'), 406, 'not-supported');
      error(await api.get(`/fhir/${type}`).query({ _format: 'xml' }), 406, 'not-supported');
      const json = await api.get(`/fhir/${type}`).query({ _format: 'json', _count: '1' }).set('Accept', 'application/fhir+xml');
      expect(json.status).toBe(200);
      expect(self(json.body)).not.toContain('_format');
    });

    it('POST _search with a form gives what GET gives', async () => {
      const get = await api.get(`/fhir/${type}`).query({ ...stable(type), _count: '5' });
      const post = await api.post(`/fhir/${type}/_search`).type('form').send({ ...stable(type), _count: '5' });
      expect(post.status).toBe(200);
      expect(matches(post.body).map((e) => e.fullUrl)).toEqual(matches(get.body).map((e) => e.fullUrl));
    });

    it(CONFORMANCE_TYPES.has(type) ? 'is public: read and search need no token' : 'needs a token: 401 without one', async () => {
      const search = await t.http.get(`/fhir/${type}`).query({ _count: '1' });
      if (CONFORMANCE_TYPES.has(type)) {
        expect(search.status).toBe(200);
        const id = matches(search.body)[0].resource!.id;
        expect((await t.http.get(`/fhir/${type}/${id}`)).status).toBe(200);
      } else {
        error(search, 401, 'login');
        error(await t.http.get(`/fhir/${type}/x`), 401, 'login');
      }
    });
  });
});
