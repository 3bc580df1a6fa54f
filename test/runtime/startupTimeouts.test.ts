import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { getToken } from '../support/facadeProcess';
import { createPostgresDatabase, TestDatabase, describeWithPostgres } from '../support/stores';
import { Facade, requireBuild, sleep, startFacade } from './processes';

/**
 * Start-up work is long on purpose and runs without the request path's statement timeouts
 * (DATABASE_STATEMENT_TIMEOUT_SECONDS, and the client's own limit 2 s after it): the wait for
 * another instance's migration, the migrations themselves, the first-start fixture load. Requests
 * on the same running facade are still held to the timeout.
 */
const MIGRATION_LOCK_KEY = 7_236_001;
const DATASET_LOCK_KEY = 7_236_002;
/** Longer than the 1 s statement timeout plus the client's 2 s margin. */
const HELD_MS = 5_000;

let db: TestDatabase;
let dir: string;
beforeAll(async () => {
  await requireBuild();
  db = await createPostgresDatabase();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facade-startup-'));
});
afterAll(async () => {
  await db?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Resolves once some other session waits for the advisory lock (bounded). */
async function waitedFor(observer: Client, key: number, failed: () => unknown, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (failed()) throw failed();
    const { rows } = await observer.query("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND NOT granted", [key]);
    if (rows.length) return;
    await sleep(50);
  }
  throw new Error(`nobody waited for advisory lock ${key} within ${timeoutMs} ms`);
}

describeWithPostgres('start-up against PostgreSQL with a 1 s statement timeout', () => {
  it('waits longer than the timeout for another instance\'s migration and sandbox import, starts, and still times out requests', async () => {
    const holder = new Client({ connectionString: db.url });
    const observer = new Client({ connectionString: db.url });
    await holder.connect();
    await observer.connect();
    let facade: Facade | undefined;
    try {
      // As another instance migrating, then importing the sandbox, would.
      await holder.query('SELECT pg_advisory_lock($1), pg_advisory_lock($2)', [MIGRATION_LOCK_KEY, DATASET_LOCK_KEY]);
      const starting = startFacade(
        { DATABASE_URL: db.url!, DATA_DIR: dir, DATABASE_STATEMENT_TIMEOUT_SECONDS: '1', SANDBOX_DATA: 'on' },
        90_000,
      );
      let failure: unknown;
      starting.catch((err) => (failure = err));
      await waitedFor(observer, MIGRATION_LOCK_KEY, () => failure);
      await sleep(HELD_MS);
      await holder.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      await waitedFor(observer, DATASET_LOCK_KEY, () => failure);
      await sleep(HELD_MS);
      await holder.query('SELECT pg_advisory_unlock($1)', [DATASET_LOCK_KEY]);
      facade = await starting;
      const { rows } = await observer.query<{ n: number }>('SELECT count(*)::int AS n FROM people');
      expect(rows[0].n).toBeGreaterThan(10);

      // A request's statement is still cut off: a table locked elsewhere gives a 503 within the limit.
      const token = await getToken(facade.base, 'sandbox-epr-rx1', 'system/Patient.rs');
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE people IN ACCESS EXCLUSIVE MODE');
      const started = Date.now();
      const res = await fetch(`${facade.base}/fhir/Patient/WXB-100001`, { headers: { Authorization: `Bearer ${token}` } });
      const ms = Date.now() - started;
      await holder.query('ROLLBACK');
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(((await res.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
      expect(ms).toBeLessThan(4_000);
    } finally {
      facade?.proc.kill('SIGKILL');
      await holder.end().catch(() => undefined);
      await observer.end().catch(() => undefined);
    }
  }, 120_000);
});
