import { LimitStore } from '../store/limitStore';

/** Takes one request from a client's allowance: 0 when granted, else the whole seconds until one is. */
export interface RateLimit {
  take(key: string): number | Promise<number>;
}

/**
 * A GCRA (generic cell rate algorithm) per key, in this process: the token bucket as one number per
 * key, its theoretical arrival time `tat`. Each request moves tat `interval` on from max(tat, now),
 * and a request is refused while tat would be more than `tolerance` ahead; with interval =
 * period / capacity and tolerance = period - interval, that is a bucket of `capacity` requests
 * refilled at `capacity` per period. The same arithmetic as the shared limits in the database
 * (LimitStore), so a limit means the same whichever store keeps it.
 */
export class RateLimiter implements RateLimit {
  private readonly tats = new Map<string, number>();
  private readonly interval: number;
  private readonly tolerance: number;
  private takesSincePrune = 0;

  constructor(
    capacity: number,
    periodMs: number,
    private readonly clock: () => number = Date.now,
  ) {
    this.interval = periodMs / capacity;
    this.tolerance = periodMs - this.interval;
  }

  take(key: string): number {
    const now = this.clock();
    const tat = Math.max(this.tats.get(key) ?? now, now);
    if (tat - now > this.tolerance) return Math.max(1, Math.ceil((tat - now - this.tolerance) / 1000));
    this.tats.set(key, tat + this.interval);
    // Keys whose allowance is full again are the same as keys never seen: dropped, so that the map
    // holds only recent callers, however many come and go.
    if (++this.takesSincePrune >= 10_000) this.prune(now);
    return 0;
  }

  private prune(now: number): void {
    this.takesSincePrune = 0;
    for (const [key, tat] of this.tats) if (tat <= now) this.tats.delete(key);
  }
}

/**
 * The same bucket kept in the database (LimitStore), so every instance sharing it limits a client
 * together: one statement per request taken, exact across instances, by the database's clock.
 */
export class SharedRateLimiter implements RateLimit {
  private readonly interval: number;
  private readonly tolerance: number;

  constructor(
    private readonly store: LimitStore,
    private readonly name: string,
    capacity: number,
    periodMs: number,
  ) {
    this.interval = periodMs / capacity;
    this.tolerance = periodMs - this.interval;
  }

  async take(key: string): Promise<number> {
    const waitMs = await this.store.take(this.name, key, this.interval, this.tolerance);
    return waitMs > 0 ? Math.max(1, Math.ceil(waitMs / 1000)) : 0;
  }
}
