import net from 'node:net';
import pino from 'pino';
import { Client } from 'pg';
import request from 'supertest';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { loadFixtures, openStore } from '../../src/store/openStore';
import { Store } from '../../src/store/store';
import { SANDBOX_FIXTURES } from '../support/app';
import { bearerFrom } from '../support/auth';
import { createPostgresDatabase, TestDatabase } from '../support/stores';

/**
 * A locked or frozen PostgreSQL fails requests fast (DATABASE_STATEMENT_TIMEOUT_SECONDS,
 * DATABASE_CONNECT_TIMEOUT_SECONDS) with a 5xx OperationOutcome, instead of holding them.
 * (The embedded store has no such limit: PGlite runs each statement to its end on its thread.)
 */
const config = loadConfig({ PUBLIC_BASE_URL: 'http://facade.test', FIXTURES_FILE: 'none', DATABASE_STATEMENT_TIMEOUT_SECONDS: '1', DATABASE_CONNECT_TIMEOUT_SECONDS: '1' });
const silent = pino({ level: 'silent' });

/** A TCP hop to PostgreSQL that can stop passing bytes either way, as a frozen server (SIGSTOP) or a cut network would. */
async function freezableProxy(target: URL) {
  let frozen = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    client.on('data', (d) => frozen || upstream.write(d));
    upstream.on('data', (d) => frozen || client.write(d));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    freeze: () => (frozen = true),
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

describe('PostgreSQL statement and connection timeouts', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createPostgresDatabase();
    const store = await openStore({ databaseUrl: db.url });
    await loadFixtures(store, SANDBOX_FIXTURES);
    await store.close();
  });
  afterAll(() => db.drop());

  it('a table locked by another session: the lookup ends within the timeout, as a 5xx OperationOutcome', async () => {
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
      expect(res.status).toBeGreaterThanOrEqual(500);
      expect(res.body.resourceType).toBe('OperationOutcome');
      console.log(`locked table: answered ${res.status} in ${Date.now() - started} ms (Retry-After: ${res.headers['retry-after'] ?? 'none'})`);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
      await store.close();
    }
  }, 30_000);

  it('a server that stops answering: the lookup ends within the client-side limit, as a 5xx OperationOutcome', async () => {
    const url = new URL(db.url!);
    const proxy = await freezableProxy(url);
    const proxied = new URL(db.url!);
    proxied.host = `127.0.0.1:${proxy.port}`;
    let store: Store | undefined;
    try {
      store = await openStore({ databaseUrl: proxied.toString(), database: config.database });
      const http = request(createApp(config, { store, logger: silent }));
      const bearer = await bearerFrom(http);
      proxy.freeze();
      const started = Date.now();
      const res = await http.get('/fhir/Patient/WXB-100002').set('Authorization', bearer);
      // The lookup and then its audit record each wait at most the statement timeout plus the client's margin (1 + 2 s).
      expect(Date.now() - started).toBeLessThan(8_000);
      expect(res.status).toBeGreaterThanOrEqual(500);
      expect(res.body.resourceType).toBe('OperationOutcome');
      console.log(`frozen server: answered ${res.status} in ${Date.now() - started} ms (Retry-After: ${res.headers['retry-after'] ?? 'none'})`);
    } finally {
      proxy.close();
      await store?.close().catch(() => undefined);
    }
  }, 30_000);
});
