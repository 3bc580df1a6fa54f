import path from 'node:path';
import { AuditRecorder } from '../../audit/recorder';
import { PROJECT_ROOT, SANDBOX_COUNCIL_DIR, SANDBOX_LA_CODE } from '../../config';
import { ImportKind, ImportReport } from './importReport';
import { ImportTarget, runImport } from './runImport';

/**
 * The sandbox is built the way a council's facade is: from its CLD return, CQC's directory and its
 * allocations extract (fixtures/sandbox/council/), through runImport, in that order (people and
 * packages first, then the providers' details, then what the council's own system adds).
 */
export const SANDBOX_FILES: readonly { kind: ImportKind; file: string }[] = [
  { kind: 'cld', file: 'cld.csv' },
  { kind: 'cqc', file: 'cqc-directory.csv' },
  { kind: 'allocations', file: 'allocations.csv' },
];

/** The sandbox council: Wexbridge, ODS code WXB, and an LA Code no real council has. */
export const SANDBOX_COUNCIL = { laCode: SANDBOX_LA_CODE, odsCode: 'WXB' } as const;

/**
 * The day the sandbox's data describes (a Monday): its planned packages start after it and its
 * short stays end after it, so the sandbox says the same whatever the calendar says. It is the
 * synthetic population's reference date too.
 */
export const SANDBOX_TODAY = '2026-11-23';

/** The name the sandbox's load is recorded under in dataset_loads, so a restart does not import it again. */
export const SANDBOX_LOAD_NAME = 'sandbox/council';

export class SandboxLoadError extends Error {}

/**
 * Imports the sandbox council's files into the store once. Two instances starting together may both
 * find no record of the load and both import: runImport serialises them on the dataset lock, and the
 * second import finds every record as the first left it, so it changes nothing (its runs are still
 * recorded in import_runs). Any rejected row stops the load, naming the file, line and reason: the
 * sandbox's files must read cleanly.
 */
export async function loadSandbox(
  target: ImportTarget,
  audit?: Pick<AuditRecorder, 'dataImport'>,
  /** Where the three files are: the sandbox's own, unless a test gives a copy. */
  dir: string = SANDBOX_COUNCIL_DIR,
): Promise<{ loaded: boolean; reports: ImportReport[] }> {
  const done = await target.db.query('SELECT 1 FROM dataset_loads WHERE name = $1', [SANDBOX_LOAD_NAME]);
  if (done.length > 0) return { loaded: false, reports: [] };
  const reports: ImportReport[] = [];
  for (const { kind, file } of SANDBOX_FILES) {
    const report = await runImport(
      target,
      {
        kind,
        files: [{ name: path.relative(PROJECT_ROOT, path.join(dir, file)), path: path.join(dir, file) }],
        council: SANDBOX_COUNCIL,
        by: { user: 'sandbox' },
        today: SANDBOX_TODAY,
      },
      audit,
    );
    if (report.outcome !== 'applied') throw new SandboxLoadError(whyRefused(report));
    reports.push(report);
  }
  const people = await target.db.query<{ n: number }>('SELECT count(*)::int AS n FROM people');
  await target.db.query('INSERT INTO dataset_loads (name, people) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [SANDBOX_LOAD_NAME, people[0].n]);
  return { loaded: true, reports };
}

function whyRefused(report: ImportReport): string {
  const file = report.files.map((f) => f.name).join(', ');
  if (report.error) return `the sandbox's ${report.kind} import (${file}) failed: ${report.error}`;
  const shown = report.rejects.slice(0, 5).map((r) => `${r.file} line ${r.line}${r.column ? `, ${r.column}` : ''}${r.value ? ` "${r.value}"` : ''}: ${r.reason}`);
  const more = report.rejects.length > shown.length ? `\n  - and ${report.rejects.length - shown.length} more` : '';
  return `the sandbox's ${report.kind} file has ${report.rejectCount} rejected row(s), so it was not loaded:\n  - ${shown.join('\n  - ')}${more}`;
}
