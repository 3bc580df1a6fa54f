/**
 * The per-client request limit of callers with a council identity provider token is their own:
 * keyed by the IdP's issuer and the client the token names, never by the bare client name, which
 * an IdP may give to a client of its own that has nothing to do with the facade's registered one.
 */
import { BASE_URL, startTestApp, TestApp } from '../support/app';
import { testPrivateKey, testPublicJwks } from '../support/auth';
import { JwksServer, startJwksServer } from '../support/jwksServer';
import { signJwt } from '../support/jwt';
import { DRIVERS } from '../support/stores';

const ISSUER = 'https://idp.wexbridge.example/realms/staff';

describe.each(DRIVERS)('the request limit of council IdP callers (%s)', (driver) => {
  let idp: JwksServer;
  let t: TestApp;
  beforeAll(async () => {
    idp = await startJwksServer();
    idp.serve(testPublicJwks('test-other'), { 'Cache-Control': 'max-age=300' });
    t = await startTestApp(driver, {}, { COUNCIL_IDP_ISSUER: ISSUER, COUNCIL_IDP_JWKS_URI: idp.url, COUNCIL_IDP_SCOPE_CLAIM: 'scp', CLIENT_REQUESTS_PER_MINUTE: '3' });
  });
  afterAll(async () => {
    await t.close();
    await idp.close();
  });

  const idpToken = (claims: Record<string, unknown>) => {
    const now = Math.floor(Date.now() / 1000);
    return signJwt(
      { iss: ISSUER, aud: `${BASE_URL}/fhir`, sub: 'jo.bloggs@wexbridge.example', iat: now, exp: now + 600, scp: 'user/Patient.rs', ...claims },
      { alg: 'ES384', kid: 'test-other-1' },
      testPrivateKey('test-other'),
    );
  };
  const read = (authorization: string) => t.http.get('/fhir/Patient/WXB-100001').set('Authorization', authorization);

  it('an IdP token whose azp is a registered client_id does not share that client\'s allowance, either way', async () => {
    const registered = await t.bearer(undefined, 'test-system');
    const sameName = `Bearer ${await idpToken({ azp: 'test-system' })}`;
    for (let n = 0; n < 3; n++) expect((await read(registered)).status).toBe(200);
    expect((await read(registered)).status).toBe(429);
    for (let n = 0; n < 3; n++) expect((await read(sameName)).status).toBe(200);
    const refused = await read(sameName);
    expect([refused.status, refused.body.issue?.[0]?.code]).toEqual([429, 'throttled']);
  });

  it('IdP tokens naming one client share its allowance, whoever the user', async () => {
    const a = `Bearer ${await idpToken({ azp: 'council-portal', sub: 'a@wexbridge.example' })}`;
    const b = `Bearer ${await idpToken({ azp: 'council-portal', sub: 'b@wexbridge.example' })}`;
    expect((await read(a)).status).toBe(200);
    expect((await read(b)).status).toBe(200);
    expect((await read(a)).status).toBe(200);
    expect((await read(b)).status).toBe(429);
  });
});
