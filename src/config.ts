import { isView, View } from './access/views';
import { createHash } from 'node:crypto';
import { parse as parseCsv } from 'csv-parse/sync';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * PostgreSQL's buffer pool inside the embedded store, in MB. Its default, 128 MB, is most of the
 * process's memory (the WASM heap never gives pages back); reads that miss a smaller pool come from
 * the operating system's file cache, which is not the facade's own memory.
 */
export const DEFAULT_EMBEDDED_SHARED_BUFFERS_MB = 32;

/** Settings, read once from the environment and checked, so a mistake stops start-up with a clear message. */
export interface Config {
  port: number;
  /** The public URL of the FHIR base, as clients reach it (behind a proxy: the proxy's URL). */
  fhirBaseUrl: string;
  /** PostgreSQL connection string; when absent, the embedded store in dataDir. */
  databaseUrl?: string;
  /** Where the embedded store keeps its files; undefined keeps it in memory (tests). */
  dataDir?: string;
  /** The embedded store's buffer pool (EMBEDDED_SHARED_BUFFERS_MB), in MB: its main use of memory. */
  embeddedSharedBuffersMb: number;
  /**
   * EMBEDDED_FSYNC (on, the default, or off): whether the embedded store makes each commit durable
   * before it is acknowledged. Off only for a throwaway sandbox that wants speed: an operating-system
   * crash may then lose acknowledged notices and audit records.
   */
  embeddedFsync: boolean;
  /**
   * EMBEDDED_TEMPLATE_DIR: where a pristine cluster is kept, so that a new embedded store is loaded
   * from it (about a second) instead of made by initdb (about seven); false (`off`) makes every new
   * store with initdb. Default: node_modules/.cache/social-care-facade under the project.
   */
  embeddedTemplateDir: string | false;
  /** PostgreSQL limits, so a frozen or locked database fails requests fast instead of holding them. */
  database: DatabaseLimits;
  /** The HTTP server's time limits and its graceful shutdown. */
  http: HttpLimits;
  /**
   * SANDBOX_DATA (on by default): the sandbox council's files (SANDBOX_COUNCIL_DIR) are imported on
   * first start, through the same import path as a council's own files.
   */
  sandboxData: boolean;
  /** FIXTURES_FILE: a developer's own JSON dataset, loaded once on first start; undefined (the default) loads none. */
  fixturesFile?: string;
  /** SYNTHETIC_PEOPLE / SYNTHETIC_SEED: a synthetic population loaded once on first start, beside the fixtures. */
  synthetic?: { people: number; seed: number };
  /** Largest page a search returns, whatever _count asks. */
  maxPageSize: number;
  defaultPageSize: number;
  logLevel: string;
  /** The council running the facade, and who takes hospital notices. */
  council: CouncilConfig;
  /** How long access records are kept before the daily purge removes them. */
  auditRetentionDays: number;
  /** Freshness bound of the lookup cache, in seconds (0 turns it off). */
  lookupCacheSeconds: number;
  /** FHIR requests each client may make per minute, shared by the instances on one database (0 turns the limit off). */
  clientRequestsPerMinute: number;
  /** SMART backend-services authorisation: registered clients, the facade's own tokens, the council's IdP. */
  auth: AuthConfig;
  /**
   * CORS_ORIGINS: the browser origins allowed to call the API (exact origins, comma-separated,
   * e.g. https://app.example.nhs.uk). Empty, the default: no CORS headers at all.
   */
  corsOrigins: string[];
  /** Imports over HTTP ($import): how large their files may be, and where they wait while imported. */
  imports: { maxUploadBytes: number; uploadDir: string };
  /** NODE_ENV=production: the sandbox's defaults are refused (deploymentProblems) instead of used. */
  production: boolean;
}

export type ViewName = View;

export interface DatabaseLimits {
  /** DATABASE_STATEMENT_TIMEOUT_SECONDS (default 10; 0 turns it off): PostgreSQL cancels a longer statement. */
  statementTimeoutMs: number;
  /** DATABASE_CONNECT_TIMEOUT_SECONDS (default 5): opening a connection, or waiting for a free one in the pool. */
  connectTimeoutMs: number;
}

export interface HttpLimits {
  /** HTTP_HEADERS_TIMEOUT_SECONDS (default 10): a client must have sent all its headers by then. */
  headersTimeoutMs: number;
  /** HTTP_REQUEST_TIMEOUT_SECONDS (default 30): ... and its whole request. */
  requestTimeoutMs: number;
  /** HTTP_KEEP_ALIVE_TIMEOUT_SECONDS (default 5): an idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** SHUTDOWN_TIMEOUT_SECONDS (default 8): on SIGTERM/SIGINT, requests still running after this are cut off. */
  shutdownTimeoutMs: number;
  /**
   * SHUTDOWN_DRAIN_SECONDS (default 0): on SIGTERM/SIGINT, how long readiness fails while requests
   * are still served, before the server stops taking connections. Behind a load balancer that polls
   * /health/ready, make it longer than the balancer's check interval times its failure threshold.
   */
  shutdownDrainMs: number;
}

/** pino's levels: a LOG_LEVEL outside them is a configuration error, not a stack trace at start. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface AuthConfig {
  /** JSON file of registered clients (CLIENTS_FILE); the sandbox ships one. */
  clientsFile: string;
  /** True when clientsFile is the shipped sandbox file because CLIENTS_FILE was not set. */
  sandboxClients: boolean;
  /** Lifetime of the access tokens the facade issues, in seconds. */
  tokenLifetimeSeconds: number;
  /** Token requests each client may make per minute (a token bucket of this size, refilled per minute). */
  tokenRequestsPerMinute: number;
  /**
   * The facade's own token-signing key (a private JWK, or a JWKS whose first key signs). When
   * `create` is true (the sandbox default, under DATA_DIR) it is generated on first start; a file
   * named by TOKEN_SIGNING_KEY_FILE must already exist.
   */
  signingKey: { file: string; create: boolean };
  /** Tokens issued by the council's own authorisation server, accepted alongside the facade's. */
  councilIdp?: CouncilIdpConfig;
}

export interface CouncilIdpConfig {
  issuer: string;
  audience: string;
  jwksUri: string;
  /** Claim carrying the granted SMART scopes (a space-separated string or an array). */
  scopeClaim: string;
  /** Claim carrying the caller's organisation (ODS code). */
  organizationClaim: string;
  /** Claim carrying the patient a patient/ scope is confined to. */
  patientClaim: string;
  /** What the council IdP's callers see. */
  view: ViewName;
}

export interface CouncilConfig {
  /** The council's ODS code: its clients may answer contacts; everyone else is an outside organisation. */
  odsCode: string;
  /** The team that owns contacts raised by assessment and discharge notices (the hospital discharge team). */
  intakeTeamId: string;
  /**
   * The council's LA Code as its CLD return writes it (COUNCIL_LA_CODE): a CLD row of any other
   * council is refused. The sandbox's is a code of the same form that no council has.
   */
  laCode: string;
}

/** The sandbox council's LA Code: of the CLD form, held by no real council. */
export const SANDBOX_LA_CODE = 'E10999999';

export const PROJECT_ROOT = path.resolve(__dirname, '..');

/**
 * Where the embedded store's cluster template is kept unless EMBEDDED_TEMPLATE_DIR says otherwise:
 * the place tools share for caches of what node_modules holds (find-cache-dir's convention), so a
 * new install or `rm -rf node_modules` drops it with the PGlite it was made by.
 */
export const DEFAULT_EMBEDDED_TEMPLATE_DIR = path.join(PROJECT_ROOT, 'node_modules', '.cache', 'social-care-facade');

export class ConfigError extends Error {}

/**
 * DATA_DIR, or data/ in the project when it is not set: the embedded store's directory, where the
 * sandbox signing key is made, and where a running facade leaves its address for `npm run token`.
 */
export function dataDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.DATA_DIR || path.join(PROJECT_ROOT, 'data'));
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = integer(env, 'PORT', 8080, 0, 65535);
  const publicUrl = (env.PUBLIC_BASE_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');
  try {
    new URL(publicUrl);
  } catch {
    throw new ConfigError(`PUBLIC_BASE_URL is not a URL: ${publicUrl}`);
  }
  const fixtures = env.FIXTURES_FILE || 'none';
  const fhirBaseUrl = `${publicUrl}/fhir`;
  return {
    port,
    fhirBaseUrl,
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.DATABASE_URL ? undefined : dataDirectory(env),
    embeddedSharedBuffersMb: integer(env, 'EMBEDDED_SHARED_BUFFERS_MB', DEFAULT_EMBEDDED_SHARED_BUFFERS_MB, 16, 16_384),
    embeddedFsync: onOff(env, 'EMBEDDED_FSYNC', true),
    embeddedTemplateDir: embeddedTemplateDir(env),
    database: {
      statementTimeoutMs: integer(env, 'DATABASE_STATEMENT_TIMEOUT_SECONDS', 10, 0, 3600) * 1000,
      connectTimeoutMs: integer(env, 'DATABASE_CONNECT_TIMEOUT_SECONDS', 5, 1, 600) * 1000,
    },
    http: httpLimits(env),
    // SANDBOX_DATA=off: an empty store, as a council's own deployment starts before its first import.
    sandboxData: onOff(env, 'SANDBOX_DATA', true),
    fixturesFile: fixtures === 'none' ? undefined : path.resolve(fixtures),
    synthetic: env.SYNTHETIC_PEOPLE && env.SYNTHETIC_PEOPLE !== '0'
      ? { people: integer(env, 'SYNTHETIC_PEOPLE', 0, 1, 10_000_000), seed: integer(env, 'SYNTHETIC_SEED', 1, 0, 4_294_967_295) }
      : undefined,
    maxPageSize: integer(env, 'MAX_PAGE_SIZE', 100, 1, 1000),
    defaultPageSize: integer(env, 'DEFAULT_PAGE_SIZE', 20, 1, 1000),
    logLevel: logLevel(env),
    auditRetentionDays: integer(env, 'AUDIT_RETENTION_DAYS', 2922, 1, 36_500),
    lookupCacheSeconds: integer(env, 'LOOKUP_CACHE_SECONDS', 30, 0, 3600),
    // 100 a second sustained, a minute's worth at once: far above a hospital's or a portal's lookups,
    // low enough that one runaway client cannot take an instance's whole capacity.
    clientRequestsPerMinute: integer(env, 'CLIENT_REQUESTS_PER_MINUTE', 6000, 0, 10_000_000),
    council: {
      odsCode: env.COUNCIL_ODS_CODE || 'WXB',
      intakeTeamId: env.NOTICE_INTAKE_TEAM_ID || 'TEAM-HDT',
      laCode: (env.COUNCIL_LA_CODE || SANDBOX_LA_CODE).trim(),
    },
    auth: authConfig(env, fhirBaseUrl),
    corsOrigins: corsOrigins(env.CORS_ORIGINS),
    imports: {
      // A county's CLD return is tens of megabytes a quarter; a million-row file under a gigabyte.
      maxUploadBytes: integer(env, 'IMPORT_MAX_MEGABYTES', 2048, 1, 65_536) * 1_048_576,
      uploadDir: path.resolve(env.IMPORT_UPLOAD_DIR || path.join(env.DATABASE_URL ? os.tmpdir() : dataDirectory(env), 'import-uploads')),
    },
    production: env.NODE_ENV === 'production',
  };
}

/**
 * CORS_ORIGINS as a list of exact origins. `*` is refused: every request carries a bearer token,
 * which a page from any origin could then use to read what the token reaches once it had one, and
 * the facade cannot tell a council's own web app from any other page; each origin is listed instead.
 * Each entry must be an origin as a browser sends it (scheme, host, port only if not the default).
 */
export function corsOrigins(raw: string | undefined): string[] {
  const entries = (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const entry of entries) {
    if (entry === '*' || entry === 'null') {
      throw new ConfigError(
        `CORS_ORIGINS must list the browser origins allowed, e.g. https://app.example.nhs.uk, not "${entry}": bearer tokens are credentials, so any origin is never allowed`,
      );
    }
    let origin: string | undefined;
    try {
      const url = new URL(entry);
      origin = url.protocol === 'https:' || url.protocol === 'http:' ? url.origin : undefined;
    } catch {
      origin = undefined;
    }
    if (origin !== entry) {
      throw new ConfigError(
        `CORS_ORIGINS entry "${entry}" is not an origin${origin ? `: write it as ${origin}` : ': give scheme and host, e.g. https://app.example.nhs.uk'}`,
      );
    }
  }
  return [...new Set(entries)];
}

export const SANDBOX_CLIENTS_FILE = path.join(PROJECT_ROOT, 'fixtures', 'sandbox', 'clients.json');

function authConfig(env: NodeJS.ProcessEnv, fhirBaseUrl: string): AuthConfig {
  const keyFile = env.TOKEN_SIGNING_KEY_FILE || undefined;
  return {
    clientsFile: path.resolve(env.CLIENTS_FILE || SANDBOX_CLIENTS_FILE),
    sandboxClients: !env.CLIENTS_FILE,
    tokenLifetimeSeconds: integer(env, 'TOKEN_LIFETIME_SECONDS', 300, 30, 3600),
    tokenRequestsPerMinute: integer(env, 'TOKEN_REQUESTS_PER_MINUTE', 60, 1, 100_000),
    signingKey: keyFile
      ? { file: path.resolve(keyFile), create: false }
      : { file: path.join(dataDirectory(env), 'token-signing-key.jwk.json'), create: true },
    councilIdp: councilIdpConfig(env, fhirBaseUrl),
  };
}

function councilIdpConfig(env: NodeJS.ProcessEnv, fhirBaseUrl: string): CouncilIdpConfig | undefined {
  const names = Object.keys(env).filter((k) => k.startsWith('COUNCIL_IDP_') && env[k]);
  if (names.length === 0) return undefined;
  const issuer = env.COUNCIL_IDP_ISSUER;
  const jwksUri = env.COUNCIL_IDP_JWKS_URI;
  if (!issuer || !jwksUri) {
    throw new ConfigError(
      `The council identity provider needs both COUNCIL_IDP_ISSUER and COUNCIL_IDP_JWKS_URI (set: ${names.join(', ')})`,
    );
  }
  const view = env.COUNCIL_IDP_VIEW ?? 'health';
  if (!isView(view)) {
    throw new ConfigError(`COUNCIL_IDP_VIEW must be health, social-care or social-care-restricted, not "${view}"`);
  }
  const claim = (name: string, fallback: string) => {
    const v = env[name] ?? fallback;
    if (!/^[\w.:\-/]{1,100}$/.test(v)) throw new ConfigError(`${name} is not a claim name: "${v}"`);
    return v;
  };
  return {
    issuer,
    audience: env.COUNCIL_IDP_AUDIENCE || fhirBaseUrl,
    jwksUri: keyUrl('COUNCIL_IDP_JWKS_URI', jwksUri),
    scopeClaim: claim('COUNCIL_IDP_SCOPE_CLAIM', 'scope'),
    organizationClaim: claim('COUNCIL_IDP_ORGANIZATION_CLAIM', 'organization'),
    patientClaim: claim('COUNCIL_IDP_PATIENT_CLAIM', 'patient'),
    view,
  };
}

/**
 * A URL keys are fetched from: https, or http only on this machine (a local test server), since
 * keys fetched over plain HTTP could be replaced on the way.
 */
export function keyUrl(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a URL: ${raw}`);
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new ConfigError(`${name} must be an https URL (http only for localhost): ${raw}`);
  }
  return url.toString();
}

/**
 * Settings that are fine on a laptop but not in a deployment; main() refuses to start with them.
 * The sandbox clients' private keys are published in this repository, so trusting them on a
 * public https address would let anyone in.
 */
export function deploymentProblems(config: Config): string[] {
  const url = new URL(config.fhirBaseUrl);
  if (config.production) return productionProblems(config, url);
  const problems: string[] = [];
  const local = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (config.auth.sandboxClients && url.protocol === 'https:' && !local) {
    problems.push(
      `PUBLIC_BASE_URL is ${url.origin} but CLIENTS_FILE is not set, so the sandbox clients (whose private keys are ` +
        'published with the code) would be trusted. Set CLIENTS_FILE to your registered clients ' +
        `(or to ${SANDBOX_CLIENTS_FILE} to run the sandbox there on purpose).`,
    );
  }
  return problems;
}

/** The sandbox council's files, as a council's systems write them: its CLD return, CQC's directory, its allocations extract. */
export const SANDBOX_COUNCIL_DIR = path.join(PROJECT_ROOT, 'fixtures', 'sandbox', 'council');
export const SANDBOX_CLD_FILE = path.join(SANDBOX_COUNCIL_DIR, 'cld.csv');

/**
 * NODE_ENV=production (the Docker image's default) means real people's records: none of the
 * sandbox's conveniences may be in force, whether by default, named on purpose, or copied elsewhere.
 * To run the sandbox itself, leave NODE_ENV unset.
 */
function productionProblems(config: Config, url: URL): string[] {
  const problems: string[] = [];
  const sandbox = 'NODE_ENV is production';
  const clientsFile = config.auth.clientsFile;
  if (sameFile(clientsFile, SANDBOX_CLIENTS_FILE)) {
    problems.push(
      `${sandbox} but ${config.auth.sandboxClients ? 'CLIENTS_FILE is not set, so' : 'CLIENTS_FILE names'} the sandbox clients, whose private keys are published ` +
        'with the code, would be trusted. Set CLIENTS_FILE to the file of your registered clients (see docs/authorisation.md).',
    );
  } else {
    const copied = sandboxClientsIn(clientsFile);
    if (copied.length) {
      problems.push(
        `${sandbox} but CLIENTS_FILE (${clientsFile}) registers sandbox clients (${copied.join(', ')}), whose private keys are published ` +
          'with the code. Remove them and register your own clients with keys of their own (npm run keygen; see docs/authorisation.md).',
      );
    }
  }
  if (url.protocol !== 'https:') {
    problems.push(
      `${sandbox} but the public base URL is ${url.origin} (PUBLIC_BASE_URL). Set PUBLIC_BASE_URL to the https address ` +
        'clients reach the facade at (TLS ends at your proxy or load balancer; see docs/deploy.md): tokens and records must not travel unencrypted.',
    );
  }
  if (config.sandboxData) {
    problems.push(
      `${sandbox} but SANDBOX_DATA is on (its default), so the sandbox council's fictional people would be imported into an empty store ` +
        'beside real ones. Set SANDBOX_DATA=off, and load your own records with npm run import (see docs/data-in.md).',
    );
  }
  const fixtures = config.fixturesFile;
  if (fixtures) {
    const nhsNumber = sandboxPersonIn(fixtures);
    if (nhsNumber) {
      problems.push(
        `${sandbox} but FIXTURES_FILE (${fixtures}) holds the sandbox council's fictional people (NHS number ${nhsNumber} among them), ` +
          'who would be loaded into an empty store beside real ones. Set FIXTURES_FILE=none, or to a dataset of your own.',
      );
    }
  }
  if (config.council.laCode === SANDBOX_LA_CODE) {
    problems.push(
      `${sandbox} but COUNCIL_LA_CODE is not set: the sandbox's LA Code (${SANDBOX_LA_CODE}) would refuse every row of your CLD return. ` +
        'Set COUNCIL_LA_CODE to the LA Code your return writes (see docs/data-in.md).',
    );
  }
  if (config.synthetic) {
    problems.push(`${sandbox} but SYNTHETIC_PEOPLE is set: a generated population is for trials, not for a store of real people. Unset it.`);
  }
  if (config.databaseUrl && config.auth.signingKey.create) {
    problems.push(
      `${sandbox} and DATABASE_URL is set, but TOKEN_SIGNING_KEY_FILE is not: each instance would make a signing key of its own and ` +
        "refuse the others' tokens. Make one key (npm run keygen) and give every instance the same TOKEN_SIGNING_KEY_FILE.",
    );
  }
  return problems;
}

/** Whether two paths name one file, through symbolic links too; the same path when either cannot be resolved. */
function sameFile(a: string, b: string): boolean {
  if (path.resolve(a) === path.resolve(b)) return true;
  try {
    return fs.realpathSync(a) === fs.realpathSync(b);
  } catch {
    return false;
  }
}

/** The JSON of a file, or undefined when it cannot be read or parsed (whoever reads it for use reports that). */
function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

interface ClientEntry {
  client_id?: unknown;
  jwks?: { keys?: unknown };
}

function clientEntries(json: unknown): ClientEntry[] {
  return Array.isArray(json) ? json.filter((c): c is ClientEntry => typeof c === 'object' && c !== null) : [];
}

function entryKeys(entry: ClientEntry): Record<string, unknown>[] {
  const keys = entry.jwks?.keys;
  return Array.isArray(keys) ? keys.filter((k): k is Record<string, unknown> => typeof k === 'object' && k !== null) : [];
}

/** The members RFC 7638 hashes for each key type: they are the public key, whatever else the JWK says. */
const THUMBPRINT_MEMBERS: Record<string, string[]> = {
  EC: ['crv', 'kty', 'x', 'y'],
  RSA: ['e', 'kty', 'n'],
  OKP: ['crv', 'kty', 'x'],
  oct: ['k', 'kty'],
};

/** A JWK's RFC 7638 thumbprint (SHA-256, base64url); undefined for a key that is not one. */
function jwkThumbprint(jwk: Record<string, unknown>): string | undefined {
  const members = THUMBPRINT_MEMBERS[String(jwk.kty)];
  if (!members || members.some((m) => typeof jwk[m] !== 'string')) return undefined;
  const canonical = JSON.stringify(Object.fromEntries(members.map((m) => [m, jwk[m]])));
  return createHash('sha256').update(canonical).digest('base64url');
}

/**
 * The sandbox clients a clients file registers, by client id or by public key (a copy of the sandbox
 * file, or a client given a sandbox key under another name): each named once.
 */
function sandboxClientsIn(file: string): string[] {
  const sandbox = clientEntries(readJson(SANDBOX_CLIENTS_FILE));
  const sandboxIds = new Set(sandbox.map((c) => c.client_id).filter((id): id is string => typeof id === 'string'));
  const sandboxKeys = new Map<string, string>();
  for (const client of sandbox) {
    for (const key of entryKeys(client)) {
      const thumbprint = jwkThumbprint(key);
      if (thumbprint) sandboxKeys.set(thumbprint, String(client.client_id));
    }
  }
  const found = new Set<string>();
  for (const client of clientEntries(readJson(file))) {
    const id = typeof client.client_id === 'string' ? client.client_id : '(no client_id)';
    if (sandboxIds.has(id)) found.add(id);
    for (const key of entryKeys(client)) {
      const owner = sandboxKeys.get(jwkThumbprint(key) ?? '');
      if (owner) found.add(owner === id ? id : `${id} with the key of ${owner}`);
    }
  }
  return [...found];
}

/**
 * The NHS number of a sandbox person that a dataset holds, if it holds one. The sandbox's NHS numbers
 * (read from its CLD return) are in the 999 range, never issued to anyone, so a real dataset holds
 * none of them; the file is read a megabyte at a time, so a large dataset costs no more memory than that.
 */
function sandboxPersonIn(file: string): string | undefined {
  const numbers = sandboxNhsNumbers();
  if (numbers.length === 0) return undefined;
  const needles = numbers.map((n) => Buffer.from(JSON.stringify(n)));
  const overlap = Math.max(...needles.map((n) => n.length)) - 1;
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const chunk = Buffer.alloc(1 << 20);
    let carry = Buffer.alloc(0);
    for (;;) {
      const read = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) return undefined;
      const window = Buffer.concat([carry, chunk.subarray(0, read)]);
      const hit = needles.findIndex((needle) => window.includes(needle));
      if (hit >= 0) return numbers[hit];
      carry = window.subarray(Math.max(0, window.length - overlap));
    }
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/** The NHS numbers of the sandbox's CLD return, each once (none when it cannot be read). */
function sandboxNhsNumbers(): string[] {
  let rows: string[][];
  try {
    rows = parseCsv(fs.readFileSync(SANDBOX_CLD_FILE, 'utf8'), { bom: true, relax_column_count: true }) as string[][];
  } catch {
    return [];
  }
  const column = rows[0]?.indexOf('NHS Number') ?? -1;
  if (column < 0) return [];
  return [...new Set(rows.slice(1).map((row) => (row[column] ?? '').replace(/[\s-]/g, '')).filter((n) => /^\d{10}$/.test(n)))];
}

function logLevel(env: NodeJS.ProcessEnv): string {
  const level = env.LOG_LEVEL || 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, not "${level}"`);
  }
  return level;
}

function httpLimits(env: NodeJS.ProcessEnv): HttpLimits {
  const headersTimeoutMs = integer(env, 'HTTP_HEADERS_TIMEOUT_SECONDS', 10, 1, 600) * 1000;
  const requestTimeoutMs = integer(env, 'HTTP_REQUEST_TIMEOUT_SECONDS', 30, 1, 3600) * 1000;
  // Node refuses a headers timeout longer than the request's.
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new ConfigError('HTTP_HEADERS_TIMEOUT_SECONDS must not be more than HTTP_REQUEST_TIMEOUT_SECONDS');
  }
  return {
    headersTimeoutMs,
    requestTimeoutMs,
    keepAliveTimeoutMs: integer(env, 'HTTP_KEEP_ALIVE_TIMEOUT_SECONDS', 5, 1, 600) * 1000,
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_SECONDS', 8, 1, 600) * 1000,
    shutdownDrainMs: integer(env, 'SHUTDOWN_DRAIN_SECONDS', 0, 0, 600) * 1000,
  };
}

/** EMBEDDED_TEMPLATE_DIR: a directory (relative to the working directory), `off`, or unset for the default. */
export function embeddedTemplateDir(env: NodeJS.ProcessEnv): string | false {
  const raw = env.EMBEDDED_TEMPLATE_DIR?.trim();
  if (!raw) return DEFAULT_EMBEDDED_TEMPLATE_DIR;
  return raw.toLowerCase() === 'off' ? false : path.resolve(raw);
}

function onOff(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'on') return true;
  if (raw === 'off') return false;
  throw new ConfigError(`${name} must be on or off, not "${env[name]}"`);
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
