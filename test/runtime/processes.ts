import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../../src/store/openStore';

/**
 * The facade and its tools as they run in production: `node dist/...` in child processes on ports of
 * 127.0.0.1. dist/ must be built (`npm run build`; CI builds before testing).
 */
export const ROOT = path.resolve(__dirname, '..', '..');
export const HOST = '127.0.0.1';
export const MAIN = path.join(ROOT, 'dist', 'main.js');

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function requireBuild(): void {
  if (!fs.existsSync(MAIN)) throw new Error('dist/main.js is missing: run npm run build before these tests');
}

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

export interface Child {
  proc: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves with how it ended, or rejects after timeoutMs (and kills it). */
  exited(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children = new Set<ChildProcess>();
afterAll(() => {
  for (const p of children) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});

/** Runs `node <script>` with only the environment given (plus PATH and HOME). */
export function run(script: string, env: NodeJS.ProcessEnv, args: string[] = []): Child {
  const proc = spawn(process.execPath, [script, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(proc);
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => {
      children.delete(proc);
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
          reject(new Error(`${script} had not exited after ${timeoutMs} ms; its output:\n${out}`));
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

export interface Facade extends Child {
  port: number;
  base: string;
}

/** Starts `node dist/main.js` on a free port and waits (bounded) until /fhir/metadata answers. */
export async function startFacade(env: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<Facade> {
  const port = await freePort();
  const child = run(MAIN, { PORT: String(port), PUBLIC_BASE_URL: `http://${HOST}:${port}`, FIXTURES_FILE: 'none', LOG_LEVEL: 'info', ...env });
  const base = `http://${HOST}:${port}`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.proc.exitCode !== null || child.proc.signalCode !== null) break;
    try {
      const res = await fetch(`${base}/fhir/metadata`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === 200) return { ...child, port, base };
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  child.proc.kill('SIGKILL');
  throw new Error(`the facade was not ready within ${timeoutMs} ms; its output:\n${child.output()}`);
}

/**
 * An embedded data directory with the schema in place, so that children open an existing store
 * (about 2 s) rather than create one (the migrations take several seconds more).
 */
export async function preparedDataDir(label: string): Promise<{ dir: string; dataDir: string; remove(): void }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `facade-${label}-`));
  const dataDir = path.join(dir, 'data');
  const store = await openStore({ dataDir, embeddedFsync: false });
  await store.close();
  return { dir, dataDir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Sends raw bytes and collects what comes back until the server closes the connection (bounded). */
export function rawExchange(port: number, bytes: Buffer | string, timeoutMs = 5_000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, HOST);
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closed: false });
    }, timeoutMs);
    socket.on('data', (d) => (text += d.toString('latin1')));
    socket.on('error', (err) => {
      clearTimeout(timer);
      if (text) resolve({ text, closed: true });
      else reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
    socket.write(bytes);
  });
}

/** Status line, headers (lower-cased) and body of one raw HTTP/1.1 answer. */
export function parseAnswer(text: string): { status: number; headers: Record<string, string>; body: string } {
  const end = text.indexOf('\r\n\r\n');
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: text.slice(end + 4) };
}
