import { fhirFilesApplier } from '../fhir/fhirImport';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AuditRecorder } from '../audit/recorder';
import type { JWK } from 'jose';
import { ConfigError, dataDirectory, loadConfig, PROJECT_ROOT } from '../config';
import { clientToken, defaultBase } from './clientToken';
import { DataDirLockedError } from '../store/dataDirLock';
import { openStore } from '../store/openStore';
import { IMPORT_KINDS, ImportKind, ImportReport, summarise, TYPES_AN_IMPORT_WRITES } from '../services/imports/importReport';
import { runImport } from '../services/imports/runImport';

const USAGE = `Loads the council's records from its files, and keeps them current.

  npm run import -- <kind> <file>... [--server URL] [--client ID] [--key FILE]
                                     [--dry-run] [--max-rejects N] [--report FILE]
  npm run import -- <kind> <file>... --direct [--dry-run] [--max-rejects N] [--report FILE]

  kinds:
    cld          the quarterly CLD return (Release 1 or 2 CSV): people, packages, assessments, carers
    cqc          CQC's care directory CSV: providers' addresses and phone numbers
    allocations  the council's allocations extract: teams, workers, allocations, safeguarding concerns
    fhir         FHIR resources in our profiles, NDJSON or a Bundle (.json): any of the council's
                 record types, each written as a FHIR update of its id would write it

  --server URL    the running facade to import through (default PUBLIC_BASE_URL, else the facade
                  running from DATA_DIR, else http://localhost:8080). The import runs there as an
                  asynchronous operation ($import); lookups go on meanwhile.
  --client ID     the council's registered client (default sandbox-council-mosaic)
  --key FILE      its private JWK (default: the sandbox key of that client; SANDBOX ONLY)
  --direct        straight into the store named by DATA_DIR or DATABASE_URL. The embedded store
                  (DATA_DIR) must not be in use: stop the facade first. With PostgreSQL, running
                  facades see the import at once.
  --dry-run       work out and report what would change; apply nothing
  --max-rejects N apply only if at most N rows are rejected (default 0)
  --report FILE   where to write the JSON report (default DATA_DIR/imports/<import id>.json)
  --today DATE    the day (YYYY-MM-DD) that decides whether a package has started (default today)
  --by NAME       who runs the import, for the audit trail (default the login name)

  COUNCIL_LA_CODE names the council's LA Code: CLD rows of another council are rejected.
  The exit code is 0 when the import was applied (or the dry run completed), 1 otherwise.

  npm run import -- cld  cld-2026-q2.csv --direct --dry-run
  npm run import -- cqc  cqc-directory.csv --direct
  npm run import -- allocations allocations.csv --direct`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      direct: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      'max-rejects': { type: 'string', default: '0' },
      report: { type: 'string' },
      today: { type: 'string' },
      by: { type: 'string' },
      server: { type: 'string' },
      client: { type: 'string', default: 'sandbox-council-mosaic' },
      key: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [kind, ...files] = positionals;
  const usage = (problem: string) => {
    console.error(`${problem}\n\n${USAGE}`);
    return 2;
  };
  if (!IMPORT_KINDS.includes(kind as ImportKind)) return usage(kind ? `Unknown kind "${kind}": use ${IMPORT_KINDS.join(', ')}.` : 'Name a kind and at least one file.');
  if (files.length === 0) return usage(`Name the ${kind} file(s) to import.`);
  const missing = files.filter((f) => !fs.statSync(f, { throwIfNoEntry: false })?.isFile());
  if (missing.length) return usage(`No such file: ${missing.join(', ')}`);
  const maxRejects = Number(values['max-rejects']);
  if (!Number.isInteger(maxRejects) || maxRejects < 0) return usage(`--max-rejects must be a whole number of rows, not "${values['max-rejects']}".`);
  if (values.today !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(values.today)) return usage(`--today must be YYYY-MM-DD, not "${values.today}".`);
  const config = loadConfig();
  if (!values.direct) {
    if (values.today !== undefined || values.by !== undefined) return usage('--today and --by are for --direct imports: the facade decides them for imports over HTTP.');
    const base = (values.server ?? defaultBase(config.fhirBaseUrl)).replace(/\/+$/, '');
    const keyFile = path.resolve(values.key ?? path.join(PROJECT_ROOT, 'fixtures', 'sandbox', 'keys', `${values.client}.private.jwk.json`));
    const report = await importOverHttp({
      base,
      clientId: values.client!,
      privateJwk: JSON.parse(fs.readFileSync(keyFile, 'utf8')),
      kind: kind as ImportKind,
      files,
      dryRun: values['dry-run']!,
      maxRejects,
    });
    return finish(report, values.report);
  }

  // An import is long on purpose: no statement timeout for it.
  const store = await openStore({ ...config, database: { ...config.database, statementTimeoutMs: 0 } });
  let report: ImportReport;
  try {
    const audit = new AuditRecorder({ record: (record) => store.accessRecords.insert([record]) });
    report = await runImport(
      store,
      {
        kind: kind as ImportKind,
        files: files.map((f) => ({ name: path.basename(f), path: path.resolve(f) })),
        dryRun: values['dry-run'],
        maxRejects,
        council: { laCode: config.council.laCode, odsCode: config.council.odsCode },
        by: { user: values.by ?? os.userInfo().username },
        today: values.today,
        fhir: fhirFilesApplier(store),
      },
      audit,
    );
  } finally {
    await store.close();
  }
  return finish(report, values.report);
}

/** Writes the JSON report, prints the summary, and gives the exit code. */
function finish(report: ImportReport, reportPath: string | undefined): number {
  const reportFile = path.resolve(reportPath ?? path.join(dataDirectory(), 'imports', `${report.importId}.json`));
  fs.mkdirSync(path.dirname(reportFile), { recursive: true });
  fs.writeFileSync(reportFile, `${JSON.stringify(report, null, 2)}\n`);
  console.log(summarise(report));
  console.log(`  report: ${reportFile}`);
  return report.outcome === 'applied' || report.outcome === 'dry-run' ? 0 : 1;
}

/**
 * The import as a FHIR asynchronous operation on a running facade: the files sent to $import with
 * Prefer: respond-async, then the status URL polled until the report is there.
 */
async function importOverHttp(input: {
  base: string;
  clientId: string;
  privateJwk: JWK;
  kind: ImportKind;
  files: string[];
  dryRun: boolean;
  maxRejects: number;
}): Promise<ImportReport> {
  const scope = TYPES_AN_IMPORT_WRITES[input.kind].map((type) => `system/${type}.cu`).join(' ');
  const token = async () => (await clientToken({ base: input.base, clientId: input.clientId, privateJwk: input.privateJwk, scope })).access_token;
  let bearer = `Bearer ${await token()}`;
  const form = new FormData();
  for (const file of input.files) form.append('file', await fs.openAsBlob(file), path.basename(file));
  const query = new URLSearchParams({ kind: input.kind, dryRun: String(input.dryRun), maxRejects: String(input.maxRejects) });
  const kickOff = await fetch(`${input.base}/fhir/$import?${query}`, {
    method: 'POST',
    headers: { Authorization: bearer, Prefer: 'respond-async', Accept: 'application/fhir+json' },
    body: form,
  });
  if (kickOff.status !== 202) throw new Error(`the facade refused the import (${kickOff.status}): ${await diagnostics(kickOff)}`);
  const statusUrl = kickOff.headers.get('content-location');
  if (!statusUrl) throw new Error('the facade accepted the import but gave no status URL (Content-Location)');
  console.error(`import accepted: ${statusUrl}`);
  for (;;) {
    let status = await fetch(statusUrl, { headers: { Authorization: bearer } });
    if (status.status === 401) {
      // A long import outlives a token: ask for another.
      bearer = `Bearer ${await token()}`;
      status = await fetch(statusUrl, { headers: { Authorization: bearer } });
    }
    if (status.status === 200) return (await status.json()) as ImportReport;
    if (status.status !== 202) throw new Error(`the import's status answered ${status.status}: ${await diagnostics(status)}`);
    console.error(`  ${status.headers.get('x-progress') ?? 'running'}`);
    await new Promise((r) => setTimeout(r, Number(status.headers.get('retry-after') ?? 2) * 1000));
  }
}

async function diagnostics(res: Response): Promise<string> {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as { issue?: { diagnostics?: string }[] };
    return body.issue?.map((i) => i.diagnostics).join('; ') ?? text;
  } catch {
    return text;
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof DataDirLockedError) {
      console.error(`Cannot import: ${err.message}. Stop the facade that uses this store first.`);
    } else if (err instanceof ConfigError) {
      console.error(`Cannot import: ${err.message}`);
    } else {
      console.error(`Import failed: ${err instanceof Error ? err.message : err}`);
    }
    process.exit(1);
  },
);
