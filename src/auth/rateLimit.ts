import { LimitStore } from '../store/limitStore';

/** Takes one request from a client's allowance: 0 when granted, else the whole seconds until one is. */
export interface RateLimit {
  take(key: string): number | Promise<number>;
}

/**
 * A token bucket per key (per client at the token endpoint): `capacity` requests at once, refilled
 * at `capacity` per `periodMs`. In-process: what the embedded store needs (one process per data
 * directory); instances sharing PostgreSQL use SharedRateLimiter.
 */
export class RateLimiter implements RateLimit {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly capacity: number,
    private readonly periodMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  take(key: string): number {
    const now = this.clock();
    const rate = this.capacity / this.periodMs;
    const b = this.buckets.get(key) ?? { tokens: this.capacity, at: now };
    b.tokens = Math.min(this.capacity, b.tokens + (now - b.at) * rate);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / rate / 1000));
  }
}

/**
 * The same bucket kept in the database (LimitStore, as a GCRA), so every instance sharing it limits
 * a client together: one statement per request taken, exact across instances.
 */
export class SharedRateLimiter implements RateLimit {
  private readonly interval: number;
  private readonly tolerance: number;

  constructor(
    private readonly store: LimitStore,
    private readonly name: string,
    capacity: number,
    periodMs: number,
    private readonly clock: () => number = Date.now,
  ) {
    this.interval = periodMs / capacity;
    this.tolerance = periodMs - this.interval;
  }

  async take(key: string): Promise<number> {
    const waitMs = await this.store.take(this.name, key, this.clock(), this.interval, this.tolerance);
    return waitMs > 0 ? Math.max(1, Math.ceil(waitMs / 1000)) : 0;
  }
}
