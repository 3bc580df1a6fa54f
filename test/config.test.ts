import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, dataDirectory, deploymentProblems, loadConfig, PROJECT_ROOT, SANDBOX_CLIENTS_FILE } from '../src/config';
import { sandboxRows } from './support/sandboxDataset';

describe('configuration', () => {
  it('has sandbox defaults: port 8080, embedded store under the project, the sandbox council imported, no developer dataset', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.fhirBaseUrl).toBe('http://localhost:8080/fhir');
    expect(c.databaseUrl).toBeUndefined();
    expect(c.dataDir).toBe(path.join(PROJECT_ROOT, 'data'));
    expect(c.auth.signingKey).toEqual({ file: path.join(PROJECT_ROOT, 'data', 'token-signing-key.jwk.json'), create: true });
    expect(c.sandboxData).toBe(true);
    expect(c.fixturesFile).toBeUndefined();
    expect(c.embeddedSharedBuffersMb).toBe(32);
  });

  it('starts empty with SANDBOX_DATA=off, and loads a developer dataset named by FIXTURES_FILE', () => {
    expect(loadConfig({ SANDBOX_DATA: 'off' }).sandboxData).toBe(false);
    expect(loadConfig({ FIXTURES_FILE: 'my-council.json' }).fixturesFile).toBe(path.resolve('my-council.json'));
    expect(loadConfig({ FIXTURES_FILE: 'none' }).fixturesFile).toBeUndefined();
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
    SANDBOX_DATA: 'off',
    COUNCIL_LA_CODE: 'E10000024',
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
      expect.stringMatching(/^NODE_ENV is production but SANDBOX_DATA is on \(its default\), so the sandbox council's fictional people .* Set SANDBOX_DATA=off/),
      expect.stringMatching(/^NODE_ENV is production but COUNCIL_LA_CODE is not set/),
      expect.stringMatching(/^NODE_ENV is production and DATABASE_URL is set, but TOKEN_SIGNING_KEY_FILE is not: .*\(npm run keygen\)/),
    ]);
  });

  it('refuses the sandbox clients and data asked for on purpose, as it refuses them by default', () => {
    const problems = deploymentProblems(loadConfig({ ...ready, CLIENTS_FILE: SANDBOX_CLIENTS_FILE, SANDBOX_DATA: 'on' }));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/CLIENTS_FILE names the sandbox clients/);
    expect(problems[1]).toMatch(/SANDBOX_DATA is on/);
  });

  describe('the sandbox files copied or linked elsewhere', () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facade-config-'));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    type Client = { client_id: string; jwks?: { keys: Record<string, unknown>[] } };
    const sandboxClients = (): Client[] => JSON.parse(fs.readFileSync(SANDBOX_CLIENTS_FILE, 'utf8'));
    /** The sandbox's people (NHS numbers from its CLD return) as a developer's JSON dataset would hold them. */
    const sandboxDataset = () => {
      const numbers = [...new Set(sandboxRows('cld.csv').map((r) => r['NHS Number']).filter((n) => n !== ''))];
      const people = numbers.map((nhsNumber, i) => ({ id: `P-${i}`, nhsNumber, givenNames: ['A'], familyName: 'B', birthDate: '1940-01-01', gender: 'female', telecom: [], restricted: false }));
      return { organisations: [], workers: [], people, carePackages: [], safeguardingConcerns: [] };
    };
    const ownClients = (): Client[] => JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'auth', 'clients.json'), 'utf8'));
    const write = (name: string, content: unknown) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
      return file;
    };
    const problemsWith = (env: Record<string, string>) => deploymentProblems(loadConfig({ ...ready, ...env }));

    it('refuses a copy of the sandbox clients file, naming the sandbox clients it registers', () => {
      const copy = path.join(dir, 'clients.json');
      fs.copyFileSync(SANDBOX_CLIENTS_FILE, copy);
      const ids = sandboxClients().map((c) => c.client_id);
      expect(problemsWith({ CLIENTS_FILE: copy })).toEqual([
        `NODE_ENV is production but CLIENTS_FILE (${copy}) registers sandbox clients (${ids.join(', ')}), whose private keys are published with the code. ` +
          'Remove them and register your own clients with keys of their own (npm run keygen; see docs/authorisation.md).',
      ]);
    });

    it('refuses a client of its own name registered with a sandbox key, and a sandbox client among real ones', () => {
      const [sandbox] = sandboxClients();
      const [own, ...others] = ownClients();
      // The key as a JWKS tool would write it: members reordered, kid and use changed or dropped.
      const { kid: _kid, use: _use, ...bare } = sandbox.jwks!.keys[0];
      const reordered = Object.fromEntries(Object.entries({ ...bare, kid: 'council-epr-2026' }).reverse());
      const borrowed = write('borrowed.json', [{ ...own, jwks: { keys: [reordered] } }, ...others]);
      const [problem] = problemsWith({ CLIENTS_FILE: borrowed });
      expect(problem).toContain(`registers sandbox clients (${own.client_id} with the key of ${sandbox.client_id})`);

      const mixed = write('mixed.json', [...ownClients(), sandbox]);
      expect(problemsWith({ CLIENTS_FILE: mixed })).toEqual([expect.stringContaining(`registers sandbox clients (${sandbox.client_id})`)]);
    });

    it('accepts registered clients with keys of their own', () => {
      expect(problemsWith({ CLIENTS_FILE: write('clients.json', ownClients()) })).toEqual([]);
    });

    it('refuses the sandbox clients file reached through a symbolic link as the file itself', () => {
      const clients = path.join(dir, 'clients.json');
      fs.symlinkSync(SANDBOX_CLIENTS_FILE, clients);
      expect(problemsWith({ CLIENTS_FILE: clients })).toEqual([expect.stringMatching(/^NODE_ENV is production but CLIENTS_FILE names the sandbox clients/)]);
    });

    it("refuses a dataset holding the sandbox's people (by the NHS numbers of its CLD return), or one of them", () => {
      const copy = write('dataset.json', sandboxDataset());
      const firstNhsNumber = sandboxDataset().people[0].nhsNumber;
      expect(firstNhsNumber).toBe('9990000018');
      expect(problemsWith({ FIXTURES_FILE: copy })).toEqual([
        `NODE_ENV is production but FIXTURES_FILE (${copy}) holds the sandbox council's fictional people (NHS number ${firstNhsNumber} among them), ` +
          'who would be loaded into an empty store beside real ones. Set FIXTURES_FILE=none, or to a dataset of your own.',
      ]);

      const { people } = sandboxDataset();
      const last = people[people.length - 1];
      const oneOfThem = write('council.json', JSON.stringify({ organisations: [], workers: [], people: [last], carePackages: [], safeguardingConcerns: [] }));
      expect(problemsWith({ FIXTURES_FILE: oneOfThem })).toEqual([expect.stringContaining(`(NHS number ${last.nhsNumber} among them)`)]);
    });

    it('finds a sandbox person far into a large dataset, across the pieces it is read in', () => {
      const person = sandboxDataset().people[3];
      const before = '{"organisations": [], "workers": [], "carePackages": [], "safeguardingConcerns": [], "people": [{"nhsNumber": ';
      // The person's quoted NHS number begins a few bytes before the first megabyte ends and runs past it.
      const padding = ' '.repeat((1 << 20) - 5 - before.length);
      const large = write('large.json', `${before}${padding}${JSON.stringify(person.nhsNumber)}}]}`);
      expect(fs.statSync(large).size).toBeGreaterThan(1 << 20);
      expect(problemsWith({ FIXTURES_FILE: large })).toEqual([expect.stringContaining(`(NHS number ${person.nhsNumber} among them)`)]);
    });

    it("accepts a dataset of the council's own people", () => {
      const dataset = sandboxDataset();
      dataset.people = dataset.people.map((p, i) => ({ ...p, nhsNumber: String(4010232137 + i * 11) }));
      expect(problemsWith({ FIXTURES_FILE: write('council.json', dataset) })).toEqual([]);
    });
  });

  it("refuses the sandbox's LA Code, which would refuse every row of the council's CLD return", () => {
    const { COUNCIL_LA_CODE: _unset, ...withoutLaCode } = ready;
    expect(deploymentProblems(loadConfig(withoutLaCode))).toEqual([expect.stringMatching(/^NODE_ENV is production but COUNCIL_LA_CODE is not set/)]);
    expect(deploymentProblems(loadConfig({ ...ready, SANDBOX_DATA: 'off', FIXTURES_FILE: '' }))).toEqual([]);
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
