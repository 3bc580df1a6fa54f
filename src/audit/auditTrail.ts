import { AccessRecord } from '../domain/audit';
import { insertAccessRecords } from '../store/auditStore';
import { SqlExecutor } from '../store/sqlDriver';

/** Records written in one INSERT at most; more wait for the next. */
const MAX_BATCH = 500;
/**
 * How long a batch gathers before it is written. The embedded store runs on this thread, so while
 * an INSERT executes no request can add its record: without a short gathering window every batch
 * would hold one or two records and the INSERTs themselves would cap throughput.
 */
const GATHER_MS = 2;

interface Pending {
  record: AccessRecord;
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * The audit trail, written with group commit: a record is appended to the queue and its promise
 * settles when the INSERT holding it has committed. Records arriving within a couple of
 * milliseconds, or while an INSERT runs, go together in one, so a busy facade writes a few large
 * batches rather than one row per request, and no response is sent before its record is durable.
 */
export class AuditTrail {
  private queue: Pending[] = [];
  private writing = false;

  constructor(private readonly db: SqlExecutor) {}

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
        if (this.queue.length < MAX_BATCH) await new Promise((resolve) => setTimeout(resolve, GATHER_MS));
        const batch = this.queue.splice(0, MAX_BATCH);
        try {
          await insertAccessRecords(this.db, batch.map((p) => p.record));
          for (const p of batch) p.resolve();
        } catch (err) {
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      this.writing = false;
    }
  }
}
