import { AccessRecord } from '../domain/audit';
import { AccessRecordStore } from '../store/accessRecordStore';

/** Records written in one INSERT at most; more wait for the next. */
const MAX_BATCH = 500;

interface Pending {
  record: AccessRecord;
  resolve(): void;
  reject(err: unknown): void;
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

  constructor(private readonly records: Pick<AccessRecordStore, 'insert'>) {}

  record(record: AccessRecord): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ record, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length) {
        // Requests already read in this turn of the event loop add their records before the INSERT goes.
        if (this.queue.length < MAX_BATCH) await new Promise((resolve) => setImmediate(resolve));
        const batch = this.queue.splice(0, MAX_BATCH);
        try {
          await this.records.insert(batch.map((p) => p.record));
          for (const p of batch) p.resolve();
        } catch (err) {
          // One record the store refuses must not refuse the others: they are tried one by one.
          if (batch.length === 1) batch[0].reject(err);
          else await Promise.all(batch.map((p) => this.records.insert([p.record]).then(p.resolve, p.reject)));
        }
      }
    } finally {
      this.writing = false;
    }
  }
}
