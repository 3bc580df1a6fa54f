/**
 * What a running facade (node dist/main.js) says when it starts and stops: one line with the
 * effective configuration, secrets left out, and one with the signal, how long stopping took and
 * how many requests were cut off. A bad LOG_LEVEL is one line, not a stack trace.
 */
import { spawnSync } from 'node:child_process';
import { loadConfig } from '../../src/config';
import { configForLog } from '../../src/logging';
import { createPostgresDatabase, describeWithPostgres, TestDatabase } from '../support/stores';
import { MAIN, preparedDataDir, requireBuild, run, startFacade } from './processes';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const jsonLines = (output: string) =>
  output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('the configuration as logged', () => {
  it('keeps paths and settings, and leaves out the database password wherever the URL holds it', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://facade:s3cret-Pw@db.internal:5432/facade?sslmode=require&password=other-s3cret',
      TOKEN_SIGNING_KEY_FILE: '/run/secrets/signing-key.json',
      CLIENTS_FILE: '/etc/facade/clients.json',
      CORS_ORIGINS: 'https://app.example.nhs.uk,https://portal.example.nhs.uk:8443',
    });
    const logged = configForLog(config);
    const text = JSON.stringify(logged);
    expect(text).not.toContain('s3cret');
    expect(logged.databaseUrl).toBe('postgres://facade:***@db.internal:5432/facade?sslmode=require&password=***');
    expect(logged.auth).toMatchObject({ clientsFile: '/etc/facade/clients.json', signingKey: { file: '/run/secrets/signing-key.json' } });
    expect(logged).toMatchObject({ port: 8080, logLevel: 'info', http: config.http });
    // URLs with nothing to hide are logged as configured, not rewritten.
    expect(logged.corsOrigins).toEqual(['https://app.example.nhs.uk', 'https://portal.example.nhs.uk:8443']);
  });
});

describe('LOG_LEVEL', () => {
  beforeAll(requireBuild, 240_000);

  it('a bad value stops start-up with one line naming it', async () => {
    const child = run(MAIN, { LOG_LEVEL: 'loud', SANDBOX_DATA: 'off' });
    expect((await child.exited(15_000)).code).toBe(1);
    expect(child.output().trim()).toBe('Cannot start: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, not "loud"');
  }, 30_000);
});

describe('an older Node', () => {
  beforeAll(requireBuild, 240_000);

  it('stops start-up with one line saying which Node is needed and how to get it, before anything else loads', () => {
    // This Node, claiming to be the machine's older one.
    const older = spawnSync(process.execPath, ['-e', `Object.defineProperty(process.versions, 'node', { value: '20.20.2' }); require(${JSON.stringify(MAIN)})`], {
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(older.status).toBe(1);
    expect(older.stderr.trim()).toBe(
      "Cannot start: the facade needs Node 24 or newer, and this is Node 20.20.2. Start it with npm start (npm runs the project's own Node 24, installed by npm ci), or install Node 24.",
    );
    expect(older.stdout).toBe('');
  });
});

describeWithPostgres('starting and stopping', () => {
  let db: TestDatabase;
  let data: Awaited<ReturnType<typeof preparedDataDir>>;
  beforeAll(async () => {
    await requireBuild();
    db = await createPostgresDatabase();
    data = await preparedDataDir('log-lines');
  }, 240_000);
  afterAll(async () => {
    await db?.drop();
    data?.remove();
  });

  it('a line with the effective configuration (no password) first, and a line saying how the stop went last', async () => {
    // PostgreSQL trusts local connections here, so the password is never checked: it is there to be hidden.
    const url = db.url!.replace('postgres@', 'postgres:hide-me-pw@');
    const facade = await startFacade({ DATABASE_URL: url, DATA_DIR: data.dataDir, SHUTDOWN_TIMEOUT_SECONDS: '3' }, 60_000);
    const ready = await fetch(`${facade.base}/fhir/metadata`, { headers: { 'X-Request-ID': 'before-stop' } });
    expect(ready.status).toBe(200);
    facade.proc.kill('SIGTERM');
    expect(await facade.exited(20_000)).toEqual({ code: 0, signal: null });

    const output = facade.output();
    expect(output).not.toContain('hide-me-pw');
    const lines = jsonLines(output);
    for (const line of lines) expect(line.time).toMatch(ISO);
    const starting = lines.find((l) => l.msg === 'starting the social-care FHIR facade');
    expect(starting).toMatchObject({
      level: 30,
      version: expect.any(String),
      config: { databaseUrl: url.replace('hide-me-pw', '***'), auth: { signingKey: { file: expect.stringContaining(data.dataDir) } }, port: facade.port, http: { shutdownTimeoutMs: 3000 } },
    });
    expect(lines.find((l) => l.requestId === 'before-stop')).toMatchObject({ path: '/fhir/metadata', status: 200 });
    expect(lines.find((l) => l.msg === 'stopping: finishing the requests in flight')).toMatchObject({ signal: 'SIGTERM', deadlineMs: 3000 });
    const stopped = lines.at(-1);
    expect(stopped).toMatchObject({ msg: 'stopped', signal: 'SIGTERM', ms: expect.any(Number), requestsCutOff: 0 });
  }, 120_000);

  it('drains for SHUTDOWN_DRAIN_SECONDS (readiness 503, requests still served) however long, and exits 0 after', async () => {
    const facade = await startFacade({ DATABASE_URL: db.url!, DATA_DIR: data.dataDir, SHUTDOWN_DRAIN_SECONDS: '7', SHUTDOWN_TIMEOUT_SECONDS: '1' }, 60_000);
    expect((await fetch(`${facade.base}/health/ready`)).status).toBe(200);
    const signalled = Date.now();
    facade.proc.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await fetch(`${facade.base}/health/ready`)).status).toBe(503);
    expect((await fetch(`${facade.base}/fhir/metadata`)).status).toBe(200);
    // Longer than the timeout plus the store's grace, which alone once ended the process mid-drain.
    expect(await facade.exited(30_000)).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeGreaterThanOrEqual(6_500);
  }, 120_000);

  it('a second signal ends the drain at once', async () => {
    const facade = await startFacade({ DATABASE_URL: db.url!, DATA_DIR: data.dataDir, SHUTDOWN_DRAIN_SECONDS: '120' }, 60_000);
    expect((await fetch(`${facade.base}/health/ready`)).status).toBe(200);
    facade.proc.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    facade.proc.kill('SIGTERM');
    expect(await facade.exited(15_000)).toEqual({ code: 0, signal: null });
  }, 120_000);
});
