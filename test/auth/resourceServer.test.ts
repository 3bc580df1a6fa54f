import { Bundle, Flag, OperationOutcome } from '@medplum/fhirtypes';
import { SignJWT } from 'jose';
import request from 'supertest';
import { ephemeralSigningKey } from '../../src/auth/signingKey';
import { BASE_URL, startTestApp, TestApp } from '../support/app';
import { requestToken, testPrivateKey } from '../support/auth';
import { signJwt, tamper, unsignedJwt } from '../support/jwt';
import { DRIVERS } from '../support/stores';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const BARBARA = `${NHS}|9990000018`;
const HEADINGS = 'https://fhir.hl7.org.uk/CodeSystem/UKCore-RecordStandardHeadings';
const SERVICE = 'https://fhir.social-care-facade.uk/CodeSystem/care-package-service-type';

const types = (bundle: Bundle) => [...new Set((bundle.entry ?? []).map((e) => e.resource!.resourceType))].sort();
const ids = (bundle: Bundle, type?: string) =>
  (bundle.entry ?? []).filter((e) => !type || e.resource!.resourceType === type).map((e) => e.resource!.id!);

const SPINE = 'https://fhir.nhs.uk/CodeSystem/Spine-ErrorOrWarningCode';
const ACCESS_DENIED = { coding: [{ system: SPINE, code: 'ACCESS_DENIED', display: 'Access has been denied to process this request' }] };
const REALM = 'Bearer realm="http://facade.test/fhir"';

/**
 * 401 as RFC 6750 §3.1 has it: no bearer credentials at all, the bare challenge (no error code);
 * a token that is not accepted, error="invalid_token" with a description.
 */
function expectUnauthorised(res: request.Response, diagnostics: RegExp, challenge: 'bare' | 'invalid_token' = 'invalid_token') {
  expect(res.status).toBe(401);
  if (challenge === 'bare') expect(res.headers['www-authenticate']).toBe(REALM);
  else expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="http:\/\/facade\.test\/fhir", error="invalid_token", error_description="[^"]+"$/);
  expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
  const oo = res.body as OperationOutcome;
  expect(oo.resourceType).toBe('OperationOutcome');
  expect(oo.issue[0]).toMatchObject({ severity: 'error', code: 'login', details: ACCESS_DENIED });
  expect(oo.issue[0].diagnostics).toMatch(diagnostics);
}

/** 403 for want of a scope: RFC 6750 §3.1 insufficient_scope, naming the scope that would allow it. */
function expectForbidden(res: request.Response, diagnostics: RegExp, scope: string) {
  expect(res.status).toBe(403);
  expect(res.body.resourceType).toBe('OperationOutcome');
  expect(res.body.issue[0]).toMatchObject({ severity: 'error', code: 'forbidden', details: ACCESS_DENIED });
  expect(res.body.issue[0].diagnostics).toMatch(diagnostics);
  expect(res.headers['www-authenticate']).toBe(
    `${REALM}, error="insufficient_scope", error_description="${res.body.issue[0].diagnostics}", scope="${scope}"`,
  );
}

describe.each(DRIVERS)('resource server: bearer tokens and scopes (%s)', (driver) => {
  let t: TestApp;
  /** How far the app's clock is ahead of the real one. */
  let ahead = 0;
  beforeAll(async () => {
    t = await startTestApp(driver, {}, {}, { clock: () => Date.now() + ahead });
  });
  afterEach(() => {
    ahead = 0;
  });
  afterAll(() => t.close());

  const get = async (path: string, scope?: string, clientId?: string) =>
    t.http.get(path).set('Authorization', await t.bearer(scope, clientId));

  describe('401 with WWW-Authenticate: Bearer (RFC 6750) and an OperationOutcome (login)', () => {
    it('without a token: the bare challenge, no error code', async () => {
      expectUnauthorised(await t.http.get('/fhir/Patient').query({ identifier: BARBARA }), /An access token is required/, 'bare');
      expectUnauthorised(await t.http.get('/fhir/Patient/WXB-100001'), /access token is required/, 'bare');
      expectUnauthorised(await t.http.post('/fhir/Patient/_search').type('form').send({ identifier: BARBARA }), /access token is required/, 'bare');
      // Credentials of another scheme are no bearer credentials either.
      expectUnauthorised(await t.http.get('/fhir/Patient').set('Authorization', 'Basic dXNlcjpwYXNz'), /holds no bearer token/, 'bare');
    });

    it('with the Bearer scheme but no well-formed token: 400 invalid_request', async () => {
      for (const header of ['Bearer', 'Bearer   ', 'Bearer a b', 'Bearer tok"en']) {
        const res = await t.http.get('/fhir/Patient').set('Authorization', header);
        expect(res.status).toBe(400);
        expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="http:\/\/facade\.test\/fhir", error="invalid_request", error_description="[^"]+"$/);
        expect(res.body.issue[0]).toMatchObject({ severity: 'error', code: 'invalid', diagnostics: expect.stringMatching(/must be "Bearer <access token>"/) });
        expect(res.body.issue[0].details.coding[0]).toMatchObject({ system: SPINE, code: 'INVALID_VALUE', display: 'Invalid value' });
      }
    });

    it('with a token that is not a JWT: invalid_token', async () => {
      expectUnauthorised(await t.http.get('/fhir/Patient').set('Authorization', 'Bearer not-a-jwt'), /not a JWT/);
    });

    it('with a foreign token: another issuer, a forged signature, alg none, a tampered scope', async () => {
      const now = Math.floor(Date.now() / 1000);
      const claims = { iss: `${BASE_URL}/fhir`, aud: `${BASE_URL}/fhir`, sub: 'test-system', client_id: 'test-system', scope: 'system/*.rs', jti: 'x', iat: now, exp: now + 300 };
      const forged = await signJwt(claims, { alg: 'ES384', kid: 'test-other-1', typ: 'at+jwt' }, testPrivateKey('test-other'));
      expectUnauthorised(await t.http.get('/fhir/Patient').set('Authorization', `Bearer ${forged}`), /does not verify/);
      const otherIssuer = await signJwt({ ...claims, iss: 'https://idp.elsewhere.example' }, { alg: 'ES384', kid: 'test-other-1' }, testPrivateKey('test-other'));
      expectUnauthorised(await t.http.get('/fhir/Patient').set('Authorization', `Bearer ${otherIssuer}`), /not issued by this server/);
      const none = unsignedJwt({ typ: 'at+jwt' }, claims);
      expectUnauthorised(await t.http.get('/fhir/Patient').set('Authorization', `Bearer ${none}`), /does not verify/);
      const flagsOnly = await t.token('system/Flag.rs', 'test-flags');
      const widened = tamper(flagsOnly, (c) => (c.scope = 'system/*.rs'));
      expectUnauthorised(await t.http.get('/fhir/CarePlan').set('Authorization', `Bearer ${widened}`), /does not verify/);
    });

    it('with a token signed by the facade\'s own key but for another audience or of another type', async () => {
      const key = await ephemeralSigningKey();
      const now = Math.floor(Date.now() / 1000);
      const claims = { iss: `${BASE_URL}/fhir`, aud: 'https://other.example/fhir', sub: 'test-system', client_id: 'test-system', scope: 'system/*.rs', jti: 'y', iat: now, exp: now + 300 };
      const sign = (c: object, typ: string) => new SignJWT({ ...c }).setProtectedHeader({ alg: key.alg, kid: key.kid, typ }).sign(key.privateKey);
      expectUnauthorised(await t.http.get('/fhir/Patient').set('Authorization', `Bearer ${await sign(claims, 'at+jwt')}`), /aud claim is not acceptable/);
      const right = { ...claims, aud: `${BASE_URL}/fhir` };
      expect((await t.http.get('/fhir/Patient/WXB-100001').set('Authorization', `Bearer ${await sign(right, 'at+jwt')}`)).status).toBe(200);
      expectUnauthorised(await t.http.get('/fhir/Patient').set('Authorization', `Bearer ${await sign({ ...right, jti: 'z' }, 'JWT')}`), /not an access token \(typ\)/);
      const unregistered = { ...right, jti: 'w', sub: 'gone', client_id: 'gone' };
      expectUnauthorised(await t.http.get('/fhir/Patient').set('Authorization', `Bearer ${await sign(unregistered, 'at+jwt')}`), /client gone is no longer registered/);
    });
  });

  it('needs no token for metadata, discovery and the token endpoint', async () => {
    expect((await t.http.get('/fhir/metadata')).status).toBe(200);
    expect((await t.http.get('/fhir/.well-known/smart-configuration')).status).toBe(200);
    expect((await t.http.get('/.well-known/smart-configuration')).status).toBe(200);
    expect((await t.http.get('/auth/jwks.json')).status).toBe(200);
  });

  describe('a token granted only system/Flag.rs', () => {
    it('reads and searches Flags', async () => {
      const search = await get('/fhir/Flag?patient.identifier=' + encodeURIComponent(`${NHS}|9990000050`), 'system/Flag.rs', 'test-flags');
      expect(search.status).toBe(200);
      expect(ids(search.body)).toEqual(['SG-0001']);
      const read = await get('/fhir/Flag/SG-0001', 'system/Flag.rs', 'test-flags');
      expect(read.status).toBe(200);
      expect((read.body as Flag).status).toBe('active');
    });

    it('gets 403 with an OperationOutcome on CarePlan, search and read alike, and on Patient', async () => {
      expectForbidden(await get('/fhir/CarePlan?patient.identifier=' + encodeURIComponent(BARBARA), 'system/Flag.rs', 'test-flags'), /may not search CarePlan/, 'system/CarePlan.s');
      expectForbidden(await get('/fhir/CarePlan/PKG-0001', 'system/Flag.rs', 'test-flags'), /may not read CarePlan/, 'system/CarePlan.r');
      expectForbidden(await get('/fhir/Patient/WXB-100001', 'system/Flag.rs', 'test-flags'), /may not read Patient/, 'system/Patient.r');
    });

    it('never gets a Patient through _include', async () => {
      const res = await get('/fhir/Flag?patient=Patient/WXB-100005&_include=Flag:subject&_include=Flag:author', 'system/Flag.rs', 'test-flags');
      expect(res.status).toBe(200);
      expect(types(res.body)).toEqual(['Flag']);
    });
  });

  it('system/*.read works as v1 (read and search of every type)', async () => {
    const token = await t.token('system/*.read', 'test-system');
    const introspected = await t.http.post('/auth/introspect').set('Authorization', `Bearer ${token}`).type('form').send({ token });
    expect(introspected.body.scope).toBe('system/*.read');
    for (const path of ['/fhir/Patient?identifier=' + encodeURIComponent(BARBARA), '/fhir/Patient/WXB-100001', '/fhir/CarePlan/PKG-0001', '/fhir/Flag?patient=Patient/WXB-100005&status=active', '/fhir/CareTeam?patient=WXB-100001', '/fhir/Organization?_count=2', '/fhir/Practitioner?_count=2', '/fhir/PractitionerRole?_count=2']) {
      expect({ path, status: (await t.http.get(path).set('Authorization', `Bearer ${token}`)).status }).toEqual({ path, status: 200 });
    }
  });

  it('.r allows read but not search; .s allows search but not read', async () => {
    expect((await get('/fhir/Patient/WXB-100001', 'system/Patient.r')).status).toBe(200);
    expectForbidden(await get('/fhir/Patient?_id=WXB-100001', 'system/Patient.r'), /may not search Patient/, 'system/Patient.s');
    const search = await get('/fhir/Patient?_id=WXB-100001', 'system/Patient.s');
    expect(search.status).toBe(200);
    expect(ids(search.body)).toEqual(['WXB-100001']);
    expectForbidden(await get('/fhir/Patient/WXB-100001', 'system/Patient.s'), /may not read Patient/, 'system/Patient.r');
  });

  describe('granular scopes (?category=...)', () => {
    const HOME_CARE = `system/CarePlan.rs?category=${SERVICE}|home-care`;

    it('filter a search to the matching resources: the same as the unrestricted search filtered by the category', async () => {
      // WXB-100007 has a home-care package (PKG-0006) and a day-care package (PKG-0007); a hospital names the person it searches for.
      const person = 'patient=Patient/WXB-100007';
      const granular = await get(`/fhir/CarePlan?${person}`, HOME_CARE, 'test-granular');
      expect(granular.status).toBe(200);
      const expected = await get(`/fhir/CarePlan?${person}&category=${encodeURIComponent(`${SERVICE}|home-care`)}`, 'system/CarePlan.rs');
      expect(ids(granular.body).sort()).toEqual(ids(expected.body).sort());
      expect(ids(granular.body)).toEqual(['PKG-0006']);
      const all = await get(`/fhir/CarePlan?${person}`, 'system/CarePlan.rs');
      expect(ids(all.body).sort()).toEqual(['PKG-0006', 'PKG-0007']);
      // A query that asks for another category finds nothing rather than escaping the scope.
      const dayCare = await get(`/fhir/CarePlan?${person}&category=${encodeURIComponent(`${SERVICE}|day-care`)}`, HOME_CARE, 'test-granular');
      expect(dayCare.body.total).toBe(0);
    });

    it('refuse a read of a resource outside the category with 403, allow one inside', async () => {
      expect((await get('/fhir/CarePlan/PKG-0001', HOME_CARE, 'test-granular')).status).toBe(200);
      expectForbidden(await get('/fhir/CarePlan/PKG-0007', HOME_CARE, 'test-granular'), /outside what this client may read/, 'system/CarePlan.r');
    });

    it('a granular Flag scope: safeguarding matches every Flag, alerts none of them', async () => {
      const safeguarding = `system/Flag.rs?category=${HEADINGS}|safeguarding`;
      const person = 'patient=Patient/WXB-100005';
      const every = ids((await get(`/fhir/Flag?${person}`, 'system/Flag.rs')).body);
      expect(every).toEqual(['SG-0001']);
      expect(ids((await get(`/fhir/Flag?${person}`, safeguarding)).body)).toEqual(every);
      const alerts = `system/Flag.rs?category=${HEADINGS}|alerts`;
      expect((await get(`/fhir/Flag?${person}`, alerts)).body.total).toBe(0);
      expectForbidden(await get('/fhir/Flag/SG-0001', alerts), /outside what this client may read/, 'system/Flag.r');
    });

    it('_revinclude brings only the granted category', async () => {
      // WXB-100007 (NHS 999 000 0077) has a home-care package and a day-care package.
      const query = `/fhir/Patient?identifier=${encodeURIComponent(`${NHS}|9990000077`)}&_revinclude=CarePlan:subject`;
      const unrestricted = await get(query, 'system/Patient.rs system/CarePlan.rs');
      expect(ids(unrestricted.body, 'CarePlan').sort()).toEqual(['PKG-0006', 'PKG-0007']);
      const granular = await get(query, `system/Patient.rs ${HOME_CARE}`, 'test-granular');
      expect(granular.status).toBe(200);
      expect(ids(granular.body, 'Patient')).toEqual(['WXB-100007']);
      expect(ids(granular.body, 'CarePlan')).toEqual(['PKG-0006']);
    });
  });

  describe('_include and _revinclude never return a type the token cannot read', () => {
    it('Patient with _revinclude of plans, flags and care team, granted Patient only', async () => {
      const query = `/fhir/Patient?identifier=${encodeURIComponent(BARBARA)}&_revinclude=CarePlan:subject&_revinclude=Flag:subject&_revinclude=CareTeam:subject&_include=Patient:organization`;
      const full = await get(query, 'system/*.rs');
      expect(types(full.body)).toEqual(['CarePlan', 'CareTeam', 'Organization', 'Patient']);
      const patientOnly = await get(query, 'system/Patient.rs');
      expect(patientOnly.status).toBe(200);
      expect(types(patientOnly.body)).toEqual(['Patient']);
      const withPlans = await get(query, 'system/Patient.rs system/CarePlan.rs');
      expect(types(withPlans.body)).toEqual(['CarePlan', 'Patient']);
    });

    it('includes need read (r): a search-only grant of the included type does not include it', async () => {
      const query = `/fhir/CarePlan?patient.identifier=${encodeURIComponent(BARBARA)}&_include=CarePlan:performer&_include=CarePlan:subject`;
      const res = await get(query, 'system/CarePlan.rs system/Organization.s system/Patient.r');
      expect(types(res.body)).toEqual(['CarePlan', 'Patient']);
    });
  });

  it('the social-care view for a client registered for it, the health view otherwise', async () => {
    const health = await get('/fhir/Flag/SG-0001', 'system/Flag.rs', 'test-system');
    expect((health.body as Flag).code.coding).toBeUndefined();
    const socialCare = await get('/fhir/Flag/SG-0001', 'system/Flag.rs', 'test-social-care');
    expect((socialCare.body as Flag).code.coding?.[0].code).toBe('financial');
  });

  it('verifies a token once: later requests with the same token use the cache', async () => {
    const token = (await requestToken(t.http, { baseUrl: BASE_URL, clientId: 'test-system', scope: 'system/Patient.rs' })).body.access_token;
    const before = t.auth.verifier.verifications;
    for (let i = 0; i < 5; i++) {
      expect((await t.http.get('/fhir/Patient/WXB-100001').set('Authorization', `Bearer ${token}`)).status).toBe(200);
    }
    expect(t.auth.verifier.verifications - before).toBe(1);
    const another = (await requestToken(t.http, { baseUrl: BASE_URL, clientId: 'test-system', scope: 'system/Patient.rs' })).body.access_token;
    await t.http.get('/fhir/Patient/WXB-100001').set('Authorization', `Bearer ${another}`);
    expect(t.auth.verifier.verifications - before).toBe(2);
  });

  it('refuses an expired access token with 401, whether or not it was cached', async () => {
    const token = (await requestToken(t.http, { baseUrl: BASE_URL, clientId: 'test-system', scope: 'system/Patient.rs' })).body.access_token;
    const fresh = (await requestToken(t.http, { baseUrl: BASE_URL, clientId: 'test-system', scope: 'system/Patient.r' })).body.access_token;
    const read = (tok: string) => t.http.get('/fhir/Patient/WXB-100001').set('Authorization', `Bearer ${tok}`);
    expect((await read(token)).status).toBe(200); // verified and cached
    ahead = 290_000;
    expect((await read(token)).status).toBe(200);
    ahead = 301_000;
    expectUnauthorised(await read(token), /expired/);
    expectUnauthorised(await read(fresh), /expired/); // never cached: refused by verification itself
    const introspected = await t.http.post('/auth/introspect').set('Authorization', `Bearer ${token}`).type('form').send({ token });
    expect(introspected.status).toBe(401);
  });
});
