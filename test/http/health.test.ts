/**
 * GET /health/live and /health/ready, as a load balancer or Kubernetes sees them: the IETF health
 * check form (application/health+json), no token, no access record, never cached. Readiness fails,
 * naming the check, while the store is down, the schema lacks a migration, the audit trail cannot
 * be written or the server is shutting down, and passes again when the store does.
 */
import net from 'node:net';
import { ServerResponse } from 'node:http';
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../../src/app';
import { Auth } from '../../src/auth/auth';
import { loadConfig } from '../../src/config';
import { createFacadeServer, FacadeServer } from '../../src/http/server';
import { openPgliteThread } from '../../src/store/pgliteThread';
import { openPostgres } from '../../src/store/postgresDriver';
import { SqlDriver } from '../../src/store/sqlDriver';
import { Store } from '../../src/store/store';
import { startTestApp, TestApp } from '../support/app';
import { startTcpProxy } from '../support/tcpProxy';
import { createPostgresDatabase, describeWithPostgres, DRIVERS, TestDatabase } from '../support/stores';

const silent = pino({ level: 'silent' });
const config = loadConfig({ PUBLIC_BASE_URL: 'http://facade.test', FIXTURES_FILE: 'none', LOG_LEVEL: 'silent' });

interface Check {
  status: string;
  componentType: string;
  observedValue?: number;
  output?: string;
}
interface Health {
  status: 'pass' | 'fail';
  output?: string;
  checks: Record<string, Check[]>;
}

/** The checks that failed, by name. */
const failing = (body: Health) =>
  Object.entries(body.checks)
    .filter(([, list]) => list.some((c) => c.status === 'fail'))
    .map(([name]) => name)
    .sort();

async function ready(http: ReturnType<typeof request>): Promise<{ status: number; body: Health; failed: string[] }> {
  const res = await http.get('/health/ready');
  expect(res.headers['content-type']).toMatch(/^application\/health\+json/);
  expect(res.headers['cache-control']).toBe('no-store');
  const body = JSON.parse(res.text) as Health;
  return { status: res.status, body, failed: failing(body) };
}

const auditRecords = async (db: SqlDriver) => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM audit_events'))[0].n);

describe.each(DRIVERS)('health endpoints (%s)', (driver) => {
  let t: TestApp;
  beforeAll(async () => {
    // A client limit of one request a minute: health checks are not the client's requests.
    t = await startTestApp(driver, {}, { CLIENT_REQUESTS_PER_MINUTE: '1' });
  });
  afterAll(() => t.close());

  it('live: 200 pass with the uptime, without a token, never cached, HEAD too', async () => {
    const res = await t.http.get('/health/live');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/health\+json/);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = JSON.parse(res.text);
    expect(body).toMatchObject({ status: 'pass', serviceId: 'social-care-fhir-facade', checks: { uptime: [{ componentType: 'system', observedUnit: 's', status: 'pass' }] } });
    expect(typeof body.releaseId).toBe('string');
    const head = await t.http.head('/health/live');
    expect([head.status, head.headers['content-type'], head.text ?? '']).toEqual([200, res.headers['content-type'], '']);
  });

  it('ready: 200 pass with each check, HEAD too; other methods 405', async () => {
    const { status, body, failed } = await ready(t.http);
    expect([status, body.status, failed, body.output]).toEqual([200, 'pass', [], undefined]);
    expect(Object.keys(body.checks).sort()).toEqual(['auditTrail:writable', 'process:stopping', 'store:migrations', 'store:responseTime']);
    expect(body.checks['store:responseTime'][0]).toMatchObject({ componentType: 'datastore', observedUnit: 'ms', status: 'pass' });
    expect(body.checks['store:migrations'][0].observedValue).toBeGreaterThan(1);
    const head = await t.http.head('/health/ready');
    expect([head.status, head.text ?? '']).toEqual([200, '']);
    for (const path of ['/health/ready', '/health/live']) {
      const post = await t.http.post(path);
      expect([post.status, post.headers.allow, post.body.resourceType, post.body.issue[0].code]).toEqual([405, 'GET, HEAD', 'OperationOutcome', 'not-supported']);
    }
  });

  it('writes no access record and is not held to the per-client request limit', async () => {
    const bearer = await t.bearer();
    const before = await auditRecords(t.testStore.store.db);
    for (let i = 0; i < 5; i++) {
      expect((await t.http.get('/health/live').set('Authorization', bearer)).status).toBe(200);
      expect((await t.http.get('/health/ready').set('Authorization', bearer)).status).toBe(200);
      expect((await t.http.head('/health/ready').set('Authorization', bearer)).status).toBe(200);
    }
    expect(await auditRecords(t.testStore.store.db)).toBe(before);
    // The same client's FHIR requests are limited (and audited) as ever.
    expect((await t.http.get('/fhir/Patient/WXB-100001').set('Authorization', bearer)).status).toBe(200);
    expect((await t.http.get('/fhir/Patient/WXB-100001').set('Authorization', bearer)).status).toBe(429);
    expect(await auditRecords(t.testStore.store.db)).toBe(before + 2);
    expect((await t.http.get('/health/ready').set('Authorization', bearer)).status).toBe(200);
  });

  it('a schema without the latest migration is not ready, and is again once it has it', async () => {
    const db = t.testStore.store.db;
    const [latest] = await db.query<{ version: number; name: string; applied_at: string }>(
      'SELECT version, name, applied_at::text FROM schema_migrations ORDER BY version DESC LIMIT 1',
    );
    await db.query('DELETE FROM schema_migrations WHERE version = $1', [latest.version]);
    try {
      const down = await ready(t.http);
      expect([down.status, down.body.status, down.failed]).toEqual([503, 'fail', ['store:migrations']]);
      expect(down.body.checks['store:migrations'][0].output).toContain(`migration ${latest.version} (${latest.name})`);
      expect(down.body.output).toBe('not ready: store:migrations failed');
    } finally {
      await db.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3::timestamptz)', [latest.version, latest.name, latest.applied_at]);
    }
    expect((await ready(t.http)).status).toBe(200);
  });

  it('an audit trail that cannot take records is not ready, and is again once it can', async () => {
    const db = t.testStore.store.db;
    // Each client makes one FHIR request here: this app allows a client one a minute.
    const council = await t.bearer(undefined, 'sandbox-council-mosaic');
    const hospital = await t.bearer(undefined, 'sandbox-epr-rx1');
    // The table refuses every new row from now on (rows already there are not checked).
    await db.exec('ALTER TABLE audit_events ADD CONSTRAINT refuse_all CHECK (false) NOT VALID');
    try {
      const refused = await t.http.get('/fhir/Organization').set('Authorization', council);
      expect([refused.status, refused.body.issue?.[0]?.code]).toEqual([503, 'transient']);
      const down = await ready(t.http);
      expect([down.status, down.failed]).toEqual([503, ['auditTrail:writable']]);
      expect(down.body.checks['auditTrail:writable'][0].output).toMatch(/^the last commit failed at .*, and a probe write failed \(23514\)$/);
    } finally {
      await db.exec('ALTER TABLE audit_events DROP CONSTRAINT refuse_all');
    }
    // No request has committed since, and none need arrive: the probe finds the trail writable.
    expect((await ready(t.http)).status).toBe(200);
    expect((await t.http.get('/fhir/Organization').set('Authorization', hospital)).status).toBe(200);
  });
});

describe('the embedded store stops', () => {
  it('readiness fails on the store, its schema and the trail; liveness stays 200', async () => {
    const store = await Store.open(await openPgliteThread());
    const auth = new Auth(config, { store });
    const http = request(createApp(config, { store, auth, logger: silent }));
    try {
      expect((await ready(http)).status).toBe(200);
      // As if its thread had died: every statement from now on is refused.
      await store.db.close();
      const down = await ready(http);
      expect([down.status, down.body.status, down.failed]).toEqual([503, 'fail', ['auditTrail:writable', 'store:migrations', 'store:responseTime']]);
      expect(down.body.checks['store:responseTime'][0].output).toBe('the store cannot be reached (unavailable)');
      expect(down.body.output).toBe('not ready: store:responseTime, store:migrations, auditTrail:writable failed');
      expect((await http.get('/health/live')).status).toBe(200);
    } finally {
      auth.close();
    }
  });
});

/** A driver whose statements fail with `failure` while it is set: the store gone for a while, then back. */
function interrupted(db: SqlDriver): SqlDriver & { failure?: unknown } {
  const wrapper: SqlDriver & { failure?: unknown } = {
    kind: db.kind,
    query: (text, params) => (wrapper.failure ? Promise.reject(wrapper.failure) : db.query(text, params)),
    exec: (script) => (wrapper.failure ? Promise.reject(wrapper.failure) : db.exec(script)),
    transaction: (fn) => (wrapper.failure ? Promise.reject(wrapper.failure) : db.transaction(fn)),
    listen: (channel, handler) => db.listen(channel, handler),
    close: () => db.close(),
  };
  return wrapper;
}

describe('the embedded store fails for a while', () => {
  it('readiness is 503 while it fails and 200 once it answers again', async () => {
    const db = interrupted(await openPgliteThread());
    const store = await Store.open(db);
    const auth = new Auth(config, { store });
    const http = request(createApp(config, { store, auth, logger: silent }));
    try {
      db.failure = new Error("the embedded store's thread has stopped (exit 1)");
      const down = await ready(http);
      expect([down.status, down.failed]).toEqual([503, ['auditTrail:writable', 'store:migrations', 'store:responseTime']]);
      db.failure = undefined;
      expect((await ready(http)).status).toBe(200);
    } finally {
      auth.close();
      await store.close();
    }
  });
});

describeWithPostgres('PostgreSQL goes away and comes back', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createPostgresDatabase();
  });
  afterAll(() => db.drop());

  it('readiness is 503 naming the store while it is cut off, and 200 when it is back', async () => {
    const u = new URL(db.url!);
    const proxy = await startTcpProxy({ host: u.hostname, port: Number(u.port || 5432) });
    const store = await Store.open(await openPostgres(proxy.url(db.url!)));
    const auth = new Auth(config, { store });
    const http = request(createApp(config, { store, auth, logger: silent }));
    try {
      expect((await ready(http)).status).toBe(200);
      await proxy.cut();
      const down = await ready(http);
      expect([down.status, down.failed]).toEqual([503, ['auditTrail:writable', 'store:migrations', 'store:responseTime']]);
      expect(down.body.checks['store:responseTime'][0].output).toBe('the store cannot be reached (ECONNREFUSED)');
      expect((await http.get('/health/live')).status).toBe(200);
      await proxy.restore();
      const back = await ready(http);
      expect([back.status, back.failed]).toEqual([200, []]);
    } finally {
      auth.close();
      await store.close().catch(() => undefined);
      await proxy.close();
    }
  }, 60_000);

  it('readiness is 503 within its limit when the store stops answering altogether', async () => {
    const u = new URL(db.url!);
    const proxy = await startTcpProxy({ host: u.hostname, port: Number(u.port || 5432) });
    // As in production, statements have a time limit of their own, so the frozen ones end too.
    const store = await Store.open(await openPostgres(proxy.url(db.url!), { statementTimeoutMs: 3_000, connectTimeoutMs: 3_000 }));
    const auth = new Auth(config, { store });
    const http = request(createApp(config, { store, auth, logger: silent }));
    try {
      expect((await ready(http)).status).toBe(200);
      proxy.freeze();
      const started = Date.now();
      const down = await ready(http);
      expect(Date.now() - started).toBeLessThan(2_900);
      expect([down.status, down.failed]).toEqual([503, ['auditTrail:writable', 'store:migrations', 'store:responseTime']]);
      expect(down.body.checks['store:responseTime'][0].output).toBe('the store did not answer within 2000 ms');
      // The statement of that check is still waiting on the frozen store: the next probe sends no other
      // beside it (each would hold a pooled connection), and fails at once.
      const again = Date.now();
      const stillDown = await ready(http);
      expect(Date.now() - again).toBeLessThan(1_000);
      expect([stillDown.status, stillDown.failed]).toEqual([503, ['auditTrail:writable', 'store:migrations', 'store:responseTime']]);
    } finally {
      auth.close();
      await proxy.close();
      await store.close().catch(() => undefined);
    }
  }, 60_000);
});

describe('a server shutting down', () => {
  it('answers readiness 503 from the moment shutdown begins, while liveness stays 200', async () => {
    let facade: FacadeServer | undefined;
    const t = await startTestApp('pglite', { stopping: () => facade!.stopping });
    // A request the test holds open, so that the server is still draining when readiness is asked.
    const held: ServerResponse[] = [];
    facade = createFacadeServer((req, res) => (req.url === '/held' ? void held.push(res) : t.app(req, res)), t.config.http, { logger: silent });
    try {
      await facade.listen(0, '127.0.0.1');
      const port = (facade.server.address() as net.AddressInfo).port;
      expect((await fetch(`http://127.0.0.1:${port}/health/ready`)).status).toBe(200);

      // A request the server is still answering when shutdown begins: it drains, and does not stop at once.
      const inFlight = fetch(`http://127.0.0.1:${port}/held`);
      while (held.length === 0) await new Promise((r) => setTimeout(r, 10));
      const stopped = facade.shutdown();

      // Readiness is asked of the app the server hands its requests to: no new connection reaches it now.
      const down = await ready(request(t.app));
      expect([down.status, down.body.status, down.failed, down.body.output]).toEqual([503, 'fail', ['process:stopping'], 'not ready: process:stopping failed']);
      expect(down.body.checks['process:stopping'][0].output).toBe('the facade is shutting down: finishing the requests in flight');
      expect((await request(t.app).get('/health/live')).status).toBe(200);
      // A probe that opens a connection fails too: nothing listens any more.
      await expect(fetch(`http://127.0.0.1:${port}/health/ready`)).rejects.toThrow();

      held[0].end('done');
      expect((await inFlight).headers.get('connection')).toBe('close');
      await stopped;
    } finally {
      await facade.shutdown();
      await t.close();
    }
  }, 60_000);

  it('with a drain period, keeps serving over new connections while readiness fails, then stops taking them', async () => {
    let facade: FacadeServer | undefined;
    const t = await startTestApp('pglite', { stopping: () => facade!.stopping });
    facade = createFacadeServer(t.app, { ...t.config.http, shutdownDrainMs: 1_500 }, { logger: silent });
    try {
      await facade.listen(0, '127.0.0.1');
      const base = `http://127.0.0.1:${(facade.server.address() as net.AddressInfo).port}`;
      const stopped = facade.shutdown();
      // A load balancer's probe over a new connection sees 503 and takes the instance out ...
      const probe = await fetch(`${base}/health/ready`);
      expect([probe.status, ((await probe.json()) as Health).status]).toEqual([503, 'fail']);
      // ... while requests it still sends meanwhile are served, not refused.
      expect((await fetch(`${base}/fhir/metadata`)).status).toBe(200);
      await stopped;
      await expect(fetch(`${base}/health/live`)).rejects.toThrow();
    } finally {
      await facade.shutdown();
      await t.close();
    }
  }, 60_000);
});
