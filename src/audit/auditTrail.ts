import { AccessRecord } from '../domain/audit';
import { AccessRecordStore } from '../store/accessRecordStore';

/** Records written in one INSERT at most; more wait for the next. */
const MAX_BATCH = 500;

interface Pending {
  record: AccessRecord;
  resolve(): void;
  reject(err: unknown): void;
  /** When it was queued (performance.now()): how long the oldest has waited says whether commits are stuck. */
  queued: number;
}

/**
 * Told of each INSERT the trail sends: its seconds, how many records it held, whether it failed.
 * The audit layer knows nothing of what listens (the HTTP layer turns this into metrics).
 */
export type CommitListener = (seconds: number, records: number, failed: boolean) => void;

/** What the trail's most recent INSERT came to, for readiness. */
export interface LastCommit {
  failed: boolean;
  /** Date.now() when it was answered. */
  at: number;
}

/**
 * The audit trail, written with group commit: a record is appended to the queue and its promise
 * settles when the INSERT holding it has committed. Records arriving while an INSERT runs (on the
 * store's own thread or server) go together in the next, so a busy facade writes a few large batches
 * rather than one row per request, and no response is sent before its record is durable. There is
 * no timed gathering window: it only added its length to every response.
 */
export class AuditTrail {
  private queue: Pending[] = [];
  private writing = false;
  /** Records in the INSERT being written. */
  private inFlight = 0;
  /** When the oldest record of the INSERT being written was queued (performance.now()). */
  private oldestQueued: number | undefined;
  private readonly listeners: CommitListener[] = [];
  private last: LastCommit | undefined;

  constructor(private readonly records: Pick<AccessRecordStore, 'insert'>) {}

  record(record: AccessRecord): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ record, resolve, reject, queued: performance.now() });
      if (!this.writing) void this.drain();
    });
  }

  /** Records waiting for their commit: queued, and in the INSERT being written. */
  get depth(): number {
    return this.queue.length + this.inFlight;
  }

  /** How long the oldest record not yet committed has waited, in ms; 0 when none waits. */
  get oldestWaitMs(): number {
    const oldest = this.oldestQueued ?? this.queue[0]?.queued;
    return oldest === undefined ? 0 : performance.now() - oldest;
  }

  /** The most recent INSERT's outcome; undefined before the first. */
  get lastCommit(): LastCommit | undefined {
    return this.last;
  }

  onCommit(listener: CommitListener): void {
    this.listeners.push(listener);
  }

  /** One INSERT of `batch`, timed and remembered. */
  private async insert(batch: AccessRecord[]): Promise<void> {
    const started = performance.now();
    let failed = true;
    try {
      await this.records.insert(batch);
      failed = false;
    } finally {
      this.last = { failed, at: Date.now() };
      const seconds = (performance.now() - started) / 1000;
      for (const listener of this.listeners) listener(seconds, batch.length, failed);
    }
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length) {
        // Requests already read in this turn of the event loop add their records before the INSERT goes.
        if (this.queue.length < MAX_BATCH) await new Promise((resolve) => setImmediate(resolve));
        const batch = this.queue.splice(0, MAX_BATCH);
        this.inFlight = batch.length;
        this.oldestQueued = batch[0].queued;
        try {
          await this.insert(batch.map((p) => p.record));
          for (const p of batch) p.resolve();
        } catch (err) {
          // One record the store refuses must not refuse the others: they are tried one by one.
          if (batch.length === 1) batch[0].reject(err);
          else await Promise.all(batch.map((p) => this.insert([p.record]).then(p.resolve, p.reject)));
        }
        this.inFlight = 0;
        this.oldestQueued = undefined;
      }
    } finally {
      this.writing = false;
      this.inFlight = 0;
      this.oldestQueued = undefined;
    }
  }
}
