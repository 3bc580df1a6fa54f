import { ImportReject } from '../../import/importTypes';
import { ChangeCounts } from '../../store/changePath';
import { SqlExecutor } from '../../store/sqlDriver';
import { noChanges, RecordChanges } from './importReport';

/** Rejects listed in a report; beyond them rows are counted, not listed. */
export const MAX_LISTED_REJECTS = 10_000;

/** What each kind's apply step works with: the import's transaction, and the report it fills. */
export class ImportContext {
  readonly changes: Record<string, RecordChanges> = {};
  readonly rejects: ImportReject[] = [];
  readonly notes: string[] = [];
  /** The ids of the records ended, by kind: what a dry run would end, for someone to check first. */
  readonly ended: Record<string, string[]> = {};
  /** Rows the readers refused (one row may have several rejects). */
  rejectedRows = 0;

  constructor(
    readonly tx: SqlExecutor,
    readonly importId: string,
    /** The council's ODS code: its own organisation record is found by it. */
    readonly councilOdsCode: string,
  ) {}

  private lastRefused = '';
  private listFull = false;

  /** Refuses a row for a reason: a row refused for several reasons (one after another) counts once. */
  refuse(reject: ImportReject): void {
    // A file of another council is a million rejects: the first ones say what is wrong; all are counted.
    if (this.rejects.length < MAX_LISTED_REJECTS) this.rejects.push(reject);
    else if (!this.listFull) {
      this.listFull = true;
      this.notes.push(`Only the first ${MAX_LISTED_REJECTS} rejects are listed; every rejected row is counted.`);
    }
    const row = `${reject.file}\n${reject.line}`;
    if (row !== this.lastRefused) this.rejectedRows++;
    this.lastRefused = row;
  }

  /**
   * What a reader yields, a batch at a time: each reject is refused as it comes, the rest handed to
   * `apply` in batches of `size` (the last may be smaller, or empty).
   */
  async inBatches<T>(items: AsyncIterable<T | ImportReject>, size: number, apply: (batch: T[]) => Promise<void>): Promise<void> {
    let batch: T[] = [];
    for await (const item of items) {
      if (isReject(item)) {
        this.refuse(item);
        continue;
      }
      batch.push(item);
      if (batch.length >= size) {
        await apply(batch);
        batch = [];
      }
    }
    await apply(batch);
  }

  /** Records that these records of a kind were ended. */
  end(kind: string, ids: string[]): void {
    if (ids.length === 0) return;
    (this.ended[kind] ??= []).push(...ids);
    this.count(kind, { ended: ids.length });
  }

  /** Adds what a write did to the kind's counts. */
  count(kind: string, counts: Partial<ChangeCounts> & { ended?: number }): void {
    const c = (this.changes[kind] ??= noChanges());
    c.added += counts.added ?? 0;
    c.changed += counts.changed ?? 0;
    c.unchanged += counts.unchanged ?? 0;
    c.ended += counts.ended ?? 0;
  }
}

function isReject(item: unknown): item is ImportReject {
  return typeof item === 'object' && item !== null && 'reason' in item;
}
