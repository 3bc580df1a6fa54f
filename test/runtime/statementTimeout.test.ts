import pino from 'pino';
import { Client } from 'pg';
import request from 'supertest';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { openStore } from '../../src/store/openStore';
import { Store } from '../../src/store/store';
import { loadSandbox } from '../../src/services/imports/sandbox';
import { bearerFrom } from '../support/auth';
import { exampleNotice } from '../support/notices';
import { createPostgresDatabase, TestDatabase, describeWithPostgres } from '../support/stores';
import { startTcpProxy, TcpProxy } from '../support/tcpProxy';
import { openPostgres } from '../../src/store/postgresDriver';

/**
 * A locked or frozen PostgreSQL fails requests fast (DATABASE_STATEMENT_TIMEOUT_SECONDS,
 * DATABASE_CONNECT_TIMEOUT_SECONDS) with a 503 OperationOutcome and Retry-After, instead of holding them.
 * (The embedded store has no such limit: PGlite runs each statement to its end on its thread.)
 */
const config = loadConfig({ PUBLIC_BASE_URL: 'http://facade.test', FIXTURES_FILE: 'none', DATABASE_STATEMENT_TIMEOUT_SECONDS: '1', DATABASE_CONNECT_TIMEOUT_SECONDS: '1', CLIENT_REQUESTS_PER_MINUTE: '0' });
/** The server's statement timeout (1 s) plus the client's margin (2 s): the longest one statement waits. */
const ONE_TIMEOUT_MS = 3_000;
const silent = pino({ level: 'silent' });

describeWithPostgres('PostgreSQL statement and connection timeouts', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createPostgresDatabase();
    const store = await openStore({ databaseUrl: db.url });
    await loadSandbox(store);
    await store.close();
  });
  afterAll(() => db.drop());

  it('a table locked by another session: the lookup ends within the timeout, as a 503 OperationOutcome', async () => {
    const store = await openStore({ databaseUrl: db.url, database: config.database });
    const locker = new Client({ connectionString: db.url });
    await locker.connect();
    try {
      const http = request(createApp(config, { store, logger: silent }));
      const bearer = await bearerFrom(http);
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE people IN ACCESS EXCLUSIVE MODE');
      const started = Date.now();
      const res = await http.get('/fhir/Patient/WXB-100001').set('Authorization', bearer);
      expect(Date.now() - started).toBeLessThan(4_000);
      expectUnavailable(res);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
      await store.close();
    }
  }, 30_000);

  /** The store through a relay that can freeze, as a server stopped with SIGSTOP would. */
  async function frozenLater(): Promise<{ proxy: TcpProxy; store: Store }> {
    const u = new URL(db.url!);
    const proxy = await startTcpProxy({ host: u.hostname, port: Number(u.port || 5432) });
    try {
      return { proxy, store: await openStore({ databaseUrl: proxy.url(db.url!), database: config.database }) };
    } catch (err) {
      await proxy.cut();
      throw err;
    }
  }

  it('a server that stops answering: the lookup ends within the client-side limit, as a 503 OperationOutcome', async () => {
    const { proxy, store } = await frozenLater();
    try {
      const http = request(createApp(config, { store, logger: silent }));
      const bearer = await bearerFrom(http);
      proxy.freeze();
      const started = Date.now();
      const res = await http.get('/fhir/Patient/WXB-100002').set('Authorization', bearer);
      // The lookup and then its audit record each wait at most one timeout.
      expect(Date.now() - started).toBeLessThan(2 * ONE_TIMEOUT_MS + 1_500);
      expectUnavailable(res);
    } finally {
      await proxy.cut();
      await store.close().catch(() => undefined);
    }
  }, 30_000);

  it('a server that stops answering: a transaction fails after one timeout, not after a ROLLBACK waiting a second one', async () => {
    const u = new URL(db.url!);
    const proxy = await startTcpProxy({ host: u.hostname, port: Number(u.port || 5432) });
    const driver = await openPostgres(proxy.url(db.url!), config.database);
    try {
      proxy.freeze();
      const started = Date.now();
      const failure = await driver.transaction((tx) => tx.query('SELECT 1')).then(() => undefined, (err: Error & { code?: string }) => err);
      const ms = Date.now() - started;
      expect(failure?.code).toBe('57014');
      expect(ms).toBeGreaterThanOrEqual(ONE_TIMEOUT_MS - 100);
      expect(ms).toBeLessThan(ONE_TIMEOUT_MS + 1_000);
    } finally {
      await proxy.cut();
      await driver.close().catch(() => undefined);
    }
  }, 30_000);

  it('a server that stops answering: a notice answering an earlier one (a transaction) is a 503 after one timeout, plus its audit record\'s', async () => {
    const { proxy, store } = await frozenLater();
    try {
      const http = request(createApp(config, { store, logger: silent }));
      const bearer = await bearerFrom(http, { scope: 'system/Communication.crs' });
      const notice = exampleNotice('discharge-notice');
      const post = (value: string) =>
        http
          .post('/fhir/Communication')
          .set('Authorization', bearer)
          .set('Content-Type', 'application/fhir+json')
          .send(JSON.stringify({ ...notice, identifier: [{ ...notice.identifier![0], value }] }));
      // Once before, so that what is measured below is waiting, not the validator's first parse of the profile.
      await post(`warm-${Date.now()}`);
      proxy.freeze();
      const started = Date.now();
      const res = await post(`frozen-${Date.now()}`);
      const ms = Date.now() - started;
      expectUnavailable(res);
      // The transaction's BEGIN waits one timeout, then the audit record's INSERT another; a ROLLBACK
      // queued on the dead connection would add a third.
      expect(ms).toBeLessThan(2 * ONE_TIMEOUT_MS + 1_500);
    } finally {
      await proxy.cut();
      await store.close().catch(() => undefined);
    }
  }, 30_000);
});

/** What the README promises for a store that cannot serve just now. */
function expectUnavailable(res: request.Response): void {
  expect(res.status).toBe(503);
  expect(res.headers['retry-after']).toMatch(/^\d+$/);
  expect(res.body.resourceType).toBe('OperationOutcome');
  expect(res.body.issue[0]).toMatchObject({
    code: 'transient',
    details: { coding: [{ system: 'https://fhir.nhs.uk/CodeSystem/Spine-ErrorOrWarningCode', code: 'UNABLE_TO_CALL_SERVICE', display: 'Unable to call service' }] },
  });
}
