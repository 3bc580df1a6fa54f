import path from 'node:path';

/** Settings, read once from the environment and checked, so a mistake stops start-up with a clear message. */
export interface Config {
  port: number;
  /** The public URL of the FHIR base, as clients reach it (behind a proxy: the proxy's URL). */
  fhirBaseUrl: string;
  /** PostgreSQL connection string; when absent, the embedded store in dataDir. */
  databaseUrl?: string;
  /** Where the embedded store keeps its files; undefined keeps it in memory (tests). */
  dataDir?: string;
  /** The dataset loaded into an empty store on first start; undefined loads nothing. */
  fixturesFile?: string;
  /** Largest page a search returns, whatever _count asks. */
  maxPageSize: number;
  defaultPageSize: number;
  logLevel: string;
}

export const PROJECT_ROOT = path.resolve(__dirname, '..');

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = integer(env, 'PORT', 8080, 0, 65535);
  const publicUrl = (env.PUBLIC_BASE_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');
  try {
    new URL(publicUrl);
  } catch {
    throw new ConfigError(`PUBLIC_BASE_URL is not a URL: ${publicUrl}`);
  }
  const fixtures = env.FIXTURES_FILE ?? path.join(PROJECT_ROOT, 'fixtures', 'sandbox', 'dataset.json');
  return {
    port,
    fhirBaseUrl: `${publicUrl}/fhir`,
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.DATABASE_URL ? undefined : path.resolve(env.DATA_DIR ?? path.join(PROJECT_ROOT, 'data')),
    fixturesFile: fixtures === 'none' ? undefined : path.resolve(fixtures),
    maxPageSize: integer(env, 'MAX_PAGE_SIZE', 100, 1, 1000),
    defaultPageSize: integer(env, 'DEFAULT_PAGE_SIZE', 20, 1, 1000),
    logLevel: env.LOG_LEVEL ?? 'info',
  };
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, not "${raw}"`);
  }
  return n;
}
