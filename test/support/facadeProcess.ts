import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { importJWK, JWK, SignJWT, decodeJwt } from 'jose';
import { signClientAssertion } from '../../src/auth/assertionSigner';
import { CLIENT_ASSERTION_TYPE } from '../../src/auth/assertion';
import { openStore } from '../../src/store/openStore';
import { keyOfClient, TEST_CLIENTS_FILE } from './auth';
import { createPostgresDatabase, TestDatabase } from './stores';

/**
 * The facade as it runs in production: `node dist/main.js` in a child process, on a real port of
 * this machine, over either store. For suites that must see what only a running process shows
 * (the HTTP parser's edge, process exits, crashes and restarts, graceful shutdown).
 */

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
/** Only ever this machine. */
export const HOST = '127.0.0.1';
const SANDBOX_CLIENTS_FILE = path.join(PROJECT_ROOT, 'fixtures', 'sandbox', 'clients.json');
export const MAIN = path.join(PROJECT_ROOT, 'dist', 'main.js');
const BUILD_INFO = path.join(PROJECT_ROOT, 'dist', '.tsbuildinfo');

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, HOST, () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (/\.(ts|js|json)$/.test(entry.name)) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

function distIsStale(): boolean {
  if (!fs.existsSync(MAIN) || !fs.existsSync(BUILD_INFO)) return true;
  return newestMtime(path.join(PROJECT_ROOT, 'src')) > fs.statSync(BUILD_INFO).mtimeMs;
}

/**
 * Builds dist/ when it is missing or older than src/ (CI builds first, so there this does nothing).
 * Suites run in parallel workers: a lock directory keeps two builds from writing dist/ at once.
 */
export async function ensureBuilt(timeoutMs = 240_000): Promise<void> {
  if (!distIsStale()) return;
  const lock = path.join(os.tmpdir(), `facade-build-lock-${Buffer.from(PROJECT_ROOT).toString('hex').slice(-24)}`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A lock left by a killed run is older than any build takes.
      try {
        if (Date.now() - fs.statSync(lock).mtimeMs > 300_000) fs.rmSync(lock, { recursive: true, force: true });
      } catch {
        // removed meanwhile
      }
      if (Date.now() > deadline) throw new Error(`waited ${timeoutMs / 1000} s for another build of dist/ (lock ${lock})`);
      await sleep(250);
    }
  }
  try {
    if (!distIsStale()) return;
    const build = spawnChild('npm', ['run', 'build', '--silent']);
    const end = await build.exited(Math.max(30_000, deadline - Date.now()));
    if (end.code !== 0) throw new Error(`npm run build failed (${end.code ?? end.signal}):\n${build.output().slice(-4000)}`);
    // tsc does not rewrite its build info when nothing changed; touch it so the next suite does not build again.
    const now = new Date();
    fs.utimesSync(BUILD_INFO, now, now);
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

export interface Child {
  proc: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves with how it ended, or rejects after timeoutMs (and kills it). */
  exited(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcess>();
// Should a worker die without its afterAll, no child outlives it.
process.once('exit', () => {
  for (const p of running) {
    try {
      p.kill('SIGKILL');
    } catch {
      // gone
    }
  }
});

/** Kills every child still running (a suite's afterAll: Jest may reuse its worker for the next file). */
export function killChildren(): void {
  for (const p of running) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
}

/**
 * Runs a command as a child process, its output kept in memory; with `env`, only the environment
 * given (plus PATH and HOME), else this process's. The one way the tests start processes.
 */
export function spawnChild(command: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Child {
  const proc = spawn(command, args, {
    cwd: opts.cwd ?? PROJECT_ROOT,
    env: opts.env ? { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'test', ...opts.env } : process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(proc);
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => {
      running.delete(proc);
      resolve({ code, signal });
    }),
  );
  return {
    proc,
    output: () => out,
    async exited(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          proc.kill('SIGKILL');
          reject(new Error(`${command} ${args.join(' ')} had not exited after ${timeoutMs} ms; its output:\n${out.slice(-4000)}`));
        }, timeoutMs);
      });
      try {
        return await Promise.race([ended, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Runs `node <script>` with only the environment given (plus PATH and HOME). */
export function runNode(script: string, env: NodeJS.ProcessEnv, args: string[] = []): Child {
  return spawnChild(process.execPath, [script, ...args], { env });
}

/**
 * Polls /fhir/metadata until it answers 200 (true), the process has exited (false) or the deadline
 * passes (false).
 */
export async function untilReady(baseUrl: string, gone: () => boolean, deadline: number): Promise<boolean> {
  while (!gone() && Date.now() < deadline) {
    try {
      const res = await fetch(`${baseUrl}/fhir/metadata`, { signal: AbortSignal.timeout(2_000), headers: { 'X-Request-ID': `ready-probe-${new URL(baseUrl).port}` } });
      await res.arrayBuffer();
      if (res.status === 200) return true;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  return false;
}

export type StoreKind = 'pglite' | 'postgres';

/** Where one facade keeps its data: a temp directory (the embedded store, and the token-signing key), and for PostgreSQL a database of its own. */
export interface FacadeStore {
  kind: StoreKind;
  dir: string;
  dataDir: string;
  databaseUrl?: string;
  clientsFile: string;
  /** Drops the database and removes the directory. */
  dispose(): Promise<void>;
}

/** Clients of both files (sandbox first, then the test-only ones), so two hospitals and the council can be tokens. */
export function writeCombinedClients(file: string): void {
  const sandbox = JSON.parse(fs.readFileSync(SANDBOX_CLIENTS_FILE, 'utf8')) as { client_id: string }[];
  const test = JSON.parse(fs.readFileSync(TEST_CLIENTS_FILE, 'utf8')) as { client_id: string }[];
  const seen = new Set(sandbox.map((c) => c.client_id));
  fs.writeFileSync(file, JSON.stringify([...sandbox, ...test.filter((c) => !seen.has(c.client_id))], null, 2));
}

export async function createFacadeStore(kind: StoreKind, label: string): Promise<FacadeStore> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `facade-${label}-${kind}-`));
  const dataDir = path.join(dir, 'data');
  const clientsFile = path.join(dir, 'clients.json');
  writeCombinedClients(clientsFile);
  let db: TestDatabase | undefined;
  try {
    if (kind === 'postgres') db = await createPostgresDatabase();
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    kind,
    dir,
    dataDir,
    databaseUrl: db?.url,
    clientsFile,
    async dispose() {
      try {
        await db?.drop();
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

export interface Facade {
  port: number;
  baseUrl: string;
  proc: ChildProcess;
  logFile: string;
  readyMs: number;
  /** True once the process has exited (code or signal). */
  exited(): boolean;
  /** SIGTERM, then waits; SIGKILL after `graceMs`. Says how it ended. */
  stop(graceMs?: number): Promise<{ graceful: boolean; code: number | null; signal: NodeJS.Signals | null; ms: number }>;
  /** SIGKILL now, as a crash would. */
  kill(): Promise<void>;
  /** The last lines of its log. */
  logTail(lines?: number): string;
}

/**
 * Starts `node dist/main.js` on a free port of 127.0.0.1 over the store, and waits (bounded) until
 * /fhir/metadata answers 200. If the process exits before it is ready (a data directory still
 * locked by a process just killed, a port taken meanwhile), it is started again until the deadline.
 */
export async function startFacade(store: FacadeStore, opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; logName?: string } = {}): Promise<Facade> {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const deadline = Date.now() + timeoutMs;
  const logFile = path.join(store.dir, opts.logName ?? 'facade.log');
  let attempt = 0;
  for (;;) {
    attempt++;
    const port = await freePort();
    const started = Date.now();
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'test',
      PORT: String(port),
      PUBLIC_BASE_URL: `http://${HOST}:${port}`,
      // DATA_DIR also holds the facade's token-signing key, with PostgreSQL too: kept in the temp directory.
      DATA_DIR: store.dataDir,
      CLIENTS_FILE: store.clientsFile,
      LOG_LEVEL: 'warn',
      ...(store.databaseUrl ? { DATABASE_URL: store.databaseUrl } : {}),
      ...opts.env,
    };
    fs.appendFileSync(logFile, `\n=== start attempt ${attempt} on port ${port} at ${new Date().toISOString()}\n`);
    const log = fs.openSync(logFile, 'a');
    const proc = spawn(process.execPath, [MAIN], { cwd: PROJECT_ROOT, env, stdio: ['ignore', log, log] });
    fs.closeSync(log);
    running.add(proc);
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    const exitedP = new Promise<void>((resolve) =>
      proc.once('exit', (code, signal) => {
        exit = { code, signal };
        running.delete(proc);
        resolve();
      }),
    );
    const logTail = (lines = 30) => {
      try {
        return fs.readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n');
      } catch {
        return '';
      }
    };
    const facade: Facade = {
      port,
      baseUrl: `http://${HOST}:${port}`,
      proc,
      logFile,
      readyMs: 0,
      exited: () => exit !== undefined,
      logTail,
      async stop(graceMs = 20_000) {
        const t0 = Date.now();
        if (exit) return { graceful: false, ...exit, ms: 0 };
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
        await exitedP;
        clearTimeout(timer);
        return { graceful: exit!.signal === null && exit!.code === 0, code: exit!.code, signal: exit!.signal, ms: Date.now() - t0 };
      },
      async kill() {
        if (!exit) proc.kill('SIGKILL');
        await exitedP;
      },
    };
    if (await untilReady(facade.baseUrl, () => exit !== undefined, deadline)) {
      facade.readyMs = Date.now() - started;
      return facade;
    }
    if (!exit) {
      await facade.kill();
      throw new Error(`the facade was not ready within ${timeoutMs / 1000} s (${attempt} attempt(s)); its log ends:\n${logTail()}`);
    }
    if (Date.now() > deadline) throw new Error(`the facade exited (${exit!.code ?? exit!.signal}) before it was ready; its log ends:\n${logTail()}`);
    await sleep(500);
  }
}

// ---------------------------------------------------------------------------------------------
// Tokens from the facade's real token endpoint.

export async function signedAssertion(baseUrl: string, clientId: string, opts: { key?: JWK; lifetimeSeconds?: number; jti?: string; now?: number } = {}) {
  return signClientAssertion({ clientId, tokenUrl: `${baseUrl}/auth/token`, privateJwk: opts.key ?? keyOfClient(clientId), ...opts });
}

export function tokenForm(assertion: string, scope: string, extra: Record<string, string> = {}): string {
  return new URLSearchParams({ grant_type: 'client_credentials', scope, client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion, ...extra }).toString();
}

/** An access token for a registered client (all the scope it is registered for unless `scope`). */
export async function getToken(baseUrl: string, clientId: string, scope: string): Promise<string> {
  const body = tokenForm(await signedAssertion(baseUrl, clientId), scope);
  const res = await fetch(`${baseUrl}/auth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Request-ID': `token-${clientId}-${Date.now()}` },
    body,
  });
  const json = (await res.json()) as { access_token?: string };
  if (res.status !== 200 || !json.access_token) throw new Error(`no token for ${clientId}: ${res.status} ${JSON.stringify(json)}`);
  return json.access_token;
}

/**
 * A token exactly like `model` but expired a minute ago, signed with the facade's own key (which the
 * sandbox keeps in DATA_DIR): an expired token the facade itself could have issued.
 */
export async function expiredTokenLike(model: string, dataDir: string): Promise<string | undefined> {
  const file = path.join(dataDir, 'token-signing-key.jwk.json');
  if (!fs.existsSync(file)) return undefined;
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  const jwk: JWK = parsed.keys ? parsed.keys[0] : parsed;
  const header = JSON.parse(Buffer.from(model.split('.')[0], 'base64url').toString('utf8'));
  const claims = decodeJwt(model);
  const now = Math.floor(Date.now() / 1000);
  const key = await importJWK(jwk, header.alg);
  return new SignJWT({ ...claims, iat: now - 400, exp: now - 60 }).setProtectedHeader(header).sign(key);
}

// ---------------------------------------------------------------------------------------------
// Sending requests: node:http for well-formed ones, raw sockets for what http refuses to send.

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  ms: number;
  /** Set when no answer came (reset, timeout): what happened. */
  error?: string;
  /** sendRaw: the server had closed the connection when the answer was taken. */
  closed?: boolean;
}

export function httpAgent(maxSockets: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets, keepAliveMsecs: 1000 });
}

export function sendHttp(
  agent: http.Agent,
  port: number,
  req: { method: string; path: string; headers: Record<string, string>; body?: string | Buffer },
  timeoutMs = 30_000,
): Promise<Answer> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    let done = false;
    const finish = (a: Omit<Answer, 'ms'>) => {
      if (done) return;
      done = true;
      resolve({ ...a, ms: Date.now() - t0 });
    };
    let r: http.ClientRequest;
    try {
      const headers: Record<string, string | number> = { ...req.headers };
      if (req.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length' || h.toLowerCase() === 'transfer-encoding')) {
        headers['Content-Length'] = Buffer.byteLength(req.body);
      }
      r = http.request({ host: HOST, port, method: req.method, path: req.path, headers, agent, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => finish({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', (err) => finish({ status: 0, headers: {}, body: Buffer.alloc(0), error: `response: ${err.message}` }));
      });
    } catch (err) {
      finish({ status: -1, headers: {}, body: Buffer.alloc(0), error: `not sendable by node:http: ${(err as Error).message}` });
      return;
    }
    r.on('timeout', () => r.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    r.on('error', (err) => finish({ status: 0, headers: {}, body: Buffer.alloc(0), error: err.message }));
    if (req.body !== undefined) r.end(req.body);
    else r.end();
  });
}

/**
 * Writes the bytes as they are on a new connection and reads one answer: until it is complete
 * (Content-Length, or the last chunk), or with `untilClose` until the server closes the connection;
 * at most timeoutMs. By default the sending side is half-closed once written, as a client that is
 * done would; `halfClose: false` keeps it open, so that only the server can end the connection.
 */
export function sendRaw(port: number, bytes: Buffer | string, opts: number | { timeoutMs?: number; untilClose?: boolean; halfClose?: boolean } = {}): Promise<Answer> {
  const { timeoutMs = 8_000, untilClose = false, halfClose = true } = typeof opts === 'number' ? { timeoutMs: opts } : opts;
  const t0 = Date.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let done = false;
    const socket = net.connect({ host: HOST, port });
    const finish = (error?: string, closed = false) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const parsed = parseRawAnswer(Buffer.concat(chunks));
      resolve({ ...parsed, ms: Date.now() - t0, closed, error: parsed.status ? undefined : error ?? 'no answer' });
    };
    const timer = setTimeout(() => finish(`no answer within ${timeoutMs} ms`), timeoutMs);
    socket.on('connect', () => {
      socket.write(bytes, () => {
        if (halfClose) socket.end();
      });
    });
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      if (!untilClose && rawComplete(Buffer.concat(chunks))) finish();
    });
    socket.on('end', () => finish('closed without an answer', true));
    socket.on('close', () => finish('closed without an answer', true));
    socket.on('error', (err) => finish(err.message, chunks.length > 0));
  });
}

function rawComplete(buf: Buffer): boolean {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const head = buf.subarray(0, end).toString('latin1');
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (length) return buf.length >= end + 4 + Number(length[1]);
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) return buf.subarray(end).includes('\r\n0\r\n\r\n');
  return false;
}

/** Status, headers (lower-cased) and body of one raw HTTP/1.1 answer (a chunked body is reassembled). */
export function parseRawAnswer(buf: Buffer): Omit<Answer, 'ms'> {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return { status: 0, headers: {}, body: Buffer.alloc(0) };
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0])?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  let body = buf.subarray(end + 4);
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const parts: Buffer[] = [];
    let rest = body;
    for (;;) {
      const nl = rest.indexOf('\r\n');
      if (nl < 0) break;
      const size = parseInt(rest.subarray(0, nl).toString('latin1'), 16);
      if (!size) break;
      parts.push(rest.subarray(nl + 2, nl + 2 + size));
      rest = rest.subarray(nl + 2 + size + 2);
    }
    body = Buffer.concat(parts);
  } else if (headers['content-length']) {
    body = body.subarray(0, Number(headers['content-length']));
  }
  return { status, headers, body };
}

// ---------------------------------------------------------------------------------------------
// Reading the store directly once the facade has stopped.

/** Opens the store the facade used (the facade must have stopped: the embedded store is one process's). */
export async function withStore<T>(store: FacadeStore, fn: (query: <R = Record<string, unknown>>(sql: string, params?: (string | number | string[])[]) => Promise<R[]>) => Promise<T>): Promise<T> {
  const opened = await openStore({ databaseUrl: store.databaseUrl, dataDir: store.databaseUrl ? undefined : store.dataDir });
  try {
    return await fn((sql, params) => opened.db.query(sql, params));
  } finally {
    await opened.close();
  }
}

/** Request ids of every audit record in the store. */
export async function auditedRequestIds(store: FacadeStore): Promise<Set<string>> {
  return withStore(store, async (query) => {
    const rows = await query<{ request_id: string }>('SELECT request_id FROM audit_events');
    return new Set(rows.map((r) => r.request_id));
  });
}

/** A curl command line that repeats a request (for reports). Bodies over 300 bytes are abbreviated. */
export function curlOf(req: { method: string; path: string; headers: Record<string, string>; body?: string | Buffer }, base = 'http://127.0.0.1:8080'): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const parts = ['curl -si', '-X', req.method];
  for (const [k, v] of Object.entries(req.headers)) {
    const shown = /^authorization$/i.test(k) && /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/.test(v) ? `Bearer $${tokenVarOf(v)}` : v.length > 200 ? `${v.slice(0, 60)}...(${v.length} chars)` : v;
    parts.push('-H', q(`${k}: ${shown}`));
  }
  if (req.body !== undefined) {
    const text = Buffer.isBuffer(req.body) ? req.body.toString('latin1') : req.body;
    parts.push('--data-binary', q(text.length > 300 ? `${text.slice(0, 300)}...(${Buffer.byteLength(req.body)} bytes)` : text));
  }
  parts.push(q(`${base}${req.path.length > 400 ? `${req.path.slice(0, 300)}...(${req.path.length} chars)` : req.path}`));
  return parts.join(' ');
}

const tokenVars = new Map<string, string>();
/** Names tokens in repro lines by the client they belong to ($TOKEN_RX1 ...), registered by the suite. */
export function nameToken(token: string, name: string) {
  tokenVars.set(token, name);
}
function tokenVarOf(header: string): string {
  return tokenVars.get(header.slice('Bearer '.length)) ?? 'TOKEN';
}

/** Limits raised (not turned off) so that a suite's load reaches the checks behind them. */
export const RAISED_LIMITS: NodeJS.ProcessEnv = { TOKEN_REQUESTS_PER_MINUTE: '100000', CLIENT_REQUESTS_PER_MINUTE: '1000000' };

/**
 * A running facade over a fresh store for the enclosing describe block: built, started and torn
 * down by Jest's hooks. The suite reads `running.store` and `running.facade` (and may replace the
 * facade, after a restart) once beforeAll has run.
 */
export function useRunningFacade(kind: StoreKind, label: string, concurrency: number) {
  const running: { store?: FacadeStore; facade?: Facade; agent?: http.Agent } = {};
  beforeAll(async () => {
    await ensureBuilt();
    running.store = await createFacadeStore(kind, label);
    running.facade = await startFacade(running.store, { env: RAISED_LIMITS });
    running.agent = httpAgent(concurrency);
  }, 300_000);
  afterAll(async () => {
    running.agent?.destroy();
    await running.facade?.kill();
    await running.store?.dispose();
  }, 120_000);
  return running;
}
