/**
 * Every token request is audited, including those the form parser refuses before the token
 * endpoint sees them: too large, too many parameters, an encoding or charset it cannot read, a body
 * that is not a form at all. Each is 400 invalid_request (OAuth JSON) with its AuditEvent.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { startTestApp, TestApp } from '../support/app';
import { DRIVERS } from '../support/stores';

describe.each(DRIVERS)('token requests the form parser refuses (%s)', (driver) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(driver);
  });
  afterAll(() => t.close());

  const cases: [string, (r: request.Test) => request.Test][] = [
    ['a body over 16 kB', (r) => r.type('form').send(`grant_type=client_credentials&scope=${'a'.repeat(20_000)}`)],
    ['more than 20 parameters', (r) => r.type('form').send(Array.from({ length: 30 }, (_, i) => `p${i}=1`).join('&'))],
    ['a charset the parser cannot read', (r) => r.set('Content-Type', 'application/x-www-form-urlencoded; charset=utf-16').send('grant_type=x')],
    ['a content encoding the parser cannot read', (r) => r.set('Content-Type', 'application/x-www-form-urlencoded').set('Content-Encoding', 'compress').send('grant_type=x')],
    ['a gzip body that is not gzip', (r) => r.set('Content-Type', 'application/x-www-form-urlencoded').set('Content-Encoding', 'gzip').send('grant_type=x')],
    ['percent-encoded bytes that are not UTF-8', (r) => r.type('form').send('grant_type=client_credentials&scope=%FF%FE')],
    ['a JSON body', (r) => r.set('Content-Type', 'application/json').send('{"grant_type":"client_credentials"}')],
    ['no body at all', (r) => r],
  ];

  it.each(cases)('%s: 400 invalid_request, audited', async (_what, shape) => {
    const requestId = randomUUID();
    const res = await shape(t.http.post('/auth/token').set('X-Request-ID', requestId));
    expect({ status: res.status, error: res.body.error, cache: res.headers['cache-control'] }).toEqual({ status: 400, error: 'invalid_request', cache: 'no-store' });
    const rows = await t.testStore.store.db.query<{ interaction: string; http_status: number; outcome: string; outcome_description: string }>(
      'SELECT interaction, http_status, outcome, outcome_description FROM audit_events WHERE request_id = $1',
      [requestId],
    );
    expect(rows).toEqual([{ interaction: 'token', http_status: 400, outcome: '4', outcome_description: `invalid_request: ${res.body.error_description}` }]);
  });

  it.each([['GET'], ['PUT'], ['PATCH'], ['DELETE']])('%s /auth/token: 405 with Allow: POST, audited', async (method) => {
    const requestId = randomUUID();
    const res = await t.http[method.toLowerCase() as 'get'](`/auth/token`).set('X-Request-ID', requestId).type('form').send('grant_type=client_credentials');
    expect({ status: res.status, allow: res.headers.allow, error: res.body.error }).toEqual({ status: 405, allow: 'POST', error: 'invalid_request' });
    const rows = await t.testStore.store.db.query<{ interaction: string; http_status: number; method: string }>(
      'SELECT interaction, http_status, method FROM audit_events WHERE request_id = $1',
      [requestId],
    );
    expect(rows).toEqual([{ interaction: 'token', http_status: 405, method }]);
  });

  it('OPTIONS /auth/token: 204 with Allow, not audited (it carries no token request: a browser asks it before one)', async () => {
    const requestId = randomUUID();
    const res = await t.http.options('/auth/token').set('X-Request-ID', requestId);
    expect({ status: res.status, allow: res.headers.allow, body: res.text }).toEqual({ status: 204, allow: 'POST, OPTIONS', body: '' });
    const rows = await t.testStore.store.db.query('SELECT 1 FROM audit_events WHERE request_id = $1', [requestId]);
    expect(rows).toEqual([]);
  });
});
