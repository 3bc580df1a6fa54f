import { Bundle } from '@medplum/fhirtypes';
import { BASE_URL, startTestApp, TestApp } from '../support/app';
import { testPrivateKey, testPublicJwks } from '../support/auth';
import { JwksServer, startJwksServer } from '../support/jwksServer';
import { signJwt, unsignedJwt } from '../support/jwt';

const ISSUER = 'https://idp.wexbridge.example/realms/staff';
const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const ids = (bundle: Bundle, type?: string) =>
  (bundle.entry ?? []).filter((e) => !type || e.resource!.resourceType === type).map((e) => e.resource!.id!).sort();

describe("tokens from the council's own identity provider", () => {
  let idp: JwksServer;
  let t: TestApp;
  beforeAll(async () => {
    idp = await startJwksServer();
    idp.serve(testPublicJwks('test-other'), { 'Cache-Control': 'max-age=300' });
    t = await startTestApp('pglite', {}, {
      COUNCIL_IDP_ISSUER: ISSUER,
      COUNCIL_IDP_JWKS_URI: idp.url,
      COUNCIL_IDP_SCOPE_CLAIM: 'scp',
      COUNCIL_IDP_ORGANIZATION_CLAIM: 'ods',
      COUNCIL_IDP_PATIENT_CLAIM: 'patient',
    });
  });
  afterAll(async () => {
    await t.close();
    await idp.close();
  });

  /** A token as the council IdP would issue it (signed with its key), with claims overridden. */
  const idpToken = (claims: Record<string, unknown>, header: { alg?: string; kid?: string } = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return signJwt(
      { iss: ISSUER, aud: `${BASE_URL}/fhir`, sub: 'jo.bloggs@wexbridge.example', azp: 'council-portal', iat: now, exp: now + 600, ods: 'WXB', ...claims },
      { alg: 'ES384', kid: 'test-other-1', ...header },
      testPrivateKey('test-other'),
    );
  };
  const get = async (path: string, token: string) => t.http.get(path).set('Authorization', `Bearer ${token}`);

  it('maps the scope claim (a list here) and user/ scopes onto the same access model', async () => {
    const token = await idpToken({ scp: ['user/Patient.rs', 'user/CarePlan.rs'] });
    const res = await get(`/fhir/Patient?identifier=${encodeURIComponent(`${NHS}|9990000018`)}&_revinclude=CarePlan:subject&_revinclude=Flag:subject`, token);
    expect(res.status).toBe(200);
    expect(ids(res.body, 'Patient')).toEqual(['WXB-100001']);
    expect(ids(res.body, 'CarePlan').length).toBeGreaterThan(0);
    expect(ids(res.body, 'Flag')).toEqual([]);
    expect((await get('/fhir/Flag', token)).status).toBe(403);
  });

  it('confines patient/ scopes to the patient claim, leaving directory types readable', async () => {
    const token = await idpToken({ scp: 'patient/*.rs', patient: 'WXB-100007' });
    expect(ids((await get('/fhir/Patient?_count=100', token)).body)).toEqual(['WXB-100007']);
    expect(ids((await get('/fhir/CarePlan?_count=100', token)).body)).toEqual(['PKG-0006', 'PKG-0007']);
    expect((await get('/fhir/Patient/WXB-100007', token)).status).toBe(200);
    expect((await get('/fhir/Patient/WXB-100001', token)).status).toBe(403);
    expect((await get('/fhir/CarePlan/PKG-0001', token)).status).toBe(403);
    const search = await get(`/fhir/Patient?identifier=${encodeURIComponent(`${NHS}|9990000018`)}`, token);
    expect(search.body.total).toBe(0);
    expect((await get('/fhir/Organization?_count=1', token)).status).toBe(200);

    const introspected = await t.http.post('/auth/introspect').set('Authorization', `Bearer ${token}`).type('form').send({ token });
    expect(introspected.body).toMatchObject({ active: true, scope: 'patient/*.rs', client_id: 'council-portal', patient: 'WXB-100007', organization: 'WXB', iss: ISSUER });
  });

  it('grants nothing by a patient/ scope without a patient claim', async () => {
    const token = await idpToken({ scp: 'patient/*.rs' });
    expect((await get('/fhir/Patient/WXB-100001', token)).status).toBe(403);
    expect((await get('/fhir/Patient', token)).status).toBe(403);
  });

  it('refuses tokens of the wrong audience or issuer, expired, unsigned or HMAC-signed, or signed by another key', async () => {
    const now = Math.floor(Date.now() / 1000);
    const refusals = [
      await idpToken({ scp: 'user/*.rs', aud: 'https://another-api.example' }),
      await idpToken({ scp: 'user/*.rs', exp: now - 5 }),
      unsignedJwt({ kid: 'test-other-1' }, { iss: ISSUER, aud: `${BASE_URL}/fhir`, scp: 'user/*.rs', exp: now + 60 }),
      await signJwt({ iss: ISSUER, aud: `${BASE_URL}/fhir`, scp: 'user/*.rs', exp: now + 60 }, { alg: 'HS256', kid: 'test-other-1' }, new TextEncoder().encode('x'.repeat(32))),
      await signJwt({ iss: ISSUER, aud: `${BASE_URL}/fhir`, scp: 'user/*.rs', exp: now + 60 }, { alg: 'ES384', kid: 'test-other-1' }, testPrivateKey('test-rotated')),
      await signJwt({ iss: 'https://idp.elsewhere.example', aud: `${BASE_URL}/fhir`, scp: 'user/*.rs', exp: now + 60 }, { alg: 'ES384', kid: 'test-other-1' }, testPrivateKey('test-other')),
    ];
    for (const token of refusals) {
      const res = await get('/fhir/Patient/WXB-100001', token);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/error="invalid_token"/);
    }
  });

  it('sees the health view by default (COUNCIL_IDP_VIEW)', async () => {
    const token = await idpToken({ scp: 'user/Flag.rs' });
    const flag = (await get('/fhir/Flag/SG-0001', token)).body;
    expect(flag.code.coding).toBeUndefined();
  });
});
