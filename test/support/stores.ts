import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { openPgliteThread } from '../../src/store/pgliteThread';
import { openPostgres } from '../../src/store/postgresDriver';
import { Store } from '../../src/store/store';

/** Every storage-dependent test runs against both drivers. */
export const DRIVERS = ['pglite', 'postgres'] as const;
export type DriverName = (typeof DRIVERS)[number];

const ADMIN_URL = process.env.TEST_POSTGRES_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  /** Connection string for PostgreSQL databases (undefined for PGlite). */
  url?: string;
  drop(): Promise<void>;
}

/** A fresh PostgreSQL database of its own, dropped by drop(). */
export async function createPostgresDatabase(): Promise<TestDatabase> {
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
