import fs from 'node:fs';
import path from 'node:path';
import { DataDirLockedError } from '../../src/store/dataDirLock';
import { openStore } from '../../src/store/openStore';
import { preparedDataDir, requireBuild, ROOT, run, startFacade } from './processes';

/**
 * One process per embedded data directory: a second facade, `npm run reset` or `npm run generate`
 * is refused at once, naming the directory and the holder; after the holder is killed (SIGKILL,
 * as a crash), a restart succeeds at once.
 */
describe('the embedded data directory is locked to one process', () => {
  let prepared: Awaited<ReturnType<typeof preparedDataDir>>;
  beforeAll(async () => {
    await requireBuild();
    prepared = await preparedDataDir('lock');
  }, 60_000);
  afterAll(() => prepared?.remove());

  it('refuses a second facade, reset and generate while one runs, and restarts at once after a SIGKILL', async () => {
    const env = { DATA_DIR: prepared.dataDir };
    const holder = await startFacade(env);
    const pid = holder.proc.pid!;

    for (const [script, ...args] of [['dist/main.js'], ['dist/cli/reset.js'], ['dist/cli/generate.js', '--people', '10']]) {
      const started = Date.now();
      const second = run(path.join(ROOT, script), { ...env, PORT: '0', SANDBOX_DATA: 'off' }, args);
      const end = await second.exited(10_000);
      expect({ script, code: end.code }).toEqual({ script, code: 1 });
      expect(second.output()).toContain(`the data directory ${prepared.dataDir} is in use by another process (pid ${pid})`);
      // Refused before opening anything: no waiting on the holder.
      expect(Date.now() - started).toBeLessThan(5_000);
    }
    // The holder was not disturbed.
    expect((await fetch(`${holder.base}/fhir/metadata`)).status).toBe(200);

    holder.proc.kill('SIGKILL');
    await holder.exited(5_000);
    const restartedAt = Date.now();
    const again = await startFacade(env, 15_000);
    try {
      expect((await fetch(`${again.base}/fhir/metadata`)).status).toBe(200);
      // No stale-lock timeout to wait out: just the store's own opening (and its recovery).
      expect(Date.now() - restartedAt).toBeLessThan(12_000);
      expect(fs.readFileSync(path.join(prepared.dataDir, 'facade.lock'), 'utf8').trim()).toBe(String(again.proc.pid));
    } finally {
      again.proc.kill('SIGTERM');
      expect((await again.exited(15_000)).code).toBe(0);
    }
  }, 90_000);

  it('in one process too, and is free again once the store is closed', async () => {
    const first = await openStore({ dataDir: prepared.dataDir, embeddedFsync: false });
    try {
      await expect(openStore({ dataDir: prepared.dataDir })).rejects.toThrow(DataDirLockedError);
    } finally {
      await first.close();
    }
    const second = await openStore({ dataDir: prepared.dataDir, embeddedFsync: false });
    await second.close();
  }, 60_000);
});
