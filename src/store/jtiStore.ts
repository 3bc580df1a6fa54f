import { SqlExecutor } from './sqlDriver';

/**
 * The record of client-assertion `jti`s seen, in the database so that it holds across facade
 * instances sharing PostgreSQL. A jti may be used once within its assertion's lifetime.
 * Reached as `store.jtis`.
 */
export class JtiStore {
  constructor(private readonly db: SqlExecutor) {}

  /**
   * Records a jti; true when this is its first use, false for a replay. Atomic: of two instances
   * recording the same jti at once, exactly one gets true. A row whose assertion has expired may
   * be reused (the spec forbids reuse only within the lifetime).
   */
  async recordFirstUse(clientId: string, jti: string, expiresAt: Date, now: Date): Promise<boolean> {
    const rows = await this.db.query(
      `INSERT INTO assertion_jtis (client_id, jti, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (client_id, jti) DO UPDATE SET expires_at = EXCLUDED.expires_at
         WHERE assertion_jtis.expires_at < $4
       RETURNING 1 AS first`,
      [clientId, jti, expiresAt.toISOString(), now.toISOString()],
    );
    return rows.length === 1;
  }

  /** Forgets jtis whose assertions have expired; returns how many. */
  async purgeExpired(now: Date): Promise<number> {
    const rows = await this.db.query('DELETE FROM assertion_jtis WHERE expires_at < $1 RETURNING 1', [now.toISOString()]);
    return rows.length;
  }
}
