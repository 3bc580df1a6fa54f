/**
 * A token bucket per key (per client at the token endpoint): `capacity` requests at once, refilled
 * at `capacity` per `periodMs`. In-process: each facade instance limits on its own.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly capacity: number,
    private readonly periodMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Takes one request from the key's bucket: 0 when allowed, else the seconds until one is. */
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
