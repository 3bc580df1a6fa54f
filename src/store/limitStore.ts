import { SqlExecutor } from './sqlDriver';

/**
 * Request limits kept in the database, so every facade instance sharing it limits a client
 * together. Each limit is a GCRA (generic cell rate algorithm, the token bucket as one number): a
 * client's row holds its theoretical arrival time `tat`; each request moves it `interval` ms on
 * from max(tat, now), and a request is refused while tat would be more than `tolerance` ms ahead.
 * With interval = period / capacity and tolerance = period - interval, that is a bucket of
 * `capacity` requests refilled at `capacity` per period.
 */
export class LimitStore {
  constructor(private readonly db: SqlExecutor) {}

  /**
   * Takes one request from the client's allowance, atomically across instances, in one statement:
   * 0 when granted, else the ms until one would be. Refused requests take nothing.
   */
  async take(name: string, key: string, now: number, interval: number, tolerance: number): Promise<number> {
    // The outer SELECT sees the row as it was before the upsert: what a refusal has to wait out.
    const rows = await this.db.query<{ granted: number | null; before: number | null }>(
      `WITH taken AS (
         INSERT INTO request_limits AS r (name, key, tat) VALUES ($1, $2, $3::float8 + $4::float8)
         ON CONFLICT (name, key) DO UPDATE SET tat = GREATEST(r.tat, $3::float8) + $4::float8
           WHERE GREATEST(r.tat, $3::float8) - $3::float8 <= $5::float8
         RETURNING tat)
       SELECT (SELECT tat FROM taken) AS granted, (SELECT tat FROM request_limits WHERE name = $1 AND key = $2) AS before`,
      [name, key, now, interval, tolerance],
    );
    const { granted, before } = rows[0];
    if (granted !== null) return 0;
    return Math.max(1, Number(before) - now - tolerance);
  }

  /**
   * Adds requests already granted by one instance (`counts` per client) to the shared record, in
   * one statement, and returns each client's shared tat afterwards (everyone's requests in it).
   */
  async add(name: string, counts: Map<string, number>, now: number, interval: number): Promise<Map<string, number>> {
    if (counts.size === 0) return new Map();
    const rows = await this.db.query<{ key: string; tat: number }>(
      `INSERT INTO request_limits AS r (name, key, tat)
         SELECT $1, u.key, $2::float8 + u.n * $3::float8 FROM unnest($4::text[], $5::float8[]) AS u(key, n)
       ON CONFLICT (name, key) DO UPDATE SET tat = GREATEST(r.tat, $2::float8) + (EXCLUDED.tat - $2::float8)
       RETURNING key, tat`,
      [name, now, interval, [...counts.keys()], [...counts.values()]],
    );
    return new Map(rows.map((r) => [r.key, Number(r.tat)]));
  }
}
