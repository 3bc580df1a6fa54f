import { Pool } from 'pg';
import { SqlDriver, SqlExecutor, SqlValue } from './sqlDriver';

/** PostgreSQL through a connection pool: for production and for several instances sharing one database. */
export async function openPostgres(connectionString: string, poolSize = 10): Promise<SqlDriver> {
  const pool = new Pool({ connectionString, max: poolSize });
  // An idle connection the server closes (a restart, pg_terminate_backend, DROP DATABASE ... FORCE)
  // is discarded by the pool, which then emits 'error'; unheard, that would crash the process.
  // The next query simply opens a new connection.
  pool.on('error', () => undefined);
  // A bad URL or an unreachable server should stop start-up with a clear message, not fail the first request.
  await pool.query('SELECT 1');
  return {
    kind: 'postgres',
    async query<Row>(text: string, params: SqlValue[] = []) {
      const result = await pool.query(text, params);
      return result.rows as Row[];
    },
    async exec(script: string) {
      await pool.query(script);
    },
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn({
          async query<Row>(text: string, params: SqlValue[] = []) {
            return (await client.query(text, params)).rows as Row[];
          },
          async exec(script: string) {
            await client.query(script);
          },
        });
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
