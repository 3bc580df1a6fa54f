import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { openPgliteThread } from '../../src/store/pgliteThread';
import { openPostgres } from '../../src/store/postgresDriver';
import { Store } from '../../src/store/store';
import { displayUrl, postgresAvailable, testDatabaseUrl } from './postgresGate';

export type DriverName = 'pglite' | 'postgres';

/** Whether PostgreSQL answered when the run started (test/globalSetup.ts; its banner says when not). */
export const POSTGRES_AVAILABLE = postgresAvailable();

/** Every storage-dependent test runs against both drivers, or PGlite alone when PostgreSQL is not there. */
export const DRIVERS: readonly DriverName[] = POSTGRES_AVAILABLE ? ['pglite', 'postgres'] : ['pglite'];

/** describe for suites that need PostgreSQL itself: skipped (and counted as skipped) without it. */
export const describeWithPostgres: jest.Describe = POSTGRES_AVAILABLE ? describe : describe.skip;

const ADMIN_URL = testDatabaseUrl();

export interface TestDatabase {
  /** Connection string for PostgreSQL databases (undefined for PGlite). */
  url?: string;
  drop(): Promise<void>;
}

/** A fresh PostgreSQL database of its own, dropped by drop(). */
export async function createPostgresDatabase(): Promise<TestDatabase> {
  if (!POSTGRES_AVAILABLE) {
    throw new Error(`PostgreSQL did not answer at ${displayUrl(ADMIN_URL)} when the run started: run this suite with describeWithPostgres or DRIVERS`);
  }
  const name = `facade_test_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
  return {
    url,
    async drop() {
      const c = new Client({ connectionString: ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export interface TestStore {
  store: Store;
  /** Set for PostgreSQL: lets a test open a second instance on the same database. */
  databaseUrl?: string;
  close(): Promise<void>;
}

export async function openTestStore(driver: DriverName): Promise<TestStore> {
  if (driver === 'pglite') {
    const store = await Store.open(await openPgliteThread());
    return { store, close: () => store.close() };
  }
  const db = await createPostgresDatabase();
  const store = await Store.open(await openPostgres(db.url!));
  return {
    store,
    databaseUrl: db.url,
    async close() {
      await store.close();
      await db.drop();
    },
  };
}
