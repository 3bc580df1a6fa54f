import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { DEFAULT_EMBEDDED_TEMPLATE_DIR, loadConfig } from '../../src/config';
import { pgliteVersion, templateFile } from '../../src/store/clusterTemplate';
import { openStore } from '../../src/store/openStore';
import { EmbeddedDriver, openPgliteThread } from '../../src/store/pgliteThread';

/**
 * A new embedded store is loaded from the cluster template when one fits, and made by initdb (then
 * saved as the template) when none does. Real PGlite throughout: each initdb is several seconds.
 */
jest.setTimeout(120_000);

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'facade-template-'));
const dir = (name: string) => fs.mkdtempSync(path.join(scratch, `${name}-`));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** Opens an in-memory store keeping its template in cache, and closes it after fn. */
async function inMemory<T>(cache: string | false, fn: (db: EmbeddedDriver) => Promise<T>): Promise<T> {
  const db = await openPgliteThread(undefined, undefined, undefined, true, cache);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

const publicTables = async (db: EmbeddedDriver) =>
  (await db.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).map((r) => r.tablename);

describe('the cluster template', () => {
  const cache = dir('cache');
  const file = templateFile(cache);
  let good: Buffer;

  it('is saved by the first new store, before its migrations, and loaded by the next; neither sees the other', async () => {
    const first = dir('first');
    const store = await openStore({ dataDir: first, embeddedFsync: false, embeddedTemplateDir: cache });
    try {
      expect((store.db as EmbeddedDriver).cluster).toEqual({ made: 'initdb', template: file, problems: [] });
      await store.db.exec('CREATE TABLE only_in_first (x int); INSERT INTO only_in_first VALUES (1)');
    } finally {
      await store.close();
    }
    good = fs.readFileSync(file);
    // Nothing but the template and no half-written temporary file beside it.
    expect(fs.readdirSync(cache)).toEqual([path.basename(file)]);
    expect(path.basename(file)).toMatch(new RegExp(`^pglite-${pgliteVersion().replace(/\./g, '\\.')}-[0-9a-f]{16}\\.tar\\.gz$`));

    await inMemory(cache, async (second) => {
      expect(second.cluster).toEqual({ made: 'template', template: file, problems: [] });
      // Pristine: no migrated tables, none of the first store's data.
      expect(await publicTables(second)).toEqual([]);
      await second.exec('CREATE TABLE only_in_second (x int)');
    });

    // The first store's data directory had a cluster: reopened as it was, the template unused.
    const again = await openPgliteThread(first, undefined, undefined, false, cache);
    try {
      expect(again.cluster).toEqual({ made: 'existing', problems: [] });
      expect(await again.query('SELECT x FROM only_in_first')).toEqual([{ x: 1 }]);
      expect(await publicTables(again)).not.toContain('only_in_second');
    } finally {
      await again.close();
    }
  });

  it('loaded into a data directory, keeps the facade files already there and works after a restart', async () => {
    const dataDir = dir('loaded');
    fs.writeFileSync(path.join(dataDir, 'token-signing-key.jwk.json'), '{"kept":true}');
    const store = await openStore({ dataDir, embeddedTemplateDir: cache });
    expect((store.db as EmbeddedDriver).cluster.made).toBe('template');
    await store.close();
    const reopened = await openStore({ dataDir, embeddedTemplateDir: cache });
    try {
      expect((reopened.db as EmbeddedDriver).cluster.made).toBe('existing');
      expect(await reopened.db.query<{ n: number }>('SELECT count(*)::int AS n FROM people')).toEqual([{ n: 0 }]);
    } finally {
      await reopened.close();
    }
    expect(fs.readFileSync(path.join(dataDir, 'token-signing-key.jwk.json'), 'utf8')).toBe('{"kept":true}');
  });

  it('truncated, is deleted, the store made by initdb, and a good one saved in its place', async () => {
    const bad = dir('truncated');
    const truncated = templateFile(bad);
    fs.writeFileSync(truncated, good.subarray(0, Math.floor(good.length / 2)));
    await inMemory(bad, async (db) => {
      expect(db.cluster.made).toBe('initdb');
      expect(db.cluster.problems).toEqual([expect.stringContaining(`the cluster template ${truncated} could not be loaded and was made again`)]);
      expect(await db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    });
    expect(zlib.gunzipSync(fs.readFileSync(truncated)).length).toBeGreaterThan(good.length);
    await inMemory(bad, async (db) => expect(db.cluster).toEqual({ made: 'template', template: truncated, problems: [] }));
  });

  it('foreign (a whole gzip of something else), is deleted and made again', async () => {
    const bad = dir('foreign');
    const foreign = templateFile(bad);
    fs.writeFileSync(foreign, zlib.gzipSync(Buffer.from('not a PostgreSQL cluster\n'.repeat(2000))));
    await inMemory(bad, async (db) => {
      expect(db.cluster.made).toBe('initdb');
      expect(db.cluster.problems).toEqual([expect.stringContaining('could not be loaded and was made again: the cluster template holds no tar archive')]);
    });
    expect(zlib.gunzipSync(fs.readFileSync(foreign)).length).toBeGreaterThan(good.length);
  });

  it('damaged inside its archive, is replaced, and what it left in the data directory goes', async () => {
    const bad = dir('damaged');
    const damaged = templateFile(bad);
    // The second entry's header broken: PGlite unpacks the first entry into the data directory, then fails.
    const tar = zlib.gunzipSync(good);
    const second = 512 + Math.ceil(parseInt(tar.toString('latin1', 124, 136), 8) / 512) * 512;
    tar.fill('x', second, second + 512);
    fs.writeFileSync(damaged, zlib.gzipSync(tar));
    const dataDir = dir('damaged-data');
    fs.writeFileSync(path.join(dataDir, 'kept.txt'), 'mine');
    const db = await openPgliteThread(dataDir, undefined, undefined, false, bad);
    try {
      expect(db.cluster.made).toBe('initdb');
      expect(db.cluster.problems[0]).toContain('could not be loaded and was made again');
      expect(await db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await db.close();
    }
    expect(fs.readFileSync(path.join(dataDir, 'kept.txt'), 'utf8')).toBe('mine');
    expect(fs.readdirSync(dataDir)).toContain('PG_VERSION');
    expect(zlib.gunzipSync(fs.readFileSync(damaged)).length).toBeGreaterThan(good.length);
  });

  it("of another PGlite version or other cluster options is not loaded", async () => {
    const other = dir('other');
    const older = templateFile(other, '0.4.0');
    const otherUser = templateFile(other, pgliteVersion(), { username: 'facade' });
    expect(new Set([older, otherUser, templateFile(other)]).size).toBe(3);
    fs.writeFileSync(older, good);
    fs.writeFileSync(otherUser, good);
    await inMemory(other, async (db) => expect(db.cluster).toEqual({ made: 'initdb', template: templateFile(other), problems: [] }));
    // The old files are left alone; the fitting one is now there too.
    expect(fs.readdirSync(other).sort()).toEqual([older, otherUser, templateFile(other)].map((f) => path.basename(f)).sort());
  });

  it('is turned off by EMBEDDED_TEMPLATE_DIR=off, and kept under node_modules/.cache by default', async () => {
    expect(loadConfig({}).embeddedTemplateDir).toBe(DEFAULT_EMBEDDED_TEMPLATE_DIR);
    expect(DEFAULT_EMBEDDED_TEMPLATE_DIR).toBe(path.resolve(__dirname, '../../node_modules/.cache/social-care-facade'));
    expect(loadConfig({ EMBEDDED_TEMPLATE_DIR: 'relative/dir' }).embeddedTemplateDir).toBe(path.resolve('relative/dir'));
    const config = loadConfig({ EMBEDDED_TEMPLATE_DIR: 'off' });
    expect(config.embeddedTemplateDir).toBe(false);
    expect(loadConfig({ EMBEDDED_TEMPLATE_DIR: 'OFF' }).embeddedTemplateDir).toBe(false);
    const store = await openStore({ ...config, dataDir: undefined, databaseUrl: undefined });
    try {
      expect((store.db as EmbeddedDriver).cluster).toEqual({ made: 'initdb', problems: [] });
    } finally {
      await store.close();
    }
  });

  it('in a directory that cannot be written does not stop the start', async () => {
    // A path below a plain file cannot be made, even by root (as a read-only node_modules can be written by root).
    const blocker = path.join(dir('unwritable'), 'a-file');
    fs.writeFileSync(blocker, '');
    const unwritable = path.join(blocker, 'cache');
    await inMemory(unwritable, async (db) => {
      expect(db.cluster.made).toBe('initdb');
      expect(db.cluster.problems).toEqual([expect.stringContaining(`cannot save the cluster template ${templateFile(unwritable)}`)]);
      expect(await db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    });
  });
});
