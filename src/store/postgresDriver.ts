import { createHash } from 'node:crypto';
import { Client, Pool, QueryConfig } from 'pg';
import { SqlDriver, SqlExecutor, SqlValue } from './sqlDriver';
import { StatementListeners } from './statementListeners';

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

export interface PostgresOptions {
  poolSize?: number;
  /**
   * PostgreSQL cancels a statement running longer (57014), so a lock held elsewhere or a runaway
   * query fails the request instead of holding it and its connection; 0 or undefined: no limit (the
   * command-line tools, whose loads are long on purpose). A client-side limit a little longer
   * covers a server that does not answer at all (frozen, or a network that drops packets).
   */
  statementTimeoutMs?: number;
  /** Opening a connection, or waiting for a free one from the pool (default 5 s). */
  connectTimeoutMs?: number;
}

/** How much longer than the server's statement timeout the client waits before giving up on the server itself. */
const CLIENT_TIMEOUT_MARGIN_MS = 2_000;

/** PostgreSQL through a connection pool: for production and for several instances sharing one database. */
export async function openPostgres(connectionString: string, options: PostgresOptions | number = {}): Promise<SqlDriver> {
  const { poolSize = 10, statementTimeoutMs = 0, connectTimeoutMs = 5_000 } = typeof options === 'number' ? { poolSize: options } : options;
  const poolOf = (limits: object, max: number) => {
    const pool = new Pool({
      connectionString,
      max,
      connectionTimeoutMillis: connectTimeoutMs,
      // Dead peers (a host gone, a dropped NAT entry) are noticed by TCP instead of never.
      keepAlive: true,
      ...limits,
    });
    // An idle connection the server closes (a restart, pg_terminate_backend, DROP DATABASE ... FORCE)
    // is discarded by the pool, which then emits 'error'; unheard, that would crash the process.
    // The next query simply opens a new connection.
    pool.on('error', () => undefined);
    return pool;
  };
  const pool = poolOf(
    statementTimeoutMs > 0 ? { statement_timeout: statementTimeoutMs, query_timeout: statementTimeoutMs + CLIENT_TIMEOUT_MARGIN_MS } : {},
    poolSize,
  );
  // A bad URL or an unreachable server should stop start-up with a clear message, not fail the first request.
  await pool.query('SELECT 1');
  const listeners: Listener[] = [];
  const statements = new StatementListeners();
  /**
   * Start-up work that is long on purpose (migrations, which may build an index over every notice;
   * waiting for another instance's migration; loading a dataset) must not fail for taking longer
   * than a request may. pg cannot lift a pool's client-side query_timeout for one query (a query's
   * own 0 falls back to the pool's), so this work has a small pool of its own with neither limit,
   * opened on first use and only then, and its transactions also lift any statement_timeout the
   * role or database sets.
   */
  let maintenance: { pool: Pool; driver: SqlDriver } | undefined;
  const driver: SqlDriver = {
    ...poolDriver(pool, false, statements),
    maintenance() {
      if (!maintenance) {
        const own = poolOf({}, 2);
        maintenance = { pool: own, driver: { ...poolDriver(own, true, statements), listen: driver.listen, close: async () => undefined } };
      }
      return maintenance.driver;
    },
    async listen(channel: string, handler: () => void) {
      listeners.push(await listenWithReconnect(connectionString, channel, handler, connectTimeoutMs));
    },
    onStatement: (listener) => statements.add(listener),
    async close() {
      await Promise.all(listeners.map((l) => l.close()));
      await Promise.all([pool.end(), maintenance?.pool.end()]);
    },
  };
  return driver;
}

/**
 * Queries and transactions over one pool; `unlimited`: its transactions run without any
 * statement_timeout. Every statement is timed for `statements`, from the pool's wait for a free
 * connection to the answer (BEGIN, COMMIT and ROLLBACK each count as one).
 */
function poolDriver(pool: Pool, unlimited: boolean, statements: StatementListeners): Pick<SqlDriver, 'kind' | 'query' | 'exec' | 'transaction'> {
  return {
    kind: 'postgres',
    async query<Row>(text: string, params: SqlValue[] = []) {
      try {
        const result = await statements.timed(performance.now(), pool.query(prepared(text, params)));
        return result.rows as Row[];
      } catch (err) {
        throw timedOut(err);
      }
    },
    async exec(script: string) {
      try {
        await statements.timed(performance.now(), pool.query(script));
      } catch (err) {
        throw timedOut(err);
      }
    },
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      // A connection whose state is unknown (ROLLBACK failed, the server stopped answering) is not given back to the pool.
      let broken: Error | undefined;
      try {
        await statements.timed(performance.now(), client.query('BEGIN'));
        if (unlimited) await client.query('SET LOCAL statement_timeout = 0');
        const result = await fn({
          async query<Row>(text: string, params: SqlValue[] = []) {
            return (await statements.timed(performance.now(), client.query(prepared(text, params)))).rows as Row[];
          },
          async exec(script: string) {
            await statements.timed(performance.now(), client.query(script));
          },
        });
        await statements.timed(performance.now(), client.query('COMMIT'));
        return result;
      } catch (err) {
        if (connectionLost(err)) {
          // A ROLLBACK would queue behind the statement the server never answered, on the same dead
          // connection, and wait a timeout of its own: the failure would take twice as long to report.
          // Discarding the connection ends the transaction (the server rolls back what it had).
          broken = err as Error;
        } else {
          await client.query('ROLLBACK').catch((rollbackErr: Error) => (broken = rollbackErr));
        }
        throw timedOut(err);
      } finally {
        client.release(broken);
      }
    },
  };
}

/**
 * The connection itself is gone or not answering (pg's client-side read timeout, a reset or
 * terminated connection, the server shutting down): nothing more can be sent on it.
 */
function connectionLost(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (/^08/.test(code) || ['57P01', '57P02', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes(code))) return true;
  return /^(Query read timeout|Connection terminated|Client has encountered a connection error|Client was closed)/.test(err.message);
}

/**
 * pg's client-side query timeout carries no SQLSTATE; it is a statement that ran out of time,
 * as PostgreSQL's own 57014 is, and is answered the same way.
 */
function timedOut(err: unknown): unknown {
  if (err instanceof Error && err.message === 'Query read timeout' && !(err as { code?: string }).code) {
    return Object.assign(err, { code: '57014' });
  }
  return err;
}

interface Listener {
  close(): Promise<void>;
}

const RECONNECT_FIRST_MS = 100;
const RECONNECT_MAX_MS = 5_000;

/**
 * LISTEN on a connection of its own, outside the pool, for as long as the store is open. When that
 * connection is lost (a PostgreSQL restart, a failover, pg_terminate_backend, a network cut) it
 * connects again with backoff and LISTENs again; what was notified meanwhile is lost, so the handler
 * is called once on reconnecting, as if a change had been heard (the caches it drops refill).
 */
async function listenWithReconnect(connectionString: string, channel: string, handler: () => void, connectTimeoutMs: number): Promise<Listener> {
  let closed = false;
  let current: Client | undefined;
  let timer: NodeJS.Timeout | undefined;
  let failures = 0;

  const connect = async (): Promise<void> => {
    const client = new Client({ connectionString, keepAlive: true, connectionTimeoutMillis: connectTimeoutMs });
    let lost = false;
    const onLost = () => {
      if (lost) return;
      lost = true;
      if (current === client) current = undefined;
      client.end().catch(() => undefined);
      if (!closed) schedule();
    };
    client.on('error', onLost);
    client.on('end', onLost);
    client.on('notification', (msg) => {
      if (msg.channel === channel) handler();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${channel}`);
    } catch (err) {
      client.removeListener('end', onLost);
      client.removeListener('error', onLost);
      client.on('error', () => undefined);
      client.end().catch(() => undefined);
      throw err;
    }
    if (closed) {
      await client.end().catch(() => undefined);
      return;
    }
    current = client;
  };

  const schedule = () => {
    // Doubling from 100 ms to at most 5 s, jittered so that instances do not all reconnect at once.
    const delay = Math.min(RECONNECT_MAX_MS, RECONNECT_FIRST_MS * 2 ** failures) * (0.5 + Math.random() / 2);
    failures++;
    timer = setTimeout(() => {
      connect().then(
        () => {
          failures = 0;
          if (!closed) handler();
        },
        () => {
          if (!closed) schedule();
        },
      );
    }, delay);
    timer.unref();
  };

  // The first connection is made before the store is open: failing it fails start-up, clearly.
  await connect();
  return {
    async close() {
      closed = true;
      clearTimeout(timer);
      await current?.end().catch(() => undefined);
    },
  };
}
