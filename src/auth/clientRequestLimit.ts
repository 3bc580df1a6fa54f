import { LimitStore } from '../store/limitStore';
import { RateLimiter } from './rateLimit';

export interface ClientRequestLimitOptions {
  /** Requests a client may make per minute, with bursts of up to as many at once; 0 turns the limit off. */
  perMinute: number;
  /** Where instances sharing a database keep each client's allowance; without it (embedded store), this process alone. */
  shared?: LimitStore;
  clock?: () => number;
  /** How long a slice of the shared allowance is granted from before its unused part goes back. */
  sliceMs?: number;
  /** Told when the shared allowance cannot be reached (the instance then limits alone for a while). */
  onError?: (err: unknown) => void;
}

const LIMIT_NAME = 'fhir-requests';
const PERIOD_MS = 60_000;

/** One client's slice of the shared allowance, as this instance holds it. */
interface Slice {
  /** Requests claimed from the shared allowance and not yet granted here. */
  left: number;
  /** How many the next claim asks for: grows while the client is busy, shrinks when a slice goes unused. */
  size: number;
  /** Local time after which the unused part goes back to the shared allowance. */
  until: number;
  /** The shared allowance was empty: refused here, without asking again, until then. */
  blockedUntil: number;
  /** The database could not be reached: this instance's own bucket decides until then. */
  localUntil: number;
  claiming?: Promise<void>;
}

/**
 * The per-client request limit of the FHIR API (CLIENT_REQUESTS_PER_MINUTE), a GCRA token bucket
 * like the token endpoint's.
 *
 * With the embedded store there is one instance: the bucket is in this process and the limit is exact.
 *
 * Instances sharing PostgreSQL share the bucket (LimitStore, by the database's clock), and grant
 * only from slices they have claimed from it: an instance meeting a client with no slice in hand
 * (its first request after a second or more of quiet) claims one in a single statement, and then
 * grants from the slice without a trip to the database; the next slice is claimed when half of
 * this one is used, so a busy client does not wait for it. A slice is at most a twentieth of the
 * limit; whatever is unused after a second goes back. A client refused by the shared bucket is
 * refused here without asking again until it could have a small slice.
 *
 * Accuracy: every request granted was first taken from the shared bucket, so together the
 * instances never grant a client more than its limit in a burst, plus what the bucket refills
 * while a slice is held (up to about a second's worth, a sixtieth of the limit). A client may be
 * refused early by the unused parts of the slices other instances hold: at most (N - 1) × 1.5
 * twentieths of the limit, for about a second. Statements: one per slice claimed and one per slice
 * given back, per client and instance; never one per request. While the database cannot be
 * reached, each instance limits the client alone, so N instances may then grant up to N times the limit.
 */
export class ClientRequestLimit {
  private readonly interval: number;
  private readonly tolerance: number;
  private readonly clock: () => number;
  private readonly sliceMs: number;
  private readonly minSlice: number;
  private readonly maxSlice: number;
  /** This instance's own bucket: the embedded store's limit, and the fallback when the database cannot be reached. */
  private readonly local: RateLimiter;
  private readonly slices = new Map<string, Slice>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: ClientRequestLimitOptions) {
    this.clock = opts.clock ?? Date.now;
    this.interval = opts.perMinute > 0 ? PERIOD_MS / opts.perMinute : 0;
    this.tolerance = PERIOD_MS - this.interval;
    this.sliceMs = opts.sliceMs ?? 1000;
    this.minSlice = Math.max(1, Math.round(opts.perMinute / 100));
    this.maxSlice = Math.max(this.minSlice, Math.round(opts.perMinute / 20));
    this.local = new RateLimiter(Math.max(1, opts.perMinute), PERIOD_MS, this.clock);
  }

  get enabled(): boolean {
    return this.opts.perMinute > 0;
  }

  /**
   * Takes one request from the client's allowance: 0 when granted, else whole seconds to wait.
   * Synchronous while the client has a slice in hand (or no database is shared); a promise only
   * when a slice has to be claimed first.
   */
  take(key: string): number | Promise<number> {
    if (!this.enabled) return 0;
    if (!this.opts.shared) return this.local.take(key);
    return this.takeShared(key);
  }

  private takeShared(key: string): number | Promise<number> {
    const now = this.clock();
    let s = this.slices.get(key);
    if (!s) {
      s = { left: 0, size: this.minSlice, until: 0, blockedUntil: 0, localUntil: 0 };
      this.slices.set(key, s);
      this.timer ??= setInterval(() => void this.sweep(false), this.sliceMs).unref();
    }
    if (s.left > 0) {
      s.left--;
      if (s.size > 1 && s.left <= s.size / 2 && !s.claiming) void this.claim(key, s);
      return 0;
    }
    if (now < s.localUntil) return this.local.take(key);
    if (now < s.blockedUntil) return Math.max(1, Math.ceil((s.blockedUntil - now) / 1000));
    // Each claim either adds to the slice or sets blockedUntil or localUntil, so this ends.
    return (s.claiming ?? this.claim(key, s)).then(() => this.takeShared(key));
  }

  private claim(key: string, s: Slice): Promise<void> {
    // Half the last slice used within its second: the client is busy, so a bigger one.
    if (s.until > this.clock()) s.size = Math.min(this.maxSlice, s.size * 2);
    const want = s.size;
    s.claiming = this.opts
      .shared!.claim(LIMIT_NAME, key, { want, giveBack: 0 }, this.interval, this.tolerance)
      .then(
        ({ granted, waitMs }) => {
          const at = this.clock();
          s.left += granted;
          if (granted > 0) s.until = at + this.sliceMs;
          // Asked again only once a small slice could be had: a throttled client costs a statement
          // every few hundred ms at most, however fast it retries.
          if (granted < want) s.blockedUntil = at + waitMs + (this.minSlice - 1) * this.interval;
        },
        (err) => {
          this.opts.onError?.(err);
          s.localUntil = this.clock() + this.sliceMs;
        },
      )
      .finally(() => {
        s.claiming = undefined;
      });
    return s.claiming;
  }

  /**
   * Gives the unused parts of slices back to the shared allowance: those held past their second
   * (every sweep), or all of them (`all`, reconcile). Clients with nothing in hand are forgotten.
   */
  private async sweep(all: boolean): Promise<void> {
    const now = this.clock();
    const returns: Promise<void>[] = [];
    for (const [key, s] of this.slices) {
      if (s.claiming || (!all && now < s.until)) continue;
      if (s.left > 0) {
        const giveBack = s.left;
        s.left = 0;
        s.size = Math.max(this.minSlice, Math.floor(s.size / 2));
        returns.push(
          this.opts.shared!.claim(LIMIT_NAME, key, { want: 0, giveBack }, this.interval, this.tolerance).then(
            () => undefined,
            (err) => this.opts.onError?.(err),
          ),
        );
      }
      if (all || (now >= s.blockedUntil && now >= s.localUntil)) this.slices.delete(key);
    }
    if (this.slices.size === 0) this.close();
    await Promise.all(returns);
  }

  /** Settles with the shared allowance now: slices being claimed arrive, and every unused part goes back. */
  async reconcile(): Promise<void> {
    if (!this.opts.shared) return;
    await Promise.all([...this.slices.values()].map((s) => s.claiming));
    await this.sweep(true);
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
