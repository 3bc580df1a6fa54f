/**
 * When the store cannot be reached (PostgreSQL down, restarting, out of connections, a statement
 * cancelled; the embedded store's thread stopped), both edges say so the same way: 503 with
 * Retry-After, an OperationOutcome `transient` from the FHIR API and OAuth `temporarily_unavailable`
 * from the token endpoint. Never a 500: nothing is wrong with the request.
 */
import { loadSandbox } from '../../src/services/imports/sandbox';
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../../src/app';
import { Auth } from '../../src/auth/auth';
import { loadConfig } from '../../src/config';
import { openPgliteThread } from '../../src/store/pgliteThread';
import { openPostgres } from '../../src/store/postgresDriver';
import { SqlDriver } from '../../src/store/sqlDriver';
import { Store } from '../../src/store/store';
import { testClients } from '../support/app';
import { requestToken } from '../support/auth';
import { createPostgresDatabase, DRIVERS, DriverName, TestDatabase, describeWithPostgres } from '../support/stores';
import { startTcpProxy, TcpProxy } from '../support/tcpProxy';

const config = loadConfig({ PUBLIC_BASE_URL: 'http://facade.test', FIXTURES_FILE: 'none', TOKEN_REQUESTS_PER_MINUTE: '100000', LOOKUP_CACHE_SECONDS: '0' });

/**
 * A driver that fails every statement with `failure` once it is set (a store that has just gone
 * away), or only those that `spare` does not match.
 */
function failing(db: SqlDriver): SqlDriver & { failure?: unknown; spare?: RegExp } {
  const wrapper: SqlDriver & { failure?: unknown; spare?: RegExp } = {
    kind: db.kind,
    query: (text, params) => (wrapper.failure && !wrapper.spare?.test(text) ? Promise.reject(wrapper.failure) : db.query(text, params)),
    exec: (script) => (wrapper.failure ? Promise.reject(wrapper.failure) : db.exec(script)),
    transaction: (fn) => (wrapper.failure ? Promise.reject(wrapper.failure) : db.transaction(fn)),
    listen: (channel, handler) => db.listen(channel, handler),
    close: () => db.close(),
  };
  return wrapper;
}

function appOver(store: Store) {
  const auth = new Auth(config, { store, clients: testClients() });
  const http = request(createApp(config, { store, auth, logger: pino({ level: 'silent' }) }));
  return { http, auth, token: () => requestToken(http, { baseUrl: 'http://facade.test', clientId: 'test-system', scope: 'system/*.rs' }) };
}

async function expectUnavailable(http: ReturnType<typeof request>, bearer: string) {
  const token = await requestToken(http, { baseUrl: 'http://facade.test', clientId: 'test-system', scope: 'system/*.rs' });
  expect({ status: token.status, error: token.body.error, retryAfter: token.headers['retry-after'] }).toEqual({
    status: 503,
    error: 'temporarily_unavailable',
    retryAfter: '5',
  });
  const read = await http.get('/fhir/Patient/WXB-100001').set('Authorization', bearer);
  expect({ status: read.status, type: read.body.resourceType, code: read.body.issue?.[0]?.code, retryAfter: read.headers['retry-after'] }).toEqual({
    status: 503,
    type: 'OperationOutcome',
    code: 'transient',
    retryAfter: '5',
  });
  const search = await http.get('/fhir/Patient?family=Thornton').set('Authorization', bearer);
  expect([search.status, search.body.issue?.[0]?.code]).toEqual([503, 'transient']);
}

describeWithPostgres('PostgreSQL goes away after start', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  beforeAll(async () => {
    db = await createPostgresDatabase();
    const u = new URL(db.url!);
    proxy = await startTcpProxy({ host: u.hostname, port: Number(u.port || 5432) });
  });
  afterAll(() => db.drop());

  it('the token endpoint and the FHIR API answer 503 with Retry-After', async () => {
    const store = await Store.open(await openPostgres(proxy.url(db.url!)));
    try {
      await loadSandbox(store);
      const app = appOver(store);
      const granted = await app.token();
      expect(granted.status).toBe(200);
      const bearer = `Bearer ${granted.body.access_token}`;
      expect((await app.http.get('/fhir/Patient/WXB-100001').set('Authorization', bearer)).status).toBe(200);
      await proxy.cut();
      await expectUnavailable(app.http, bearer);
      app.auth.close();
    } finally {
      await store.close().catch(() => undefined);
    }
  });
});

describe('the embedded store stops', () => {
  it('the token endpoint and the FHIR API answer 503 with Retry-After', async () => {
    const store = await Store.open(await openPgliteThread());
    await loadSandbox(store);
    const app = appOver(store);
    const granted = await app.token();
    const bearer = `Bearer ${granted.body.access_token}`;
    // As if its thread had died: every statement from now on is refused.
    await store.db.close();
    await expectUnavailable(app.http, bearer);
    app.auth.close();
  });
});

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code, severity: 'FATAL' });
const FAILURES: [string, unknown][] = [
  ['connection refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
  ['connection reset', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
  ['connection ended', new Error('Connection terminated unexpectedly')],
  ['57P01 admin_shutdown', pgError('57P01', 'terminating connection due to administrator command')],
  ['57P02 crash_shutdown', pgError('57P02', 'terminating connection because of crash of another server process')],
  ['57P03 cannot_connect_now', pgError('57P03', 'the database system is starting up')],
  ['08006 connection_failure', pgError('08006', 'connection failure')],
  ['08001 unable to connect', pgError('08001', 'could not connect to server')],
  ['53300 too_many_connections', pgError('53300', 'sorry, too many clients already')],
  ['57014 query_canceled (a statement timeout)', pgError('57014', 'canceling statement due to statement timeout')],
  ['the pool timing out', new Error('timeout exceeded when trying to connect')],
  ['a connection timing out', new Error('Connection terminated due to connection timeout', { cause: new Error('timeout expired') })],
  ["the embedded store's thread stopped", new Error("the embedded store's thread has stopped (exit 1)")],
];

describe.each(DRIVERS)('each kind of store failure (%s)', (driver: DriverName) => {
  let dbFor: TestDatabase | undefined;
  let store: Store;
  let wrapper: ReturnType<typeof failing>;
  let app: ReturnType<typeof appOver>;
  let bearer: string;
  beforeAll(async () => {
    if (driver === 'postgres') dbFor = await createPostgresDatabase();
    wrapper = failing(driver === 'postgres' ? await openPostgres(dbFor!.url!) : await openPgliteThread());
    store = await Store.open(wrapper);
    await loadSandbox(store);
    app = appOver(store);
    bearer = `Bearer ${(await app.token()).body.access_token}`;
  });
  afterAll(async () => {
    app.auth.close();
    await store.close();
    await dbFor?.drop();
  });
  afterEach(() => {
    wrapper.failure = undefined;
    wrapper.spare = undefined;
  });

  it.each(FAILURES)('%s: 503 with Retry-After on both edges', async (_name, failure) => {
    wrapper.failure = failure;
    await expectUnavailable(app.http, bearer);
  });

  it('any other failure is still a 500 (a fault to fix, not to wait out)', async () => {
    wrapper.failure = pgError('42P01', 'relation "assertion_jtis" does not exist');
    wrapper.spare = /audit_events/;
    const token = await app.token();
    expect([token.status, token.body.error]).toEqual([500, 'server_error']);
    const read = await app.http.get('/fhir/Patient/WXB-100001').set('Authorization', bearer);
    expect([read.status, read.body.issue?.[0]?.code]).toEqual([500, 'exception']);
  });
});
