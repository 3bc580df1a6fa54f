import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RUNNING_FACADE_FILE, runningFacadeBaseUrl } from '../../src/cli/runningFacade';
import { freePort, preparedDataDir, requireBuild, ROOT, run, startFacade } from './processes';

const TOKEN = path.join(ROOT, 'dist', 'cli', 'token.js');

/**
 * `npm run token` in a second terminal reaches the facade the user started, on whatever port, from
 * the file the facade leaves in DATA_DIR while it runs; PORT or PUBLIC_BASE_URL, when given, win.
 */
describe('npm run token finds the running facade', () => {
  let prepared: Awaited<ReturnType<typeof preparedDataDir>>;
  beforeAll(async () => {
    await requireBuild();
    prepared = await preparedDataDir('token');
  }, 120_000);
  afterAll(() => prepared?.remove());

  it('gets a token from a facade on a port it was not told, and stops finding it once the facade has stopped', async () => {
    const env = { DATA_DIR: prepared.dataDir };
    const facade = await startFacade(env);
    const announced = path.join(prepared.dataDir, RUNNING_FACADE_FILE);
    try {
      expect(facade.port).not.toBe(8080);
      expect(JSON.parse(fs.readFileSync(announced, 'utf8'))).toEqual({ baseUrl: facade.base, pid: facade.proc.pid });

      // Neither PORT nor PUBLIC_BASE_URL: the token comes from the facade that was started, and works there.
      const token = run(TOKEN, env);
      expect(await token.exited(20_000)).toEqual({ code: 0, signal: null });
      const accessToken = token.output().trim();
      const search = await fetch(`${facade.base}/fhir/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|9990000018`, {
        headers: { Authorization: `Bearer ${accessToken}` },
      });
      expect(search.status).toBe(200);

      // PORT given: it is obeyed, even with a facade running elsewhere.
      const elsewhere = await freePort();
      const told = run(TOKEN, { ...env, PORT: String(elsewhere) });
      expect((await told.exited(20_000)).code).toBe(1);
      expect(told.output()).toContain(`token: cannot reach the facade at http://localhost:${elsewhere} (is it running? npm start)`);
    } finally {
      facade.proc.kill('SIGTERM');
      expect((await facade.exited(20_000)).code).toBe(0);
    }
    expect(fs.existsSync(announced)).toBe(false);
  }, 90_000);

  it('ignores the file of a facade that died without removing it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facade-announced-'));
    try {
      const gone = spawn(process.execPath, ['-e', '']);
      const pid = gone.pid!;
      await new Promise((resolve) => gone.once('exit', resolve));
      fs.writeFileSync(path.join(dir, RUNNING_FACADE_FILE), JSON.stringify({ baseUrl: 'http://127.0.0.1:9', pid }));
      expect(runningFacadeBaseUrl(dir)).toBeUndefined();
      fs.writeFileSync(path.join(dir, RUNNING_FACADE_FILE), JSON.stringify({ baseUrl: 'http://127.0.0.1:9', pid: process.pid }));
      expect(runningFacadeBaseUrl(dir)).toBe('http://127.0.0.1:9');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("ignores a file another user wrote, even naming a live facade, and believes the same file once it is the user's own", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facade-announced-'));
    try {
      const file = path.join(dir, RUNNING_FACADE_FILE);
      fs.writeFileSync(file, JSON.stringify({ baseUrl: 'http://127.0.0.1:9', pid: process.pid }));
      const me = process.getuid!();
      // Only root can give a file to another user (here nobody, 65534); run by anyone else, the test
      // can show only that the user's own file is believed.
      if (me === 0) {
        fs.chownSync(file, 65534, 65534);
        expect(runningFacadeBaseUrl(dir)).toBeUndefined();
        fs.chownSync(file, me, process.getgid!());
        expect(runningFacadeBaseUrl(dir)).toBe('http://127.0.0.1:9');
      } else {
        expect(runningFacadeBaseUrl(dir)).toBe('http://127.0.0.1:9');
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** NODE_ENV=production with the sandbox's settings: the real process refuses, one line per problem, before touching anything. */
describe('production mode refuses to start on sandbox settings', () => {
  beforeAll(() => requireBuild(), 240_000);

  it('exits 1 with one "Cannot start:" line per problem and no stack trace', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facade-production-'));
    try {
      const dataDir = path.join(dir, 'data');
      const child = run(path.join(ROOT, 'dist', 'main.js'), { NODE_ENV: 'production', DATA_DIR: dataDir, DATABASE_URL: 'postgres://facade@127.0.0.1:1/facade' });
      expect(await child.exited(20_000)).toEqual({ code: 1, signal: null });
      const lines = child.output().trim().split('\n');
      expect(lines).toEqual([
        expect.stringMatching(/^Cannot start: NODE_ENV is production but CLIENTS_FILE is not set/),
        expect.stringMatching(/^Cannot start: NODE_ENV is production but the public base URL is http:\/\/localhost:8080/),
        expect.stringMatching(/^Cannot start: NODE_ENV is production but SANDBOX_DATA is on/),
        expect.stringMatching(/^Cannot start: NODE_ENV is production but COUNCIL_LA_CODE is not set/),
        expect.stringMatching(/^Cannot start: NODE_ENV is production and DATABASE_URL is set, but TOKEN_SIGNING_KEY_FILE is not/),
      ]);
      // Refused before anything was opened or written.
      expect(fs.existsSync(dataDir)).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
