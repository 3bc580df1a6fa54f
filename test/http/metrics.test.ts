/**
 * GET /metrics: what Prometheus scrapes, after real requests (a search, token requests, notices, a
 * contact answered), on both stores. Served without a token and outside the audit trail; its label
 * values come from closed lists, whatever paths callers send, and never name a person or a client.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { Bundle, Communication, Task } from '@medplum/fhirtypes';
import { startTestApp, TestApp } from '../support/app';
import { keyOfClient, requestToken } from '../support/auth';
import { parseExposition, Sample, valueOf } from '../support/prometheus';
import { DRIVERS } from '../support/stores';

const NOTICE = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'notices', 'assessment-notice.json'), 'utf8')) as Communication;
const NHS_SEARCH = 'https://fhir.nhs.uk/Id/nhs-number|9990000018';

async function scrape(t: TestApp): Promise<{ samples: Sample[]; text: string }> {
  const res = await t.http.get('/metrics');
  expect(res.status).toBe(200);
  return { samples: parseExposition(res.text), text: res.text };
}

const auditRecords = async (t: TestApp) => Number((await t.testStore.store.db.query<{ n: string }>('SELECT count(*) AS n FROM audit_events'))[0].n);

describe.each(DRIVERS)('GET /metrics (%s)', (driver) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(driver, {}, { LOOKUP_CACHE_SECONDS: '30' });
  });
  afterAll(() => t.close());

  it('is Prometheus text, without a token, never cached, HEAD too, with the process metrics', async () => {
    const res = await t.http.get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.headers['cache-control']).toBe('no-store');
    const samples = parseExposition(res.text);
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) {
      expect(samples.some((s) => s.name === name)).toBe(true);
    }
    const head = await t.http.head('/metrics');
    expect([head.status, head.text ?? '']).toEqual([200, '']);
    const post = await t.http.post('/metrics');
    expect([post.status, post.headers.allow, post.body.resourceType]).toEqual([405, 'GET, HEAD', 'OperationOutcome']);
    // Only the exact path, as a proxy that keeps /metrics private matches it: no other spelling reaches it.
    for (const other of ['/METRICS', '/Metrics', '/metrics/', '/HEALTH/ready', '/health/ready/']) {
      expect([other, (await t.http.get(other)).status]).toEqual([other, 404]);
    }
  });

  it('counts FHIR requests by interaction, type and status, with their latency, and the lookup cache', async () => {
    const before = await scrape(t);
    const search = () => t.as('sandbox-epr-rx1').then((as) => as(t.http.get('/fhir/Patient').query({ identifier: NHS_SEARCH })));
    expect((await search()).status).toBe(200);
    expect((await search()).status).toBe(200);
    expect((await t.http.get('/fhir/metadata')).status).toBe(200);
    expect((await t.http.get('/fhir/Patient/WXB-100001')).status).toBe(401);
    const { samples, text } = await scrape(t);
    const delta = (name: string, labels: Record<string, string>) => (valueOf(samples, name, labels) ?? 0) - (valueOf(before.samples, name, labels) ?? 0);
    const searched = { interaction: 'search', resource_type: 'Patient', status: '200' };
    expect(delta('facade_fhir_requests_total', searched)).toBe(2);
    expect(delta('facade_fhir_request_duration_seconds_count', searched)).toBe(2);
    expect(delta('facade_fhir_request_duration_seconds_bucket', { ...searched, le: '+Inf' })).toBe(2);
    expect(valueOf(samples, 'facade_fhir_request_duration_seconds_sum', searched)).toBeGreaterThan(0);
    expect(delta('facade_fhir_requests_total', { interaction: 'capabilities', resource_type: 'none', status: '200' })).toBe(1);
    expect(delta('facade_fhir_requests_total', { interaction: 'read', resource_type: 'Patient', status: '401' })).toBe(1);
    // The second identical search is answered from the cache.
    expect(delta('facade_lookup_cache_requests_total', { result: 'hit' })).toBeGreaterThanOrEqual(1);
    expect(delta('facade_lookup_cache_requests_total', { result: 'miss' })).toBeGreaterThanOrEqual(1);
    // Every request waited for its access record: the trail committed, and holds nothing now.
    expect(delta('facade_audit_commit_duration_seconds_count', { outcome: 'committed' })).toBeGreaterThanOrEqual(1);
    expect(delta('facade_audit_records_total', { outcome: 'committed' })).toBeGreaterThanOrEqual(4);
    expect(valueOf(samples, 'facade_audit_queue_depth')).toBe(0);
    expect(valueOf(samples, 'facade_audit_oldest_wait_seconds')).toBe(0);
    expect(delta('facade_store_statement_duration_seconds_count', { store: driver, outcome: 'ok' })).toBeGreaterThan(0);
    // Nothing about whom the search was for, or who asked.
    expect(text).not.toContain('9990000018');
    expect(text).not.toContain('WXB-100001');
    expect(text).not.toContain('sandbox-epr-rx1');
  });

  it('counts tokens issued and refused by OAuth error code', async () => {
    const before = await scrape(t);
    const base = 'http://facade.test';
    expect((await requestToken(t.http, { baseUrl: base, clientId: 'sandbox-epr-rx1', scope: 'system/Patient.rs' })).status).toBe(200);
    const refused = await requestToken(t.http, { baseUrl: base, clientId: 'sandbox-epr-rx1', scope: 'system/Nothing.cruds' });
    expect([refused.status, refused.body.error]).toEqual([400, 'invalid_scope']);
    const unknown = await requestToken(t.http, { baseUrl: base, clientId: 'no-such-client', scope: 'system/*.rs', key: keyOfClient('sandbox-epr-rx1') });
    expect([unknown.status, unknown.body.error]).toEqual([400, 'invalid_client']);
    // Refused before the token endpoint reads it (not a form; not a POST): counted as what the client was sent.
    const json = await t.http.post('/auth/token').set('Content-Type', 'application/json').send('{"grant_type":"client_credentials"}');
    expect([json.status, json.body.error]).toEqual([400, 'invalid_request']);
    expect((await t.http.get('/auth/token')).status).toBe(405);
    const { samples, text } = await scrape(t);
    const delta = (name: string, labels: Record<string, string> = {}) => (valueOf(samples, name, labels) ?? 0) - (valueOf(before.samples, name, labels) ?? 0);
    expect(delta('facade_tokens_issued_total')).toBe(1);
    expect(delta('facade_token_refusals_total', { error: 'invalid_scope' })).toBe(1);
    expect(delta('facade_token_refusals_total', { error: 'invalid_client' })).toBe(1);
    expect(delta('facade_token_refusals_total', { error: 'invalid_request' })).toBe(2);
    expect(text).not.toContain('no-such-client');
  });

  it('counts notices by outcome and contacts answered', async () => {
    const hospital = await t.as('sandbox-epr-rx1');
    const council = await t.as('sandbox-council-mosaic');
    const before = await scrape(t);
    const notice = { ...NOTICE, identifier: [{ system: 'https://fhir.example-hospital.nhs.uk/Id/adw-notice', value: `METRICS-${driver}-${Date.now()}` }] };
    const send = (body: Communication) => hospital(t.http.post('/fhir/Communication').set('Content-Type', 'application/fhir+json').send(body));
    const created = await send(notice);
    expect(created.status).toBe(201);
    expect((await send(notice)).status).toBe(200);
    const changed = await send({ ...notice, payload: [{ contentString: 'Something else entirely' }] });
    expect(changed.status).toBe(409);
    const contacts = await council(t.http.get('/fhir/Task').query({ focus: `Communication/${created.body.id}` }));
    const task = (contacts.body as Bundle).entry![0].resource as Task;
    const answered = await council(t.http.patch(`/fhir/Task/${task.id}`).set('Content-Type', 'application/json-patch+json')).send([
      { op: 'replace', path: '/status', value: 'in-progress' },
    ]);
    expect(answered.status).toBe(200);
    const again = await council(t.http.patch(`/fhir/Task/${task.id}`).set('Content-Type', 'application/json-patch+json').set('If-Match', 'W/"1"')).send([
      { op: 'replace', path: '/status', value: 'completed' },
    ]);
    expect(again.status).toBe(412);
    const { samples } = await scrape(t);
    const delta = (name: string, labels: Record<string, string>) => (valueOf(samples, name, labels) ?? 0) - (valueOf(before.samples, name, labels) ?? 0);
    expect(delta('facade_notices_received_total', { outcome: 'created' })).toBe(1);
    expect(delta('facade_notices_received_total', { outcome: 'repeat' })).toBe(1);
    expect(delta('facade_notices_received_total', { outcome: 'refused' })).toBe(1);
    expect(delta('facade_contact_answers_total', { outcome: 'answered' })).toBe(1);
    expect(delta('facade_contact_answers_total', { outcome: 'refused' })).toBe(1);
    expect(delta('facade_fhir_requests_total', { interaction: 'create', resource_type: 'Communication', status: '201' })).toBe(1);
    expect(delta('facade_fhir_requests_total', { interaction: 'patch', resource_type: 'Task', status: '200' })).toBe(1);
  });

  it('keeps label values to closed lists whatever path is sent', async () => {
    const bearer = await t.bearer();
    const hostile = [
      '/fhir/%3Cscript%3Ealert(1)%3C%2Fscript%3E',
      '/fhir/Patient%2F..%2F..%2Fetc%2Fpasswd',
      '/fhir/9990000018',
      '/fhir/Patient/9990000018/_history/1/extra/parts',
      '/fhir/$everything',
      '/fhir/Patient/WXB-100001/$everything',
      '/fhir/__proto__/constructor',
      `/fhir/${'A'.repeat(2000)}`,
      ...Array.from({ length: 30 }, (_, i) => `/fhir/Invented${i}Type?x=${i}`),
    ];
    for (const p of hostile) {
      const res = await t.http.get(p).set('Authorization', bearer);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
    const { samples, text } = await scrape(t);
    const served = ['Patient', 'CarePlan', 'Flag', 'CareTeam', 'Organization', 'Practitioner', 'PractitionerRole', 'Communication', 'Task', 'AuditEvent'];
    const allowed = new Set([...served, 'StructureDefinition', 'CodeSystem', 'ValueSet', 'unknown', 'none']);
    const requestSamples = samples.filter((s) => s.name.startsWith('facade_fhir_request'));
    expect(requestSamples.filter((s) => !allowed.has(s.labels.resource_type))).toEqual([]);
    expect(new Set(requestSamples.map((s) => s.labels.interaction)).size).toBeLessThanOrEqual(9);
    for (const s of requestSamples) expect(s.labels.status).toMatch(/^([1-5]\d\d|aborted)$/);
    expect(valueOf(samples, 'facade_fhir_requests_total', { interaction: 'search', resource_type: 'unknown', status: '404' })).toBeGreaterThanOrEqual(30);
    for (const word of ['<script', 'alert(', 'passwd', 'Invented', '9990000018', '__proto__', 'AAAA', 'everything']) expect(text).not.toContain(word);
  });

  it('counts a request whose client goes before the answer as aborted', async () => {
    const before = await scrape(t);
    const server = http.createServer(t.app).listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
      await once(socket, 'connect');
      // A notice whose body never finishes arriving: the client gives up half way.
      socket.write('POST /fhir/Communication HTTP/1.1\r\nHost: facade.test\r\nContent-Type: application/fhir+json\r\nContent-Length: 100\r\n\r\n{"resourceType"');
      await new Promise((r) => setTimeout(r, 100));
      socket.destroy();
      const aborted = { interaction: 'create', resource_type: 'Communication', status: 'aborted' };
      let samples = (await scrape(t)).samples;
      for (let i = 0; i < 50 && valueOf(samples, 'facade_fhir_requests_total', aborted) === valueOf(before.samples, 'facade_fhir_requests_total', aborted); i++) {
        await new Promise((r) => setTimeout(r, 100));
        samples = (await scrape(t)).samples;
      }
      expect((valueOf(samples, 'facade_fhir_requests_total', aborted) ?? 0) - (valueOf(before.samples, 'facade_fhir_requests_total', aborted) ?? 0)).toBe(1);
    } finally {
      server.close();
    }
  });

  it('writes no access record, and counts no FHIR request, for scrapes and health checks', async () => {
    // The earlier tests' last requests (one whose client went before its answer) may still be
    // finishing: start from counts that no longer move.
    let before = await auditRecords(t);
    for (let settled = false; !settled; ) {
      await new Promise((r) => setTimeout(r, 300));
      const now = await auditRecords(t);
      settled = now === before;
      before = now;
    }
    const first = await scrape(t);
    for (let i = 0; i < 3; i++) {
      await t.http.get('/metrics');
      await t.http.get('/health/live');
      await t.http.get('/health/ready');
    }
    const { samples } = await scrape(t);
    expect(await auditRecords(t)).toBe(before);
    const total = (s: Sample[]) => s.filter((x) => x.name === 'facade_fhir_requests_total').reduce((n, x) => n + x.value, 0);
    expect(total(samples)).toBe(total(first.samples));
  });
});

describe('each app has a registry of its own', () => {
  it("one app's requests are not counted by another's", async () => {
    const [a, b] = [await startTestApp('pglite'), await startTestApp('pglite')];
    try {
      expect((await a.http.get('/fhir/metadata')).status).toBe(200);
      const capabilities = { interaction: 'capabilities', resource_type: 'none', status: '200' };
      expect(valueOf((await scrape(a)).samples, 'facade_fhir_requests_total', capabilities)).toBe(1);
      expect(valueOf((await scrape(b)).samples, 'facade_fhir_requests_total', capabilities)).toBeUndefined();
    } finally {
      await a.close();
      await b.close();
    }
  }, 120_000);
});
