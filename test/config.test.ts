import path from 'node:path';
import { ConfigError, dataDirectory, deploymentProblems, loadConfig, PROJECT_ROOT, SANDBOX_CLIENTS_FILE, SANDBOX_FIXTURES_FILE } from '../src/config';

describe('configuration', () => {
  it('has sandbox defaults: port 8080, embedded store under the project, sandbox fixtures', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.fhirBaseUrl).toBe('http://localhost:8080/fhir');
    expect(c.databaseUrl).toBeUndefined();
    expect(c.dataDir).toBe(path.join(PROJECT_ROOT, 'data'));
    expect(c.auth.signingKey).toEqual({ file: path.join(PROJECT_ROOT, 'data', 'token-signing-key.jwk.json'), create: true });
    expect(c.fixturesFile).toMatch(/fixtures\/sandbox\/dataset\.json$/);
    expect(c.embeddedSharedBuffersMb).toBe(32);
  });

  it('advertises the public base URL, not localhost, behind a proxy', () => {
    expect(loadConfig({ PUBLIC_BASE_URL: 'https://care.example.gov.uk/' }).fhirBaseUrl).toBe('https://care.example.gov.uk/fhir');
  });

  it('keeps its data, and the sandbox signing key, in DATA_DIR when set, data/ in the project when not', () => {
    expect(dataDirectory({})).toBe(path.join(PROJECT_ROOT, 'data'));
    expect(dataDirectory({ DATA_DIR: '' })).toBe(path.join(PROJECT_ROOT, 'data'));
    expect(dataDirectory({ DATA_DIR: '/var/lib/facade/' })).toBe('/var/lib/facade');
    const c = loadConfig({ DATA_DIR: '/var/lib/facade' });
    expect(c.dataDir).toBe('/var/lib/facade');
    expect(c.auth.signingKey.file).toBe('/var/lib/facade/token-signing-key.jwk.json');
    // With PostgreSQL there is no embedded store, but the sandbox signing key still goes in DATA_DIR.
    expect(loadConfig({ DATA_DIR: '/var/lib/facade', DATABASE_URL: 'postgres://x@db/facade' }).auth.signingKey.file).toBe('/var/lib/facade/token-signing-key.jwk.json');
  });

  it('uses PostgreSQL when DATABASE_URL is set', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://x@db/facade' });
    expect(c.databaseUrl).toBe('postgres://x@db/facade');
    expect(c.dataDir).toBeUndefined();
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT must be a whole number/],
    [{ PORT: '70000' }, /PORT must be a whole number/],
    [{ PUBLIC_BASE_URL: 'not a url' }, /PUBLIC_BASE_URL is not a URL/],
    [{ MAX_PAGE_SIZE: '0' }, /MAX_PAGE_SIZE/],
    [{ EMBEDDED_SHARED_BUFFERS_MB: '8' }, /EMBEDDED_SHARED_BUFFERS_MB must be a whole number from 16/],
  ])('refuses %p with a clear message', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});

describe('production mode (NODE_ENV=production)', () => {
  const ready = {
    NODE_ENV: 'production',
    PUBLIC_BASE_URL: 'https://care.example.gov.uk',
    CLIENTS_FILE: '/etc/facade/clients.json',
    FIXTURES_FILE: 'none',
  };

  it('starts with registered clients, an https address and no sandbox data', () => {
    expect(deploymentProblems(loadConfig(ready))).toEqual([]);
    expect(deploymentProblems(loadConfig({ ...ready, FIXTURES_FILE: '/etc/facade/council-dataset.json' }))).toEqual([]);
    expect(deploymentProblems(loadConfig({ ...ready, DATABASE_URL: 'postgres://facade@db/facade', TOKEN_SIGNING_KEY_FILE: '/run/secrets/signing-key' }))).toEqual([]);
  });

  it('refuses every sandbox default at once, one message each, saying what to set', () => {
    const problems = deploymentProblems(loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://facade@db/facade' }));
    expect(problems).toEqual([
      expect.stringMatching(/^NODE_ENV is production but CLIENTS_FILE is not set, so the sandbox clients, whose private keys are published .* Set CLIENTS_FILE/),
      expect.stringMatching(/^NODE_ENV is production but the public base URL is http:\/\/localhost:8080 \(PUBLIC_BASE_URL\)\. Set PUBLIC_BASE_URL to the https address/),
      expect.stringMatching(/^NODE_ENV is production but FIXTURES_FILE is the sandbox dataset .* Set FIXTURES_FILE=none/),
      expect.stringMatching(/^NODE_ENV is production and DATABASE_URL is set, but TOKEN_SIGNING_KEY_FILE is not: .*\(npm run keygen\)/),
    ]);
  });

  it('refuses the sandbox files named on purpose, as it refuses them by default', () => {
    const problems = deploymentProblems(loadConfig({ ...ready, CLIENTS_FILE: SANDBOX_CLIENTS_FILE, FIXTURES_FILE: SANDBOX_FIXTURES_FILE }));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/CLIENTS_FILE names the sandbox clients/);
    expect(problems[1]).toMatch(/FIXTURES_FILE is the sandbox dataset/);
  });

  it('refuses an http public address and a synthetic population', () => {
    expect(deploymentProblems(loadConfig({ ...ready, PUBLIC_BASE_URL: 'http://care.example.gov.uk' }))).toEqual([
      expect.stringMatching(/public base URL is http:\/\/care\.example\.gov\.uk/),
    ]);
    expect(deploymentProblems(loadConfig({ ...ready, SYNTHETIC_PEOPLE: '1000' }))).toEqual([expect.stringMatching(/SYNTHETIC_PEOPLE is set/)]);
  });

  it('lets one instance on the embedded store make its own signing key', () => {
    expect(deploymentProblems(loadConfig(ready))).toEqual([]);
    expect(loadConfig(ready).auth.signingKey.create).toBe(true);
  });

  it('leaves the sandbox alone when NODE_ENV is anything else', () => {
    for (const NODE_ENV of [undefined, 'development', 'test', 'Production']) {
      expect(deploymentProblems(loadConfig({ NODE_ENV }))).toEqual([]);
    }
  });
});
