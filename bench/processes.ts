import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

/** Only ever this machine: every server the benchmark starts listens here and every load goes here. */
export const HOST = '127.0.0.1';

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
  port: number;
  /** ms from spawn until the ready URL answered 200. */
  readyMs: number;
  stop(): Promise<void>;
}

/**
 * Starts a server as a child process in its own process group and waits (bounded) until `readyPath`
 * answers 200. Its output goes to `logFile`.
 */
export async function startChild(opts: {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  port: number;
  readyPath: string;
  logFile: string;
  timeoutMs: number;
  cwd: string;
}): Promise<Child> {
  const log = fs.openSync(opts.logFile, 'a');
  const started = Date.now();
  const proc = spawn(opts.command, opts.args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', log, log], detached: true });
  fs.closeSync(log);
  let exited: number | null | undefined;
  proc.on('exit', (code) => (exited = code));
  const stop = () => stopGroup(proc);
  for (;;) {
    if (exited !== undefined) throw new Error(`${opts.command} ${opts.args.join(' ')} exited (${exited}) before it was ready: see ${opts.logFile}`);
    if (Date.now() - started > opts.timeoutMs) {
      await stop();
      throw new Error(`${opts.command} ${opts.args.join(' ')} was not ready within ${opts.timeoutMs / 1000} s: see ${opts.logFile}`);
    }
    try {
      const res = await fetch(`http://${HOST}:${opts.port}${opts.readyPath}`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    await sleep(25);
  }
  return { proc, port: opts.port, readyMs: Date.now() - started, stop };
}

/** SIGTERM to the child's process group, then SIGKILL if it has not gone in 15 s. */
export async function stopGroup(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null || proc.pid === undefined) return;
  const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  try {
    process.kill(-proc.pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-proc.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }, 15_000);
  await gone;
  clearTimeout(timer);
}

/** Current and peak resident set size of a process, in MB (Linux /proc). */
export function memoryOf(pid: number | undefined): { rssMb?: number; peakRssMb?: number } {
  if (!pid) return {};
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
    return { rssMb: Math.round(kb('VmRSS') / 1024), peakRssMb: Math.round(kb('VmHWM') / 1024) };
  } catch {
    return {};
  }
}

/** Runs a command to completion (bounded); rejects on a non-zero exit. */
export async function run(command: string, args: string[], opts: { env: NodeJS.ProcessEnv; cwd: string; timeoutMs: number; onLine?: (line: string) => void }): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const proc = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const timer = setTimeout(() => {
      void stopGroup(proc);
      reject(new Error(`${command} ${args.join(' ')} took longer than ${opts.timeoutMs / 1000} s`));
    }, opts.timeoutMs);
    let tail = '';
    const onData = (b: Buffer) => {
      const text = b.toString();
      tail = (tail + text).slice(-4000);
      for (const line of text.split('\n')) if (line.trim()) opts.onLine?.(line);
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${tail}`));
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
