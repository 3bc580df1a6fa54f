/**
 * The one small interface both databases sit behind. The store writes plain PostgreSQL
 * with $1 placeholders; PGlite (embedded) and node-postgres both run it unchanged.
 */
import { StatementListener } from './statementListeners';

export type SqlValue = string | number | boolean | null | string[] | number[];

export interface SqlExecutor {
  query<Row = Record<string, unknown>>(text: string, params?: SqlValue[]): Promise<Row[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(script: string): Promise<void>;
}

export interface SqlDriver extends SqlExecutor {
  readonly kind: 'pglite' | 'postgres';
  /** Runs fn inside one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /**
   * Calls handler whenever another connection NOTIFYs the channel (PostgreSQL: how instances
   * sharing a database tell each other to drop caches). The embedded store has one process: a no-op.
   */
  listen(channel: string, handler: () => void): Promise<void>;
  /**
   * The same database for start-up work that is long on purpose (migrations, the wait for another
   * instance's migration, dataset loads): without the request path's statement timeouts. Absent
   * where there are none (the embedded store): use the driver itself. Closed with the driver.
   */
  maintenance?(): SqlDriver;
  /** Tells the listener of every statement sent from now on: how long it took, and whether it failed. */
  onStatement?(listener: StatementListener): void;
  close(): Promise<void>;
}
