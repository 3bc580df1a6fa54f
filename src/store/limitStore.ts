import { SqlExecutor } from './sqlDriver';

/**
 * Request limits kept in the database, so every facade instance sharing it limits a client
 * together. Each limit is a GCRA (generic cell rate algorithm, the token bucket as one number): a
 * client's row holds its theoretical arrival time `tat`; each request moves it `interval` ms on
 * from max(tat, now), and a request is refused while tat would be more than `tolerance` ms ahead.
 * With interval = period / capacity and tolerance = period - interval, that is a bucket of
 * `capacity` requests refilled at `capacity` per period.
 *
 * `now` is the database's clock, never an instance's: instances whose clocks disagree would
 * otherwise each see the bucket refilled at their own time. Every statement touches one row, so
 * instances working on many clients at once take no locks in conflicting orders (no deadlock).
 * Reached as `store.limits`.
 */
export class LimitStore {
  constructor(private readonly db: SqlExecutor) {}

  /**
   * Takes one request from the client's allowance, atomically across instances: 0 when granted,
   * else the ms until one would be. Refused requests take nothing.
   */
  async take(name: string, key: string, interval: number, tolerance: number): Promise<number> {
    const { granted, waitMs } = await this.claim(name, key, { want: 1, giveBack: 0 }, interval, tolerance);
    return granted > 0 ? 0 : waitMs;
  }

  /**
   * Takes up to `want` requests from the client's allowance at once (a slice that an instance then
   * grants from without asking again), after first giving back `giveBack` requests of an earlier
   * slice that went unused. Returns how many were granted and, when fewer than wanted, the ms
   * until the next one would be.
   */
  async claim(name: string, key: string, slice: { want: number; giveBack: number }, interval: number, tolerance: number): Promise<{ granted: number; waitMs: number }> {
    const params = [name, key, slice.want, slice.giveBack, interval, tolerance];
    // The row is locked (FOR UPDATE) before it is read, so `before` is the value the update starts
    // from even when another instance has just changed it.
    const update = () =>
      this.db.query<{ after: number; before: number; now: number }>(
        `WITH c AS (SELECT extract(epoch FROM now()) * 1000 AS now)
         UPDATE request_limits r
            SET tat = GREATEST(r.tat - $4::float8 * $5::float8, c.now)
              + LEAST($3::float8, GREATEST(0, floor(($6::float8 + $5::float8 - GREATEST(r.tat - $4::float8 * $5::float8 - c.now, 0)) / $5::float8 + 1e-9))) * $5::float8
           FROM (SELECT tat AS before FROM request_limits WHERE name = $1 AND key = $2 FOR UPDATE) o, c
          WHERE r.name = $1 AND r.key = $2
          RETURNING r.tat AS after, o.before, c.now`,
        params,
      );
    let rows = await update();
    if (rows.length === 0) {
      // The client's first request: a full allowance, of which the slice is taken.
      const inserted = await this.db.query<{ after: number; now: number }>(
        `WITH c AS (SELECT extract(epoch FROM now()) * 1000 AS now)
         INSERT INTO request_limits (name, key, tat)
           SELECT $1, $2, c.now + LEAST($3::float8, floor(($4::float8 + $5::float8) / $5::float8 + 1e-9)) * $5::float8 FROM c
         ON CONFLICT (name, key) DO NOTHING
         RETURNING tat AS after, (SELECT now FROM c) AS now`,
        [name, key, slice.want, tolerance, interval],
      );
      if (inserted.length) return { granted: Math.round((Number(inserted[0].after) - Number(inserted[0].now)) / interval), waitMs: 0 };
      // Another instance inserted it first.
      rows = await update();
    }
    const after = Number(rows[0].after);
    const now = Number(rows[0].now);
    const start = Math.max(Number(rows[0].before) - slice.giveBack * interval, now);
    const granted = Math.round((after - start) / interval);
    return { granted, waitMs: granted < slice.want ? Math.max(1, after - now - tolerance) : 0 };
  }
}
