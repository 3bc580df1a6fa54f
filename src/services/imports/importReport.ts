import { ImportReject } from '../../import/importTypes';

/**
 * The kinds of file the council loads: its CLD return, CQC's directory, its allocations extract,
 * and FHIR resources in our profiles (NDJSON, or a Bundle) from its integration engine.
 */
export const IMPORT_KINDS = ['cld', 'cqc', 'allocations', 'fhir'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

/** The FHIR types each kind of import creates and updates: who imports needs both on every one. */
export const TYPES_AN_IMPORT_WRITES: Record<ImportKind, string[]> = {
  cld: ['Patient', 'CarePlan', 'Procedure', 'RelatedPerson', 'Organization'],
  cqc: ['Organization'],
  allocations: ['Organization', 'Practitioner', 'PractitionerRole', 'Patient', 'Flag'],
  fhir: ['Patient', 'CarePlan', 'Flag', 'CareTeam', 'Organization', 'Practitioner', 'PractitionerRole', 'RelatedPerson', 'Procedure'],
};

/** What an import did to one kind of record. */
export interface RecordChanges {
  added: number;
  changed: number;
  unchanged: number;
  /** Ended because the council's latest full return no longer holds them (never deleted). */
  ended: number;
}

export interface ImportedFile {
  name: string;
  sha256: string;
  bytes: number;
  /** Data rows read (the header aside). */
  rows: number;
}

/**
 * applied: committed. dry-run: worked out in full, then rolled back. refused: more rejects than
 * allowed, nothing applied. failed: an error stopped it (a file that cannot be read, the store
 * gone), nothing applied.
 */
export type ImportOutcome = 'applied' | 'dry-run' | 'refused' | 'failed';

/** The report of one import: JSON for machines, and summarise() for people. */
export interface ImportReport {
  importId: string;
  kind: ImportKind;
  outcome: ImportOutcome;
  startedAt: string;
  finishedAt: string;
  ms: number;
  files: ImportedFile[];
  /** By kind of record: people, carePackages, assessments, careRelationships, providers, teams, workers, ... */
  changes: Record<string, RecordChanges>;
  /** The ids of the records ended (never deleted) because the return no longer holds them, by kind. */
  ended: Record<string, string[]>;
  maxRejects: number;
  rejectCount: number;
  /** Every rejected row, in file order. */
  rejects: ImportReject[];
  /** What else the reader of the report must know (records left open because the file had rejects, say). */
  notes: string[];
  /** Why it failed, when it did. */
  error?: string;
}

export function noChanges(): RecordChanges {
  return { added: 0, changed: 0, unchanged: 0, ended: 0 };
}

const OUTCOME_WORDS: Record<ImportOutcome, string> = {
  applied: 'applied',
  'dry-run': 'dry run: nothing was applied; this is what would change',
  refused: 'refused: nothing was applied',
  failed: 'failed: nothing was applied',
};

/** The report in words, for the person running the import. */
export function summarise(report: ImportReport, maxListed = 20): string {
  const lines = [`Import ${report.importId} (${report.kind}): ${OUTCOME_WORDS[report.outcome]} in ${(report.ms / 1000).toFixed(1)} s`];
  for (const f of report.files) lines.push(`  file ${f.name}: ${f.rows} rows, ${f.bytes} bytes, sha256 ${f.sha256}`);
  for (const [kind, c] of Object.entries(report.changes)) {
    lines.push(`  ${kind}: ${c.added} added, ${c.changed} changed, ${c.unchanged} unchanged${c.ended ? `, ${c.ended} ended` : ''}`);
  }
  for (const [kind, ids] of Object.entries(report.ended ?? {})) {
    const shown = ids.slice(0, maxListed).join(', ');
    lines.push(`  ${kind} ${report.outcome === 'dry-run' ? 'that would end' : 'ended'}: ${shown}${ids.length > maxListed ? `, ... (${ids.length} in all)` : ''}`);
  }
  if (report.error) lines.push(`  error: ${report.error}`);
  lines.push(`  rejected rows: ${report.rejectCount} (at most ${report.maxRejects} allowed)`);
  for (const r of report.rejects.slice(0, maxListed)) {
    const column = r.column ? `, column ${r.column}` : '';
    const value = r.value !== undefined ? ` (value "${r.value}")` : '';
    lines.push(`    ${r.file}:${r.line}${column}: ${r.reason}${value}`);
  }
  if (report.rejects.length > maxListed) lines.push(`    ... and ${report.rejects.length - maxListed} more in the JSON report`);
  for (const note of report.notes) lines.push(`  note: ${note}`);
  return lines.join('\n');
}
