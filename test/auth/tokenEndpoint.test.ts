import pino from 'pino';
import request from 'supertest';
import { base64url } from 'jose';
import { createApp } from '../../src/app';
import { signClientAssertion } from '../../src/auth/assertionSigner';
import { CLIENT_ASSERTION_TYPE } from '../../src/auth/assertion';
import { openStore } from '../../src/store/openStore';
import { BASE_URL, startTestApp, TestApp } from '../support/app';
import { keyOfClient, requestToken, testPrivateKey, testPublicJwks, tokenUrlOf } from '../support/auth';
import { assertionClaims, signJwt, tamper, unsignedJwt } from '../support/jwt';
import { DRIVERS, describeWithPostgres } from '../support/stores';

const TOKEN_URL = tokenUrlOf(BASE_URL);
const CLIENT = 'test-flags';
const KID = 'test-es384-1';

describe.each(DRIVERS)('token endpoint: client_credentials with a signed JWT assertion (%s)', (driver) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(driver);
  });
  afterAll(() => t.close());

  /** POSTs a token request with this assertion (and any parameter overridden). */
  const post = (assertion: string, params: Record<string, string> = {}) =>
    t.http
      .post('/auth/token')
      .type('form')
      .send({ grant_type: 'client_credentials', scope: 'system/Flag.rs', client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion, ...params });
  const good = (overrides: Record<string, unknown> = {}, header: { alg?: string; kid?: string; typ?: string; jku?: string } = {}) =>
    signJwt(assertionClaims(CLIENT, TOKEN_URL, overrides), { alg: 'ES384', kid: KID, typ: 'JWT', ...header }, testPrivateKey('test-es384'));

  /** The refusal every bad assertion gets: 400 invalid_client, not cached, with a description. */
  const expectInvalidClient = (res: request.Response, description: RegExp) => {
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_client');
    expect(res.body.error_description).toMatch(description);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.access_token).toBeUndefined();
  };

  it('issues a bearer token for a valid ES384 assertion: expires_in, scope, no refresh token, not cached', async () => {
    const res = await post(await good());
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.pragma).toBe('no-cache');
    expect(res.body).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 300, scope: 'system/Flag.rs' });
    expect(res.body.refresh_token).toBeUndefined();
  });

  it('issues a token for an RS384 assertion', async () => {
    const assertion = await signClientAssertion({ clientId: 'test-social-care', tokenUrl: TOKEN_URL, privateJwk: testPrivateKey('test-rs384') });
    const res = await post(assertion, { scope: 'system/*.rs' });
    expect(res.status).toBe(200);
    expect(res.body.scope).toBe('system/*.rs');
  });

  describe('refuses, with invalid_client', () => {
    it('alg: none', async () => {
      const res = await post(unsignedJwt({ kid: KID, typ: 'JWT' }, assertionClaims(CLIENT, TOKEN_URL)));
      expectInvalidClient(res, /alg "none" is not accepted/);
    });

    it('HS256 signed with a shared secret (even the public key used as an HMAC secret)', async () => {
      for (const secret of [new TextEncoder().encode('a-shared-secret-of-thirty-two-bytes!'), new TextEncoder().encode(JSON.stringify(testPublicJwks('test-es384').keys[0]))]) {
        const res = await post(await signJwt(assertionClaims(CLIENT, TOKEN_URL), { alg: 'HS256', kid: KID, typ: 'JWT' }, secret));
        expectInvalidClient(res, /alg "HS256" is not accepted/);
      }
    });

    it('a key not registered for the client (another client\'s key, under its own kid)', async () => {
      const res = await post(await signJwt(assertionClaims(CLIENT, TOKEN_URL), { alg: 'RS384', kid: 'test-rs384-1', typ: 'JWT' }, testPrivateKey('test-rs384')));
      expectInvalidClient(res, /no key with kid "test-rs384-1" is registered for test-flags/);
    });

    it('a key not registered, presented under the registered kid', async () => {
      const res = await post(await signJwt(assertionClaims(CLIENT, TOKEN_URL), { alg: 'ES384', kid: KID, typ: 'JWT' }, testPrivateKey('test-other')));
      expectInvalidClient(res, /signature does not verify/);
    });

    it('a tampered payload', async () => {
      const res = await post(tamper(await good(), (c) => (c.exp = (c.exp as number) + 60)));
      expectInvalidClient(res, /signature does not verify/);
      const other = await post(tamper(await good(), (c) => (c.iss = c.sub = 'test-system')), { scope: 'system/*.rs' });
      expectInvalidClient(other, /signature does not verify/);
    });

    it('an unknown kid, and a missing one', async () => {
      expectInvalidClient(await post(await good({}, { kid: 'no-such-key' })), /no key with kid "no-such-key"/);
      const noKid = await signJwt(assertionClaims(CLIENT, TOKEN_URL), { alg: 'ES384', typ: 'JWT' }, testPrivateKey('test-es384'));
      expectInvalidClient(await post(noKid), /needs a kid/);
    });

    it('aud set to the FHIR base (or anything but the token endpoint)', async () => {
      expectInvalidClient(await post(await good({ aud: `${BASE_URL}/fhir` })), /aud must be the token endpoint, http:\/\/facade\.test\/auth\/token/);
      expectInvalidClient(await post(await good({ aud: 'https://elsewhere.example/token' })), /aud must be the token endpoint/);
    });

    it('an expired assertion (beyond the clock skew allowance)', async () => {
      const now = Math.floor(Date.now() / 1000);
      expectInvalidClient(await post(await good({ iat: now - 400, exp: now - 60 })), /expired/);
    });

    it('exp more than 5 minutes ahead', async () => {
      const now = Math.floor(Date.now() / 1000);
      expectInvalidClient(await post(await good({ exp: now + 600 })), /more than 5 minutes ahead/);
    });

    it('a missing exp, and a missing jti', async () => {
      expectInvalidClient(await post(await good({ exp: undefined })), /needs a "exp" claim/);
      expectInvalidClient(await post(await good({ jti: undefined })), /needs a "jti" claim/);
    });

    it('iss different from sub', async () => {
      expectInvalidClient(await post(await good({ sub: 'test-system' })), /iss and sub must both be the client_id/);
      expectInvalidClient(await post(await good({ iss: undefined })), /iss and sub/);
    });

    it('an unknown client', async () => {
      const res = await post(await good({ iss: 'nobody', sub: 'nobody' }));
      expectInvalidClient(res, /"nobody" is not a registered client/);
    });

    it('a replayed jti: the same assertion works once', async () => {
      const assertion = await good();
      expect((await post(assertion)).status).toBe(200);
      expectInvalidClient(await post(assertion), /used before \(jti\)/);
      // A new assertion reusing the jti is a replay too.
      const { jti } = JSON.parse(new TextDecoder().decode(base64url.decode(assertion.split('.')[1])));
      expectInvalidClient(await post(await good({ jti })), /used before/);
    });

    it('a client_id parameter naming another client, a typ other than JWT, a jku that is not registered', async () => {
      expectInvalidClient(await post(await good(), { client_id: 'test-system' }), /client_id does not match/);
      expectInvalidClient(await post(await good({}, { typ: 'at+jwt' })), /typ "at\+jwt" is not a client assertion/);
      expectInvalidClient(await post(await good({}, { jku: 'https://attacker.example/jwks.json' })), /jku is not the JWKS URL registered/);
    });

    it('an access token presented as an assertion', async () => {
      const token = await t.token('system/Flag.rs', CLIENT);
      expectInvalidClient(await post(token), /typ "at\+jwt"|iss and sub/);
    });

    it('something that is not a JWT', async () => {
      expectInvalidClient(await post('not-a-jwt'), /not a signed JWT/);
    });

    it('a wrong client_assertion_type', async () => {
      const res = await post(await good(), { client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer' });
      expectInvalidClient(res, /client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer/);
    });
  });

  it('refuses a wrong grant_type with unsupported_grant_type, a missing one with invalid_request', async () => {
    const wrong = await post(await good(), { grant_type: 'authorization_code' });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toEqual({ error: 'unsupported_grant_type', error_description: expect.stringMatching(/use client_credentials/) });
    expect(wrong.headers['cache-control']).toBe('no-store');
    const missing = await t.http.post('/auth/token').type('form').send({ client_assertion: await good() });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe('invalid_request');
  });

  it('refuses a request that is not a form, repeats a parameter, lacks the assertion, or is not a POST', async () => {
    const json = await t.http.post('/auth/token').send({ grant_type: 'client_credentials' });
    expect(json.status).toBe(400);
    expect(json.body.error).toBe('invalid_request');
    const repeated = await t.http.post('/auth/token').type('form').send(`grant_type=client_credentials&scope=a&scope=b&client_assertion_type=${encodeURIComponent(CLIENT_ASSERTION_TYPE)}&client_assertion=${await good()}`);
    expect(repeated.status).toBe(400);
    expect(repeated.body).toMatchObject({ error: 'invalid_request', error_description: 'scope is given more than once' });
    const bare = await t.http.post('/auth/token').type('form').send({ grant_type: 'client_credentials', client_assertion_type: CLIENT_ASSERTION_TYPE });
    expect(bare.body.error).toBe('invalid_request');
    const get = await t.http.get('/auth/token');
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
  });

  describe('grants the intersection of the requested and registered scopes', () => {
    const grant = async (scope: string, clientId = CLIENT) => requestToken(t.http, { baseUrl: BASE_URL, clientId, scope });

    it('narrows a wildcard to what is registered, keeping v1 syntax for v1 requests', async () => {
      expect((await grant('system/*.rs')).body.scope).toBe('system/Flag.rs');
      expect((await grant('system/*.read')).body.scope).toBe('system/Flag.read');
      expect((await grant('system/*.cruds')).body.scope).toBe('system/Flag.rs');
      expect((await grant('system/Flag.r')).body.scope).toBe('system/Flag.r');
      expect((await grant('system/Flag.rs?category=https://fhir.hl7.org.uk/CodeSystem/UKCore-RecordStandardHeadings|safeguarding')).body.scope).toBe(
        'system/Flag.rs?category=https://fhir.hl7.org.uk/CodeSystem/UKCore-RecordStandardHeadings|safeguarding',
      );
    });

    it('drops what is not registered, and grants the rest', async () => {
      const res = await grant('system/Flag.rs system/CarePlan.rs openid fhirUser');
      expect(res.status).toBe(200);
      expect(res.body.scope).toBe('system/Flag.rs');
    });

    it('answers invalid_scope when nothing requested can be granted, saying what can', async () => {
      const res = await grant('system/CarePlan.rs');
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_scope');
      expect(res.body.error_description).toMatch(/system\/CarePlan\.rs \(not registered for this client\).*test-flags may be granted: system\/Flag\.rs/);
      const missing = await t.http
        .post('/auth/token')
        .type('form')
        .send({ grant_type: 'client_credentials', client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: await good() });
      expect(missing.body.error).toBe('invalid_scope');
    });

    it('never grants patient/ or user/ scopes to a backend client: no patient or user is in context', async () => {
      const res = await grant('patient/*.rs user/Flag.rs', 'test-system');
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_scope');
      expect(res.body.error_description).toMatch(/patient\/ scopes need a patient in context.*ask for system\/ scopes/);
    });

    it('ignores malformed and out-of-order permission suffixes rather than reading more broadly', async () => {
      expect((await grant('system/Flag.sr')).body.error).toBe('invalid_scope');
      expect((await grant('system/Flag.dus')).body.error).toBe('invalid_scope');
    });
  });
});

describeWithPostgres('the jti replay record is shared by instances on one PostgreSQL database', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('postgres');
  });
  afterAll(() => t.close());

  it('refuses on instance B an assertion already used on instance A, and vice versa', async () => {
    const other = await openStore({ databaseUrl: t.testStore.databaseUrl });
    try {
      // Instance B as main() would build it: its own authorisation layer, the sandbox clients file.
      const b = request(createApp(t.config, { store: other, logger: pino({ level: 'silent' }) }));
      const assertion = await signClientAssertion({ clientId: 'sandbox-epr-rx1', tokenUrl: TOKEN_URL, privateJwk: keyOfClient('sandbox-epr-rx1') });
      const send = (http: ReturnType<typeof request>) =>
        http
          .post('/auth/token')
          .type('form')
          .send({ grant_type: 'client_credentials', scope: 'system/Patient.rs', client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion });
      const [first, second] = [await send(t.http), await send(b)];
      expect(first.status).toBe(200);
      expect(second.status).toBe(400);
      expect(second.body.error_description).toMatch(/used before/);

      // Two instances racing with the same assertion: exactly one wins.
      const racing = await signClientAssertion({ clientId: 'sandbox-epr-rx1', tokenUrl: TOKEN_URL, privateJwk: keyOfClient('sandbox-epr-rx1') });
      const race = (http: ReturnType<typeof request>) =>
        http
          .post('/auth/token')
          .type('form')
          .send({ grant_type: 'client_credentials', scope: 'system/Patient.rs', client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: racing });
      const results = await Promise.all([race(t.http), race(b), race(t.http), race(b)]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 400, 400, 400]);

      // A token from one instance is good on the other (same issuer, same key).
      const token = first.body.access_token;
      const read = await b.get('/fhir/Patient/WXB-100001').set('Authorization', `Bearer ${token}`);
      expect(read.status).toBe(200);
    } finally {
      await other.close();
    }
  });
});

describe('token endpoint rate limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('pglite', {}, { TOKEN_REQUESTS_PER_MINUTE: '2' });
  });
  afterAll(() => t.close());

  it('answers 429 with Retry-After and an OAuth error once a client has used its allowance, other clients unaffected', async () => {
    const ask = (clientId: string) => requestToken(t.http, { baseUrl: BASE_URL, clientId, scope: 'system/Flag.rs' });
    expect((await ask('test-flags')).status).toBe(200);
    expect((await ask('test-flags')).status).toBe(200);
    const limited = await ask('test-flags');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(limited.body).toEqual({ error: 'slow_down', error_description: expect.stringMatching(/Too many token requests from test-flags/) });
    expect(limited.headers['cache-control']).toBe('no-store');
    expect((await ask('test-system')).status).toBe(200);
  });

  it('does not let unauthenticated requests naming a client use up its allowance', async () => {
    const junk = await signJwt(assertionClaims('test-granular', TOKEN_URL), { alg: 'ES384', kid: 'test-es384-1', typ: 'JWT' }, testPrivateKey('test-other'));
    for (let i = 0; i < 3; i++) {
      const res = await t.http
        .post('/auth/token')
        .type('form')
        .send({ grant_type: 'client_credentials', scope: 'system/Patient.rs', client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: junk });
      expect(res.status).toBe(400);
    }
    expect((await requestToken(t.http, { baseUrl: BASE_URL, clientId: 'test-granular', scope: 'system/Patient.rs' })).status).toBe(200);
  });
});
