import { PGlite } from '@electric-sql/pglite';
import { DEFAULT_EMBEDDED_SHARED_BUFFERS_MB } from '../config';
import { SqlDriver, SqlExecutor, SqlValue } from './sqlDriver';

/** Embedded PostgreSQL (WASM) in a data directory, or in memory when no directory is given. */
export async function openPglite(dataDir?: string, sharedBuffersMb = DEFAULT_EMBEDDED_SHARED_BUFFERS_MB): Promise<SqlDriver> {
  const options = { startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${sharedBuffersMb}MB`] };
  const db = dataDir ? new PGlite(dataDir, options) : new PGlite(options);
  await db.waitReady;
  const executor = (q: Pick<PGlite, 'query' | 'exec'>): SqlExecutor => ({
    async query<Row>(text: string, params: SqlValue[] = []) {
      const result = await q.query<Row>(text, params as unknown[]);
      return result.rows;
    },
    async exec(script: string) {
      await q.exec(script);
    },
  });
  return {
    kind: 'pglite',
    ...executor(db),
    transaction: (fn) => db.transaction((tx) => fn(executor(tx))),
    // One process owns an embedded store, so there is nobody else to hear from.
    listen: async () => undefined,
    close: () => db.close(),
  };
}
