/**
 * The access log as an operator reads it: one JSON line per request, with the ids that link it to
 * the caller and to the AuditEvent, who called and what kind of request it was, and nothing that
 * identifies a person or lets anyone act as a caller. Driven through HTTP (supertest, and a real
 * server for what Node's parser refuses), the logger's output captured through its destination.
 */
import { AddressInfo } from 'node:net';
import { signClientAssertion } from '../../src/auth/assertionSigner';
import { CLIENT_ASSERTION_TYPE } from '../../src/auth/assertion';
import { createFacadeServer, FacadeServer } from '../../src/http/server';
import { createLogger } from '../../src/logging';
import { startTestApp, TestApp } from '../support/app';
import { keyOfClient } from '../support/auth';
import { sendRaw } from '../support/facadeProcess';
import { exampleNotice } from '../support/notices';

type Line = Record<string, unknown>;
const raw: string[] = [];
const lines: Line[] = [];
const destination = {
  write(text: string) {
    raw.push(text);
    lines.push(JSON.parse(text));
  },
};

let t: TestApp;
let server: FacadeServer;
let port: number;
/** Everything a line must never hold, collected as the requests are made. */
const secrets: string[] = ['9990000018', '999 000 0018', 'Thornton', 'Barbara', 'WXB-100001', 'Mensah'];

beforeAll(async () => {
  t = await startTestApp('pglite', { logger: createLogger('debug', destination) });
  server = createFacadeServer(t.app, t.config.http, { logger: createLogger('debug', destination) });
  await server.listen(0, '127.0.0.1');
  port = (server.server.address() as AddressInfo).port;
}, 60_000);

afterAll(async () => {
  await server?.shutdown();
  await t?.close();
});

/** The access line of a request, by its id: written when the answer finishes, so waited for briefly. */
async function lineOf(requestId: string): Promise<Line> {
  for (let i = 0; i < 100; i++) {
    const found = lines.filter((l) => l.requestId === requestId && typeof l.status === 'number');
    if (found.length) {
      expect(found).toHaveLength(1);
      return found[0];
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no access line for ${requestId}`);
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('the token endpoint', () => {
  it('logs the client it issued to, never the assertion or the token', async () => {
    const assertion = await signClientAssertion({ clientId: 'sandbox-epr-rx1', tokenUrl: `${t.config.fhirBaseUrl.replace(/\/fhir$/, '')}/auth/token`, privateJwk: keyOfClient('sandbox-epr-rx1') });
    const res = await t.http
      .post('/auth/token')
      .set('X-Request-ID', 'token-req-1')
      .type('form')
      .send({ grant_type: 'client_credentials', scope: 'system/*.rs', client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion });
    expect(res.status).toBe(200);
    secrets.push(assertion, res.body.access_token, assertion.split('.')[2], res.body.access_token.split('.')[2]);
    expect(await lineOf('token-req-1')).toEqual({
      level: 30,
      time: expect.stringMatching(ISO),
      pid: process.pid,
      hostname: expect.any(String),
      requestId: 'token-req-1',
      clientId: 'sandbox-epr-rx1',
      organization: 'RX1',
      interaction: 'token',
      method: 'POST',
      path: '/auth/token',
      status: 200,
      ms: expect.any(Number),
      bytes: Buffer.byteLength(res.text),
      msg: 'request completed',
    });
  });

  it('logs a refused request under the client it claimed', async () => {
    const assertion = await signClientAssertion({ clientId: 'sandbox-epr-rx1', tokenUrl: 'http://elsewhere.test/auth/token', privateJwk: keyOfClient('sandbox-epr-rx1') });
    secrets.push(assertion, assertion.split('.')[2]);
    const res = await t.http
      .post('/auth/token')
      .set('X-Request-ID', 'token-req-2')
      .type('form')
      .send({ grant_type: 'client_credentials', scope: 'system/*.rs', client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion });
    expect(res.status).toBe(400);
    const line = await lineOf('token-req-2');
    expect(line).toMatchObject({ clientId: 'sandbox-epr-rx1', interaction: 'token', status: 400, level: 30 });
    // Unverified: the organisation is not looked up for a client that did not prove who it is.
    expect(line).not.toHaveProperty('organization');
  });

  it('logs a client id the caller made up as unregistered, and the refusal by its code alone, under the request id', async () => {
    const madeUp = `Barbara Thornton 999 000 0018 ${'A'.repeat(3000)}`;
    const res = await t.http
      .post('/auth/token')
      .set('X-Request-ID', 'token-req-3')
      .type('form')
      .send({ grant_type: 'client_credentials', client_id: madeUp, scope: 'system/*.rs', client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: 'x.y.z' });
    expect(res.status).toBe(400);
    expect(await lineOf('token-req-3')).toMatchObject({ clientId: 'unregistered', interaction: 'token', status: 400 });
    const refusal = lines.find((l) => l.requestId === 'token-req-3' && l.msg === 'token request refused');
    expect(refusal).toMatchObject({ oauthError: expect.stringMatching(/^[a-z_]+$/) });
    for (const l of lines.filter((x) => x.requestId === 'token-req-3')) expect(JSON.stringify(l)).not.toMatch(/Thornton|9990000018|999 000 0018|AAAA/);
  });
});

describe('FHIR requests', () => {
  let bearer: string;
  beforeAll(async () => {
    bearer = await t.bearer(undefined, 'sandbox-epr-rx1');
    secrets.push(bearer.slice('Bearer '.length));
  });

  it('a search by NHS number: ids echoed and logged, the caller, the interaction, no query', async () => {
    const res = await t.http
      .get('/fhir/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|9990000018&_revinclude=CarePlan:subject')
      .set('Authorization', bearer)
      .set('X-Request-ID', 'search-nhs-1')
      .set('X-Correlation-ID', 'ae-visit-2026-12-01.barbara:1');
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toBe('search-nhs-1');
    expect(res.headers['x-correlation-id']).toBe('ae-visit-2026-12-01.barbara:1');
    expect(await lineOf('search-nhs-1')).toEqual({
      level: 30,
      time: expect.stringMatching(ISO),
      pid: process.pid,
      hostname: expect.any(String),
      requestId: 'search-nhs-1',
      correlationId: 'ae-visit-2026-12-01.barbara:1',
      clientId: 'sandbox-epr-rx1',
      organization: 'RX1',
      interaction: 'search',
      resourceType: 'Patient',
      method: 'GET',
      path: '/fhir/Patient',
      status: 200,
      ms: expect.any(Number),
      bytes: Buffer.byteLength(res.text),
      msg: 'request completed',
    });
  });

  it('a search by name logs neither the name nor the parameter', async () => {
    const res = await t.http.get('/fhir/Patient?family=Thornton&birthdate=1941-06-14').set('Authorization', bearer).set('X-Request-ID', 'search-name-1');
    expect(res.status).toBe(200);
    expect(res.body.total ?? res.body.entry?.length).toBeGreaterThan(0);
    const line = await lineOf('search-name-1');
    expect(line).toMatchObject({ interaction: 'search', resourceType: 'Patient', path: '/fhir/Patient', status: 200 });
    expect(JSON.stringify(line)).not.toMatch(/family=|"family"|Thornton|birthdate|1941/);
  });

  it('a read logs the path without the id', async () => {
    const res = await t.http.get('/fhir/Patient/WXB-100001').set('Authorization', bearer).set('X-Request-ID', 'read-1');
    expect(res.status).toBe(200);
    expect(await lineOf('read-1')).toMatchObject({ interaction: 'read', resourceType: 'Patient', path: '/fhir/Patient/{id}', status: 200 });
  });

  it('a HEAD read sends, and logs, no body', async () => {
    const res = await t.http.head('/fhir/Patient/WXB-100001').set('Authorization', bearer).set('X-Request-ID', 'head-1');
    expect(res.status).toBe(200);
    expect(await lineOf('head-1')).toMatchObject({ method: 'HEAD', path: '/fhir/Patient/{id}', bytes: 0 });
  });

  it('a notice POST logs the create, not the notice', async () => {
    const res = await t.http
      .post('/fhir/Communication')
      .set('Authorization', bearer)
      .set('Content-Type', 'application/fhir+json')
      .set('X-Request-ID', 'notice-1')
      .send(JSON.stringify(exampleNotice('assessment-notice')));
    expect(res.status).toBe(201);
    secrets.push(res.body.id);
    expect(await lineOf('notice-1')).toMatchObject({ interaction: 'create', resourceType: 'Communication', path: '/fhir/Communication', status: 201, clientId: 'sandbox-epr-rx1' });
  });

  it('a request without a token: no caller, and the path of an unknown type hidden too', async () => {
    await t.http.get('/fhir/Patient/WXB-100001').set('X-Request-ID', 'no-token-1').expect(401);
    const line = await lineOf('no-token-1');
    expect(line).toMatchObject({ status: 401, path: '/fhir/Patient/{id}', level: 30 });
    expect(line).not.toHaveProperty('clientId');
    await t.http.get('/fhir/Thornton/9990000018').set('Authorization', bearer).set('X-Request-ID', 'unknown-type-1');
    expect(await lineOf('unknown-type-1')).toMatchObject({ path: '/fhir/{type}/{id}' });
    const unknownType = await lineOf('unknown-type-1');
    expect(unknownType).not.toHaveProperty('resourceType');
    expect(unknownType).not.toHaveProperty('interaction');
    await t.http.get('/fhir/.well-known/smart-configuration').set('X-Request-ID', 'discovery-1').expect(200);
    const discovery = await lineOf('discovery-1');
    expect(discovery).toMatchObject({ path: '/fhir/.well-known/smart-configuration', status: 200 });
    expect(discovery).not.toHaveProperty('interaction');
  });

  it('a generated request id when none (or an invalid one) is sent, the same in the header and the line', async () => {
    const res = await t.http.get('/fhir/metadata').set('X-Request-ID', 'Barbara Thornton');
    const id = res.headers['x-request-id'];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await lineOf(id)).toMatchObject({ interaction: 'capabilities', path: '/fhir/metadata', status: 200 });
  });

  it('an invalid correlation id is ignored: not echoed, not logged, not refused', async () => {
    const res = await t.http
      .get('/fhir/Patient/WXB-100001')
      .set('Authorization', bearer)
      .set('X-Request-ID', 'bad-corr-1')
      .set('X-Correlation-ID', 'Thornton 9990000018');
    expect(res.status).toBe(200);
    expect(res.headers).not.toHaveProperty('x-correlation-id');
    expect(await lineOf('bad-corr-1')).not.toHaveProperty('correlationId');
    const long = await t.http.get('/fhir/metadata').set('X-Request-ID', 'bad-corr-2').set('X-Correlation-ID', 'x'.repeat(129));
    expect(long.status).toBe(200);
    expect(long.headers).not.toHaveProperty('x-correlation-id');
    // An id that reads as an NHS number, however it is split, is not taken: logs carry no personal data.
    const nhs = await t.http.get('/fhir/metadata').set('X-Request-ID', '999-000-0018').set('X-Correlation-ID', 'visit.9990000018');
    expect(nhs.status).toBe(200);
    expect(nhs.headers['x-request-id']).not.toBe('999-000-0018');
    expect(nhs.headers).not.toHaveProperty('x-correlation-id');
    // A UUID whose groups happen to be all digits is still an id.
    const uuid = await t.http.get('/fhir/metadata').set('X-Request-ID', '12345678-1234-4234-8234-123456789012');
    expect(uuid.headers['x-request-id']).toBe('12345678-1234-4234-8234-123456789012');
  });
});

describe('levels', () => {
  it('probes and scrapes (/health/..., /metrics) at debug; other paths at info, without their text', async () => {
    await t.http.get('/health/ready').set('X-Request-ID', 'probe-1');
    await t.http.get('/metrics').set('X-Request-ID', 'probe-2');
    await t.http.get('/Patient/9990000018').set('X-Request-ID', 'stray-1');
    expect(await lineOf('probe-1')).toMatchObject({ level: 20, path: '/health/ready' });
    expect(await lineOf('probe-2')).toMatchObject({ level: 20, path: '/metrics' });
    expect(await lineOf('stray-1')).toMatchObject({ level: 30, path: '/{other}', status: 404 });
  });
});

describe('a request the facade cannot answer', () => {
  it('is logged at error, completed with its status, and its failure under the same request id', async () => {
    const failing = await startTestApp('pglite', { logger: createLogger('debug', destination) });
    try {
      const bearer = await failing.bearer(undefined, 'sandbox-epr-rx1');
      secrets.push(bearer.slice('Bearer '.length));
      // As if the embedded store's thread had died: every statement from now on is refused.
      await failing.testStore.store.db.close();
      const res = await failing.http.get('/fhir/Patient/WXB-100001').set('Authorization', bearer).set('X-Request-ID', 'store-gone-1');
      expect(res.status).toBe(503);
      expect(await lineOf('store-gone-1')).toMatchObject({ level: 50, status: 503, path: '/fhir/Patient/{id}', clientId: 'sandbox-epr-rx1', msg: 'request completed' });
      // The failure's own line carries the same request id, so the two are found together.
      expect(lines.filter((l) => l.requestId === 'store-gone-1' && l.msg === 'request failed')).toHaveLength(1);
    } finally {
      failing.auth.close();
      await failing.testStore.close().catch(() => undefined);
    }
  }, 60_000);
});

describe('requests refused before Express sees them', () => {
  it('a request the HTTP parser refuses gets a line, with the id it was answered with', async () => {
    const answer = await sendRaw(port, 'GET /fhir/Patient?name=Thornton HTTP/1.1\r\nHost: x\r\nBad Header Thornton\r\n\r\n');
    expect(answer.status).toBe(400);
    const id = String(answer.headers['x-request-id']);
    expect(await lineOf(id)).toMatchObject({ level: 30, method: 'GET', path: '/fhir/Patient', interaction: 'search', status: 400, msg: 'request refused before routing', bytes: answer.body.length });
  });

  it('an HTTP/1.1 request without Host gets a line with its ids', async () => {
    const answer = await sendRaw(port, 'GET /fhir/Patient/WXB-100001 HTTP/1.1\r\nX-Request-ID: no-host-1\r\nX-Correlation-ID: corr-no-host\r\n\r\n');
    expect(answer.status).toBe(400);
    expect(answer.headers['x-correlation-id']).toBe('corr-no-host');
    expect(await lineOf('no-host-1')).toMatchObject({ correlationId: 'corr-no-host', path: '/fhir/Patient/{id}', status: 400, msg: 'request refused before routing' });
  });
});

describe('every line', () => {
  it('has an ISO timestamp, and holds no token, assertion, NHS number, name, id or query', () => {
    expect(lines.length).toBeGreaterThan(15);
    for (const line of lines) expect(line.time).toMatch(ISO);
    const all = raw.join('');
    for (const secret of secrets) expect({ secret, found: all.includes(secret) }).toEqual({ secret, found: false });
    expect(all).not.toMatch(/\?|authorization|cookie|client_assertion|nhs-number/i);
  });
});
