import { AuditEvent, Bundle, CapabilityStatement } from '@medplum/fhirtypes';
import { ConfigError, corsOrigins, loadConfig } from '../../src/config';
import { startTestApp, TestApp } from '../support/app';

const APP = 'https://app.example.nhs.uk';
const LOCAL = 'http://localhost:3000';
const ELSEWHERE = 'https://evil.example.com';
const corsHeaderNames = (headers: Record<string, unknown>) => Object.keys(headers).filter((h) => h.startsWith('access-control-'));

describe('CORS_ORIGINS', () => {
  it('is empty by default, and lists exact origins', () => {
    expect(loadConfig({}).corsOrigins).toEqual([]);
    expect(loadConfig({ CORS_ORIGINS: ` ${APP} ,${LOCAL},${APP}` }).corsOrigins).toEqual([APP, LOCAL]);
  });

  it('refuses * and anything that is not an origin, saying what to write', () => {
    expect(() => corsOrigins('*')).toThrow(ConfigError);
    expect(() => corsOrigins(`${APP},*`)).toThrow(/must list the browser origins allowed.*bearer tokens are credentials/);
    expect(() => corsOrigins('null')).toThrow(ConfigError);
    expect(() => corsOrigins(`${APP}/`)).toThrow(`CORS_ORIGINS entry "${APP}/" is not an origin: write it as ${APP}`);
    expect(() => corsOrigins('https://APP.example.nhs.uk')).toThrow('write it as https://app.example.nhs.uk');
    expect(() => corsOrigins('https://app.example.nhs.uk:443')).toThrow('write it as https://app.example.nhs.uk');
    expect(() => corsOrigins(`${APP}/fhir`)).toThrow(ConfigError);
    expect(() => corsOrigins('app.example.nhs.uk')).toThrow(/give scheme and host/);
    expect(() => corsOrigins('ftp://files.example.nhs.uk')).toThrow(ConfigError);
  });
});

describe('without CORS_ORIGINS', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('pglite');
  });
  afterAll(() => t.close());

  it('sends no CORS header at all, and says cors: false', async () => {
    const metadata = await t.http.get('/fhir/metadata').set('Origin', APP);
    expect(metadata.status).toBe(200);
    expect(corsHeaderNames(metadata.headers)).toEqual([]);
    expect((metadata.body as CapabilityStatement).rest![0].security!.cors).toBe(false);
    const preflight = await t.http.options('/fhir/Patient').set('Origin', APP).set('Access-Control-Request-Method', 'GET');
    expect(corsHeaderNames(preflight.headers)).toEqual([]);
  });

  it('answers OPTIONS 204 with the methods the path takes, for the FHIR API and the authorisation endpoints', async () => {
    for (const [path, allow] of [
      ['/fhir/Patient', 'GET, HEAD, POST, PUT, OPTIONS'],
      ['/fhir/Patient/WXB-100001', 'GET, HEAD, PUT, PATCH, OPTIONS'],
      ['/fhir/CarePlan', 'GET, HEAD, POST, PUT, DELETE, OPTIONS'],
      ['/fhir/CarePlan/PKG-0001', 'GET, HEAD, PUT, PATCH, DELETE, OPTIONS'],
      ['/fhir/AuditEvent', 'GET, HEAD, OPTIONS'],
      ['/fhir/Patient/_search', 'POST, GET, HEAD, OPTIONS'],
      ['/fhir/Communication', 'GET, HEAD, POST, OPTIONS'],
      ['/fhir/Task/T-1', 'GET, HEAD, PUT, PATCH, OPTIONS'],
      ['/fhir/metadata', 'GET, HEAD, OPTIONS'],
      ['/fhir/.well-known/smart-configuration', 'GET, HEAD, OPTIONS'],
      ['/.well-known/smart-configuration', 'GET, HEAD, OPTIONS'],
      ['/auth/token', 'POST, OPTIONS'],
      ['/auth/introspect', 'POST, OPTIONS'],
      ['/auth/jwks.json', 'GET, HEAD, OPTIONS'],
    ]) {
      const res = await t.http.options(path);
      expect({ path, status: res.status, allow: res.headers.allow, body: res.text }).toEqual({ path, status: 204, allow, body: '' });
    }
  });

  it('refuses OPTIONS on what it does not serve as it refuses anything else there', async () => {
    expect((await t.http.options('/fhir/Observation')).status).toBe(401);
    expect((await t.http.options('/fhir/Observation').set('Authorization', await t.bearer())).status).toBe(404);
    expect((await t.http.options('/fhir/_history').set('Authorization', await t.bearer())).status).toBe(404);
  });
});

describe('with CORS_ORIGINS', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('pglite', {}, { CORS_ORIGINS: `${APP},${LOCAL}` });
  });
  afterAll(() => t.close());

  it('answers a preflight from a listed origin: 204, the origin, the methods and request headers the API takes, no credentials', async () => {
    const res = await t.http
      .options('/fhir/Patient')
      .set('Origin', APP)
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Headers', 'authorization,x-purpose-of-use,x-request-id');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(res.headers['access-control-allow-methods']).toBe('GET,HEAD,POST,PUT,PATCH');
    const allowed = String(res.headers['access-control-allow-headers']).split(',');
    expect(allowed).toEqual(
      expect.arrayContaining(['Authorization', 'Content-Type', 'Accept', 'Prefer', 'If-Match', 'If-None-Match', 'If-None-Exist', 'X-Request-ID', 'X-Correlation-ID', 'X-Purpose-Of-Use']),
    );
    expect(res.headers['access-control-max-age']).toBe('600');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(res.headers.vary).toMatch(/Origin/);
    expect(res.headers.allow).toBe('GET, HEAD, POST, PUT, OPTIONS');
    const other = await t.http.options('/auth/token').set('Origin', LOCAL).set('Access-Control-Request-Method', 'POST');
    expect([other.status, other.headers['access-control-allow-origin'], other.headers.allow]).toEqual([204, LOCAL, 'POST, OPTIONS']);
  });

  it('gives another origin no Access-Control-Allow-Origin: its browser refuses the answer', async () => {
    const preflight = await t.http.options('/fhir/Patient').set('Origin', ELSEWHERE).set('Access-Control-Request-Method', 'GET');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers.vary).toMatch(/Origin/);
    const read = await t.http.get('/fhir/Patient/WXB-100001').set('Origin', ELSEWHERE).set('Authorization', await t.bearer());
    expect(read.headers['access-control-allow-origin']).toBeUndefined();
    expect(read.headers.vary).toMatch(/Origin/);
  });

  it('lets a listed origin read the answer and the headers it needs, refusals included', async () => {
    const read = await t.http.get('/fhir/Patient/WXB-100001').set('Origin', APP).set('Authorization', await t.bearer());
    expect(read.status).toBe(200);
    expect(read.headers['access-control-allow-origin']).toBe(APP);
    expect(read.headers.vary).toMatch(/Origin/);
    expect(String(read.headers['access-control-expose-headers']).split(',')).toEqual([
      'Location',
      'ETag',
      'Last-Modified',
      'Content-Location',
      'X-Request-ID',
      'X-Correlation-ID',
      'WWW-Authenticate',
      'Retry-After',
      'X-Progress',
    ]);
    const refused = await t.http.get('/fhir/Patient/WXB-100001').set('Origin', APP);
    expect(refused.status).toBe(401);
    expect(refused.headers['access-control-allow-origin']).toBe(APP);
    expect(refused.headers['www-authenticate']).toBe('Bearer realm="http://facade.test/fhir"');
    const discovery = await t.http.get('/.well-known/smart-configuration').set('Origin', APP);
    expect(discovery.headers['access-control-allow-origin']).toBe(APP);
  });

  it('says cors: true in the CapabilityStatement', async () => {
    const cs = (await t.http.get('/fhir/metadata')).body as CapabilityStatement;
    expect(cs.rest![0].security!.cors).toBe(true);
  });

  it('does not record preflights as accesses: they carry no token and reach no data', async () => {
    await t.http.options('/fhir/Patient/WXB-100001').set('Origin', APP).set('Access-Control-Request-Method', 'GET').set('X-Request-ID', 'preflight-1');
    await t.http.get('/fhir/Patient/WXB-100001').set('Origin', APP).set('Authorization', await t.bearer()).set('X-Request-ID', 'after-preflight-1');
    const council = await t.as('sandbox-council-mosaic');
    const trail = await council(t.http.get('/fhir/AuditEvent').query({ _count: '100' }));
    expect(trail.status).toBe(200);
    const requestIds = ((trail.body as Bundle).entry ?? []).map((e) => (e.resource as AuditEvent).extension?.[0].valueString);
    expect(requestIds).toContain('after-preflight-1');
    expect(requestIds).not.toContain('preflight-1');
  });
});
