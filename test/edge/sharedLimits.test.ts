/**
 * Request limits per client, shared by every facade instance on one PostgreSQL database: the token
 * endpoint's (TOKEN_REQUESTS_PER_MINUTE, one statement per token request) and the FHIR API's
 * (CLIENT_REQUESTS_PER_MINUTE, counted in each instance and reconciled in batches, never a trip to
 * the database per request). Refusals are 429 with Retry-After: OAuth `slow_down` at the token
 * endpoint, OperationOutcome `throttled` on the FHIR API; each is audited.
 */
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../../src/app';
import { Auth } from '../../src/auth/auth';
import { loadConfig } from '../../src/config';
import { loadFixtures } from '../../src/store/openStore';
import { openPgliteThread } from '../../src/store/pgliteThread';
import { openPostgres } from '../../src/store/postgresDriver';
import { SqlDriver } from '../../src/store/sqlDriver';
import { Store } from '../../src/store/store';
import { SANDBOX_FIXTURES, testClients } from '../support/app';
import { requestToken } from '../support/auth';
import { createPostgresDatabase, TestDatabase } from '../support/stores';

const silent = pino({ level: 'silent' });

/** Counts the statements that touch the limits table (the hot path must not). */
function counting(db: SqlDriver) {
  const counter = { limits: 0 };
  const driver: SqlDriver = {
    kind: db.kind,
    query: (text, params) => {
      if (text.includes('request_limits')) counter.limits++;
      return db.query(text, params);
    },
    exec: (script) => db.exec(script),
    transaction: (fn) => db.transaction(fn),
    listen: (channel, handler) => db.listen(channel, handler),
    close: () => db.close(),
  };
  return { driver, counter };
}

interface Instance {
  http: ReturnType<typeof request>;
  auth: Auth;
  store: Store;
  counter: { limits: number };
}

async function instance(db: SqlDriver, env: Record<string, string>): Promise<Instance> {
  const { driver, counter } = counting(db);
  const store = await Store.open(driver);
  const config = loadConfig({ PUBLIC_BASE_URL: 'http://facade.test', FIXTURES_FILE: 'none', LOOKUP_CACHE_SECONDS: '0', ...env });
  const auth = new Auth(config, { store, clients: testClients() });
  return { http: request(createApp(config, { store, auth, logger: silent })), auth, store, counter };
}

const token = (i: Instance, clientId = 'test-system') => requestToken(i.http, { baseUrl: 'http://facade.test', clientId, scope: 'system/*.rs' });

async function auditRow(store: Store, requestId: string) {
  return store.db.query<{ interaction: string; http_status: number; outcome: string; client_id: string }>(
    'SELECT interaction, http_status, outcome, client_id FROM audit_events WHERE request_id = $1',
    [requestId],
  );
}

describe('two instances on one PostgreSQL database', () => {
  let db: TestDatabase;
  let a: Instance;
  let b: Instance;
  const open = async (env: Record<string, string>) => {
    a = await instance(await openPostgres(db.url!), env);
    b = await instance(await openPostgres(db.url!), env);
  };
  beforeEach(async () => {
    db = await createPostgresDatabase();
    const first = await Store.open(await openPostgres(db.url!));
    await loadFixtures(first, SANDBOX_FIXTURES);
    await first.close();
  });
  afterEach(async () => {
    for (const i of [a, b]) {
      i.auth.close();
      await i.store.close();
    }
    await db.drop();
  });

  it('share the token endpoint limit: the third request of a client allowed two a minute is refused, whichever instance it reaches', async () => {
    await open({ TOKEN_REQUESTS_PER_MINUTE: '2' });
    expect((await token(a)).status).toBe(200);
    expect((await token(b)).status).toBe(200);
    const refused = await token(a);
    expect({ status: refused.status, error: refused.body.error }).toEqual({ status: 429, error: 'slow_down' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(30);
    expect((await token(b)).status).toBe(429);
    // Another client's allowance is its own.
    expect((await token(b, 'test-granular')).status).toBe(200);
    expect(await auditRow(a.store, refused.headers['x-request-id'])).toEqual([{ interaction: 'token', http_status: 429, outcome: '4', client_id: 'test-system' }]);
  });

  it('share the FHIR request limit, reconciled in batches without a statement per request', async () => {
    await open({ CLIENT_REQUESTS_PER_MINUTE: '10', TOKEN_REQUESTS_PER_MINUTE: '1000' });
    const bearer = `Bearer ${(await token(a)).body.access_token}`;
    const read = (i: Instance) => i.http.get('/fhir/Patient/WXB-100001').set('Authorization', bearer);
    const before = a.counter.limits;
    for (let n = 0; n < 6; n++) expect((await read(a)).status).toBe(200);
    // Six requests, and not one statement about the limit on their way.
    expect(a.counter.limits).toBe(before);
    await a.auth.requestLimit.reconcile();
    expect(a.counter.limits).toBe(before + 1);
    for (let n = 0; n < 4; n++) expect((await read(b)).status).toBe(200);
    await b.auth.requestLimit.reconcile();
    // B now knows of A's six and its own four: the client's ten a minute are used.
    const refused = await read(b);
    expect({ status: refused.status, type: refused.body.resourceType, code: refused.body.issue?.[0]?.code }).toEqual({
      status: 429,
      type: 'OperationOutcome',
      code: 'throttled',
    });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(await auditRow(b.store, refused.headers['x-request-id'])).toEqual([{ interaction: 'read', http_status: 429, outcome: '4', client_id: 'test-system' }]);
    // A learns it at its next reconciliation, after at most one more request of its own.
    await read(a);
    await a.auth.requestLimit.reconcile();
    expect((await read(a)).status).toBe(429);
    // The request limit is the client's: another client goes on.
    const other = `Bearer ${(await token(a, 'test-granular')).body.access_token}`;
    expect((await b.http.get('/fhir/Patient/WXB-100001').set('Authorization', other)).status).toBe(200);
  });

  it('reconcile on their own, about once a second, while there are requests', async () => {
    await open({ CLIENT_REQUESTS_PER_MINUTE: '100000', TOKEN_REQUESTS_PER_MINUTE: '1000' });
    const bearer = `Bearer ${(await token(a)).body.access_token}`;
    const before = a.counter.limits;
    const started = Date.now();
    for (let n = 0; n < 40; n++) expect((await a.http.get('/fhir/Patient/WXB-100001').set('Authorization', bearer)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1300));
    const seconds = Math.ceil((Date.now() - started) / 1000);
    expect(a.counter.limits - before).toBeGreaterThanOrEqual(1);
    expect(a.counter.limits - before).toBeLessThanOrEqual(seconds + 1);
    const rows = await a.store.db.query<{ name: string; key: string }>('SELECT name, key FROM request_limits ORDER BY name');
    expect(rows).toEqual(expect.arrayContaining([{ name: 'fhir-requests', key: 'test-system' }]));
  });
});

describe('the embedded store', () => {
  let i: Instance;
  afterEach(async () => {
    i.auth.close();
    await i.store.close();
  });

  const start = async (env: Record<string, string>) => {
    i = await instance(await openPgliteThread(), env);
    await loadFixtures(i.store, SANDBOX_FIXTURES);
  };

  it('limits FHIR requests per client in the process: 429 throttled with Retry-After, audited; others unaffected', async () => {
    await start({ CLIENT_REQUESTS_PER_MINUTE: '3' });
    const bearer = `Bearer ${(await token(i)).body.access_token}`;
    for (let n = 0; n < 3; n++) expect((await i.http.get('/fhir/Patient/WXB-100001').set('Authorization', bearer)).status).toBe(200);
    const refused = await i.http.post('/fhir/Patient/_search').type('form').send('family=Thornton').set('Authorization', bearer);
    expect([refused.status, refused.body.issue?.[0]?.code]).toEqual([429, 'throttled']);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(await auditRow(i.store, refused.headers['x-request-id'])).toEqual([{ interaction: 'search', http_status: 429, outcome: '4', client_id: 'test-system' }]);
    // The CapabilityStatement needs no client, so no client's limit applies to it.
    expect((await i.http.get('/fhir/metadata')).status).toBe(200);
    const other = `Bearer ${(await token(i, 'test-granular')).body.access_token}`;
    expect((await i.http.get('/fhir/Patient/WXB-100001').set('Authorization', other)).status).toBe(200);
    expect(i.counter.limits).toBe(0);
  });

  it('CLIENT_REQUESTS_PER_MINUTE=0 turns the limit off', async () => {
    await start({ CLIENT_REQUESTS_PER_MINUTE: '0' });
    const bearer = `Bearer ${(await token(i)).body.access_token}`;
    for (let n = 0; n < 30; n++) expect((await i.http.get('/fhir/Patient/WXB-100001').set('Authorization', bearer)).status).toBe(200);
  });

  it('has a default a deployment can live with', () => {
    expect(loadConfig({}).clientRequestsPerMinute).toBe(6000);
    expect(() => loadConfig({ CLIENT_REQUESTS_PER_MINUTE: '-1' })).toThrow(/CLIENT_REQUESTS_PER_MINUTE/);
  });
});
