import { View } from '../../access/context';
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { AuditRecorder } from '../../audit/recorder';
import { emptyFacts, readAllocations } from '../../import/allocations/allocationsReader';
import { CldReader } from '../../import/cld/cldReader';
import { readCqcDirectory } from '../../import/cqc/cqcReader';
import { AllocationsFacts, ImportReject, Located } from '../../import/importTypes';
import { DATASET_LOCK_KEY } from '../../store/bulkLoad';
import { ImportRunStore } from '../../store/importRunStore';
import { SqlDriver } from '../../store/sqlDriver';
import { applyAllocations } from './allocationsImport';
import { applyCld } from './cldImport';
import { applyCqc } from './cqcImport';
import { ImportContext } from './importContext';
import { ImportedFile, ImportKind, ImportOutcome, ImportReport } from './importReport';

/** One file of an import: the name it is reported under, and where to read it. */
export interface ImportSource {
  name: string;
  path: string;
}

export interface ImportRequest {
  kind: ImportKind;
  files: ImportSource[];
  /** Work everything out, report it, and apply nothing. */
  dryRun?: boolean;
  /** More rejected rows than this and nothing is applied (default 0: every row must be usable). */
  maxRejects?: number;
  council: { laCode: string; odsCode: string };
  /** Who runs it: a client over HTTP, or a person at the store's machine. */
  by: { clientId?: string; organization?: string; user?: string; requestId?: string; view?: View };
  /** Today (YYYY-MM-DD), which decides whether a package is planned or active; default the real today. */
  today?: string;
  /** The import's id, when it was given one on being accepted (over HTTP); a new one otherwise. */
  importId?: string;
  /** Told of the files as they are read (rows and bytes so far), for progress reports. */
  watch?(files: readonly ImportedFile[]): void;
  /**
   * How files of FHIR resources are applied (the fhir kind): FHIR's mapping into the domain is the
   * FHIR layer's (src/fhir/fhirImport.ts), handed down by whoever runs the import.
   */
  fhir?: FhirFilesApplier;
}

/** One file of a fhir import, to be read as it is applied. */
export interface FhirImportFile {
  name: string;
  open(): Readable;
  file: ImportedFile;
}

/** Who writes the resources of a fhir import: what they may see decides what they may write (restricted records). */
export interface FhirImportWriter {
  view: View;
  clientId?: string;
}

export type FhirFilesApplier = (ctx: ImportContext, files: FhirImportFile[], writer: FhirImportWriter) => Promise<void>;

/** What an import needs of the store: its database, and telling every instance the data has changed. */
export interface ImportTarget {
  db: SqlDriver;
  dataChanged(): Promise<void>;
}

/** Thrown inside the transaction to roll it back once the report is complete (a dry run, too many rejects). */
class RollBack extends Error {}

/**
 * Runs one import of the council's data: reads its files as they stream, applies them in one
 * transaction (a lookup sees all of it or none of it), and reports. A dry run, or more rejected rows
 * than allowed, rolls the transaction back after working everything out, so the report says exactly
 * what would have changed. Imports (and dataset loads) never interleave. Each is recorded in
 * import_runs and the audit trail whatever its outcome, and caches everywhere are dropped once one
 * has been applied.
 */
export async function runImport(target: ImportTarget, request: ImportRequest, audit?: Pick<AuditRecorder, 'dataImport'>): Promise<ImportReport> {
  const importId = request.importId ?? randomUUID();
  const started = new Date();
  const maxRejects = request.maxRejects ?? 0;
  const files = request.files.map((f) => ({ name: f.name, sha256: '', bytes: 0, rows: 0 }));
  request.watch?.(files);
  const db = target.db.maintenance?.() ?? target.db;
  let ctx: ImportContext | undefined;
  // Set inside the transaction's callback, which the compiler cannot follow.
  let outcome = 'applied' as ImportOutcome;
  let error: string | undefined;
  try {
    await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [DATASET_LOCK_KEY]);
      ctx = new ImportContext(tx, importId, request.council.odsCode);
      await applyFiles(ctx, request, files);
      if (ctx.rejectedRows > maxRejects) {
        outcome = 'refused';
        throw new RollBack();
      }
      if (request.dryRun) {
        outcome = 'dry-run';
        throw new RollBack();
      }
    });
  } catch (err) {
    if (!(err instanceof RollBack)) {
      outcome = 'failed';
      error = err instanceof Error ? err.message : String(err);
    }
  }
  const finished = new Date();
  const report: ImportReport = {
    importId,
      kind: request.kind,
      outcome,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    ms: finished.getTime() - started.getTime(),
      files,
    changes: ctx?.changes ?? {},
    ended: ctx?.ended ?? {},
    maxRejects,
    rejectCount: ctx?.rejectedRows ?? 0,
    rejects: ctx?.rejects ?? [],
    notes: ctx?.notes ?? [],
    error,
  };
  if (outcome === 'refused') {
    report.notes.unshift(`${report.rejectCount} rows were rejected, more than the ${maxRejects} allowed (--max-rejects): nothing was applied.`);
  }
  await new ImportRunStore(target.db).finish(
    {
      id: importId,
      kind: request.kind,
      startedAt: report.startedAt,
      finishedAt: report.finishedAt,
      outcome,
      clientId: request.by.clientId,
      organization: request.by.organization,
      files,
      counts: { changes: report.changes, rejectedRows: report.rejectCount },
    },
    report,
  );
  await audit?.dataImport({
    importId,
    kind: request.kind,
    outcome,
    description: auditDescription(report),
    clientId: request.by.clientId,
    organization: request.by.organization,
    user: request.by.user,
    requestId: request.by.requestId,
  });
  // Recorded first: an applied import is on the record even if telling the other instances fails.
  if (outcome === 'applied') await target.dataChanged();
  return report;
}

async function applyFiles(ctx: ImportContext, request: ImportRequest, files: ImportedFile[]): Promise<void> {
  const opened = request.files.map((source, i) => () => openCounted(source.path, files[i]));
  if (request.kind === 'cld') {
    const reader = new CldReader({ councilLaCode: request.council.laCode, today: request.today ?? todayInEngland() });
    await applyCld(ctx, rowsCounted(files, (file, i) => reader.read(file.name, opened[i]())));
  } else if (request.kind === 'fhir') {
    if (!request.fhir) throw new Error('this import was started without the means to read FHIR resources');
    // At the store's machine (the command, --direct) the person importing is the council's operator: every record.
    const writer = { view: request.by.view ?? ('social-care-restricted' as const), clientId: request.by.clientId };
    await request.fhir(ctx, files.map((file, i) => ({ name: file.name, open: opened[i], file })), writer);
  } else if (request.kind === 'cqc') {
    await applyCqc(ctx, rowsCounted(files, (file, i) => readCqcDirectory(file.name, opened[i]())));
  } else {
    const facts = emptyFacts();
    for (const [i, file] of files.entries()) {
      const read = await readAllocations(file.name, opened[i]());
      for (const key of Object.keys(facts) as (keyof AllocationsFacts)[]) (facts[key] as unknown[]).push(...read.facts[key]);
      for (const reject of read.rejects) ctx.refuse(reject);
      const lines = (Object.values(read.facts) as Located<unknown>[][]).flatMap((located) => located.map((l) => l.at.line));
      file.rows = new Set([...lines, ...read.rejects.map((r) => r.line)]).size;
    }
    await applyAllocations(ctx, facts);
  }
}

/** A file's stream, hashed and measured as it is read. */
function openCounted(path: string, file: ImportedFile): Readable {
  const hash = createHash('sha256');
  const stream = fs.createReadStream(path);
  stream.on('data', (chunk) => {
    hash.update(chunk as Buffer);
    file.bytes += (chunk as Buffer).length;
  });
  stream.on('end', () => {
    file.sha256 = hash.digest('hex');
  });
  return stream;
}

/** The items of each file in turn, counting each file's rows (a row refused for several reasons counts once). */
async function* rowsCounted<T extends { at: { line: number } } | ImportReject>(
  files: ImportedFile[],
  read: (file: ImportedFile, index: number) => AsyncIterable<T>,
): AsyncGenerator<T> {
  for (const [i, file] of files.entries()) {
    let lastLine = -1;
    for await (const item of read(file, i)) {
      const line = 'reason' in item ? item.line : item.at.line;
      if (line !== lastLine) file.rows++;
      lastLine = line;
      yield item;
    }
  }
}

function auditDescription(report: ImportReport): string {
  const files = report.files.map((f) => `${f.name} (sha256 ${f.sha256 || 'unread'}, ${f.rows} rows)`).join(', ');
  const changes = Object.entries(report.changes)
    .map(([kind, c]) => `${kind} +${c.added} ~${c.changed} =${c.unchanged}${c.ended ? ` ended ${c.ended}` : ''}`)
    .join('; ');
  return `${report.kind} import ${report.importId} ${report.outcome}: ${files}; ${changes || 'no changes'}; ${report.rejectCount} rejected rows${report.error ? `; error: ${report.error}` : ''}`;
}

/** Today's date where the council is (Europe/London), not UTC's: at 00:30 in summer it is already tomorrow. */
export function todayInEngland(now = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}
