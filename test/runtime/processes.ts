import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../../src/store/openStore';
import { Child, ensureBuilt, freePort, HOST, killChildren, MAIN, PROJECT_ROOT as ROOT, runNode, sleep, untilReady } from '../support/facadeProcess';

/**
 * The facade and its tools as they run in production: `node dist/...` in child processes on ports of
 * 127.0.0.1, with what the runtime tests need beyond test/support/facadeProcess.ts: a facade started
 * from an environment alone (no FacadeStore), its output kept in memory for the test to read.
 */
export { freePort, HOST, MAIN, ROOT, sleep };
export type { Child };

/** dist/ as built from today's sources (CI builds before testing; a stale local build is rebuilt). */
export const requireBuild = (): Promise<void> => ensureBuilt();

afterAll(killChildren);

/** Runs `node <script>` with only the environment given (plus PATH and HOME). */
export const run = runNode;

export interface Facade extends Child {
  port: number;
  base: string;
}

/** Starts `node dist/main.js` on a free port and waits (bounded) until /fhir/metadata answers. */
export async function startFacade(env: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<Facade> {
  const port = await freePort();
  const child = run(MAIN, { PORT: String(port), PUBLIC_BASE_URL: `http://${HOST}:${port}`, SANDBOX_DATA: 'off', LOG_LEVEL: 'info', ...env });
  const base = `http://${HOST}:${port}`;
  if (await untilReady(base, () => child.proc.exitCode !== null || child.proc.signalCode !== null, Date.now() + timeoutMs)) return { ...child, port, base };
  const exited = child.proc.exitCode !== null || child.proc.signalCode !== null;
  child.proc.kill('SIGKILL');
  throw new Error(`${exited ? 'the facade exited before it was ready' : `the facade was not ready within ${timeoutMs} ms`}; its output:\n${child.output()}`);
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
