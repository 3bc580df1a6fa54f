/**
 * Whether this test run has a PostgreSQL server. test/globalSetup.ts asks the server once per run
 * and hands the answer to the test workers in an environment variable, so every storage test
 * agrees without each one waiting for a connect timeout of its own.
 */
import { Client } from 'pg';

export const DEFAULT_TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** The server the tests use; each test creates a database of its own on it. TEST_POSTGRES_ADMIN_URL is the older name. */
export function testDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.TEST_DATABASE_URL || env.TEST_POSTGRES_ADMIN_URL || DEFAULT_TEST_DATABASE_URL;
}

/** Set by globalSetup to '1' or '0'; read by the workers. */
export const VERDICT_VARIABLE = 'TEST_POSTGRES_AVAILABLE';

/** Unset only when a run skipped globalSetup: then the tests try PostgreSQL as they always did. */
export function postgresAvailable(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[VERDICT_VARIABLE] !== '0';
}

/** REQUIRE_POSTGRES=1 (CI) turns a missing PostgreSQL into a failed run instead of a skipped half. */
export function postgresRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.REQUIRE_POSTGRES === '1' || env.REQUIRE_POSTGRES === 'true';
}

/** The URL with any password hidden, for messages. */
export function displayUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

/** undefined when the server answers a query within timeoutMs, else why not. */
export async function probePostgres(url: string, timeoutMs = 3000): Promise<string | undefined> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined); // a late socket error after a failed connect must not crash the run
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return [e.code, e.message].filter(Boolean).join(': ') || String(err);
  } finally {
    await client.end().catch(() => undefined);
  }
}
