/**
 * The embedded store runs on a thread of its own (src/store/pgliteThread.ts). What the rest of the
 * facade relies on must hold across that boundary: transactions commit or roll back whole, others
 * wait for an open transaction, PostgreSQL's error codes arrive intact, and a stopped store refuses
 * rather than hangs.
 */
import { openPgliteThread } from '../../src/store/pgliteThread';
import { SqlDriver } from '../../src/store/sqlDriver';

describe('the embedded store on its own thread', () => {
  let db: SqlDriver;
  beforeAll(async () => {
    db = await openPgliteThread();
    await db.exec('CREATE TABLE things (id text PRIMARY KEY, n integer NOT NULL)');
  });
  afterAll(() => db.close());

  it('returns rows with their types, and PostgreSQL errors with their codes', async () => {
    await db.query('INSERT INTO things (id, n) VALUES ($1, $2)', ['a', 1]);
    expect(await db.query('SELECT id, n, ARRAY[id] AS ids FROM things WHERE id = $1', ['a'])).toEqual([{ id: 'a', n: 1, ids: ['a'] }]);
    await expect(db.query('INSERT INTO things (id, n) VALUES ($1, $2)', ['a', 2])).rejects.toMatchObject({ code: '23505' });
  });

  it('rolls a transaction back whole when its work throws, and commits it whole otherwise', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO things (id, n) VALUES ($1, $2)', ['b', 1]);
        await tx.query('INSERT INTO things (id, n) VALUES ($1, $2)', ['a', 3]); // duplicate key
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect(await db.query('SELECT id FROM things WHERE id = $1', ['b'])).toEqual([]);

    const result = await db.transaction(async (tx) => {
      await tx.query('INSERT INTO things (id, n) VALUES ($1, $2)', ['c', 1]);
      return (await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM things'))[0].n;
    });
    expect(result).toBe(2);
    expect(await db.query('SELECT id FROM things ORDER BY id')).toEqual([{ id: 'a' }, { id: 'c' }]);
  });

  it('makes other statements wait for an open transaction, which they then see committed', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let inside!: () => void;
    const opened = new Promise<void>((resolve) => (inside = resolve));
    const tx = db.transaction(async (t) => {
      await t.query('INSERT INTO things (id, n) VALUES ($1, $2)', ['d', 1]);
      inside();
      await gate;
    });
    await opened;
    let answered = false;
    const outside = db.query<{ n: number }>('SELECT count(*)::int AS n FROM things').then((rows) => {
      answered = true;
      return rows;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(answered).toBe(false);
    release();
    await tx;
    expect(await outside).toEqual([{ n: 3 }]);
  });

  it('refuses statements once closed, instead of leaving them waiting', async () => {
    const other = await openPgliteThread();
    await other.close();
    await expect(other.query('SELECT 1')).rejects.toThrow(/stopped/);
  });
});
