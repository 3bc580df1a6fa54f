/**
 * Parameter names, modifiers, chains, include targets and values are the client's own text: names
 * that are also members of every JavaScript object (`constructor`, `__proto__`, ...) must be
 * treated as the unknown names they are, on every type the facade serves (the registry's and the
 * conformance types), in a GET query and in a POST _search form alike. Never a 500; every answer audited.
 */
import request from 'supertest';
import { CONFORMANCE_DEFINITIONS } from '../../src/fhir/conformance';
import { RESOURCE_DEFINITIONS } from '../../src/fhir/registry';
import { startTestApp, TestApp } from '../support/app';

const HOSTILE = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'prototype', 'isPrototypeOf'];
const DEFS = [...RESOURCE_DEFINITIONS, ...CONFORMANCE_DEFINITIONS];
const TYPES = DEFS.map((d) => d.type);
const PUBLIC = new Set<string>(CONFORMANCE_DEFINITIONS.map((d) => d.type));

/** Every shape a hostile name can take in a search of this type. */
function hostileQueries(type: string): [string, string][] {
  const def = DEFS.find((d) => d.type === type)!;
  const params = Object.keys(def.searchParams);
  const out: [string, string][] = [];
  for (const h of HOSTILE) {
    out.push([h, 'x']);
    out.push([`${h}:exact`, 'x']);
    out.push([`${h}.identifier`, 'x']);
    out.push(['_include', `${type}:${h}`]);
    out.push(['_include', `${h}:${h}`]);
    out.push(['_include', `${type}:${params[params.length - 1]}:${h}`]);
    out.push(['_revinclude', `${h}:subject`]);
    out.push(['_revinclude', `CarePlan:${h}`]);
    out.push(['_elements', h]);
    out.push(['_summary', h]);
    out.push(['_count', h]);
    for (const p of params) {
      out.push([p, h]);
      out.push([p, `${h}|${h}`]);
      out.push([`${p}:${h}`, 'x']);
      out.push([`${p}.${h}`, 'x']);
      out.push([`${p}:${h}.${h}`, 'x']);
    }
  }
  return out;
}

describe('hostile parameter names and values, every type', () => {
  let t: TestApp;
  let api: ReturnType<typeof request.agent>;
  beforeAll(async () => {
    t = await startTestApp('pglite');
    // The council's system may read everything, the audit trail included.
    api = request.agent(t.app).set('Authorization', await t.bearer(undefined, 'sandbox-council-mosaic'));
  });
  afterAll(() => t.close());

  /** Every request sent, by the X-Request-ID the facade answered with: each must have its access record. */
  const sent: string[] = [];
  const seen = async (req: request.Test | Promise<request.Response>): Promise<request.Response> => {
    const res = await req;
    sent.push(res.headers['x-request-id']);
    return res;
  };

  const refusedOrAnswered = (res: request.Response, label: string) => {
    expect({ label, status: res.status < 500, type: res.body?.resourceType }).toEqual({
      label,
      status: true,
      type: res.status < 400 ? 'Bundle' : 'OperationOutcome',
    });
  };

  describe.each(TYPES)('%s', (type) => {
    it('GET: never a 500; unknown hostile names are ignored leniently and refused strictly', async () => {
      for (const [name, value] of hostileQueries(type)) {
        const query = `${encodeURIComponent(name)}=${encodeURIComponent(value)}`;
        refusedOrAnswered(await seen(api.get(`/fhir/${type}?${query}`)), `GET ${type}?${query}`);
      }
      for (const h of HOSTILE) {
        const lenient = await seen(api.get(`/fhir/${type}?${h}=x`));
        expect([lenient.status, lenient.body.resourceType]).toEqual([200, 'Bundle']);
        expect(lenient.body.entry?.find((e: { search?: { mode: string } }) => e.search?.mode === 'outcome')?.resource.issue[0].expression).toEqual([h]);
        const strict = await seen(api.get(`/fhir/${type}?${h}=x`).set('Prefer', 'handling=strict'));
        expect([strict.status, strict.body.resourceType]).toEqual([400, 'OperationOutcome']);
      }
    });

    it('POST _search with a form: the same', async () => {
      for (const [name, value] of hostileQueries(type)) {
        const res = await seen(api.post(`/fhir/${type}/_search`).type('form').send(`${encodeURIComponent(name)}=${encodeURIComponent(value)}`));
        refusedOrAnswered(res, `POST ${type}/_search ${name}=${value}`);
      }
      const res = await seen(api.post(`/fhir/${type}/_search`).type('form').send(HOSTILE.map((h) => `${h}=x`).join('&')));
      expect([res.status, res.body.resourceType]).toEqual([200, 'Bundle']);
    });

    it('without a token: the conformance types answer, the others refuse with 401', async () => {
      for (const h of HOSTILE) {
        const res = await seen(t.http.get(`/fhir/${type}?${h}=x`));
        expect([res.status, res.body.resourceType]).toEqual(PUBLIC.has(type) ? [200, 'Bundle'] : [401, 'OperationOutcome']);
      }
    });

    it('hostile ids and path segments: 4xx', async () => {
      for (const h of HOSTILE) {
        for (const path of [`/fhir/${type}/${h}`, `/fhir/${type}/${h}/${h}`, `/fhir/${type}/_search/${h}`]) {
          const res = await seen(api.get(path));
          expect({ path, status: res.status >= 400 && res.status < 500, type: res.body.resourceType }).toEqual({ path, status: true, type: 'OperationOutcome' });
        }
      }
    });
  });

  it('hostile type names and headers: 4xx, never a 500', async () => {
    for (const h of HOSTILE) {
      for (const res of [
        await seen(api.get(`/fhir/${h}`)),
        await seen(api.get(`/fhir/${h}/1`)),
        await seen(api.post(`/fhir/${h}/_search`).type('form').send('a=b')),
        await seen(api.get('/fhir/Patient').set('X-Purpose-Of-Use', h)),
        await seen(t.http.get(`/fhir/${h}`)),
      ]) {
        expect({ h, status: res.status >= 400 && res.status < 500, type: res.body.resourceType }).toEqual({ h, status: true, type: 'OperationOutcome' });
      }
    }
  });

  it('every refusal and answer above was audited', async () => {
    expect(sent.length).toBeGreaterThan(0);
    expect(new Set(sent).size).toBe(sent.length);
    const rows = await t.testStore.store.db.query<{ request_id: string }>('SELECT request_id FROM audit_events WHERE request_id = ANY($1)', [sent]);
    const audited = new Set(rows.map((r) => r.request_id));
    expect(sent.filter((id) => !audited.has(id))).toEqual([]);
    expect(rows).toHaveLength(sent.length);
    const errors = await t.testStore.store.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_events WHERE http_status >= 500`);
    expect(errors[0].n).toBe(0);
  });
});
