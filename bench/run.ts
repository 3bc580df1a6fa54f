/**
 * `npm run bench [-- --quick]`: the facade's performance, measured end to end over HTTP on this
 * machine (127.0.0.1 only), with authorisation on, against the floor of a bare Express app.
 * See the README's "Performance" section for what it measures and how to read it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { GENERATOR_VERSION, SyntheticPopulation } from '../src/synthetic/population';
import { drive, LoadResult, median } from './load';
import { Child, freePort, HOST, memoryOf, run, sleep, startChild } from './processes';
import { markdownReport } from './report';
import { frontDoorPath, NHS, wholePicturePath } from './frontDoor';
import { FrontDoor, Report, Settings } from './reportData';
import { measureImports } from './imports';
import { measureWrites } from './writes';
import { measureStartup } from './startup';
import { fetchToken, sandboxClientKey, tokenRequestBody } from './token';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const CACHE = path.join(ROOT, 'bench', '.cache');
const RESULTS = path.join(ROOT, 'bench', 'results');
const EPR = 'sandbox-epr-rx1';
const READ_SCOPE = 'system/Patient.rs system/CarePlan.rs system/Flag.rs system/CareTeam.rs system/Organization.rs system/Practitioner.rs system/PractitionerRole.rs system/RelatedPerson.rs';
const NOTICE_SCOPE = 'system/Communication.c';
/** The facade's per-client limits as the benchmark sets them (stated in its output). */
const BENCH_LIMITS = { TOKEN_REQUESTS_PER_MINUTE: '100000', CLIENT_REQUESTS_PER_MINUTE: '10000000' };
const SEED = 1;

function settings(): Settings {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      large: { type: 'string' },
      rounds: { type: 'string' },
      seconds: { type: 'string' },
      connections: { type: 'string', default: '32' },
      profile: { type: 'boolean', default: false },
      startup: { type: 'boolean', default: false },
      imports: { type: 'boolean', default: false },
      'import-people': { type: 'string' },
      writes: { type: 'boolean', default: false },
    },
  });
  const quick = values.quick!;
  const num = (v: string | undefined, fallback: number) => (v === undefined ? fallback : Number(v.replace(/_/g, '')));
  return {
    mode: quick ? 'quick' : 'full',
    connections: num(values.connections, 32),
    rounds: num(values.rounds, quick ? 2 : 4),
    roundSeconds: num(values.seconds, quick ? 5 : 10),
    warmupSeconds: quick ? 2 : 4,
    smallPeople: 1_000,
    largePeople: num(values.large, quick ? 0 : 1_000_000),
    tokenSeconds: quick ? 4 : 10,
    tokenAmount: quick ? 1_500 : 6_000,
    noticeSeconds: quick ? 4 : 10,
    noticeAmount: quick ? 1_500 : 6_000,
    // The same at every population (the small one holds 1,000 people), so the cache behaves alike and
    // the populations differ only in size.
    rotation: 1_000,
    profile: values.profile!,
    startupOnly: values.startup!,
    // About two CLD rows a person: the full run's return is about a million rows.
    importPeople: num(values['import-people'], quick ? 10_000 : 500_000),
    importsOnly: values.imports!,
    writesOnly: values.writes!,
    // 100 entries each, one after another.
    writeBundles: quick ? 5 : 20,
  };
}

/** Where a population lives: a data directory (embedded) or a database (PostgreSQL). */
interface StoreSpec {
  label: string;
  env: NodeJS.ProcessEnv;
  cached: boolean;
}

async function main() {
  const s = settings();
  const started = Date.now();
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const driver = databaseUrl ? 'postgres' : 'pglite';
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'facade-bench-'));
  const report: Report = {
    date: new Date().toISOString(),
    mode: s.mode,
    machine: {
      cpus: os.cpus()[0]?.model ?? 'unknown',
      cores: os.cpus().length,
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      os: `${os.type()} ${os.release()}`,
      loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
    },
    driver,
    settings: s,
    frontDoor: [],
    notes: [],
  };
  log(`bench (${s.mode}, ${driver}) in ${work}; load average before: ${report.machine.loadAverage.join(' ')}`);

  const clientsFile = benchClients(work, report);
  const common: NodeJS.ProcessEnv = {
    ...process.env,
    LOG_LEVEL: 'warn',
    CLIENTS_FILE: clientsFile,
    // The benchmark measures what a token and a lookup cost, not the per-client limits: it drives
    // thousands of requests a second as one client.
    ...BENCH_LIMITS,
  };
  report.notes.push(
    `Per-client limits raised for the run (a deployment keeps its own): ${Object.entries(BENCH_LIMITS).map(([k, v]) => `${k}=${v}`).join(', ')}.`,
  );
  delete common.SYNTHETIC_PEOPLE;
  delete common.NODE_OPTIONS;

  if (s.writesOnly) {
    await measureWritesOnce(s, databaseUrl, common, work, report);
    return writeReport(report, driver, s, started, work);
  }

  // First, while nothing else of the benchmark's runs: the sandbox's first start and a restart.
  if (!s.importsOnly) await measureStartupOnce(databaseUrl, common, work, report);
  if (s.startupOnly) return writeReport(report, driver, s, started, work);
  if (s.importPeople > 0) await measureImportsOnce(s, databaseUrl, common, work, report);
  if (s.importsOnly) return writeReport(report, driver, s, started, work);

  // Small population: a fresh store, loaded by the facade itself on first start (SYNTHETIC_PEOPLE).
  const small: StoreSpec = databaseUrl
    ? { label: 'postgres (fresh database)', env: { ...common, DATABASE_URL: await freshDatabase(databaseUrl, 'bench_small') }, cached: false }
    : { label: 'embedded (fresh data dir)', env: { ...common, DATA_DIR: path.join(work, 'small') }, cached: false };
  small.env.DATA_DIR ??= path.join(work, 'small');
  await measurePopulation(s, s.smallPeople, small, work, report, true);

  if (s.largePeople > 0) {
    const large = await largeStore(s, databaseUrl, common, work, report);
    await measurePopulation(s, s.largePeople, large, work, report, false);
    if (s.mode === 'full') await measureNpmStart(large, work, report);
  }

  if (databaseUrl) await dropDatabase(databaseUrl, 'bench_small');
  writeReport(report, driver, s, started, work);
}

function writeReport(report: Report, driver: string, s: Settings, started: number, work: string) {
  fs.mkdirSync(RESULTS, { recursive: true });
  report.notes.push(`Run took ${Math.round((Date.now() - started) / 1000)} s; load average after: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}.`);
  const json = JSON.stringify(report, null, 2) + '\n';
  const md = markdownReport(report);
  // latest.* is the last full run on the embedded store; other runs have their own names.
  // The writes round measures both stores in one run, so one name for it.
  const name = s.writesOnly ? 'latest-writes' : [
    'latest',
    ...(driver === 'postgres' ? ['postgres'] : []),
    ...(s.startupOnly ? ['startup'] : s.importsOnly ? ['imports'] : s.mode === 'quick' ? ['quick'] : []),
  ].join('-');
  fs.writeFileSync(path.join(RESULTS, `${name}.json`), json);
  fs.writeFileSync(path.join(RESULTS, `${name}.md`), md);
  log(`wrote bench/results/${name}.json and ${name}.md`);
  console.log('\n' + md);
  fs.rmSync(work, { recursive: true, force: true });
}

/** The sandbox's first start on an empty store (embedded: a new data directory; PostgreSQL: a new database) and its restart. */
async function measureStartupOnce(databaseUrl: string | undefined, common: NodeJS.ProcessEnv, work: string, report: Report) {
  const env = databaseUrl
    ? { ...common, DATABASE_URL: await freshDatabase(databaseUrl, 'bench_startup'), DATA_DIR: path.join(work, 'startup') }
    : { ...common, DATA_DIR: path.join(work, 'startup') };
  const store = databaseUrl ? 'postgres (fresh database)' : 'embedded (fresh data dir)';
  try {
    report.startup = await measureStartup({ root: ROOT, env, store, work, loadAverage: () => Math.round(os.loadavg()[0] * 100) / 100 });
    const { firstStartMs, firstStartCpuMs, restartMs, restartCpuMs } = report.startup;
    log(`first start on an empty store: ${firstStartMs} ms (CPU ${firstStartCpuMs} ms); restart: ${restartMs} ms (CPU ${restartCpuMs} ms)`);
  } catch (err) {
    report.notes.push(`The start-up could not be timed: ${(err as Error).message.split('\n')[0]}`);
  } finally {
    if (databaseUrl) await dropDatabase(databaseUrl, 'bench_startup');
  }
}

/** The council's files imported into a store of their own (embedded: a new data directory; PostgreSQL: a new database). */
async function measureImportsOnce(s: Settings, databaseUrl: string | undefined, common: NodeJS.ProcessEnv, work: string, report: Report) {
  const dir = path.join(work, 'imports');
  fs.mkdirSync(dir, { recursive: true });
  const env = databaseUrl
    ? { ...common, DATABASE_URL: await freshDatabase(databaseUrl, 'bench_imports'), DATA_DIR: path.join(dir, 'data') }
    : { ...common, DATA_DIR: path.join(dir, 'data') };
  try {
    report.imports = await measureImports({
      root: ROOT,
      work: dir,
      cacheDir: CACHE,
      people: s.importPeople,
      store: databaseUrl ? 'postgres (fresh database)' : 'embedded (fresh data dir)',
      env,
      log,
    });
  } catch (err) {
    report.notes.push(`The import could not be measured: ${(err as Error).message.split('\n')[0]}`);
  } finally {
    if (databaseUrl) await dropDatabase(databaseUrl, 'bench_imports');
  }
}

/** Where the writes round runs: the embedded store, then PostgreSQL (DATABASE_URL's server, or the local one). */
const LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres';

/** The council's writes, on a fresh embedded store and then on a fresh PostgreSQL database, both with the sandbox's data. */
async function measureWritesOnce(s: Settings, databaseUrl: string | undefined, common: NodeJS.ProcessEnv, work: string, report: Report) {
  report.driver = 'both';
  report.writes = [];
  const settings = { seconds: s.roundSeconds, bundles: s.writeBundles };
  const embedded = path.join(work, 'writes-embedded');
  fs.mkdirSync(embedded, { recursive: true });
  const { DATABASE_URL: _ignored, ...withoutDatabase } = common;
  try {
    report.writes.push(
      await measureWrites({ root: ROOT, work: embedded, store: 'embedded (fresh data dir)', env: { ...withoutDatabase, DATA_DIR: path.join(embedded, 'data') }, settings, log }),
    );
  } catch (err) {
    report.notes.push(`The writes could not be measured on the embedded store: ${(err as Error).message.split('\n')[0]}`);
  }
  const server = databaseUrl ?? LOCAL_POSTGRES;
  const postgres = path.join(work, 'writes-postgres');
  fs.mkdirSync(postgres, { recursive: true });
  try {
    const url = await freshDatabase(server, 'bench_writes');
    report.writes.push(
      await measureWrites({ root: ROOT, work: postgres, store: 'postgres (fresh database)', env: { ...common, DATABASE_URL: url, DATA_DIR: path.join(postgres, 'data') }, settings, log }),
    );
  } catch (err) {
    report.notes.push(`The writes could not be measured on PostgreSQL (${new URL(server).host}): ${(err as Error).message.split('\n')[0]}`);
  } finally {
    await dropDatabase(server, 'bench_writes').catch(() => undefined);
  }
}

/** The sandbox clients; the sandbox EPR is also granted notice sending here if the sandbox file does not grant it yet. */
function benchClients(work: string, report: Report): string {
  const clients = JSON.parse(fs.readFileSync(path.join(ROOT, 'fixtures', 'sandbox', 'clients.json'), 'utf8')) as { client_id: string; scope: string }[];
  const epr = clients.find((c) => c.client_id === EPR);
  if (!epr) throw new Error(`${EPR} is not in fixtures/sandbox/clients.json`);
  if (!/Communication\.c|\*\.c|\*\.cruds|Communication\.cruds/.test(epr.scope)) {
    epr.scope += ` ${NOTICE_SCOPE}`;
    report.notes.push(`fixtures/sandbox/clients.json does not grant ${EPR} ${NOTICE_SCOPE}: the benchmark's copy of it adds that scope (same key) for the notice-intake run.`);
  }
  const file = path.join(work, 'clients.json');
  fs.writeFileSync(file, JSON.stringify(clients, null, 2));
  return file;
}

async function startFacade(spec: StoreSpec, work: string, people: number, tag: string, profile = false, env: NodeJS.ProcessEnv = {}): Promise<Child> {
  const port = await freePort();
  const profileDir = path.join(RESULTS, 'profile');
  return startChild({
    command: process.execPath,
    args: [...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=facade-${tag}.cpuprofile`] : []), path.join(ROOT, 'dist', 'main.js')],
    env: { ...spec.env, ...env, PORT: String(port), PUBLIC_BASE_URL: `http://${HOST}:${port}`, SYNTHETIC_PEOPLE: String(people), SYNTHETIC_SEED: String(SEED) },
    port,
    readyPath: '/fhir/metadata',
    logFile: path.join(work, `facade-${tag}.log`),
    timeoutMs: 20 * 60_000,
    cwd: ROOT,
  });
}

async function measurePopulation(s: Settings, people: number, spec: StoreSpec, work: string, report: Report, small: boolean) {
  const label = `${people.toLocaleString('en-GB')} people`;
  log(`${label}: starting the facade (${spec.label})`);
  let facade = await startFacade(spec, work, people, `${people}`);
  const fd: Partial<FrontDoor> = { people, store: spec.label };
  if (small) {
    // First start loads the population; the second is a plain start on an existing store.
    fd.firstStartMs = facade.readyMs;
    await facade.stop();
    facade = await startFacade(spec, work, people, `${people}-restart`, s.profile);
  } else if (s.profile) {
    await facade.stop();
    facade = await startFacade(spec, work, people, `${people}-profiled`, true);
  }
  fd.readyMs = facade.readyMs;
  fd.idleRssMb = memoryOf(facade.proc.pid).rssMb;
  log(`${label}: ready in ${facade.readyMs} ms${fd.firstStartMs ? ` (first start with the load: ${fd.firstStartMs} ms)` : ''}`);
  let base = `http://${HOST}:${facade.port}`;
  let bare: Child | undefined;
  try {
    const epr = sandboxClientKey(ROOT, EPR);
    const got = await fetchToken(base, epr, READ_SCOPE);
    if (!got.token) throw new Error(`no access token for ${EPR}: ${got.error}`);
    const auth = { Authorization: `Bearer ${got.token}`, Accept: 'application/fhir+json' };

    // NHS numbers spread over the whole population, the same ones every run.
    const population = new SyntheticPopulation({ people, seed: SEED });
    const count = Math.min(s.rotation, people);
    const stride = people / count;
    const sample = population.sample(Array.from({ length: count }, (_, i) => Math.floor(i * stride + ((i * 7919) % Math.max(1, Math.floor(stride))))));
    const paths = sample
      .filter((p) => p.person.nhsNumber)
      .map((p) => frontDoorPath(p.person.nhsNumber!));

    // Check the answers are real before timing them, and size the floor's body like them.
    const sizes: number[] = [];
    let typical = '';
    for (const p of paths.slice(0, 50)) {
      const res = await fetch(base + p, { headers: auth });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`front door ${p} answered ${res.status}: ${text.slice(0, 300)}`);
      const bundle = JSON.parse(text) as { entry?: { resource: { resourceType: string } }[] };
      if (bundle.entry?.[0]?.resource.resourceType !== 'Patient') throw new Error(`front door ${p} found nobody`);
      sizes.push(Buffer.byteLength(text));
      typical = text;
    }
    const mean = Math.round(sizes.reduce((a, b) => a + b, 0) / sizes.length);
    const bodyFile = path.join(work, `body-${people}.json`);
    fs.writeFileSync(bodyFile, fitTo(typical, mean));
    fd.bodyBytes = mean;

    const barePort = await freePort();
    bare = await startChild({
      command: process.execPath,
      args: [path.join(__dirname, 'bare.js')],
      env: { ...process.env, PORT: String(barePort), BODY_FILE: bodyFile },
      port: barePort,
      readyPath: '/ready',
      logFile: path.join(work, 'bare.log'),
      timeoutMs: 30_000,
      cwd: ROOT,
    });
    const facadeLoad = (seconds: number) => drive({ url: base, connections: s.connections, seconds, headers: auth, paths });
    const bareLoad = (seconds: number) => drive({ url: `http://${HOST}:${barePort}`, connections: s.connections, seconds, paths });

    log(`${label}: warming up (${s.warmupSeconds} s each)`);
    await facadeLoad(s.warmupSeconds);
    await bareLoad(s.warmupSeconds);
    const facadeRuns: LoadResult[] = [];
    const bareRuns: LoadResult[] = [];
    for (let r = 0; r < s.rounds; r++) {
      // Alternate which goes first, so drift in the machine's load falls on both alike.
      const order = r % 2 === 0 ? (['facade', 'bare'] as const) : (['bare', 'facade'] as const);
      for (const which of order) {
        const result = which === 'facade' ? await facadeLoad(s.roundSeconds) : await bareLoad(s.roundSeconds);
        (which === 'facade' ? facadeRuns : bareRuns).push(result);
        log(`${label}: round ${r + 1} ${which.padEnd(6)} ${result.rps.toFixed(0).padStart(6)} req/s  p50 ${result.p50} ms  p99 ${result.p99} ms` +
          (result.non2xx || result.errors ? `  non-2xx ${result.non2xx} errors ${result.errors}` : ''));
        if (which === 'facade' && result.ok === 0) throw new Error('the facade answered no front-door request with 2xx');
      }
    }
    const sum = (rs: LoadResult[], f: (r: LoadResult) => number) => rs.reduce((a, r) => a + f(r), 0);
    fd.facade = facadeRuns;
    fd.bare = bareRuns;
    fd.rpsFacade = sum(facadeRuns, (r) => r.ok) / sum(facadeRuns, (r) => r.seconds);
    fd.rpsBare = sum(bareRuns, (r) => r.ok) / sum(bareRuns, (r) => r.seconds);
    fd.ratio = fd.rpsFacade / fd.rpsBare;
    fd.p50 = median(facadeRuns.map((r) => r.p50));
    fd.p99 = median(facadeRuns.map((r) => r.p99));
    fd.bareP50 = median(bareRuns.map((r) => r.p50));
    fd.bareP99 = median(bareRuns.map((r) => r.p99));
    Object.assign(fd, memoryOf(facade.proc.pid));
    report.frontDoor.push(fd as FrontDoor);
    log(`${label}: facade/bare ${fd.ratio.toFixed(2)} (${fd.rpsFacade.toFixed(0)} / ${fd.rpsBare.toFixed(0)} req/s), p50 ${fd.p50} ms, p99 ${fd.p99} ms, RSS ${fd.rssMb} MB (peak ${fd.peakRssMb})`);

    // The whole A&E picture in one request, for the same people: what the iterate includes cost.
    const wholePaths = sample.filter((p) => p.person.nhsNumber).map((p) => wholePicturePath(p.person.nhsNumber!));
    const check = await fetch(base + wholePaths[0], { headers: auth });
    if (check.status !== 200) throw new Error(`the whole picture ${wholePaths[0]} answered ${check.status}: ${(await check.text()).slice(0, 300)}`);
    await check.arrayBuffer();
    await drive({ url: base, connections: s.connections, seconds: s.warmupSeconds, headers: auth, paths: wholePaths });
    fd.wholePicture = await drive({ url: base, connections: s.connections, seconds: s.roundSeconds, headers: auth, paths: wholePaths });
    log(`${label}: the whole picture: ${fd.wholePicture.rps.toFixed(0)} req/s, p50 ${fd.wholePicture.p50} ms, p99 ${fd.wholePicture.p99} ms`);

    if (small) {
      if (s.profile) {
        // The profile (written on exit) covers start-up and the front-door load only.
        await facade.stop();
        facade = await startFacade(spec, work, people, `${people}-after-profile`);
        base = `http://${HOST}:${facade.port}`;
      }
      const tokenUrl = (await fetchToken(base, sandboxClientKey(ROOT, EPR), READ_SCOPE)).tokenUrl;
      await measureTokenEndpoint(s, base, tokenUrl, report);
      await measureNotices(s, base, sample.map((p) => p.person), report);
    }

    // The same lookups with the cache off: what each costs the store, as for a clinician's first look.
    await facade.stop();
    facade = await startFacade(spec, work, people, `${people}-uncached`, false, { LOOKUP_CACHE_SECONDS: '0' });
    const uncachedBase = `http://${HOST}:${facade.port}`;
    const uncachedAuth = { Authorization: `Bearer ${(await fetchToken(uncachedBase, sandboxClientKey(ROOT, EPR), READ_SCOPE)).token}`, Accept: 'application/fhir+json' };
    await drive({ url: uncachedBase, connections: s.connections, seconds: s.warmupSeconds, headers: uncachedAuth, paths });
    fd.uncached = await drive({ url: uncachedBase, connections: s.connections, seconds: s.roundSeconds, headers: uncachedAuth, paths });
    log(`${label}: lookup cache off: ${fd.uncached.rps.toFixed(0)} req/s, p50 ${fd.uncached.p50} ms, p99 ${fd.uncached.p99} ms`);
  } finally {
    await bare?.stop();
    await facade.stop();
  }
}

async function measureTokenEndpoint(s: Settings, base: string, tokenUrl: string, report: Report) {
  const epr = sandboxClientKey(ROOT, EPR);
  // Each request needs an assertion with its own jti: signed beforehand, so signing does not load the client side.
  const bodies = Array.from({ length: s.tokenAmount }, () => tokenRequestBody(epr, tokenUrl, READ_SCOPE));
  const connections = 8;
  log(`token endpoint: up to ${bodies.length} requests in ${s.tokenSeconds} s, ${connections} connections`);
  const r = await drive({
    url: base,
    connections,
    seconds: s.tokenSeconds,
    amount: bodies.length,
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    paths: [new URL(tokenUrl).pathname],
    bodies,
  });
  report.token = { ...r, connections };
  log(`token endpoint: ${r.rps.toFixed(0)} tokens/s, p50 ${r.p50} ms, p99 ${r.p99} ms${r.non2xx ? `, non-2xx ${r.non2xx}` : ''}`);
}

async function measureNotices(s: Settings, base: string, people: { nhsNumber?: string; givenNames: string[]; familyName: string; birthDate: string; gender: string }[], report: Report) {
  const templateFile = path.join(ROOT, 'fixtures', 'notices', 'assessment-notice.json');
  if (!fs.existsSync(templateFile)) {
    report.notices = { skipped: 'fixtures/notices/assessment-notice.json does not exist yet' };
    return;
  }
  const epr = sandboxClientKey(ROOT, EPR);
  const got = await fetchToken(base, epr, NOTICE_SCOPE);
  if (!got.token) {
    report.notices = { skipped: `no token for ${NOTICE_SCOPE}: ${got.error}` };
    log(`notices: skipped (${report.notices.skipped})`);
    return;
  }
  const template = JSON.parse(fs.readFileSync(templateFile, 'utf8'));
  const withNhs = people.filter((p) => p.nhsNumber);
  const run = `${process.pid}-${Date.now()}`;
  const bodies = Array.from({ length: s.noticeAmount }, (_, i) => {
    const p = withNhs[i % withNhs.length];
    const n = structuredClone(template);
    n.identifier = [{ system: template.identifier[0].system, value: `BENCH-${run}-${i}` }];
    n.subject = { identifier: { system: NHS, value: p.nhsNumber }, display: `${p.givenNames[0]} ${p.familyName}` };
    const patient = n.contained?.find((c: { resourceType: string }) => c.resourceType === 'Patient');
    if (patient) {
      patient.identifier = [{ system: NHS, value: p.nhsNumber }];
      patient.name = [{ use: 'official', family: p.familyName, given: p.givenNames }];
      patient.birthDate = p.birthDate;
      patient.gender = p.gender;
    }
    return JSON.stringify(n);
  });
  // One notice first, so a refusal is reported plainly rather than as a rate of failures.
  const probe = await fetch(`${base}/fhir/Communication`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${got.token}`, 'Content-Type': 'application/fhir+json', Accept: 'application/fhir+json' },
    body: JSON.stringify({ ...JSON.parse(bodies[0]), identifier: [{ system: template.identifier[0].system, value: `BENCH-${run}-probe` }] }),
  });
  if (probe.status !== 201) {
    report.notices = { skipped: `POST /fhir/Communication answered ${probe.status}: ${(await probe.text()).slice(0, 300)}` };
    log(`notices: skipped (${report.notices.skipped})`);
    return;
  }
  await probe.arrayBuffer();
  const connections = 16;
  log(`notices: up to ${bodies.length} in ${s.noticeSeconds} s, ${connections} connections`);
  const r = await drive({
    url: base,
    connections,
    seconds: s.noticeSeconds,
    amount: bodies.length,
    method: 'POST',
    headers: { Authorization: `Bearer ${got.token}`, 'Content-Type': 'application/fhir+json', Accept: 'application/fhir+json' },
    paths: ['/fhir/Communication'],
    bodies,
  });
  report.notices = { ...r, connections };
  log(`notices: ${r.rps.toFixed(0)} committed/s, p50 ${r.p50} ms, p99 ${r.p99} ms${r.non2xx ? `, non-2xx ${r.non2xx}` : ''}`);
}

/**
 * The large population, generated once and reused: a data directory under bench/.cache/, or a
 * database next to DATABASE_URL's, named by size, seed and generator version.
 */
async function largeStore(s: Settings, databaseUrl: string | undefined, common: NodeJS.ProcessEnv, work: string, report: Report): Promise<StoreSpec> {
  const name = `people-${s.largePeople}-seed-${SEED}-gen-${GENERATOR_VERSION}`;
  const generate = async (env: NodeJS.ProcessEnv, where: string) => {
    log(`generating ${s.largePeople.toLocaleString('en-GB')} people into ${where} (once; reused by later runs)`);
    const t = Date.now();
    await run(process.execPath, [path.join(ROOT, 'dist', 'cli', 'generate.js'), '--people', String(s.largePeople), '--seed', String(SEED)], {
      env,
      cwd: ROOT,
      timeoutMs: 25 * 60_000,
      onLine: (line) => log(`  generate: ${line}`),
    });
    report.generation = { people: s.largePeople, seconds: Math.round((Date.now() - t) / 100) / 10, cached: false, where };
  };
  if (databaseUrl) {
    const dbName = `bench_${name.replace(/-/g, '_')}`;
    const url = withDatabase(databaseUrl, dbName);
    if (!(await populationLoaded(databaseUrl, dbName, s.largePeople))) {
      await dropDatabase(databaseUrl, dbName);
      await createDatabase(databaseUrl, dbName);
      await generate({ ...common, DATABASE_URL: url, DATA_DIR: path.join(work, 'large') }, `PostgreSQL database ${dbName}`);
    } else {
      report.generation = { people: s.largePeople, seconds: 0, cached: true, where: `PostgreSQL database ${dbName}` };
    }
    return { label: `postgres (database ${dbName}, reused)`, env: { ...common, DATABASE_URL: url, DATA_DIR: path.join(work, 'large') }, cached: true };
  }
  const dir = path.join(CACHE, `pglite-${name}`);
  if (!fs.existsSync(path.join(dir, '.complete'))) {
    const partial = `${dir}.partial`;
    fs.rmSync(partial, { recursive: true, force: true });
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(CACHE, { recursive: true });
    await generate({ ...common, DATA_DIR: partial }, `bench/.cache/pglite-${name}`);
    fs.writeFileSync(path.join(partial, '.complete'), `${new Date().toISOString()}\n`);
    fs.renameSync(partial, dir);
  } else {
    report.generation = { people: s.largePeople, seconds: 0, cached: true, where: path.relative(ROOT, dir) };
  }
  return { label: `embedded (bench/.cache/pglite-${name}, reused)`, env: { ...common, DATA_DIR: dir }, cached: true };
}

/** `npm start` itself (TypeScript build, then the facade) on the existing large store, to the first 200. */
async function measureNpmStart(spec: StoreSpec, work: string, report: Report) {
  const port = await freePort();
  try {
    const child = await startChild({
      command: 'npm',
      args: ['start', '--silent'],
      env: { ...spec.env, PORT: String(port), PUBLIC_BASE_URL: `http://${HOST}:${port}`, SYNTHETIC_PEOPLE: String(report.settings.largePeople) },
      port,
      readyPath: '/fhir/metadata',
      logFile: path.join(work, 'npm-start.log'),
      timeoutMs: 5 * 60_000,
      cwd: ROOT,
    });
    report.npmStartReadyMs = child.readyMs;
    await child.stop();
    log(`npm start (build + start) on the existing store: ready in ${child.readyMs} ms`);
  } catch (err) {
    report.notes.push(`npm start could not be timed: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** A body of exactly `bytes` bytes: the typical answer, trimmed or padded inside a JSON string so it stays JSON. */
function fitTo(typical: string, bytes: number): string {
  const base = JSON.parse(typical);
  base.id = '';
  const without = Buffer.byteLength(JSON.stringify(base));
  base.id = 'x'.repeat(Math.max(0, bytes - without));
  return JSON.stringify(base);
}

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

async function admin<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function createDatabase(url: string, db: string) {
  await admin(url, (c) => c.query(`CREATE DATABASE ${db}`));
}

async function dropDatabase(url: string, db: string) {
  await admin(url, (c) => c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`));
}

async function freshDatabase(url: string, db: string): Promise<string> {
  await dropDatabase(url, db);
  await createDatabase(url, db);
  return withDatabase(url, db);
}

async function populationLoaded(url: string, db: string, people: number): Promise<boolean> {
  const exists = await admin(url, (c) => c.query('SELECT 1 FROM pg_database WHERE datname = $1', [db]));
  if (exists.rowCount === 0) return false;
  try {
    return await admin(withDatabase(url, db), async (c) => {
      const r = await c.query('SELECT 1 FROM dataset_loads WHERE name = $1', [`synthetic/people=${people},seed=${SEED}`]);
      return (r.rowCount ?? 0) > 0;
    });
  } catch {
    return false;
  }
}

function log(message: string) {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

main().then(
  async () => {
    await sleep(10);
    process.exit(0);
  },
  (err) => {
    console.error(`bench failed: ${err instanceof Error ? err.stack : err}`);
    process.exit(1);
  },
);
