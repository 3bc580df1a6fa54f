/**
 * Whatever text a request carries, its access record can be written: the text a caller chooses
 * (client_id, user headers, the query, the path) is cut to a bounded length, with a visible mark,
 * before it is stored. Unbounded, a long client_id broke the audit index (PostgreSQL refuses an
 * index entry over about 2.7 kB), so the refusal went unrecorded and the caller got a 503.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { startTestApp, TestApp } from '../support/app';
import { CLIENT_ASSERTION_TYPE } from '../../src/auth/assertion';
import { keyOfClient, tokenUrlOf } from '../support/auth';
import { assertionClaims, signJwt } from '../support/jwt';
import { DRIVERS } from '../support/stores';

/** Random hex: it does not compress, as a run of one letter would inside the index. */
const long = (chars: number) => randomBytes(Math.ceil(chars / 2)).toString('hex').slice(0, chars);

interface Row {
  interaction: string;
  http_status: number;
  client_id: string | null;
  user_info: Record<string, string> | null;
  request_id: string;
  path: string;
  query: string | null;
}

describe.each(DRIVERS)('access records of requests with long text (%s)', (driver) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(driver);
  });
  afterAll(() => t.close());

  const rows = (requestId: string) =>
    t.testStore.store.db.query<Row>('SELECT interaction, http_status, client_id, user_info, request_id, path, query FROM audit_events WHERE request_id = $1', [
      requestId,
    ]);

  it('a token request with a 12 kB client_id: 400 invalid_client, audited under the client_id cut short', async () => {
    const requestId = randomUUID();
    const clientId = long(12_000);
    const res = await t.http
      .post('/auth/token')
      .set('X-Request-ID', requestId)
      .type('form')
      .send(new URLSearchParams({ grant_type: 'client_credentials', scope: 'system/*.rs', client_id: clientId, client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: 'x.y.z' }).toString());
    expect([res.status, res.body.error]).toEqual([400, 'invalid_client']);
    const [row] = await rows(requestId);
    expect(row).toMatchObject({ interaction: 'token', http_status: 400 });
    expect(row.client_id!.startsWith(clientId.slice(0, 200))).toBe(true);
    expect(row.client_id!.length).toBeLessThan(400);
    expect(row.client_id).toMatch(/more characters cut\)$/);
  });

  it('a signed assertion whose issuer is 3 kB of text: 400, audited under the claimed issuer cut short', async () => {
    const requestId = randomUUID();
    const iss = long(3_000);
    const assertion = await signJwt(assertionClaims('test-system', tokenUrlOf('http://facade.test'), { iss, sub: iss }), { alg: 'ES384', kid: keyOfClient('test-system').kid }, keyOfClient('test-system'));
    const res = await t.http
      .post('/auth/token')
      .set('X-Request-ID', requestId)
      .type('form')
      .send(new URLSearchParams({ grant_type: 'client_credentials', scope: 'system/*.rs', client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion }).toString());
    expect([res.status, res.body.error]).toEqual([400, 'invalid_client']);
    const [row] = await rows(requestId);
    expect(row).toMatchObject({ interaction: 'token', http_status: 400 });
    expect(row.client_id!.startsWith(iss.slice(0, 200))).toBe(true);
    expect(row.client_id!.length).toBeLessThan(400);
  });

  it('a token request with long user headers: refused and audited', async () => {
    const requestId = randomUUID();
    const res = await t.http
      .post('/auth/token')
      .set('X-Request-ID', requestId)
      .set('X-User-Id', long(5_000))
      .set('NHSD-End-User-Organisation-ODS', long(3_000))
      .type('form')
      .send(`grant_type=client_credentials&client_id=${long(3_000)}`);
    expect(res.status).toBe(400);
    const [row] = await rows(requestId);
    expect(row).toMatchObject({ interaction: 'token', http_status: 400 });
    expect(row.user_info!.id.length).toBeLessThan(400);
    expect(row.user_info!.organization).toMatch(/more characters cut\)$/);
  });

  it('a FHIR request with long user headers: answered and audited, the headers cut short', async () => {
    const requestId = randomUUID();
    const res = await t.http
      .get('/fhir/Patient/no-such-person')
      .set('Authorization', await t.bearer())
      .set('X-Request-ID', requestId)
      .set('X-User-Id', long(4_000))
      .set('X-User-Name', long(4_000))
      .set('X-User-Role', long(3_000))
      .set('NHSD-Session-URID', long(3_000));
    expect([res.status, res.body.resourceType]).toEqual([404, 'OperationOutcome']);
    const [row] = await rows(requestId);
    expect(row).toMatchObject({ interaction: 'read', http_status: 404, client_id: 'test-system' });
    for (const v of Object.values(row.user_info!)) expect(v.length).toBeLessThan(400);
  });

  it('a long X-Request-ID is replaced by one of the facade, under which the request is audited', async () => {
    const res = await t.http.get('/fhir/Patient/no-such-person').set('Authorization', await t.bearer()).set('X-Request-ID', long(5_000));
    expect(res.status).toBe(404);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(await rows(res.headers['x-request-id'])).toHaveLength(1);
  });

  it('a FHIR search with long query values, some looking like NHS numbers, and a long id: 4xx, audited', async () => {
    const bearer = await t.bearer();
    const requestId = randomUUID();
    const nhs = Array.from({ length: 400 }, () => '999' + long(7).replace(/[a-f]/g, '1')).join(',');
    const search = await t.http
      .get(`/fhir/Patient?family=${long(6_000)}&identifier=${nhs}&_elements=${long(3_000)}`)
      .set('Authorization', bearer)
      .set('Prefer', 'handling=strict')
      .set('X-Request-ID', requestId);
    expect(search.status).toBeLessThan(500);
    const [row] = await rows(requestId);
    expect(row).toMatchObject({ interaction: 'search', http_status: search.status });
    expect(row.query!.length).toBeLessThan(5_000);
    expect(row.query).toMatch(/more characters cut\)$/);

    const readId = randomUUID();
    const read = await t.http.get(`/fhir/Patient/${long(7_000)}`).set('Authorization', bearer).set('X-Request-ID', readId);
    expect([read.status >= 400 && read.status < 500, read.body.resourceType]).toEqual([true, 'OperationOutcome']);
    const [readRow] = await rows(readId);
    expect(readRow.http_status).toBe(read.status);
    expect(readRow.path.length).toBeLessThan(5_000);
  });
});
