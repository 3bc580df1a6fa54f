/**
 * A read that began before a data change and finishes after it holds rows from before the change.
 * Its answer may go to its caller, but no cache may keep it: neither the reference data
 * (organisations and workers) nor the lookup cache, or the change would go unseen for their
 * freshness bound (60 s and LOOKUP_CACHE_SECONDS) after the flush that should have shown it.
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
import { bearerFrom } from '../support/auth';
import { createPostgresDatabase, DRIVERS, TestDatabase } from '../support/stores';

/** A driver that, once armed, holds back the answer of the next statement matching `pattern` until released. */
function holding(db: SqlDriver) {
  let armed: { pattern: RegExp; reached: () => void; release: Promise<void> } | undefined;
  const driver: SqlDriver = {
    kind: db.kind,
    async query(text, params) {
      const rows = await db.query(text, params);
      const hold = armed;
      if (hold && hold.pattern.test(text)) {
        armed = undefined;
        hold.reached();
        await hold.release;
      }
      return rows as never;
    },
    exec: (script) => db.exec(script),
    transaction: (fn) => db.transaction(fn),
    listen: (channel, handler) => db.listen(channel, handler),
    close: () => db.close(),
  };
  const arm = (pattern: RegExp) => {
    let reached!: () => void;
    let release!: () => void;
    const hasReached = new Promise<void>((r) => (reached = r));
    armed = { pattern, reached, release: new Promise<void>((r) => (release = r)) };
    return { reached: hasReached, release };
  };
  return { driver, arm, inner: db };
}

describe.each(DRIVERS)('caches and a change during a read (%s)', (driver) => {
  describe.each([['reference data only', '0'], ['with the lookup cache', '30']])('%s', (_name, lookupSeconds) => {
    let db: TestDatabase | undefined;
    let store: Store;
    let held: ReturnType<typeof holding>;
    let http: ReturnType<typeof request>;
    let auth: Auth;
    beforeAll(async () => {
      if (driver === 'postgres') db = await createPostgresDatabase();
      held = holding(driver === 'postgres' ? await openPostgres(db!.url!) : await openPgliteThread());
      store = await Store.open(held.driver);
      await loadSandbox(store);
      const config = loadConfig({ PUBLIC_BASE_URL: 'http://facade.test', FIXTURES_FILE: 'none', LOOKUP_CACHE_SECONDS: lookupSeconds, TOKEN_REQUESTS_PER_MINUTE: '100000' });
      auth = new Auth(config, { store, clients: testClients() });
      http = request(createApp(config, { store, auth, logger: pino({ level: 'silent' }) }));
    });
    afterAll(async () => {
      auth.close();
      await store.close();
      await db?.drop();
    });

    it("a provider renamed while a care package's provider is being read is shown renamed by the next read", async () => {
      const bearer = await bearerFrom(http, { clientId: 'test-system' });
      const carePlan = () => http.get('/fhir/CarePlan/PKG-0001').set('Authorization', bearer);
      const hold = held.arm(/FROM organisations/);
      const first = carePlan().then((res) => res);
      await hold.reached;
      // The change lands, and is announced, while that read still holds the provider's old row.
      await held.inner.query(`UPDATE organisations SET name = 'Brightwater Care Partnership', version = version + 1 WHERE id = 'CQC-1-1000000123'`);
      await store.dataChanged();
      hold.release();
      const before = await first;
      expect(before.status).toBe(200);
      expect(JSON.stringify(before.body)).toContain('Brightwater Home Care');
      const after = await carePlan();
      expect(after.status).toBe(200);
      expect(JSON.stringify(after.body)).toContain('Brightwater Care Partnership');
      expect(JSON.stringify(after.body)).not.toContain('Brightwater Home Care');
    });
  });
});
