import fs from 'node:fs';
import path from 'node:path';
import { frontDoorPath } from './frontDoor';
import { drive, LoadResult } from './load';
import { freePort, HOST, sleep, startChild } from './processes';
import { fetchToken, sandboxClientKey } from './token';
import { benchNhsNumbers, carePlan, conditionalUrl, transaction } from './writeBodies';

/**
 * The council's writes, measured against the facade as a process on the sandbox store: conditional
 * updates of care packages in a closed loop, transaction Bundles of 100 entries one after another,
 * and the front door's p99 idle and while the conditional updates run beside it.
 */
export interface ClosedLoopResult {
  concurrency: number;
  seconds: number;
  /** 2xx answers. */
  ok: number;
  /** Answers by status, and requests that got no answer. */
  statuses: Record<string, number>;
  errors: number;
  /** 2xx answers per second. */
  rps: number;
  p50: number;
  p99: number;
  max: number;
  firstFailure?: string;
}

export interface TransactionFigures {
  bundles: number;
  entries: number;
  /** Bundles answered 200 with every entry 2xx. */
  ok: number;
  /** The first Bundle on its own: it pays for what the process does once (profiles, statements prepared). */
  firstSeconds: number;
  /** The rest: the steady cost. */
  medianSeconds: number;
  maxSeconds: number;
  entriesPerSecond: number;
  firstFailure?: string;
}

export interface WriteFigures {
  store: string;
  transactions?: TransactionFigures;
  conditional?: ClosedLoopResult;
  frontDoorIdle?: LoadResult;
  frontDoorDuring?: LoadResult;
  conditionalDuring?: ClosedLoopResult;
  /** Lines the facade logged at error level or worse during the round. */
  loggedErrors?: number;
  notes: string[];
}

export interface WriteSettings {
  /** How long each closed loop and front-door load runs. */
  seconds: number;
  /** Transaction Bundles sent, one after another. */
  bundles: number;
}

/** Barbara Thornton, the sandbox's first person: the lookup run.ts's front door makes, for one person. */
const FRONT_DOOR_NHS = '9990000018';
const CONCURRENCY = 8;
const BUNDLE_PEOPLE = 50;
const COUNCIL = 'sandbox-council-mosaic';
const EPR = 'sandbox-epr-rx1';
const WRITE_SCOPE = 'system/Patient.cu system/CarePlan.cu';
const READ_SCOPE = 'system/Patient.rs system/CarePlan.rs system/Flag.rs';

export async function measureWrites(opts: {
  root: string;
  work: string;
  store: string;
  env: NodeJS.ProcessEnv;
  settings: WriteSettings;
  log: (m: string) => void;
}): Promise<WriteFigures> {
  const { root, work, settings, log } = opts;
  const figures: WriteFigures = { store: opts.store, notes: [] };
  const port = await freePort();
  const base = `http://${HOST}:${port}`;
  const logFile = path.join(work, 'facade-writes.log');
  // The lookup cache off, as in the imports round: every write drops it, so beside writes lookups
  // go to the store anyway; idle they would be answered from it, and the ratio would measure the cache.
  const facade = await startChild({
    command: process.execPath,
    args: [path.join(root, 'dist', 'main.js')],
    env: { ...opts.env, PORT: String(port), PUBLIC_BASE_URL: base, LOOKUP_CACHE_SECONDS: '0', LOG_LEVEL: 'warn' },
    port,
    readyPath: '/fhir/metadata',
    logFile,
    timeoutMs: 5 * 60_000,
    cwd: root,
  });
  const label = `writes (${opts.store})`;
  try {
    // Tokens last 300 s: a fresh one for each part of the round.
    const councilAuth = async () => {
      const got = await fetchToken(base, sandboxClientKey(root, COUNCIL), WRITE_SCOPE);
      if (!got.token) throw new Error(`no access token for ${COUNCIL}: ${got.error}`);
      return { Authorization: `Bearer ${got.token}`, 'Content-Type': 'application/fhir+json', Accept: 'application/fhir+json' };
    };
    const readerAuth = async () => {
      const got = await fetchToken(base, sandboxClientKey(root, EPR), READ_SCOPE);
      if (!got.token) throw new Error(`no access token for ${EPR}: ${got.error}`);
      return { Authorization: `Bearer ${got.token}`, Accept: 'application/fhir+json' };
    };

    // Transactions first: the people they create are the subjects of the conditional updates.
    const nhsNumbers = benchNhsNumbers();
    log(`${label}: ${settings.bundles} transaction Bundles of ${BUNDLE_PEOPLE * 2} entries`);
    const { figures: tx, people } = await transactions(base, await councilAuth(), settings.bundles, nhsNumbers);
    figures.transactions = tx;
    log(`${label}: ${tx.ok}/${tx.bundles} Bundles applied, first ${tx.firstSeconds.toFixed(2)} s, then median ${tx.medianSeconds.toFixed(2)} s, ${tx.entriesPerSecond.toFixed(0)} entries/s`);
    if (people.length === 0) throw new Error(`no person found in the transaction responses: ${tx.firstFailure ?? 'no Patient location'}`);

    const lookup = frontDoorPath(FRONT_DOOR_NHS);
    const reader = await readerAuth();
    const check = await fetch(base + lookup, { headers: reader });
    const found = (await check.json()) as { entry?: { resource: { resourceType: string } }[] };
    if (check.status !== 200 || found.entry?.[0]?.resource.resourceType !== 'Patient') throw new Error(`front door answered ${check.status} without the person`);
    const frontDoor = (seconds: number) => drive({ url: base, connections: CONCURRENCY, seconds, headers: reader, paths: [lookup] });
    await frontDoor(2);
    figures.frontDoorIdle = await frontDoor(settings.seconds);
    log(`${label}: front door idle ${figures.frontDoorIdle.rps.toFixed(0)} req/s, p50 ${figures.frontDoorIdle.p50} ms, p99 ${figures.frontDoorIdle.p99} ms`);

    let next = 0;
    const updates = async (seconds: number) => conditionalUpdates(base, await councilAuth(), seconds, people, () => next++);
    figures.conditional = await updates(settings.seconds);
    log(`${label}: conditional updates ${figures.conditional.rps.toFixed(0)}/s, p50 ${figures.conditional.p50} ms, p99 ${figures.conditional.p99} ms ${statusText(figures.conditional.statuses)}`);

    // Both for the same time; the writes start first so the front door is measured beside them throughout.
    const writing = updates(settings.seconds + 1);
    await sleep(500);
    figures.frontDoorDuring = await frontDoor(settings.seconds);
    figures.conditionalDuring = await writing;
    log(`${label}: front door beside them p99 ${figures.frontDoorDuring.p99} ms (idle ${figures.frontDoorIdle.p99} ms); updates ${figures.conditionalDuring.rps.toFixed(0)}/s`);

    for (const [what, r] of [['front door idle', figures.frontDoorIdle], ['front door beside the writes', figures.frontDoorDuring]] as const) {
      if (r.non2xx || r.errors) figures.notes.push(`${opts.store}: ${what}: ${r.non2xx} non-2xx answers, ${r.errors} errors.`);
    }
    for (const [what, r] of [['conditional updates', figures.conditional], ['conditional updates beside the front door', figures.conditionalDuring]] as const) {
      if (r.firstFailure) figures.notes.push(`${opts.store}: ${what}: ${statusText(r.statuses)}; the first failure: ${r.firstFailure}`);
    }
    if (tx.firstFailure) figures.notes.push(`${opts.store}: transactions: the first failure: ${tx.firstFailure}`);
  } finally {
    await facade.stop();
    figures.loggedErrors = errorLines(logFile);
    if (figures.loggedErrors) figures.notes.push(`${opts.store}: the facade logged ${figures.loggedErrors} lines at error level (${path.basename(logFile)}).`);
  }
  return figures;
}

/** Sent one after another; each Bundle's time is from sending to the whole answer read. */
async function transactions(base: string, headers: Record<string, string>, bundles: number, nhsNumbers: Iterator<string>) {
  const seconds: number[] = [];
  const people: string[] = [];
  let ok = 0;
  let firstFailure: string | undefined;
  const run = Date.now().toString(36);
  for (let b = 0; b < bundles; b++) {
    const body = JSON.stringify(transaction(`${run}-${b}`, BUNDLE_PEOPLE, nhsNumbers));
    const started = performance.now();
    const res = await fetch(`${base}/fhir`, { method: 'POST', headers, body });
    const text = await res.text();
    seconds.push((performance.now() - started) / 1000);
    const answer = res.status === 200 ? (JSON.parse(text) as { entry?: { response?: { status?: string; location?: string } }[] }) : undefined;
    const entries = answer?.entry ?? [];
    if (entries.length === BUNDLE_PEOPLE * 2 && entries.every((e) => /^2\d\d/.test(e.response?.status ?? ''))) {
      ok++;
      for (const e of entries) {
        // Absolute or relative, with its version: Patient/<id> is what a package names.
        const person = /(?:^|\/)(Patient\/[^/]+)/.exec(e.response?.location ?? '');
        if (person) people.push(person[1]);
      }
    } else {
      firstFailure ??= `${res.status}: ${text.slice(0, 300)}`;
    }
  }
  const steady = seconds.length > 1 ? seconds.slice(1) : seconds;
  const sorted = [...steady].sort((a, b) => a - b);
  const total = steady.reduce((a, x) => a + x, 0);
  const figures: TransactionFigures = {
    bundles,
    entries: BUNDLE_PEOPLE * 2,
    ok,
    firstSeconds: seconds[0],
    medianSeconds: sorted[Math.floor(sorted.length / 2)],
    maxSeconds: sorted[sorted.length - 1],
    // Of the steady Bundles, counting only those applied.
    entriesPerSecond: ((ok - (ok === bundles && seconds.length > 1 ? 1 : 0)) * BUNDLE_PEOPLE * 2) / total,
    firstFailure,
  };
  return { figures, people };
}

/**
 * A closed loop of CONCURRENCY writers, each writing a new package by conditional update (201) and
 * then the same package changed (200), until the time is up. The subjects rotate over `people`.
 */
async function conditionalUpdates(base: string, headers: Record<string, string>, seconds: number, people: string[], next: () => number): Promise<ClosedLoopResult> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let firstFailure: string | undefined;
  const run = Date.now().toString(36);
  const put = async (packageId: string, subject: string, changed: boolean, expected: number) => {
    const started = performance.now();
    try {
      const res = await fetch(`${base}/fhir/${encodeURI(conditionalUrl(packageId))}`, {
        method: 'PUT',
        headers,
        body: JSON.stringify(carePlan(packageId, subject, changed)),
      });
      const text = await res.text();
      latencies.push(performance.now() - started);
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      if (res.status !== expected) firstFailure ??= `${changed ? 'the change' : 'the new package'} answered ${res.status} (expected ${expected}): ${text.slice(0, 300)}`;
    } catch (err) {
      errors++;
      firstFailure ??= `no answer: ${(err as Error).message}`;
    }
  };
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const i = next();
        const packageId = `BENCH-W-${run}-${i}`;
        const subject = people[i % people.length];
        await put(packageId, subject, false, 201);
        await put(packageId, subject, true, 200);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const ok = Object.entries(statuses).reduce((a, [status, n]) => a + (status.startsWith('2') ? n : 0), 0);
  const sorted = latencies.sort((a, b) => a - b);
  const at = (q: number) => (sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] * 10) / 10 : NaN);
  return { concurrency: CONCURRENCY, seconds: elapsed, ok, statuses, errors, rps: ok / elapsed, p50: at(0.5), p99: at(0.99), max: at(1), firstFailure };
}

export function statusText(statuses: Record<string, number>): string {
  return Object.entries(statuses)
    .map(([status, n]) => `${n.toLocaleString('en-GB')} × ${status}`)
    .join(', ');
}

/** pino writes one JSON object a line; level 50 is error, 60 fatal. */
function errorLines(logFile: string): number {
  try {
    return fs
      .readFileSync(logFile, 'utf8')
      .split('\n')
      .filter((line) => /"level":(50|60)\b/.test(line)).length;
  } catch {
    return 0;
  }
}
