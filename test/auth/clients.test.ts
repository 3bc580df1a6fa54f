import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadClients, parseClients } from '../../src/auth/clients';
import { ConfigError, SANDBOX_CLIENTS_FILE } from '../../src/config';
import { testPrivateKey, testPublicJwks, TEST_CLIENTS_FILE } from '../support/auth';

const JWKS = testPublicJwks('test-es384');
const entry = (over: Record<string, unknown> = {}) => ({ client_id: 'epr', jwks: JWKS, scope: 'system/Patient.rs', organization: 'RX1', ...over });
const problems = (json: unknown) => {
  try {
    parseClients(json, 'clients.json');
    return '';
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
};

describe('the client registry (CLIENTS_FILE)', () => {
  it('loads the sandbox and test clients files', () => {
    const sandbox = loadClients(SANDBOX_CLIENTS_FILE);
    expect(sandbox.all().map((c) => c.clientId)).toEqual(['sandbox-epr-rx1', 'sandbox-council-mosaic', 'sandbox-portal']);
    expect(sandbox.get('sandbox-epr-rx1')).toMatchObject({ organization: 'RX1', view: 'health' });
    expect(sandbox.get('sandbox-council-mosaic')).toMatchObject({ organization: 'WXB', view: 'social-care' });
    expect(sandbox.get('sandbox-portal')!.scope).toMatch(/system\/Flag\.rs\?category=/);
    expect(loadClients(TEST_CLIENTS_FILE).get('test-flags')!.scopes.map((s) => s.text)).toEqual(['system/Flag.rs']);
  });

  it('accepts a jwks_uri (https, or http on this machine) instead of inline keys', () => {
    const [c] = parseClients([entry({ jwks: undefined, jwks_uri: 'https://epr.example.nhs.uk/.well-known/jwks.json' })], 'x');
    expect(c.jwksUri).toBe('https://epr.example.nhs.uk/.well-known/jwks.json');
    expect(parseClients([entry({ jwks: undefined, jwks_uri: 'http://127.0.0.1:9999/jwks' })], 'x')[0].jwksUri).toBe('http://127.0.0.1:9999/jwks');
  });

  it.each([
    [{}, /must hold a JSON array/],
    [[entry({ client_id: 'has space' })], /client_id must be 1-128 characters/],
    [[entry(), entry()], /client_id is registered twice/],
    [[entry({ jwks: undefined })], /needs exactly one of jwks \(inline public keys\) or jwks_uri/],
    [[entry({ jwks_uri: 'https://x.example/jwks' })], /needs exactly one of jwks/],
    [[entry({ jwks: undefined, jwks_uri: 'http://epr.example/jwks' })], /must be an https URL/],
    [[entry({ jwks: { keys: [testPrivateKey('test-es384')] } })], /holds private key material \(d\): register the public key only/],
    [[entry({ jwks: { keys: [{ ...JWKS.keys[0], kid: undefined }] } })], /needs a kid/],
    [[entry({ jwks: { keys: [JWKS.keys[0], JWKS.keys[0]] } })], /is used twice/],
    [[entry({ jwks: { keys: [{ ...JWKS.keys[0], alg: 'ES256' }] } })], /alg ES256 is not accepted; use ES384/],
    [[entry({ jwks: { keys: [{ ...JWKS.keys[0], crv: 'P-256' }] } })], /must be on P-384/],
    [[entry({ jwks: { keys: [{ kty: 'oct', kid: 'k', k: 'c2VjcmV0' }] } })], /kty must be RSA \(RS384\) or EC \(ES384\)/],
    [[entry({ jwks: { keys: [{ kty: 'RSA', kid: 'small', n: 'x'.repeat(171), e: 'AQAB' }] } })], /2048 bits or more/],
    [[entry({ scope: 'system/Flag.sr' })], /"system\/Flag\.sr" is not a SMART resource scope/],
    [[entry({ scope: 'patient/*.rs' })], /system\/ scopes only \(patient\/ scopes need a patient in context/],
    [[entry({ scope: '' })], /scope must be a space-separated list/],
    [[entry({ organization: undefined })], /organization must be the client's ODS code/],
    [[entry({ view: 'everything' })], /view must be one of "health", "social-care", "social-care-restricted"/],
    [[entry({ jwks_url: 'https://x.example' })], /jwks_url is not a known field/],
  ])('refuses %j with a clear message', (json, message) => {
    expect(problems(json)).toMatch(message);
  });

  it('reports every problem at once, naming the entry', () => {
    const message = problems([entry(), entry({ client_id: 'b', organization: '', scope: 'nope' })]);
    expect(message).toMatch(/has 2 problem\(s\)/);
    expect(message).toMatch(/entry 1 \(b\): scope "nope"/);
    expect(message).toMatch(/entry 1 \(b\): organization/);
  });

  it('says which file cannot be read or parsed', () => {
    expect(() => loadClients('/nonexistent/clients.json')).toThrow(/cannot read the clients file \/nonexistent\/clients\.json \(CLIENTS_FILE\)/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clients-'));
    fs.writeFileSync(path.join(dir, 'bad.json'), '[{');
    expect(() => loadClients(path.join(dir, 'bad.json'))).toThrow(/is not JSON/);
    fs.rmSync(dir, { recursive: true });
  });
});
