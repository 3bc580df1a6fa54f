/**
 * Request limits per client, shared by every facade instance on one PostgreSQL database: the token
 * endpoint's (TOKEN_REQUESTS_PER_MINUTE, one statement per token request) and the FHIR API's
 * (CLIENT_REQUESTS_PER_MINUTE, granted by each instance from slices it claims from the shared
 * allowance, never a trip to the database per request). Refusals are 429 with Retry-After: OAuth `slow_down` at the token
 * endpoint, OperationOutcome `throttled` on the FHIR API; each is audited.
 */
import { loadSandbox } from '../../src/services/imports/sandbox';
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../../src/app';
import { Auth } from '../../src/auth/auth';
import { ClientRequestLimit } from '../../src/auth/clientRequestLimit';
import { LimitStore } from '../../src/store/limitStore';
import { loadConfig } from '../../src/config';
import { openPgliteThread } from '../../src/store/pgliteThread';
import { openPostgres } from '../../src/store/postgresDriver';
import { SqlDriver } from '../../src/store/sqlDriver';
import { Store } from '../../src/store/store';
import { testClients } from '../support/app';
import { requestToken } from '../support/auth';
import { createPostgresDatabase, TestDatabase, describeWithPostgres } from '../support/stores';

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

async function instance(db: SqlDriver, env: Record<string, string>, clock?: () => number): Promise<Instance> {
  const { driver, counter } = counting(db);
  const store = await Store.open(driver);
  const config = loadConfig({ PUBLIC_BASE_URL: 'http://facade.test', FIXTURES_FILE: 'none', LOOKUP_CACHE_SECONDS: '0', ...env });
  const auth = new Auth(config, { store, clients: testClients(), clock });
  return { http: request(createApp(config, { store, auth, logger: silent })), auth, store, counter };
}

const token = (i: Instance, clientId = 'test-system') => requestToken(i.http, { baseUrl: 'http://facade.test', clientId, scope: 'system/*.rs' });

async function auditRow(store: Store, requestId: string) {
  return store.db.query<{ interaction: string; http_status: number; outcome: string; client_id: string }>(
    'SELECT interaction, http_status, outcome, client_id FROM audit_events WHERE request_id = $1',
    [requestId],
  );
}

describeWithPostgres('two instances on one PostgreSQL database', () => {
  let db: TestDatabase;
  let a: Instance;
  let b: Instance;
  /** B's clock may run ahead of A's (and the database's) by `skewMs`. */
  const open = async (env: Record<string, string>, skewMs = 0) => {
    a = await instance(await openPostgres(db.url!), env);
    b = await instance(await openPostgres(db.url!), env, skewMs ? () => Date.now() + skewMs : undefined);
  };
  beforeEach(async () => {
    db = await createPostgresDatabase();
    const first = await Store.open(await openPostgres(db.url!));
    await loadSandbox(first);
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

  it('share the FHIR request limit: each grants only what it has taken from the shared allowance', async () => {
    await open({ CLIENT_REQUESTS_PER_MINUTE: '10', TOKEN_REQUESTS_PER_MINUTE: '1000' });
    const bearer = `Bearer ${(await token(a)).body.access_token}`;
    const read = (i: Instance) => i.http.get('/fhir/Patient/WXB-100001').set('Authorization', bearer);
    for (let n = 0; n < 6; n++) expect((await read(a)).status).toBe(200);
    for (let n = 0; n < 4; n++) expect((await read(b)).status).toBe(200);
    // The client's ten a minute are used, whichever instance it asks next, without waiting for a reconciliation.
    const refused = await read(b);
    expect({ status: refused.status, type: refused.body.resourceType, code: refused.body.issue?.[0]?.code }).toEqual({
      status: 429,
      type: 'OperationOutcome',
      code: 'throttled',
    });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(await auditRow(b.store, refused.headers['x-request-id'])).toEqual([{ interaction: 'read', http_status: 429, outcome: '4', client_id: 'test-system' }]);
    expect((await read(a)).status).toBe(429);
    // The request limit is the client's: another client goes on.
    const other = `Bearer ${(await token(a, 'test-granular')).body.access_token}`;
    expect((await b.http.get('/fhir/Patient/WXB-100001').set('Authorization', other)).status).toBe(200);
  });

  it("a client's first burst, spread over both instances, gets about the limit, not twice it", async () => {
    const limit = 120;
    await open({ CLIENT_REQUESTS_PER_MINUTE: String(limit), TOKEN_REQUESTS_PER_MINUTE: '1000' });
    const bearer = `Bearer ${(await token(a)).body.access_token}`;
    const before = a.counter.limits + b.counter.limits;
    const started = Date.now();
    // The limit's worth at each instance at once: what a load balancer spreading one client would send.
    const statuses: number[] = [];
    for (let round = 0; round < limit / 10; round++) {
      const sent = [a, b].flatMap((i) => Array.from({ length: 10 }, () => i.http.get('/fhir/Patient/WXB-100001').set('Authorization', bearer)));
      for (const res of await Promise.all(sent)) statuses.push(res.status);
    }
    const seconds = (Date.now() - started) / 1000;
    const granted = statuses.filter((s) => s === 200).length;
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    // The bucket refills at limit/60 a second while the burst goes on; allow one second more.
    expect(granted).toBeLessThanOrEqual(limit + Math.ceil(((seconds + 1) * limit) / 60));
    expect(granted).toBeGreaterThanOrEqual(limit * 0.8);
    // Not a statement per request: a few per client and instance, as slices are claimed.
    expect(a.counter.limits + b.counter.limits - before).toBeLessThan(statuses.length / 4);
  });

  it('a busy client costs one statement per slice of its allowance, not one per request', async () => {
    await open({ CLIENT_REQUESTS_PER_MINUTE: '6000', TOKEN_REQUESTS_PER_MINUTE: '1000' });
    const bearer = `Bearer ${(await token(a)).body.access_token}`;
    const before = a.counter.limits;
    for (let round = 0; round < 20; round++) {
      const sent = Array.from({ length: 10 }, () => a.http.get('/fhir/Patient/WXB-100001').set('Authorization', bearer));
      for (const res of await Promise.all(sent)) expect(res.status).toBe(200);
    }
    expect(a.counter.limits - before).toBeLessThanOrEqual(8);
  });

  it("limit by the database's clock: an instance whose clock runs 50 s ahead does not see a client's allowance refilled early", async () => {
    await open({ TOKEN_REQUESTS_PER_MINUTE: '2', CLIENT_REQUESTS_PER_MINUTE: '2' }, 50_000);
    expect((await token(a)).status).toBe(200);
    const bearer = `Bearer ${(await token(a)).body.access_token}`;
    // The allowance is back in 60 s by the database's clock, not in 10 s by B's.
    const refused = await token(b);
    expect([refused.status, refused.body.error]).toEqual([429, 'slow_down']);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(29);

    const read = (i: Instance) => i.http.get('/fhir/Patient/WXB-100001').set('Authorization', bearer);
    expect((await read(a)).status).toBe(200);
    expect((await read(a)).status).toBe(200);
    await a.auth.requestLimit.reconcile();
    expect((await read(b)).status).toBe(429);
  });

  it('give back the unused part of a slice on their own, about a second later', async () => {
    await open({ CLIENT_REQUESTS_PER_MINUTE: '6000', TOKEN_REQUESTS_PER_MINUTE: '1000' });
    const bearer = `Bearer ${(await token(a)).body.access_token}`;
    const before = a.counter.limits;
    for (let n = 0; n < 40; n++) expect((await a.http.get('/fhir/Patient/WXB-100001').set('Authorization', bearer)).status).toBe(200);
    const claimed = a.counter.limits - before;
    expect(claimed).toBeGreaterThanOrEqual(1);
    expect(claimed).toBeLessThanOrEqual(3);
    for (let waited = 0; a.counter.limits - before === claimed && waited < 3000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 100));
    expect(a.counter.limits - before).toBe(claimed + 1);
    // The 40 requests used are all the shared allowance still counts (10 ms each, long since refilled).
    const [row] = await a.store.db.query<{ ahead: number }>(
      `SELECT tat - extract(epoch FROM now()) * 1000 AS ahead FROM request_limits WHERE name = 'fhir-requests' AND key = 'test-system'`,
    );
    expect(Number(row.ahead)).toBeLessThanOrEqual(0);
  });
});

describeWithPostgres('instances counting overlapping clients at once', () => {
  let db: TestDatabase;
  const drivers: SqlDriver[] = [];
  beforeAll(async () => {
    db = await createPostgresDatabase();
    const first = await Store.open(await openPostgres(db.url!));
    await first.close();
  });
  afterAll(async () => {
    for (const d of drivers) await d.close();
    await db.drop();
  });

  it('never deadlock, whatever order each meets the clients in', async () => {
    const errors: unknown[] = [];
    const limits = await Promise.all(
      [0, 1].map(async () => {
        const driver = await openPostgres(db.url!);
        drivers.push(driver);
        return new ClientRequestLimit({ perMinute: 1_000_000, shared: new LimitStore(driver), onError: (err) => errors.push(err) });
      }),
    );
    const clients = Array.from({ length: 40 }, (_, i) => `client-${String(i).padStart(2, '0')}`);
    for (let round = 0; round < 30; round++) {
      // A meets the clients in one order, B in the other; then both settle with the database at once.
      await Promise.all([
        Promise.all(clients.map((c) => limits[0].take(c))),
        Promise.all([...clients].reverse().map((c) => limits[1].take(c))),
      ]);
      await Promise.all(limits.map((l) => l.reconcile()));
    }
    for (const l of limits) l.close();
    expect(errors).toEqual([]);
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
    await loadSandbox(i.store);
  };

  it('limits FHIR requests per client in the process: 429 throttled with Retry-After, audited; others unaffected', async () => {
    await start({ CLIENT_REQUESTS_PER_MINUTE: '3' });
    const bearer = `Bearer ${(await token(i)).body.access_token}`;
    for (let n = 0; n < 3; n++) expect((await i.http.get('/fhir/Patient/WXB-100001').set('Authorization', bearer)).status).toBe(200);
    const refused = await i.http.post('/fhir/Patient/_search').type('form').send('family=Thornton').set('Authorization', bearer);
    expect([refused.status, refused.body.issue?.[0]?.code]).toEqual([429, 'throttled']);
    // The Spine code system has none for throttling: access refused for now, Retry-After saying how long.
    expect(refused.body.issue[0].details.coding).toEqual([
      { system: 'https://fhir.nhs.uk/CodeSystem/Spine-ErrorOrWarningCode', code: 'ACCESS_DENIED', display: 'Access has been denied to process this request' },
    ]);
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
