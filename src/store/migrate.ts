import { Migration } from './migration';
import { MIGRATIONS } from './migrations';
import { ENTITIES } from './tables';
import { SqlDriver, SqlExecutor } from './sqlDriver';

/** Any fixed number works; it only has to be the same for every instance sharing a database. */
const MIGRATION_LOCK_KEY = 7_236_001;

/**
 * Every migration, in version order: the shared history and each entity's own. Two with one
 * version would leave a database's state depending on which ran: refused at start.
 */
export function allMigrations(): Migration[] {
  const all = [...MIGRATIONS, ...Object.values(ENTITIES).flatMap((e) => e.migrations)].sort((a, b) => a.version - b.version);
  for (let i = 1; i < all.length; i++) {
    if (all[i].version === all[i - 1].version) {
      throw new Error(`two migrations are version ${all[i].version}: "${all[i - 1].name}" and "${all[i].name}"`);
    }
  }
  return all;
}

/**
 * Brings the schema up to date. Several instances may start at once against one PostgreSQL
 * database: a session-level advisory lock, taken inside the transaction as a transaction lock,
 * lets exactly one of them migrate while the others wait and then find nothing to do.
 */
export async function migrate(driver: SqlDriver, migrations: Migration[] = allMigrations()): Promise<number[]> {
  // Without the request path's statement timeout: a migration may build an index over a large table
  // (notices hold every access notification), and the lock below is held for as long as another
  // instance's migration takes. Timed out, the instance would not start at all.
  const db = driver.maintenance?.() ?? driver;
  await db.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`).catch(
    async (err) => {
      // Two instances racing to create the bookkeeping table: the loser sees a unique violation; the table exists.
      if (!/already exists|duplicate key/.test(String(err))) throw err;
    },
  );
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    const done = new Set(
      (await tx.query<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => r.version),
    );
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    }
    return applied;
  });
}

/**
 * The migrations this code knows that the database has not applied (readiness: a database restored
 * from an older backup under a running facade). One small read; a store that does not answer, or
 * has no schema_migrations table at all, rejects.
 */
export async function pendingMigrations(db: SqlExecutor, migrations: Migration[] = allMigrations()): Promise<Migration[]> {
  const applied = new Set((await db.query<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => r.version));
  return migrations.filter((m) => !applied.has(m.version));
}
