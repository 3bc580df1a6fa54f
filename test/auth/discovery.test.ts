import { CapabilityStatement } from '@medplum/fhirtypes';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { startTestApp, TestApp } from '../support/app';
import { requestToken } from '../support/auth';

describe('SMART discovery, the CapabilityStatement security, the facade JWKS and introspection', () => {
  let t: TestApp;
  let proxied: TestApp;
  beforeAll(async () => {
    t = await startTestApp('pglite');
    // Behind a proxy: the public base is the proxy's https URL, under a path.
    proxied = await startTestApp('pglite', {}, { PUBLIC_BASE_URL: 'https://care.example.gov.uk/wexbridge/' });
  });
  afterAll(async () => {
    await t.close();
    await proxied.close();
  });

  it.each(['/fhir/.well-known/smart-configuration', '/.well-known/smart-configuration'])(
    'serves %s without a token, as application/json whatever the Accept',
    async (path) => {
      for (const accept of [undefined, 'application/fhir+xml', 'text/html', 'application/json']) {
        const req = t.http.get(path);
        const res = await (accept ? req.set('Accept', accept) : req);
        expect(res.status).toBe(200);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        expect(res.body.token_endpoint).toBe('http://facade.test/auth/token');
      }
    },
  );

  it('claims backend services only, and only what is true', async () => {
    const doc = (await t.http.get('/fhir/.well-known/smart-configuration')).body;
    expect(doc).toEqual({
      // The facade's own token issuer, exactly the iss of its access tokens, and its public keys.
      issuer: 'http://facade.test/fhir',
      jwks_uri: 'http://facade.test/auth/jwks.json',
      token_endpoint: 'http://facade.test/auth/token',
      introspection_endpoint: 'http://facade.test/auth/introspect',
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
      scopes_supported: expect.arrayContaining([
        'system/*.rs',
        'system/*.read',
        'system/Flag.rs',
        'system/Flag.r',
        'system/Flag.s',
        'system/CarePlan.read',
        'system/Communication.c',
        'system/Task.u',
      ]),
      capabilities: ['client-confidential-asymmetric', 'permission-v1', 'permission-v2'],
      code_challenge_methods_supported: ['S256'],
    });
    // No authorization endpoint, so no launch or OpenID Connect capabilities; d only where a delete
    // is served (the council's records but people), so no .write or .* (they would grant d elsewhere).
    expect(doc.authorization_endpoint).toBeUndefined();
    expect((doc.scopes_supported as string[]).filter((s) => /\.write$|\.\*$|^(patient|user)\//.test(s))).toEqual([]);
    const deleting = new Set((doc.scopes_supported as string[]).filter((s) => /\.c?r?u?ds?$/.test(s)).map((s) => s.split('/')[1].split('.')[0]));
    expect([...deleting].sort()).toEqual(['*', 'CarePlan', 'CareTeam', 'Flag', 'Organization', 'Practitioner', 'PractitionerRole', 'Procedure', 'RelatedPerson']);
    expect((await t.http.get('/.well-known/smart-configuration')).body).toEqual(doc);
  });

  it('every scope it lists can be granted as asked, and a token of its issuer verifies with its jwks_uri', async () => {
    const doc = (await t.http.get('/.well-known/smart-configuration')).body;
    // The council's system is registered for system/*.cruds: each listed scope is granted exactly as asked.
    for (const scope of doc.scopes_supported as string[]) {
      const res = await requestToken(t.http, { baseUrl: 'http://facade.test', clientId: 'sandbox-council-mosaic', scope });
      expect({ scope, status: res.status, granted: res.body.scope }).toEqual({ scope, status: 200, granted: scope });
    }
    const jwks = (await t.http.get(new URL(doc.jwks_uri).pathname)).body;
    const { payload } = await jwtVerify(await t.token('system/Flag.rs'), createLocalJWKSet(jwks), { issuer: doc.issuer });
    expect(payload.iss).toBe(doc.issuer);
  });

  it('lists every write scope the facade enforces, alone and with read and search: a notice needs Communication.c, a contact answer Task.u, the council\'s records c, u and d', async () => {
    const doc = (await t.http.get('/.well-known/smart-configuration')).body;
    const writes = (doc.scopes_supported as string[]).filter((s) => /^system\/(Communication|Task)\.[a-z]*[cu]/.test(s));
    expect(writes.sort()).toEqual([
      'system/Communication.c',
      'system/Communication.cr',
      'system/Communication.crs',
      'system/Communication.cs',
      'system/Task.ru',
      'system/Task.rus',
      'system/Task.u',
      'system/Task.us',
    ]);
    // The council's records take create and update (and delete where it means something).
    for (const type of ['Patient', 'CarePlan', 'Flag', 'CareTeam', 'Organization', 'Practitioner', 'PractitionerRole', 'RelatedPerson', 'Procedure']) {
      expect(doc.scopes_supported).toEqual(expect.arrayContaining([`system/${type}.c`, `system/${type}.u`, `system/${type}.cruds`.replace(type === 'Patient' ? 'd' : '#', '')]));
    }
    expect(doc.scopes_supported).not.toContain('system/Patient.d');
    // Each is what the refusal names when it is missing.
    const task = await t.http.put('/fhir/Task/x').set('Authorization', await t.bearer('system/Task.rs', 'sandbox-council-mosaic')).send({ resourceType: 'Task' });
    expect(task.status).toBe(403);
    expect(task.headers['www-authenticate']).toMatch(/error="insufficient_scope".*scope="system\/Task\.u"$/);
  });

  it('builds absolute URLs from the configured public base, never localhost', async () => {
    const doc = (await proxied.http.get('/fhir/.well-known/smart-configuration')).body;
    expect(doc.token_endpoint).toBe('https://care.example.gov.uk/wexbridge/auth/token');
    expect(doc.introspection_endpoint).toBe('https://care.example.gov.uk/wexbridge/auth/introspect');
    for (const [k, v] of Object.entries(doc)) if (k.endsWith('_endpoint')) expect(v).toMatch(/^https:\/\//);
    const cs = (await proxied.http.get('/fhir/metadata')).body as CapabilityStatement;
    expect(JSON.stringify(cs)).not.toMatch(/localhost|facade\.test/);
    // Assertions are addressed to the public token URL, and its tokens are for the public FHIR base.
    const read = await proxied.http.get('/fhir/Patient/WXB-100001').set('Authorization', await proxied.bearer());
    expect(read.status).toBe(200);
    expect(read.body.meta).toBeDefined();
  });

  it('names SMART-on-FHIR in the CapabilityStatement, with the oauth-uris extension', async () => {
    const res = await t.http.get('/fhir/metadata');
    expect(res.status).toBe(200);
    const security = (res.body as CapabilityStatement).rest![0].security!;
    expect(security.service![0].coding).toEqual([
      { system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR', display: 'SMART-on-FHIR' },
    ]);
    const oauth = security.extension!.find((e) => e.url === 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris')!;
    expect(oauth.extension).toEqual([
      { url: 'token', valueUri: 'http://facade.test/auth/token' },
      { url: 'introspect', valueUri: 'http://facade.test/auth/introspect' },
    ]);
  });

  it('publishes its public signing keys, with which another service can verify its tokens', async () => {
    const res = await t.http.get('/auth/jwks.json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const jwks = res.body;
    expect(jwks.keys.length).toBeGreaterThanOrEqual(1);
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-384', alg: 'ES384', use: 'sig', kid: expect.any(String) });
      expect(key.d).toBeUndefined();
    }
    const token = await t.token('system/Patient.rs');
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks), {
      issuer: 'http://facade.test/fhir',
      audience: 'http://facade.test/fhir',
    });
    expect(protectedHeader.typ).toBe('at+jwt');
    expect(payload).toMatchObject({ client_id: 'test-system', sub: 'test-system', scope: 'system/Patient.rs', organization: 'RX1' });
    expect(payload.exp! - payload.iat!).toBe(300);
  });

  describe('token introspection', () => {
    const introspect = async (token: string | undefined, auth?: string) => {
      const req = t.http.post('/auth/introspect').type('form').send(token === undefined ? {} : { token });
      return auth === undefined ? req.set('Authorization', await t.bearer()) : auth ? req.set('Authorization', auth) : req;
    };

    it('describes an active token: active, scope, client_id, exp and more', async () => {
      const token = await t.token('system/Flag.rs', 'test-flags');
      const res = await introspect(token);
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toEqual({
        active: true,
        scope: 'system/Flag.rs',
        client_id: 'test-flags',
        exp: expect.any(Number),
        iat: expect.any(Number),
        sub: 'test-flags',
        iss: 'http://facade.test/fhir',
        aud: 'http://facade.test/fhir',
        token_type: 'Bearer',
        view: 'health',
        organization: 'RX2',
      });
      expect(res.body.exp).toBeGreaterThan(Date.now() / 1000);
    });

    it('answers exactly {"active": false} for an unknown, malformed, foreign or missing token', async () => {
      const real = await t.token();
      for (const token of ['nonsense', `${real.slice(0, -4)}AAAA`, 'eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.', undefined]) {
        const res = await introspect(token);
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ active: false });
      }
    });

    it('needs the caller to hold a valid token itself (no anonymous token scanning)', async () => {
      const token = await t.token();
      const anonymous = await introspect(token, '');
      expect(anonymous.status).toBe(401);
      // No credentials at all: the bare challenge (RFC 6750 §3.1), no error code in it.
      expect(anonymous.headers['www-authenticate']).toBe('Bearer realm="http://facade.test/fhir"');
      expect(anonymous.body.error).toBe('invalid_token');
      expect((await introspect(token, 'Bearer garbage')).status).toBe(401);
      expect((await t.http.get('/auth/introspect')).status).toBe(405);
    });
  });
});
