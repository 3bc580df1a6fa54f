import { View } from '../../access/context';
import { randomUUID } from 'node:crypto';
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { AuditRecorder } from '../../audit/recorder';
import { ImportRunStore } from '../../store/importRunStore';
import { ImportedFile, ImportKind, ImportReport } from './importReport';
import { ImportRequest, ImportSource, ImportTarget, runImport } from './runImport';

/** How often the instance running an import says so, where other instances can ask (PostgreSQL). */
const HEARTBEAT_MS = 5_000;
/** An import whose instance has been silent this long has stopped with it: nothing it did was committed. */
export const SILENT_IMPORT_SECONDS = 60;
/** Finished imports whose reports this instance keeps to hand (the rest are read from the store). */
const KEPT_FINISHED = 20;

/** What the status of an import is, as its status URL answers. */
export type ImportStatus =
  | { state: 'running'; kind: string; progress: { rows: number; bytes: number } }
  | { state: 'done'; report: ImportReport | Record<string, unknown> };

interface Job {
  id: string;
  kind: ImportKind;
  clientId: string;
  files: readonly ImportedFile[];
  report?: ImportReport;
}

export interface AcceptedImport {
  kind: ImportKind;
  files: ImportSource[];
  dryRun: boolean;
  maxRejects: number;
  by: { clientId: string; organization?: string; requestId?: string; view?: View };
  /** Removed once the import has ended: the uploaded files live here. */
  uploadDir: string;
}

/**
 * Imports accepted over HTTP (the FHIR asynchronous request pattern): each runs in the background
 * on the instance that took it, one at a time, while its status URL answers how far it has got and,
 * once it has ended, its report. The record in import_runs lets any instance sharing the database
 * answer the status URL too.
 */
export class ImportJobs {
  private readonly jobs = new Map<string, Job>();
  private running?: Promise<void>;
  /** One import at a time on an instance: taken before its upload is read, given back when it ends. */
  private slotTaken = false;

  constructor(
    private readonly target: ImportTarget,
    private readonly council: ImportRequest['council'],
    private readonly audit: Pick<AuditRecorder, 'dataImport'>,
    private readonly onError: (err: unknown) => void,
    /** How files of FHIR resources are applied (the fhir kind), from the FHIR layer. */
    private readonly fhir?: ImportRequest['fhir'],
  ) {}

  /** Whether an import holds this instance's slot (another is refused until it ends). */
  get busy(): boolean {
    return this.slotTaken;
  }

  /** Takes the instance's one import slot; undefined when an import holds it. Returns its release (once). */
  reserve(): (() => void) | undefined {
    if (this.slotTaken) return undefined;
    this.slotTaken = true;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.slotTaken = false;
    };
  }

  /**
   * Records the import as accepted and returns its id, and how to start it: the caller records the
   * request in the audit trail first (on the embedded store nothing else is written while an import
   * holds its transaction).
   */
  async accept(input: AcceptedImport, release: () => void): Promise<{ id: string; start(): void; abandon(reason: string): Promise<void> }> {
    const id = randomUUID();
    const runs = new ImportRunStore(this.target.db);
    const files = input.files.map((f) => ({ name: f.name, sha256: '', bytes: 0, rows: 0 }));
    await runs.start({ id, kind: input.kind, clientId: input.by.clientId, organization: input.by.organization, files });
    const job: Job = { id, kind: input.kind, clientId: input.by.clientId, files };
    this.jobs.set(id, job);
    // Taken now, so that a second request finds this instance busy even before the first has started.
    let begin!: () => void;
    const started = new Promise<void>((resolve) => (begin = resolve));
    let heartbeat: NodeJS.Timeout | undefined;
    this.running = started.then(() => runImport(
      this.target,
      {
        kind: input.kind,
        files: input.files,
        dryRun: input.dryRun,
        maxRejects: input.maxRejects,
        council: this.council,
        by: input.by,
        importId: id,
        fhir: this.fhir,
        watch: (live) => {
          job.files = live;
        },
      },
      this.audit,
    ))
      .then((report) => {
        job.report = report;
      })
      .catch((err) => {
        // The report could not be recorded (the store gone): what the client is told is that it failed.
        job.report = failedReport(job, err);
        this.onError(err);
      })
      .finally(async () => {
        clearInterval(heartbeat);
        this.running = undefined;
        release();
        this.forgetOldest();
        await fs.rm(input.uploadDir, { recursive: true, force: true }).catch(this.onError);
      });
    // The embedded store is one process: only PostgreSQL has other instances to tell.
    if (this.target.db.kind === 'postgres') {
      heartbeat = setInterval(() => void runs.heartbeat(id, progressOf(job.files)).catch(this.onError), HEARTBEAT_MS);
      heartbeat.unref();
    }
    const abandon = async (reason: string) => {
      clearInterval(heartbeat);
      this.running = undefined;
      release();
      job.report = failedReport(job, new Error(reason));
      await fs.rm(input.uploadDir, { recursive: true, force: true }).catch(this.onError);
      const now = new Date().toISOString();
      await runs.finish({ id, kind: input.kind, startedAt: now, finishedAt: now, outcome: 'failed', clientId: input.by.clientId, organization: input.by.organization, files, counts: {} }, job.report);
    };
    return { id, start: begin, abandon };
  }

  /**
   * The status of an import the client started; undefined for an import that does not exist or that
   * another client started (the two are not told apart).
   */
  async status(id: string, clientId: string): Promise<ImportStatus | undefined> {
    const job = this.jobs.get(id);
    if (job) {
      if (job.clientId !== clientId) return undefined;
      return job.report ? { state: 'done', report: job.report } : { state: 'running', kind: job.kind, progress: progressOf(job.files) };
    }
    const run = await new ImportRunStore(this.target.db).get(id);
    if (!run || run.clientId !== clientId) return undefined;
    if (run.outcome !== 'running') return { state: 'done', report: (run.report as Record<string, unknown>) ?? { importId: run.id, kind: run.kind, outcome: run.outcome } };
    if ((run.silentForSeconds ?? 0) > SILENT_IMPORT_SECONDS) {
      return {
        state: 'done',
        report: {
          importId: run.id,
          kind: run.kind,
          outcome: 'failed',
          error: `the instance running the import stopped before it ended (silent for ${Math.round(run.silentForSeconds!)} s): nothing was applied`,
        },
      };
    }
    return { state: 'running', kind: run.kind, progress: run.progress ?? { rows: 0, bytes: 0 } };
  }

  /**
   * What an instance that stopped mid-import left: its import recorded as failed, and the files it
   * was sent (the council's people) removed. The embedded store has one instance, so everything
   * left is its own; with PostgreSQL, only imports silent past SILENT_IMPORT_SECONDS and uploads
   * older than a day (another instance's import may still be reading its own). Returns what was done.
   */
  async recover(uploadRoot: string): Promise<{ failed: number; removed: number }> {
    // Listed before anything else happens: what is there now is what the last process left, not an
    // upload this instance is about to take.
    const left = fsSync.existsSync(uploadRoot) ? fsSync.readdirSync(uploadRoot, { withFileTypes: true }).filter((e) => e.isDirectory()) : [];
    const shared = this.target.db.kind === 'postgres';
    const failed = await new ImportRunStore(this.target.db).failAbandoned(shared ? SILENT_IMPORT_SECONDS : 0);
    let removed = 0;
    for (const entry of left) {
      const dir = path.join(uploadRoot, entry.name);
      const stale = !shared || Date.now() - (await fs.stat(dir)).mtimeMs > 86_400_000;
      if (stale) {
        await fs.rm(dir, { recursive: true, force: true });
        removed++;
      }
    }
    return { failed, removed };
  }

  /** Waits for the running import to end (tests). */
  async idle(): Promise<void> {
    await this.running;
  }

  private forgetOldest(): void {
    const finished = [...this.jobs.values()].filter((j) => j.report);
    for (const job of finished.slice(0, Math.max(0, finished.length - KEPT_FINISHED))) this.jobs.delete(job.id);
  }
}

function progressOf(files: readonly ImportedFile[]): { rows: number; bytes: number } {
  return { rows: files.reduce((n, f) => n + f.rows, 0), bytes: files.reduce((n, f) => n + f.bytes, 0) };
}

function failedReport(job: Job, err: unknown): ImportReport {
  const now = new Date().toISOString();
  return {
    importId: job.id,
    kind: job.kind,
    outcome: 'failed',
    startedAt: now,
    finishedAt: now,
    ms: 0,
    files: [...job.files],
    changes: {},
    ended: {},
    maxRejects: 0,
    rejectCount: 0,
    rejects: [],
    notes: ['Whether the import was applied could not be recorded: read the import\'s records before importing again.'],
    error: err instanceof Error ? err.message : String(err),
  };
}
