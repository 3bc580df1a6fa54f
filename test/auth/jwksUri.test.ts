import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { signClientAssertion } from '../../src/auth/assertionSigner';
import { CLIENT_ASSERTION_TYPE } from '../../src/auth/assertion';
import { BASE_URL, startTestApp, TestApp } from '../support/app';
import { testPrivateKey, testPublicJwks, tokenUrlOf } from '../support/auth';
import { JwksServer, startJwksServer } from '../support/jwksServer';

const CLIENT = 'remote-keys-client';
const KEY_A = testPublicJwks('test-other').keys[0]; // kid test-other-1
const KEY_B = testPublicJwks('test-rotated').keys[0]; // kid test-rotated-2

describe('a client registered by jwks_uri: keys fetched, cached as Cache-Control says, rotated without a restart', () => {
  let server: JwksServer;
  let t: TestApp;
  let now = Date.now();
  let dir: string;

  beforeAll(async () => {
    server = await startJwksServer();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facade-clients-'));
    const clientsFile = path.join(dir, 'clients.json');
    fs.writeFileSync(
      clientsFile,
      JSON.stringify([{ client_id: CLIENT, jwks_uri: server.url, scope: 'system/Patient.rs', organization: 'RX9' }]),
    );
    t = await startTestApp('pglite', {}, { CLIENTS_FILE: clientsFile }, { clock: () => now });
  });
  afterAll(async () => {
    await t.close();
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Asks for a token with an assertion signed (at the test clock's time) by one of the two keys. */
  const ask = async (key: 'test-other' | 'test-rotated') => {
    const assertion = await signClientAssertion({ clientId: CLIENT, tokenUrl: tokenUrlOf(BASE_URL), privateJwk: testPrivateKey(key), now });
    return t.http
      .post('/auth/token')
      .type('form')
      .send({ grant_type: 'client_credentials', scope: 'system/Patient.rs', client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion });
  };

  it('with Cache-Control: no-store, fetches every time: a new kid works at once, a removed key stops at once', async () => {
    now = Date.now();
    server.serve({ keys: [KEY_A] }, { 'Cache-Control': 'no-store' });
    const hits = server.hits;
    expect((await ask('test-other')).status).toBe(200);
    expect(server.lastAccept).toBe('application/json');
    expect((await ask('test-other')).status).toBe(200);
    expect(server.hits - hits).toBe(2);

    // Rotation: B added alongside A, then A removed.
    server.serve({ keys: [KEY_A, KEY_B] }, { 'Cache-Control': 'no-store' });
    expect((await ask('test-rotated')).status).toBe(200);
    server.serve({ keys: [KEY_B] }, { 'Cache-Control': 'no-store' });
    const refused = await ask('test-other');
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: 'invalid_client', error_description: expect.stringMatching(/no key with kid "test-other-1"/) });
    expect((await ask('test-rotated')).status).toBe(200);
  });

  it('with Cache-Control: max-age, reuses the copy until it goes stale, fetching early only for an unknown kid', async () => {
    now += 1_000_000;
    server.serve({ keys: [KEY_A] }, { 'Cache-Control': 'public, max-age=600' });
    const hits = server.hits;
    expect((await ask('test-other')).status).toBe(200);
    expect((await ask('test-other')).status).toBe(200);
    expect(server.hits - hits).toBe(1);

    // The client rotates to B. A kid not in the cached copy fetches again (after a short cool-down).
    server.serve({ keys: [KEY_B] }, { 'Cache-Control': 'public, max-age=600' });
    now += 15_000;
    expect((await ask('test-rotated')).status).toBe(200);
    expect(server.hits - hits).toBe(2);
    // The fresh copy no longer holds A: refused, without another fetch inside the cool-down.
    expect((await ask('test-other')).status).toBe(400);
    expect(server.hits - hits).toBe(2);
  });

  it('honours max-age less Age, and Expires', async () => {
    now += 1_000_000;
    server.serve({ keys: [KEY_A] }, { 'Cache-Control': 'max-age=600', Age: '590' });
    const hits = server.hits;
    expect((await ask('test-other')).status).toBe(200);
    now += 11_000; // 590 + 11 > 600: stale
    server.serve({ keys: [KEY_B] }, { 'Cache-Control': 'max-age=600' });
    expect((await ask('test-other')).status).toBe(400);
    expect(server.hits - hits).toBe(2);

    now += 1_000_000;
    server.serve({ keys: [KEY_A] }, { Expires: new Date(now + 120_000).toUTCString() });
    expect((await ask('test-other')).status).toBe(200);
    server.serve({ keys: [KEY_B] }, { 'Cache-Control': 'no-store' });
    now += 60_000;
    expect((await ask('test-other')).status).toBe(200); // still within Expires
    now += 61_000;
    expect((await ask('test-other')).status).toBe(400); // past it: fetched again, A is gone
    expect(server.hits - hits).toBe(4);
  });

  it('refuses a jku other than the registered jwks_uri, and says so when the keys cannot be fetched', async () => {
    now += 1_000_000;
    server.serve({ keys: [KEY_A] }, { 'Cache-Control': 'no-store' });
    const { signJwt, assertionClaims } = await import('../support/jwt');
    const claims = assertionClaims(CLIENT, tokenUrlOf(BASE_URL), {}, now);
    const send = async (jwt: string) =>
      t.http
        .post('/auth/token')
        .type('form')
        .send({ grant_type: 'client_credentials', scope: 'system/Patient.rs', client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: jwt });
    const withJku = (jku: string) => signJwt({ ...claims, jti: `${jku}-${Math.random()}` }, { alg: 'ES384', kid: 'test-other-1', typ: 'JWT', jku }, testPrivateKey('test-other'));
    expect((await send(await withJku(server.url))).status).toBe(200);
    const foreign = await send(await withJku('https://attacker.example/jwks.json'));
    expect(foreign.body).toMatchObject({ error: 'invalid_client', error_description: expect.stringMatching(/jku is not the JWKS URL registered/) });

    server.serve('<html>down for maintenance</html>', {}, 503);
    const down = await ask('test-other');
    expect(down.status).toBe(400);
    expect(down.body).toMatchObject({ error: 'invalid_client', error_description: expect.stringMatching(/cannot get remote-keys-client's keys: .* answered 503/) });
  });
});
