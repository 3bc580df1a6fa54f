import { LimitStore } from '../store/limitStore';

export interface ClientRequestLimitOptions {
  /** Requests a client may make per minute, with bursts of up to as many at once; 0 turns the limit off. */
  perMinute: number;
  /** Where instances sharing a database reconcile their counts; without it (embedded store), this process alone. */
  shared?: LimitStore;
  clock?: () => number;
  /** How often counts are reconciled with the shared record, at most. */
  reconcileEveryMs?: number;
  /** Told when reconciling fails (the counts of that batch are dropped; local limiting goes on). */
  onError?: (err: unknown) => void;
}

const LIMIT_NAME = 'fhir-requests';

/**
 * The per-client request limit of the FHIR API (CLIENT_REQUESTS_PER_MINUTE), a GCRA token bucket
 * like the token endpoint's, decided without a trip to the database: each request is judged
 * against this instance's view of the client's allowance, and the requests it granted are added to
 * the shared record in one statement at most once a second (only while there are some), which
 * brings back everyone's count.
 *
 * Accuracy: an instance sees the other instances' requests at most one reconciliation (about a
 * second) late, so together N instances may grant a client up to about what the other N-1 grant it
 * in a second beyond the limit; the excess is then in the shared record, and the client waits it
 * out. A batch is counted from the moment it is added, so a client may also be refused up to about
 * a second's allowance early. With the embedded store there is one instance and the limit is exact.
 */
export class ClientRequestLimit {
  private readonly interval: number;
  private readonly tolerance: number;
  private readonly clock: () => number;
  /** This instance's view of each client's theoretical arrival time (ms): when its allowance is full again. */
  private readonly tats = new Map<string, number>();
  /** Requests granted here and not yet added to the shared record. */
  private pending = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private reconciling: Promise<void> | undefined;

  constructor(private readonly opts: ClientRequestLimitOptions) {
    this.clock = opts.clock ?? Date.now;
    this.interval = opts.perMinute > 0 ? 60_000 / opts.perMinute : 0;
    this.tolerance = 60_000 - this.interval;
  }

  get enabled(): boolean {
    return this.opts.perMinute > 0;
  }

  /** Takes one request from the client's allowance, synchronously: 0 when granted, else whole seconds to wait. */
  take(clientId: string): number {
    if (!this.enabled) return 0;
    const now = this.clock();
    const tat = Math.max(this.tats.get(clientId) ?? now, now);
    if (tat - now > this.tolerance) return Math.max(1, Math.ceil((tat - now - this.tolerance) / 1000));
    this.tats.set(clientId, tat + this.interval);
    if (this.opts.shared) {
      this.pending.set(clientId, (this.pending.get(clientId) ?? 0) + 1);
      this.timer ??= setTimeout(() => void this.reconcile(), this.opts.reconcileEveryMs ?? 1000).unref();
    }
    return 0;
  }

  /** Adds the requests granted here to the shared record and takes back everyone's count. */
  reconcile(): Promise<void> {
    this.reconciling ??= this.addPending().finally(() => {
      this.reconciling = undefined;
    });
    return this.reconciling;
  }

  private async addPending(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = new Map();
    if (!this.opts.shared || batch.size === 0) return;
    try {
      const shared = await this.opts.shared.add(LIMIT_NAME, batch, this.clock(), this.interval);
      for (const [clientId, tat] of shared) {
        // Requests granted here while the batch was on its way are not in the shared figure yet.
        const since = this.pending.get(clientId) ?? 0;
        this.tats.set(clientId, Math.max(tat + since * this.interval, this.tats.get(clientId) ?? 0));
      }
    } catch (err) {
      this.opts.onError?.(err);
    }
    const now = this.clock();
    // Clients whose allowance is full again need no entry.
    for (const [clientId, tat] of this.tats) if (tat <= now && !this.pending.has(clientId)) this.tats.delete(clientId);
    if (this.pending.size) this.timer ??= setTimeout(() => void this.reconcile(), this.opts.reconcileEveryMs ?? 1000).unref();
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
