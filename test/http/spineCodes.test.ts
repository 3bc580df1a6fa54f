/**
 * Every refusal a client can reach over HTTP, walked one by one: each answers with an
 * OperationOutcome whose every error and warning issue carries exactly one coding from the NHS
 * Spine error code system, with that system's display, and the code chosen for that refusal. The
 * codes and displays below are written out from the published CodeSystem, not read from the source.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Bundle, Communication, OperationOutcome, Task } from '@medplum/fhirtypes';
import request from 'supertest';
import { startTestApp, TestApp } from '../support/app';
import { DRIVERS } from '../support/stores';

const SPINE = 'https://fhir.nhs.uk/CodeSystem/Spine-ErrorOrWarningCode';
const DISPLAYS: Record<string, string> = {
  ACCESS_DENIED: 'Access has been denied to process this request',
  RESOURCE_NOT_FOUND: 'Resource not found',
  INVALID_RESOURCE_ID: 'Invalid resource ID',
  UNSUPPORTED_SERVICE: 'Unsupported service',
  INVALID_SEARCH_DATA: 'Invalid search data',
  PRECONDITION_FAILED: 'Precondition failed',
  VALIDATION_ERROR: 'Validation error',
  INVALID_UPDATE: 'Invalid update',
  MISSING_VALUE: 'Missing value',
  INVALID_VALUE: 'Invalid value',
  UNSUPPORTED_VALUE: 'Unsupported value',
  TOO_MANY_VALUES_SUBMITTED: 'Too many values submitted',
};
const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const NOTICE_ID = 'https://fhir.example-hospital.nhs.uk/Id/adw-notice';
const exampleNotice = (): Communication =>
  JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'notices', 'assessment-notice.json'), 'utf8'));

/** Each error and warning issue has one Spine coding, the expected one, with its display; information none. */
function expectSpineCodes(outcome: OperationOutcome, expected: string) {
  expect(outcome.resourceType).toBe('OperationOutcome');
  expect(outcome.issue.length).toBeGreaterThan(0);
  for (const issue of outcome.issue) {
    const spine = (issue.details?.coding ?? []).filter((c) => c.system === SPINE);
    if (issue.severity === 'information') {
      expect(spine).toEqual([]);
      continue;
    }
    expect(spine).toEqual([{ system: SPINE, code: expected, display: DISPLAYS[expected] }]);
    expect(issue.diagnostics).toEqual(expect.any(String));
  }
}

describe.each(DRIVERS)('Spine error codes on every refusal (%s)', (driver) => {
  let t: TestApp;
  let hospital: (r: request.Test) => request.Test;
  let council: (r: request.Test) => request.Test;
  let serial = 0;
  beforeAll(async () => {
    t = await startTestApp(driver);
    hospital = await t.as('sandbox-epr-rx1');
    council = await t.as('sandbox-council-mosaic');
  });
  afterAll(() => t.close());

  const refused = async (res: request.Response | Promise<request.Response>, status: number, spine: string) => {
    const answer = await res;
    expect({ status: answer.status, type: answer.headers['content-type'] }).toEqual({ status, type: expect.stringMatching(/^application\/fhir\+json/) });
    expectSpineCodes(answer.body, spine);
    return answer;
  };
  const notice = (changes: Partial<Communication> = {}): Communication => ({
    ...exampleNotice(),
    identifier: [{ system: NOTICE_ID, value: `SPINE-${process.pid}-${++serial}` }],
    ...changes,
  });
  const send = (body: object, as = hospital) => as(t.http.post('/fhir/Communication').set('Content-Type', 'application/fhir+json').send(body));

  it('authorisation: no token, a malformed header, a bad token, a scope not granted', async () => {
    await refused(t.http.get('/fhir/Patient/WXB-100001'), 401, 'ACCESS_DENIED');
    await refused(t.http.get('/fhir/Patient/WXB-100001').set('Authorization', 'Bearer'), 400, 'INVALID_VALUE');
    await refused(t.http.get('/fhir/Patient/WXB-100001').set('Authorization', 'Bearer not-a-jwt'), 401, 'ACCESS_DENIED');
    const flags = await t.as('test-flags');
    await refused(flags(t.http.get('/fhir/CarePlan/PKG-0001')), 403, 'ACCESS_DENIED');
    await refused(flags(t.http.get('/fhir/CarePlan').query({ status: 'active' })), 403, 'ACCESS_DENIED');
  });

  it('what is not there: an unknown id, an invalid id, an unknown or unserved type, a path below a resource', async () => {
    await refused(hospital(t.http.get('/fhir/Patient/NOPE-1')), 404, 'RESOURCE_NOT_FOUND');
    await refused(hospital(t.http.get('/fhir/Patient/bad!id')), 404, 'INVALID_RESOURCE_ID');
    await refused(hospital(t.http.get('/fhir/Banana')), 404, 'UNSUPPORTED_SERVICE');
    await refused(hospital(t.http.get('/fhir/Observation')), 404, 'UNSUPPORTED_SERVICE');
    await refused(hospital(t.http.get('/fhir/Patient/WXB-100001/pets')), 404, 'UNSUPPORTED_SERVICE');
    await refused(hospital(t.http.get('/nothing-here')), 404, 'RESOURCE_NOT_FOUND');
  });

  it('interactions not offered: 405 with Allow for a method, 404 not-supported for system history, unversioned types and operations', async () => {
    // A person is never deleted; the council's records are written only by the council (403 for a hospital).
    const methods = await refused(hospital(t.http.delete('/fhir/Patient/WXB-100001')), 405, 'UNSUPPORTED_SERVICE');
    expect(methods.headers.allow).toBe('GET, HEAD, PUT, PATCH');
    expect(methods.body.issue[0].code).toBe('not-supported');
    const put = await refused(hospital(t.http.put('/fhir/AuditEvent/x').send({ resourceType: 'AuditEvent', id: 'x' })), 405, 'UNSUPPORTED_SERVICE');
    expect(put.headers.allow).toBe('GET, HEAD');
    expect((await refused(hospital(t.http.patch('/fhir/AuditEvent/x').set('Content-Type', 'application/json-patch+json').send([])), 405, 'UNSUPPORTED_SERVICE')).headers.allow).toBe('GET, HEAD');
    await refused(hospital(t.http.put('/fhir/Patient/WXB-100001').send({ resourceType: 'Patient', id: 'WXB-100001' })), 403, 'ACCESS_DENIED');
    for (const [method, url] of [
      ['get', '/fhir/StructureDefinition/SocialCare-Patient/_history'],
      ['get', '/fhir/StructureDefinition/SocialCare-Patient/_history/1'],
      ['get', '/fhir/_history'],
      ['get', '/fhir/Patient/WXB-100001/$everything'],
    ] as const) {
      const requestId = `unoffered-${++serial}`;
      const res = await refused(hospital(t.http[method](url).set('X-Request-ID', requestId)), 404, 'UNSUPPORTED_SERVICE');
      expect(res.body.issue[0].code).toBe('not-supported');
      // Refused, and recorded as every request to the API is.
      const rows = await t.testStore.store.db.query<{ http_status: number }>('SELECT http_status FROM audit_events WHERE request_id = $1', [requestId]);
      expect(rows).toEqual([{ http_status: 404 }]);
    }
  });

  it('searches: an unknown modifier, a strict unknown parameter, a bad value, a bad NHS number; a lenient unknown parameter is a coded warning', async () => {
    await refused(hospital(t.http.get('/fhir/Patient').query({ 'name:sounds-like': 'barbara' })), 400, 'INVALID_SEARCH_DATA');
    await refused(hospital(t.http.get('/fhir/Patient').query({ nonsense: 'x' }).set('Prefer', 'handling=strict')), 400, 'INVALID_SEARCH_DATA');
    await refused(hospital(t.http.get('/fhir/CarePlan').query({ date: 'not-a-date' })), 400, 'INVALID_SEARCH_DATA');
    await refused(hospital(t.http.post('/fhir/Flag/_search').type('form').send({ _count: 'many' })), 400, 'INVALID_SEARCH_DATA');
    // An NHS number that fails its check digit says so, in a search as in a notice.
    await refused(hospital(t.http.get('/fhir/Patient').query({ identifier: `${NHS}|9990000019` })), 400, 'INVALID_RESOURCE_ID');
    await refused(hospital(t.http.get('/fhir/CarePlan').query({ 'patient.identifier': `${NHS}|9990000019` })), 400, 'INVALID_RESOURCE_ID');
    const lenient = await hospital(t.http.get('/fhir/Patient').query({ nonsense: 'x', identifier: `${NHS}|9990000018` }));
    expect(lenient.status).toBe(200);
    const warnings = (lenient.body as Bundle).entry!.filter((e) => e.search?.mode === 'outcome');
    expect(warnings).toHaveLength(1);
    expectSpineCodes(warnings[0].resource as OperationOutcome, 'INVALID_SEARCH_DATA');
    // A restricted person found: a warning that something was withheld, in place of the match.
    const restricted = await hospital(t.http.get('/fhir/Patient').query({ identifier: `${NHS}|9990000093` }));
    const withheld = (restricted.body as Bundle).entry!.filter((e) => e.search?.mode === 'outcome');
    expect(withheld).toHaveLength(1);
    expectSpineCodes(withheld[0].resource as OperationOutcome, 'ACCESS_DENIED');
  });

  it('formats and bodies: XML asked for, an unsupported content type, bad JSON, too large, a bad purpose of use, NUL', async () => {
    await refused(hospital(t.http.get('/fhir/Patient').set('Accept', 'application/fhir+xml')), 406, 'UNSUPPORTED_VALUE');
    await refused(hospital(t.http.get('/fhir/Patient').query({ _format: 'xml' })), 406, 'UNSUPPORTED_VALUE');
    await refused(hospital(t.http.post('/fhir/Communication').set('Content-Type', 'text/plain').send('hello')), 415, 'UNSUPPORTED_VALUE');
    await refused(hospital(t.http.post('/fhir/Communication').set('Content-Type', 'application/fhir+json').send('{"resourceType":')), 400, 'INVALID_VALUE');
    const huge = JSON.stringify({ resourceType: 'Communication', note: [{ text: 'x'.repeat(1_100_000) }] });
    await refused(hospital(t.http.post('/fhir/Communication').set('Content-Type', 'application/fhir+json').send(huge)), 413, 'TOO_MANY_VALUES_SUBMITTED');
    await refused(hospital(t.http.get('/fhir/Patient/WXB-100001').set('X-Purpose-Of-Use', 'CURIOSITY')), 400, 'INVALID_VALUE');
    await refused(hospital(t.http.get('/fhir/Patient?name=a%00b')), 400, 'INVALID_VALUE');
  });

  it('notices: an NHS number that is not one, missing elements, another sender', async () => {
    const badNhs = await refused(send(notice({ subject: { identifier: { system: NHS, value: '9990000019' } } })), 400, 'INVALID_RESOURCE_ID');
    expect(badNhs.body.issue.map((i: { expression: string[] }) => i.expression[0])).toContain('Communication.subject.identifier.value');
    const missing = await send({ ...notice(), status: undefined, sent: undefined });
    expect(missing.status).toBe(400);
    for (const issue of (missing.body as OperationOutcome).issue) {
      expect(issue.details!.coding).toEqual([{ system: SPINE, code: 'MISSING_VALUE', display: DISPLAYS.MISSING_VALUE }]);
    }
    const other = await t.as('test-epr-rx2');
    await refused(send(notice(), other), 403, 'ACCESS_DENIED');
  });

  it('contact answers: a stale version, an impossible move, an invalid update', async () => {
    const sent = await send(notice());
    expect(sent.status).toBe(201);
    const inbox = await council(t.http.get('/fhir/Task').query({ focus: `Communication/${sent.body.id}` }));
    const task = (inbox.body as Bundle).entry![0].resource as Task;
    const put = (body: object, etag?: string) => {
      const req = council(t.http.put(`/fhir/Task/${task.id}`).set('Content-Type', 'application/fhir+json'));
      return (etag ? req.set('If-Match', etag) : req).send(body);
    };
    await refused(put({ ...task, status: 'accepted' }, 'W/"99"'), 412, 'PRECONDITION_FAILED');
    await refused(put({ ...task, status: 'rejected' }), 400, 'INVALID_UPDATE');
    expect((await put({ ...task, status: 'rejected', statusReason: { text: 'Lives in another council area' } })).status).toBe(200);
    await refused(put({ ...task, status: 'accepted' }), 422, 'VALIDATION_ERROR');
    await refused(
      council(t.http.patch(`/fhir/Task/${task.id}`).set('Content-Type', 'application/json-patch+json')).send({ op: 'x' }),
      400,
      'INVALID_UPDATE',
    );
    // The hospital follows its contacts but may not answer them: a scope it does not hold.
    await refused(hospital(t.http.put(`/fhir/Task/${task.id}`).set('Content-Type', 'application/fhir+json')).send(task), 403, 'ACCESS_DENIED');
  });

  it('$validate: a profile the server does not know', async () => {
    // The profile named is a parameter of the request: 400, its issue not-found.
    await refused(
      hospital(t.http.post('/fhir/Flag/$validate').query({ profile: 'https://example.org/StructureDefinition/none' }).set('Content-Type', 'application/fhir+json').send({ resourceType: 'Flag' })),
      400,
      'RESOURCE_NOT_FOUND',
    );
  });
});
