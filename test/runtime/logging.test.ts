import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import request from 'supertest';
import { createApp } from '../../src/app';
import { ConfigError, loadConfig } from '../../src/config';
import { createLogger } from '../../src/logging';
import { loadSandbox } from '../../src/services/imports/sandbox';
import { bearerFrom } from '../support/auth';
import { DRIVERS, openTestStore, TestStore } from '../support/stores';
import { MAIN, requireBuild, run } from './processes';

/**
 * Logs carry no personal data: a failure while storing a notice about Barbara Thornton is logged
 * with what failed (SQLSTATE, constraint, routine, stack), never with her name or address, whether
 * the database put them in its error's detail or in its message.
 */
const config = loadConfig({ PUBLIC_BASE_URL: 'http://facade.test', FIXTURES_FILE: 'none', TOKEN_REQUESTS_PER_MINUTE: '100000' });
const notice = (value: string) => ({
  ...JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'notices', 'assessment-notice.json'), 'utf8')),
  identifier: [{ system: 'https://fhir.example-hospital.nhs.uk/Id/adw-notice', value }],
});
const PERSONAL = ['Thornton', 'Barbara', 'Larkspur', 'WX3 4QP', '01632 960 101'];

describe.each(DRIVERS)('error logs on %s', (driver) => {
  let t: TestStore;
  const lines: string[] = [];
  let http: ReturnType<typeof request>;
  let bearer: string;
  beforeAll(async () => {
    t = await openTestStore(driver);
    await loadSandbox(t.store);
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    http = request(createApp(config, { store: t.store, logger: createLogger('info', sink) }));
    bearer = await bearerFrom(http, { scope: 'system/Patient.rs system/Communication.crs' });
  });
  afterAll(() => t.close());

  const send = (id: string) => http.post('/fhir/Communication').set('Authorization', bearer).set('Content-Type', 'application/fhir+json').send(notice(id));

  it.each([
    // PostgreSQL's detail: "Failing row contains (... {"contained": [{"name": [{"family": "Thornton" ...".
    ['a check violation (the row in its detail)', 'no_notices', "CHECK (document->>'resourceType' <> 'Communication') NOT VALID", '23514'],
    // The message itself quotes the value: invalid input syntax for type integer: "Thornton".
    ['a bad cast (the value in its message)', 'family_is_number', "CHECK ((document#>>'{contained,0,name,0,family}')::int > 0) NOT VALID", '22P02'],
  ])('%s is logged without the person', async (_what, name, check, code) => {
    await t.store.db.exec(`ALTER TABLE notices ADD CONSTRAINT ${name} ${check}`);
    try {
      lines.length = 0;
      const res = await send(`LOG-${name}`);
      expect(res.status).toBe(500);
      const logged = lines.join('\n');
      expect(logged).toContain('request failed');
      expect(JSON.parse(lines.find((l) => l.includes('request failed'))!).err).toMatchObject({ code, stack: expect.stringContaining('\n    at ') });
      for (const p of PERSONAL) expect(logged).not.toContain(p);
      expect(logged).not.toMatch(/"(detail|where|body|parameters)"/);
    } finally {
      await t.store.db.exec(`ALTER TABLE notices DROP CONSTRAINT ${name}`);
    }
  });
});

describe('LOG_LEVEL', () => {
  it('that pino does not know is a configuration error', () => {
    expect(() => loadConfig({ LOG_LEVEL: 'verbose' })).toThrow(ConfigError);
    expect(() => loadConfig({ LOG_LEVEL: 'verbose' })).toThrow('LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, not "verbose"');
  });

  it('stops the facade with that message and no stack trace', async () => {
    await requireBuild();
    const child = run(MAIN, { LOG_LEVEL: 'verbose', PORT: '0' });
    expect((await child.exited(10_000)).code).toBe(1);
    expect(child.output().trim()).toBe('Cannot start: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, not "verbose"');
  });
});
