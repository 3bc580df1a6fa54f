import { createHash } from 'node:crypto';
import { Client, Pool, QueryConfig } from 'pg';
import { SqlDriver, SqlExecutor, SqlValue } from './sqlDriver';

/**
 * Queries go as named prepared statements: PostgreSQL plans each distinct SQL text once per
 * connection instead of on every request (planning cost more than executing the front-door
 * lookups). Each connection keeps every statement it prepared, and a page deep in a search is a
 * text of its own (its OFFSET), so only the first MAX_PREPARED distinct texts are named; the rest
 * run unnamed, planned each time, and nothing grows without bound.
 */
const MAX_PREPARED = 500;
const statementNames = new Map<string, string>();

function prepared(text: string, values: SqlValue[]): QueryConfig {
  let name = statementNames.get(text);
  if (!name && statementNames.size < MAX_PREPARED) {
    name = `q_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    statementNames.set(text, name);
  }
  return name ? { name, text, values } : { text, values };
}

/** PostgreSQL through a connection pool: for production and for several instances sharing one database. */
export async function openPostgres(connectionString: string, poolSize = 10): Promise<SqlDriver> {
  const pool = new Pool({ connectionString, max: poolSize });
  // An idle connection the server closes (a restart, pg_terminate_backend, DROP DATABASE ... FORCE)
  // is discarded by the pool, which then emits 'error'; unheard, that would crash the process.
  // The next query simply opens a new connection.
  pool.on('error', () => undefined);
  // A bad URL or an unreachable server should stop start-up with a clear message, not fail the first request.
  await pool.query('SELECT 1');
  const listeners: Client[] = [];
  return {
    kind: 'postgres',
    async query<Row>(text: string, params: SqlValue[] = []) {
      const result = await pool.query(prepared(text, params));
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
            return (await client.query(prepared(text, params))).rows as Row[];
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
    async listen(channel: string, handler: () => void) {
      // A connection of its own, outside the pool, for as long as the store is open.
      const client = new Client({ connectionString });
      client.on('error', () => undefined);
      client.on('notification', (msg) => {
        if (msg.channel === channel) handler();
      });
      await client.connect();
      await client.query(`LISTEN ${channel}`);
      listeners.push(client);
    },
    async close() {
      await Promise.all(listeners.map((c) => c.end().catch(() => undefined)));
      await pool.end();
    },
  };
}
