import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';
import { openStore } from '../../src/store/openStore';
import { openPgliteThread } from '../../src/store/pgliteThread';
import { loadSandbox } from '../../src/services/imports/sandbox';

/**
 * The embedded store syncs its commits to disk unless EMBEDDED_FSYNC=off says otherwise, and a data
 * directory written either way opens the other way.
 */
describe('EMBEDDED_FSYNC', () => {
  it('is on by default; off only when set so, and nothing else is accepted', () => {
    expect(loadConfig({}).embeddedFsync).toBe(true);
    expect(loadConfig({ EMBEDDED_FSYNC: 'on' }).embeddedFsync).toBe(true);
    expect(loadConfig({ EMBEDDED_FSYNC: 'off' }).embeddedFsync).toBe(false);
    expect(() => loadConfig({ EMBEDDED_FSYNC: 'no' })).toThrow(ConfigError);
    expect(() => loadConfig({ EMBEDDED_FSYNC: 'no' })).toThrow('EMBEDDED_FSYNC must be on or off, not "no"');
  });

  it('runs PostgreSQL with fsync on a data directory, and a directory made without it opens with it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facade-fsync-'));
    try {
      const fast = await openStore({ dataDir: dir, embeddedFsync: false });
      expect(await fast.db.query('SHOW fsync')).toEqual([{ fsync: 'off' }]);
      await loadSandbox(fast);
      await fast.close();

      const safe = await openStore({ dataDir: dir });
      try {
        expect(await safe.db.query('SHOW fsync')).toEqual([{ fsync: 'on' }]);
        expect(await safe.db.query('SHOW wal_sync_method')).toEqual([{ wal_sync_method: 'fsync' }]);
        expect((await loadSandbox(safe)).loaded).toBe(false);
        const [{ n }] = await safe.db.query<{ n: number }>('SELECT count(*)::int AS n FROM people');
        expect(n).toBeGreaterThan(10);
        await safe.db.exec("CREATE TABLE synced (x int); INSERT INTO synced VALUES (1)");
      } finally {
        await safe.close();
      }

      // The hook itself, not only the setting: the store's thread fsyncs host files and directories
      // (PostgreSQL syncs the directory after a rename), and a commit makes it fsync again.
      const db = await openPgliteThread(dir);
      try {
        const opened = await db.hostSyncs();
        expect(opened.files).toBeGreaterThan(0);
        expect(opened.directories).toBeGreaterThan(0);
        await db.exec('INSERT INTO synced VALUES (2)');
        expect((await db.hostSyncs()).files).toBeGreaterThan(opened.files);
        // A checkpoint renames and syncs its files and their directories.
        await db.exec('CHECKPOINT');
        expect((await db.hostSyncs()).directories).toBeGreaterThan(opened.directories);
      } finally {
        await db.close();
      }
      // Off, nothing is synced: the count is of real host fsyncs, not of calls.
      const unsynced = await openPgliteThread(dir, undefined, undefined, false);
      try {
        await unsynced.exec('INSERT INTO synced VALUES (3); CHECKPOINT');
        expect(await unsynced.hostSyncs()).toEqual({ files: 0, directories: 0 });
      } finally {
        await unsynced.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
