import fs from 'node:fs';
import path from 'node:path';
import { JWK } from 'jose';
import request from 'supertest';
import { signClientAssertion } from '../../src/auth/assertionSigner';
import { CLIENT_ASSERTION_TYPE } from '../../src/auth/assertion';

/** TEST ONLY clients (test/fixtures/auth/clients.json) and their private keys. */
export const TEST_CLIENTS_FILE = path.join(__dirname, '..', 'fixtures', 'auth', 'clients.json');
const TEST_KEYS_DIR = path.join(__dirname, '..', 'fixtures', 'auth', 'keys');
const SANDBOX_KEYS_DIR = path.join(__dirname, '..', '..', 'fixtures', 'sandbox', 'keys');

export type TestKeyName = 'test-es384' | 'test-rs384' | 'test-other' | 'test-rotated';

/** The key each test client signs with (as registered in the test clients file). */
export const TEST_CLIENT_KEYS: Record<string, TestKeyName> = {
  'test-system': 'test-es384',
  'test-epr-rx2': 'test-es384',
  'test-social-care': 'test-rs384',
  'test-safeguarding-hub': 'test-rs384',
  'test-case-management': 'test-rs384',
  'test-flags': 'test-es384',
  'test-granular': 'test-es384',
};

export function testPrivateKey(name: TestKeyName): JWK {
  return JSON.parse(fs.readFileSync(path.join(TEST_KEYS_DIR, `${name}.private.jwk.json`), 'utf8'));
}

export function testPublicJwks(name: TestKeyName): { keys: JWK[] } {
  return JSON.parse(fs.readFileSync(path.join(TEST_KEYS_DIR, `${name}.public.jwks.json`), 'utf8'));
}

/** The published SANDBOX ONLY key of a sandbox client (fixtures/sandbox/keys). */
export function sandboxPrivateKey(clientId: string): JWK {
  return JSON.parse(fs.readFileSync(path.join(SANDBOX_KEYS_DIR, `${clientId}.private.jwk.json`), 'utf8'));
}

/** The private key a known test or sandbox client signs with. */
export function keyOfClient(clientId: string): JWK {
  const name = TEST_CLIENT_KEYS[clientId];
  return name ? testPrivateKey(name) : sandboxPrivateKey(clientId);
}

export function tokenUrlOf(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/auth/token`;
}

/** POSTs a client_credentials token request with a freshly signed assertion; the raw response. */
export async function requestToken(
  http: ReturnType<typeof request>,
  opts: { baseUrl: string; clientId: string; scope: string; key?: JWK },
) {
  const tokenUrl = tokenUrlOf(opts.baseUrl);
  const assertion = await signClientAssertion({ clientId: opts.clientId, tokenUrl, privateJwk: opts.key ?? keyOfClient(opts.clientId) });
  // The app serves /auth/token; behind a proxy the public URL (the assertion's aud) may have a prefix.
  return http
    .post('/auth/token')
    .type('form')
    .send({ grant_type: 'client_credentials', scope: opts.scope, client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion });
}

/**
 * `Bearer <token>` from an app's real token endpoint. For apps built on the default
 * configuration (the sandbox clients file), the sandbox hospital EPR's token.
 */
export async function bearerFrom(
  http: ReturnType<typeof request>,
  opts: { baseUrl?: string; clientId?: string; scope?: string } = {},
): Promise<string> {
  const clientId = opts.clientId ?? 'sandbox-epr-rx1';
  const res = await requestToken(http, { baseUrl: opts.baseUrl ?? 'http://facade.test', clientId, scope: opts.scope ?? 'system/*.rs' });
  if (res.status !== 200) throw new Error(`no token for ${clientId}: ${res.status} ${JSON.stringify(res.body)}`);
  return `Bearer ${res.body.access_token}`;
}
