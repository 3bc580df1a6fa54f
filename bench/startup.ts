import fs from 'node:fs';
import path from 'node:path';
import { Child, freePort, HOST, startChild } from './processes';

/**
 * How long a user waits for the sandbox: `node dist/main.js` spawned on an empty store (the
 * embedded store's creation, the migrations, the sandbox fixtures) until /fhir/metadata answers 200,
 * then again on the store it left (a restart). The process's own CPU time to that point is given
 * beside each, since the wall-clock time on a shared 2-core machine moves with its other work.
 */
export interface StartupFigures {
  store: string;
  /** Spawn to the first 200 on an empty store. */
  firstStartMs: number;
  /** CPU time (user + system, all threads) the process had used by then. */
  firstStartCpuMs?: number;
  /** The same on the store the first start left. */
  restartMs: number;
  restartCpuMs?: number;
  /** Load average when the first start began. */
  loadAverage: number;
}

export async function measureStartup(opts: { root: string; env: NodeJS.ProcessEnv; store: string; work: string; loadAverage: () => number }): Promise<StartupFigures> {
  const loadAverage = opts.loadAverage();
  const first = await spawnFacade(opts, 'startup-first');
  const firstCpu = cpuMsOf(first.proc.pid);
  await first.stop();
  const again = await spawnFacade(opts, 'startup-restart');
  const againCpu = cpuMsOf(again.proc.pid);
  await again.stop();
  return { store: opts.store, firstStartMs: first.readyMs, firstStartCpuMs: firstCpu, restartMs: again.readyMs, restartCpuMs: againCpu, loadAverage };
}

/** The sandbox as `npm start` runs it (its fixtures, no synthetic population), on a port of its own. */
async function spawnFacade(opts: { root: string; env: NodeJS.ProcessEnv; work: string }, tag: string): Promise<Child> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...opts.env, PORT: String(port), PUBLIC_BASE_URL: `http://${HOST}:${port}` };
  delete env.SYNTHETIC_PEOPLE;
  delete env.FIXTURES_FILE;
  return startChild({
    command: process.execPath,
    args: [path.join(opts.root, 'dist', 'main.js')],
    env,
    port,
    readyPath: '/fhir/metadata',
    logFile: path.join(opts.work, `facade-${tag}.log`),
    timeoutMs: 5 * 60_000,
    cwd: opts.root,
  });
}

/** utime + stime of a process, in ms (Linux /proc; undefined elsewhere). */
function cpuMsOf(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    // USER_HZ is 100 on every Linux the facade runs on.
    return ticks * 10;
  } catch {
    return undefined;
  }
}
