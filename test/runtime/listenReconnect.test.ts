import pino from 'pino';
import { Client } from 'pg';
import request from 'supertest';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { openStore } from '../../src/store/openStore';
import { Store } from '../../src/store/store';
import { loadSandbox } from '../../src/services/imports/sandbox';
import { bearerFrom } from '../support/auth';
import { createPostgresDatabase, TestDatabase, describeWithPostgres } from '../support/stores';

/**
 * Instances sharing a PostgreSQL database hear each other's changes (LISTEN/NOTIFY) even after the
 * listening connection was lost: it is re-established, and what was missed meanwhile is made up for.
 */
const config = loadConfig({ PUBLIC_BASE_URL: 'http://facade.test', FIXTURES_FILE: 'none' });
const silent = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeWithPostgres('cache invalidation between instances after the listener connection is lost', () => {
  let db: TestDatabase;
  let admin: Client;
  let stores: Store[] = [];
  beforeAll(async () => {
    db = await createPostgresDatabase();
    admin = new Client({ connectionString: db.url });
    await admin.connect();
  });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await admin.end();
    await db.drop();
  });

  const listeners = async () =>
    (await admin.query("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()")).rows.map((r) => r.pid as number);

  it('a change through A still invalidates B after pg_terminate_backend of the listeners', async () => {
    const [a, b] = (stores = await Promise.all([openStore({ databaseUrl: db.url }), openStore({ databaseUrl: db.url })]));
    let heardByB = 0;
    b.onDataChanged(() => heardByB++);
    const before = await listeners();
    expect(before).toHaveLength(2);
    await admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [before]);

    // Both reconnect (backoff from 100 ms) and LISTEN again, and B drops its caches once for what it may have missed.
    for (let i = 0; i < 50; i++) {
      const now = await listeners();
      if (now.length === 2 && now.every((pid) => !before.includes(pid)) && heardByB > 0) break;
      await sleep(100);
    }
    expect(heardByB).toBe(1);

    // B caches an answer ("nobody with that NHS number") ...
    const httpB = request(createApp(config, { store: b, logger: silent }));
    const bearer = await bearerFrom(httpB);
    const lookup = () => httpB.get('/fhir/Patient').query({ identifier: 'https://fhir.nhs.uk/Id/nhs-number|9990000018' }).set('Authorization', bearer);
    const matches = (body: { entry?: { search?: { mode?: string } }[] }) => (body.entry ?? []).filter((e) => e.search?.mode === 'match').length;
    expect(matches((await lookup()).body)).toBe(0);
    // ... which a change through A must drop.
    expect((await loadSandbox(a)).loaded).toBe(true);
    let found = 0;
    for (let i = 0; i < 30 && !found; i++) {
      found = matches((await lookup()).body);
      if (!found) await sleep(100);
    }
    expect(found).toBe(1);
  }, 30_000);
});
