import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify';
import { pipeline } from 'node:stream/promises';
import { writeCouncilFiles } from '../src/synthetic/councilFiles';
import { REFERENCE_DATE } from '../src/synthetic/people';
import { SyntheticPopulation } from '../src/synthetic/population';
import { frontDoorPath } from './frontDoor';
import { drive, LoadResult } from './load';
import { freePort, HOST, memoryOf, sleep, startChild } from './processes';
import { fetchToken, sandboxClientKey } from './token';

/**
 * The council's data in, measured: a generated CLD return imported into an empty store (time and
 * peak memory of `npm run import -- cld … --direct`), the same file again (nothing changes), a
 * file with 1 % of its service rows changed, and front-door lookups while an import runs over
 * HTTP against their p99 when idle.
 */
export interface ImportFigures {
  store: string;
  people: number;
  rows: number;
  /** First import into an empty store. */
  firstMs: number;
  firstPeakRssMb?: number;
  /** The same file again: nothing changes. */
  againMs: number;
  /** 1 % of service rows changed. */
  changedMs: number;
  changedRows: number;
  /** Front door while idle, and while an import ran over HTTP. */
  idle?: LoadResult;
  during?: LoadResult;
  duringImportMs?: number;
  notes: string[];
}

const LA_CODE = 'E10999999';
const SEED = 1;

export async function measureImports(opts: {
  root: string;
  work: string;
  cacheDir: string;
  people: number;
  store: string;
  env: NodeJS.ProcessEnv;
  log: (m: string) => void;
}): Promise<ImportFigures> {
  const { root, work, people, log } = opts;
  const files = await councilFiles(opts.cacheDir, people);
  const rows = countLines(files.cld) - 1;
  const env: NodeJS.ProcessEnv = { ...opts.env, COUNCIL_LA_CODE: LA_CODE, SANDBOX_DATA: 'off', FIXTURES_FILE: 'none', LOG_LEVEL: 'warn' };
  const figures: ImportFigures = { store: opts.store, people, rows, firstMs: 0, againMs: 0, changedMs: 0, changedRows: 0, notes: [] };

  log(`imports: ${rows.toLocaleString('en-GB')} CLD rows (${people.toLocaleString('en-GB')} people) into an empty store`);
  const first = await importDirect(root, env, 'cld', files.cld, work);
  figures.firstMs = first.ms;
  figures.firstPeakRssMb = first.peakRssMb;
  await importDirect(root, env, 'cqc', files.cqc, work);
  await importDirect(root, env, 'allocations', files.allocations, work);
  log(`imports: first ${first.ms} ms, peak RSS ${first.peakRssMb} MB`);

  const again = await importDirect(root, env, 'cld', files.cld, work);
  figures.againMs = again.ms;
  const changedFile = path.join(work, 'cld-changed.csv');
  figures.changedRows = await changeOnePercent(files.cld, changedFile);
  const changed = await importDirect(root, env, 'cld', changedFile, work);
  figures.changedMs = changed.ms;
  log(`imports: the same file again ${again.ms} ms; ${figures.changedRows} rows changed ${changed.ms} ms`);

  await lookupsDuringImport(root, env, people, files.cld, work, figures, log);
  return figures;
}

/** The generated files for this many people, made once and kept (bench/.cache). */
async function councilFiles(cacheDir: string, people: number) {
  const dir = path.join(cacheDir, `council-files-${people}-seed${SEED}`);
  const files = { cld: path.join(dir, 'cld.csv'), cqc: path.join(dir, 'cqc.csv'), allocations: path.join(dir, 'allocations.csv') };
  if (fs.existsSync(path.join(dir, 'complete'))) return files;
  fs.mkdirSync(dir, { recursive: true });
  await writeCouncilFiles(new SyntheticPopulation({ people, seed: SEED }), files, LA_CODE);
  fs.writeFileSync(path.join(dir, 'complete'), '');
  return files;
}

function countLines(file: string): number {
  const text = fs.readFileSync(file);
  let n = 0;
  for (let i = text.indexOf(10); i !== -1; i = text.indexOf(10, i + 1)) n++;
  return n;
}

/** `node dist/cli/import.js KIND FILE --direct`, timed, its peak RSS sampled from /proc as it runs. */
async function importDirect(root: string, env: NodeJS.ProcessEnv, kind: string, file: string, work: string): Promise<{ ms: number; peakRssMb?: number }> {
  const started = Date.now();
  const report = path.join(work, `import-${kind}-${started}.json`);
  const proc = spawn(process.execPath, [path.join(root, 'dist', 'cli', 'import.js'), kind, file, '--direct', '--today', REFERENCE_DATE, '--report', report], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.on('data', (b: Buffer) => (out = (out + b.toString()).slice(-4000)));
  proc.stderr.on('data', (b: Buffer) => (out = (out + b.toString()).slice(-4000)));
  let peak: number | undefined;
  const sampler = setInterval(() => {
    const m = memoryOf(proc.pid).peakRssMb;
    if (m !== undefined) peak = Math.max(peak ?? 0, m);
  }, 200);
  const code = await new Promise<number | null>((resolve) => proc.on('exit', resolve));
  clearInterval(sampler);
  if (code !== 0) throw new Error(`import ${kind} ${file} exited ${code}:\n${out}`);
  return { ms: Date.now() - started, peakRssMb: peak };
}

/** A copy of the return with "Planned units per week" changed on every hundredth service row. */
async function changeOnePercent(from: string, to: string): Promise<number> {
  let changed = 0;
  let header: string[] | undefined;
  let services = 0;
  await pipeline(
    fs.createReadStream(from),
    parse({ relax_column_count: true }),
    async function* (records: AsyncIterable<string[]>) {
      for await (const record of records) {
        if (!header) {
          header = record;
          yield record;
          continue;
        }
        const units = header.indexOf('Planned units per week');
        if (record[header.indexOf('Event Type')] === 'Service' && services++ % 100 === 0) {
          record[units] = String(Number(record[units] || 0) + 1);
          changed++;
        }
        yield record;
      }
    },
    stringify(),
    fs.createWriteStream(to),
  );
  return changed;
}

/**
 * The front door idle, then while the original return is imported again over HTTP (undoing the 1 %
 * change, so the import has work to do): p99 during against p99 idle.
 */
async function lookupsDuringImport(root: string, env: NodeJS.ProcessEnv, people: number, cld: string, work: string, figures: ImportFigures, log: (m: string) => void) {
  const port = await freePort();
  const base = `http://${HOST}:${port}`;
  const facade = await startChild({
    command: process.execPath,
    args: [path.join(root, 'dist', 'main.js')],
    env: { ...env, PORT: String(port), PUBLIC_BASE_URL: base, LOOKUP_CACHE_SECONDS: '0' },
    port,
    readyPath: '/fhir/metadata',
    logFile: path.join(work, 'facade-imports.log'),
    timeoutMs: 5 * 60_000,
    cwd: root,
  });
  try {
    const reader = await fetchToken(base, sandboxClientKey(root, 'sandbox-epr-rx1'), 'system/Patient.rs system/CarePlan.rs system/Flag.rs');
    const council = await fetchToken(
      base,
      sandboxClientKey(root, 'sandbox-council-mosaic'),
      'system/Patient.cu system/CarePlan.cu system/Procedure.cu system/RelatedPerson.cu system/Organization.cu',
    );
    if (!reader.token || !council.token) throw new Error(`no tokens: ${reader.error ?? council.error}`);
    const population = new SyntheticPopulation({ people, seed: SEED });
    const count = Math.min(1_000, people);
    const sample = population.sample(Array.from({ length: count }, (_, i) => Math.floor((i * people) / count)));
    const paths = sample
      .filter((p) => p.person.nhsNumber)
      .map((p) => frontDoorPath(p.person.nhsNumber!));
    const load = (seconds: number) =>
      drive({ url: base, connections: 8, seconds, headers: { Authorization: `Bearer ${reader.token}`, Accept: 'application/fhir+json' }, paths });
    figures.idle = await load(5);
    log(`imports: front door idle p99 ${figures.idle.p99} ms`);

    const started = Date.now();
    const kickOff = await fetch(`${base}/fhir/$import?kind=cld`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${council.token}`, Prefer: 'respond-async', 'Content-Type': 'text/csv' },
      body: fs.readFileSync(cld),
    });
    const status = kickOff.headers.get('content-location');
    if (kickOff.status !== 202 || !status) throw new Error(`$import answered ${kickOff.status}: ${await kickOff.text()}`);
    let done = false;
    const waiting = (async () => {
      for (;;) {
        const res = await fetch(status, { headers: { Authorization: `Bearer ${council.token}` } });
        await res.arrayBuffer();
        if (res.status !== 202) {
          done = true;
          figures.duringImportMs = Date.now() - started;
          return;
        }
        await sleep(250);
      }
    })();
    const during: LoadResult[] = [];
    while (!done) during.push(await load(3));
    await waiting;
    figures.during = during.reduce((worst, r) => (r.p99 > worst.p99 ? r : worst));
    log(`imports: over HTTP in ${figures.duringImportMs} ms; front door p99 during it ${figures.during.p99} ms`);
    if (env.DATABASE_URL === undefined) {
      figures.notes.push('The embedded store is one connection: lookups wait while an import holds its transaction.');
    }
  } finally {
    await facade.stop();
  }
}
