/**
 * Text must be well-formed Unicode. A JSON escape of half a surrogate pair (\ud800) parses to a
 * string PostgreSQL cannot keep; percent-encoded bytes that are not UTF-8 decode to no text at all.
 * Either is refused at the edge with 400 (an OperationOutcome, or OAuth JSON at /auth), and the
 * refusal is in the audit trail like every other: the record quotes what it can, made well-formed.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DRIVERS } from '../support/stores';
import { startTestApp, TestApp } from '../support/app';
import { CLIENT_ASSERTION_TYPE } from '../../src/auth/assertion';

const NOTICE = readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'notices', 'assessment-notice.json'), 'utf8');
/** A lone high surrogate, as the six characters of its JSON escape. */
const LONE = '\\ud800';

/** The assessment notice's JSON text with one literal replaced (so escapes stay escapes), and a fresh identifier. */
function noticeWith(find: string, replace: string): string {
  const text = NOTICE.replace('RX1-AN-2026-000123', `RX1-AN-${randomUUID()}`);
  if (!text.includes(find)) throw new Error(`the example notice has no ${find}`);
  return text.replace(find, replace);
}

describe.each(DRIVERS)('well-formed text (%s)', (driver) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(driver);
  });
  afterAll(() => t.close());

  async function auditOf(requestId: string) {
    return t.testStore.store.db.query<{ http_status: number; outcome_description: string | null; client_id: string | null; user_info: unknown }>(
      'SELECT http_status, outcome_description, client_id, user_info FROM audit_events WHERE request_id = $1',
      [requestId],
    );
  }

  async function refusedAndAudited(res: { status: number; body: { resourceType?: string; error?: string }; headers: Record<string, string> }, oauth = false) {
    expect(res.status).toBe(400);
    if (oauth) expect(res.body.error).toBe('invalid_request');
    else expect(res.body.resourceType).toBe('OperationOutcome');
    const rows = await auditOf(res.headers['x-request-id']);
    expect(rows).toHaveLength(1);
    expect(rows[0].http_status).toBe(400);
    return rows[0];
  }

  const postNotice = async (body: string) => {
    const hospital = await t.as('sandbox-epr-rx1');
    return hospital(t.http.post('/fhir/Communication').set('Content-Type', 'application/fhir+json').set('X-Request-ID', randomUUID()).send(body));
  };

  it.each([
    ['the text of an element', '"Fall at home; fractured wrist; reduced mobility"', `"Fall at home${LONE}"`],
    ["the notice's identifier", '"value": "RX1-AN-', `"value": "${LONE}RX1-AN-`],
    ['a contained name', '"family": "Thornton"', `"family": "Thorn${LONE}ton"`],
    ["the subject's NHS number", '"value": "9990000018" }, "display"', `"value": "999000${LONE}0018" }, "display"`],
    ["the sender's ODS code", '"value": "RX1" }', `"value": "RX1${LONE}" }`],
    ['a property name', '"priority": "urgent"', `"priority${LONE}": "urgent"`],
  ])('a lone surrogate in %s of a notice: 400, audited', async (_what, find, replace) => {
    const res = await postNotice(noticeWith(find, replace));
    const row = await refusedAndAudited(res);
    expect(res.body.issue[0].diagnostics).toMatch(/Unicode/);
    expect(row.outcome_description).toMatch(/Unicode/);
  });

  it('the same notice, well-formed, is taken (the refusals above were the text alone)', async () => {
    const res = await postNotice(noticeWith('"family": "Thornton"', '"family": "Thornton\\ud83d\\ude00"'));
    expect(res.status).toBe(201);
  });

  it.each([
    ['a query value', '/fhir/Patient?name=%ED%A0%80'],
    ['a query name', '/fhir/Patient?%ED%A0%80=x'],
    ['a path segment', '/fhir/Patient/%ED%A0%80'],
  ])('bytes that are not UTF-8 in %s: 400, audited', async (_what, url) => {
    const res = await t.http.get(url).set('Authorization', await t.bearer()).set('X-Request-ID', randomUUID());
    await refusedAndAudited(res);
  });

  it('bytes that are not UTF-8 in a search form: 400, audited', async () => {
    const res = await t.http
      .post('/fhir/Patient/_search')
      .set('Authorization', await t.bearer())
      .set('X-Request-ID', randomUUID())
      .type('form')
      .send('family=Thorn%ED%A0%80');
    await refusedAndAudited(res);
  });

  it('bytes that are not UTF-8 in a token request: 400 invalid_request, audited', async () => {
    const res = await t.http.post('/auth/token').set('X-Request-ID', randomUUID()).type('form').send(`grant_type=client_credentials&scope=system%2F%ED%A0%80`);
    const row = await refusedAndAudited(res, true);
    expect(res.body.error_description).toMatch(/UTF-8/);
    expect(row.outcome_description).toMatch(/UTF-8/);
  });

  it('a lone surrogate inside a client assertion (its claimed issuer): refused and audited, the issuer made well-formed', async () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64url');
    const assertion = `${b64('{"alg":"ES384"}')}.${b64(`{"iss":"client${LONE}x","sub":"client${LONE}x"}`)}.${b64('sig')}`;
    const res = await t.http
      .post('/auth/token')
      .set('X-Request-ID', randomUUID())
      .type('form')
      .send({ grant_type: 'client_credentials', scope: 'system/*.rs', client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const rows = await auditOf(res.headers['x-request-id']);
    expect(rows).toHaveLength(1);
    expect(rows[0].client_id).toBe('client\ufffdx');
  });

  it('header-derived audit fields (the user named in headers) are recorded as sent, in any Latin-1', async () => {
    const res = await t.http
      .get('/fhir/Patient?family=Thornton&birthdate=1941-06-14')
      .set('Authorization', await t.bearer())
      .set('X-Request-ID', randomUUID())
      .set('X-User-Name', Buffer.from('Ren\xe9e \xed\xa0\x80', 'latin1').toString('latin1'))
      .set('X-User-Role', 'Nurse');
    expect(res.status).toBe(200);
    const rows = await auditOf(res.headers['x-request-id']);
    expect(rows).toHaveLength(1);
    expect(rows[0].user_info).toMatchObject({ role: 'Nurse' });
  });

  it('an audit record quoting a lone surrogate is still written (made well-formed), never a 503', async () => {
    const { AuditTrail } = await import('../../src/audit/auditTrail');
    const { accessRecord } = await import('../../src/audit/accessRecords');
    const { AccessRecordStore } = await import('../../src/store/accessRecordStore');
    const trail = new AuditTrail(new AccessRecordStore(t.testStore.store.db));
    const requestId = randomUUID();
    const lone = String.fromCharCode(0xd800);
    await trail.record(
      accessRecord({
        facts: { requestId, method: 'POST', path: `/Communication${lone}`, query: `name=${lone}`, headers: (n) => (n === 'x-user-name' ? `a${lone}` : undefined) },
        interaction: 'create',
        status: 400,
        description: `NHS number 999000${lone}0018 is not valid`,
        clientId: `c${lone}`,
      }),
    );
    const rows = await auditOf(requestId);
    expect(rows).toHaveLength(1);
    expect(rows[0].outcome_description).toBe('NHS number 999000\ufffd0018 is not valid');
  });
});
