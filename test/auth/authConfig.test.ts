import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { Auth } from '../../src/auth/auth';
import { loadSigningKey } from '../../src/auth/signingKey';
import { createApp } from '../../src/app';
import { ConfigError, deploymentProblems, loadConfig, SANDBOX_CLIENTS_FILE } from '../../src/config';
import { Store } from '../../src/store/store';
import { testPrivateKey } from '../support/auth';

describe('authorisation settings', () => {
  it('has sandbox defaults: the shipped clients, 5-minute tokens, a key generated under DATA_DIR', () => {
    const c = loadConfig({ DATA_DIR: '/srv/facade-data' });
    expect(c.auth).toEqual({
      clientsFile: SANDBOX_CLIENTS_FILE,
      sandboxClients: true,
      tokenLifetimeSeconds: 300,
      tokenRequestsPerMinute: 60,
      signingKey: { file: '/srv/facade-data/token-signing-key.jwk.json', create: true },
      councilIdp: undefined,
    });
  });

  it('takes the clients file, lifetime and signing key from the environment', () => {
    const c = loadConfig({ CLIENTS_FILE: '/etc/facade/clients.json', TOKEN_LIFETIME_SECONDS: '120', TOKEN_SIGNING_KEY_FILE: '/run/secrets/facade-key.json' });
    expect(c.auth).toMatchObject({
      clientsFile: '/etc/facade/clients.json',
      sandboxClients: false,
      tokenLifetimeSeconds: 120,
      signingKey: { file: '/run/secrets/facade-key.json', create: false },
    });
  });

  it('configures the council identity provider, with claim names and the view', () => {
    const c = loadConfig({ PUBLIC_BASE_URL: 'https://care.example.gov.uk', COUNCIL_IDP_ISSUER: 'https://login.council.example', COUNCIL_IDP_JWKS_URI: 'https://login.council.example/keys' });
    expect(c.auth.councilIdp).toEqual({
      issuer: 'https://login.council.example',
      audience: 'https://care.example.gov.uk/fhir',
      jwksUri: 'https://login.council.example/keys',
      scopeClaim: 'scope',
      organizationClaim: 'organization',
      patientClaim: 'patient',
      view: 'health',
    });
  });

  it.each([
    [{ TOKEN_LIFETIME_SECONDS: '7200' }, /TOKEN_LIFETIME_SECONDS must be a whole number from 30 to 3600/],
    [{ TOKEN_REQUESTS_PER_MINUTE: '0' }, /TOKEN_REQUESTS_PER_MINUTE/],
    [{ COUNCIL_IDP_ISSUER: 'https://idp.example' }, /needs both COUNCIL_IDP_ISSUER and COUNCIL_IDP_JWKS_URI/],
    [{ COUNCIL_IDP_ISSUER: 'https://idp.example', COUNCIL_IDP_JWKS_URI: 'http://idp.example/keys' }, /COUNCIL_IDP_JWKS_URI must be an https URL/],
    [{ COUNCIL_IDP_ISSUER: 'https://i', COUNCIL_IDP_JWKS_URI: 'https://i/k', COUNCIL_IDP_VIEW: 'all' }, /COUNCIL_IDP_VIEW must be health, social-care or social-care-restricted/],
    [{ COUNCIL_IDP_ISSUER: 'https://i', COUNCIL_IDP_JWKS_URI: 'https://i/k', COUNCIL_IDP_SCOPE_CLAIM: 'a b' }, /not a claim name/],
  ])('refuses %p', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('will not run the sandbox clients on a public https address unless CLIENTS_FILE says so', () => {
    expect(deploymentProblems(loadConfig({}))).toEqual([]);
    expect(deploymentProblems(loadConfig({ PUBLIC_BASE_URL: 'https://care.example.gov.uk' }))[0]).toMatch(/CLIENTS_FILE is not set, so the sandbox clients/);
    expect(deploymentProblems(loadConfig({ PUBLIC_BASE_URL: 'https://care.example.gov.uk', CLIENTS_FILE: SANDBOX_CLIENTS_FILE }))).toEqual([]);
  });

  it('stops createApp with a clear message when the clients file is wrong', () => {
    const config = loadConfig({ CLIENTS_FILE: '/nonexistent/clients.json' });
    expect(() => createApp(config, { store: {} as Store, logger: pino({ level: 'silent' }) })).toThrow(/cannot read the clients file/);
    expect(() => new Auth(config, { store: {} as Store })).toThrow(ConfigError);
  });
});

describe("the facade's signing key", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facade-key-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is generated on first start (ES384, mode 0600) and the same key is used after a restart', async () => {
    const file = path.join(dir, 'data', 'token-signing-key.jwk.json');
    const first = await loadSigningKey({ file, create: true });
    expect(first.alg).toBe('ES384');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(saved).toMatchObject({ kty: 'EC', crv: 'P-384', d: expect.any(String), kid: first.kid });
    const again = await loadSigningKey({ file, create: true });
    expect(again.kid).toBe(first.kid);
    expect(again.jwks.keys[0].d).toBeUndefined();
  });

  it('two processes starting at once end up with one key', async () => {
    const file = path.join(dir, 'key.json');
    const [a, b] = await Promise.all([loadSigningKey({ file, create: true }), loadSigningKey({ file, create: true })]);
    expect(a.kid).toBe(b.kid);
  });

  it('must exist when named by TOKEN_SIGNING_KEY_FILE, and warns when others can read it', async () => {
    await expect(loadSigningKey({ file: path.join(dir, 'missing.json'), create: false })).rejects.toThrow(/TOKEN_SIGNING_KEY_FILE .* does not exist/);
    const file = path.join(dir, 'rsa.json');
    fs.writeFileSync(file, JSON.stringify(testPrivateKey('test-rs384')), { mode: 0o644 });
    const warnings: string[] = [];
    const key = await loadSigningKey({ file, create: false }, (m) => warnings.push(m));
    expect(key.alg).toBe('RS384');
    expect(warnings[0]).toMatch(/can be read by other users \(mode 644\)/);
  });

  it('takes a JWKS whose first key signs and whose others stay published (rotation)', async () => {
    const file = path.join(dir, 'rotation.json');
    const old = testPrivateKey('test-other');
    fs.writeFileSync(file, JSON.stringify({ keys: [testPrivateKey('test-rotated'), { ...old, d: undefined }] }), { mode: 0o600 });
    const key = await loadSigningKey({ file, create: false });
    expect(key.kid).toBe('test-rotated-2');
    expect(key.jwks.keys.map((k) => k.kid)).toEqual(['test-rotated-2', 'test-other-1']);
    fs.writeFileSync(file, JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', x: 'a', y: 'b', d: 'c' }] }));
    await expect(loadSigningKey({ file, create: false })).rejects.toThrow(/EC key on P-256 cannot sign ES384 or RS384 tokens/);
  });
});
