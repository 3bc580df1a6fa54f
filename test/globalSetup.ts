/**
 * Runs once before any test file: asks the PostgreSQL server at TEST_DATABASE_URL whether it is
 * there. If it is, the storage tests run on PGlite and PostgreSQL. If not, they run on PGlite only
 * and this says so in a banner that cannot be missed, because a quietly skipped half would read as
 * a pass; with REQUIRE_POSTGRES=1 (CI) the run fails instead. The verdict reaches the test
 * workers through VERDICT_VARIABLE (they start after this and inherit the environment).
 */
import { displayUrl, postgresRequired, probePostgres, testDatabaseUrl, VERDICT_VARIABLE } from './support/postgresGate';

export default async function globalSetup(): Promise<void> {
  const url = testDatabaseUrl();
  const failure = await probePostgres(url);
  process.env[VERDICT_VARIABLE] = failure ? '0' : '1';
  if (!failure) {
    process.stderr.write(`\nPostgreSQL answers at ${displayUrl(url)}: storage tests run on PGlite and PostgreSQL.\n`);
    return;
  }
  if (postgresRequired()) {
    throw new Error(
      `REQUIRE_POSTGRES is set but PostgreSQL does not answer at ${displayUrl(url)} (${failure}). ` +
        'Start PostgreSQL or point TEST_DATABASE_URL at one; the run is failed rather than skipping the PostgreSQL tests.',
    );
  }
  const rule = '!'.repeat(100);
  process.stderr.write(
    [
      '',
      rule,
      '!!  POSTGRESQL IS NOT AVAILABLE: THE POSTGRESQL HALF OF THE TESTS IS SKIPPED',
      `!!  No usable PostgreSQL at ${displayUrl(url)}`,
      `!!  (${failure}).`,
      '!!  Storage tests run on the embedded store (PGlite) only; the PostgreSQL-only suites are skipped.',
      '!!  Start PostgreSQL there, or set TEST_DATABASE_URL; REQUIRE_POSTGRES=1 makes this a failure.',
      rule,
      '',
      '',
    ].join('\n'),
  );
}
