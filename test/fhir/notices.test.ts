import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Bundle, Communication, Task } from '@medplum/fhirtypes';
import { startTestApp, TestApp } from '../support/app';
import { DRIVERS } from '../support/stores';
import { about } from '../support/notices';

const NOTICES = path.join(__dirname, '..', '..', 'fixtures', 'notices');
const example = (name: string): Communication => JSON.parse(readFileSync(path.join(NOTICES, `${name}.json`), 'utf8'));
const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const NOTICE_ID = 'https://fhir.example-hospital.nhs.uk/Id/adw-notice';

/** A notice of the example's shape with a fresh identifier, so tests do not collide. */
let serial = 0;
function notice(name: string, changes: Partial<Communication> = {}): Communication {
  const c = { ...example(name), ...changes };
  if (!changes.identifier) c.identifier = [{ system: NOTICE_ID, value: `TEST-${process.pid}-${++serial}` }];
  return c;
}

describe.each(DRIVERS)('hospital notices (%s)', (driver) => {
  let t: TestApp;
  let hospital: (r: import('supertest').Test) => import('supertest').Test;
  let council: (r: import('supertest').Test) => import('supertest').Test;
  let otherHospital: (r: import('supertest').Test) => import('supertest').Test;

  beforeAll(async () => {
    t = await startTestApp(driver);
    hospital = await t.as('sandbox-epr-rx1');
    council = await t.as('sandbox-council-mosaic');
    otherHospital = await t.as('test-epr-rx2');
  });
  afterAll(() => t.close());

  const send = (body: unknown, as = hospital) =>
    as(t.http.post('/fhir/Communication').set('Content-Type', 'application/fhir+json').send(body as object));
  const contactsFor = async (noticeId: string, as = hospital) => {
    const res = await as(t.http.get('/fhir/Task').query({ focus: `Communication/${noticeId}` }));
    expect(res.status).toBe(200);
    return ((res.body as Bundle).entry ?? []).map((e) => e.resource as Task);
  };

  it('an assessment notice becomes a Communication and a requested contact for the discharge team', async () => {
    const body = notice('assessment-notice');
    const res = await send(body);
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`http://facade.test/fhir/Communication/${res.body.id}/_history/1`);
    expect(res.headers.etag).toBe('W/"1"');
    const c = res.body as Communication;
    expect(c.subject).toEqual({ reference: 'Patient/WXB-100001', identifier: { system: NHS, value: '9990000018' } });
    expect(c.identifier).toEqual(body.identifier);
    expect(c.meta?.profile?.[0]).toMatch(/SocialCare-HospitalNotice$/);
    const [task] = await contactsFor(c.id!);
    expect(task).toMatchObject({
      status: 'requested',
      intent: 'order',
      focus: { reference: `Communication/${c.id}` },
      for: { reference: 'Patient/WXB-100001' },
      owner: { reference: 'Organization/TEAM-HDT' },
      restriction: { period: { end: '2026-11-27' } },
    });
    expect(task.code?.coding?.[0].code).toBe('assessment');
    const read = await hospital(t.http.get(`/fhir/Communication/${c.id}`));
    expect(read.status).toBe(200);
    expect(read.body).toEqual(c);
  });

  it('dates that do not exist are the sender\'s mistake (4xx naming the element), never a database error', async () => {
    const impossibleSent = await send(notice('assessment-notice', { sent: '2026-02-30T10:00:00Z' }));
    expect(impossibleSent.status).toBeGreaterThanOrEqual(400);
    expect(impossibleSent.status).toBeLessThan(500);
    const discharge = notice('discharge-notice');
    const encounter = discharge.contained?.find((r) => r.resourceType === 'Encounter') as { period?: { end?: string } };
    encounter.period!.end = '2026-02-30';
    const impossibleDischarge = await send(discharge);
    expect(impossibleDischarge.status).toBeGreaterThanOrEqual(400);
    expect(impossibleDischarge.status).toBeLessThan(500);
    expect(JSON.stringify(impossibleDischarge.body)).toContain('Encounter');
  });

  it('the same notice sent again returns the first (200) and makes no second contact; 20 copies at once make one', async () => {
    const body = notice('assessment-notice');
    const first = await send(body);
    expect(first.status).toBe(201);
    const again = await send(body);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const copy = notice('assessment-notice');
    const results = await Promise.all(Array.from({ length: 20 }, () => send(copy)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(19);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect(await contactsFor(results[0].body.id)).toHaveLength(1);
    const search = await hospital(t.http.get('/fhir/Communication').query({ identifier: `${NOTICE_ID}|${copy.identifier![0].value}` }));
    expect(search.body.total).toBe(1);
  });

  it('honours If-None-Exist on the identifier', async () => {
    const body = notice('assessment-notice');
    const ifNoneExist = `identifier=${NOTICE_ID}|${body.identifier![0].value}`;
    const first = await send(body).set('If-None-Exist', ifNoneExist);
    expect(first.status).toBe(201);
    const second = await send(body).set('If-None-Exist', ifNoneExist);
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
    expect((await send(notice('assessment-notice')).set('If-None-Exist', 'name=x')).status).toBe(400);
  });

  it('a discharge notice attaches to the open contact of its referral; a withdrawal cancels it with the reason', async () => {
    const assessment = await send(notice('assessment-notice'));
    const discharge = await send(
      notice('discharge-notice', { inResponseTo: [{ reference: `Communication/${assessment.body.id}` }] }),
    );
    expect(discharge.status).toBe(201);
    expect(discharge.body.inResponseTo).toEqual([{ reference: `Communication/${assessment.body.id}` }]);
    expect(await contactsFor(discharge.body.id)).toHaveLength(0);
    let [task] = await contactsFor(assessment.body.id);
    expect(task.businessStatus?.text).toBe('Discharge notice received');
    expect(task.restriction?.period?.end).toBe('2026-11-28');
    expect(task.input?.[0].valueReference?.reference).toBe(`Communication/${discharge.body.id}`);

    const withdrawal = await send(
      notice('withdrawal-notice', { inResponseTo: [{ identifier: assessment.body.identifier[0] }] }),
    );
    expect(withdrawal.status).toBe(201);
    [task] = await contactsFor(assessment.body.id);
    expect(task.status).toBe('cancelled');
    expect(task.statusReason?.coding?.[0]).toMatchObject({ system: 'https://fhir.nhs.uk/ADW-WithdrawalReason-1', code: '02' });
    expect(task.statusReason?.text).toBe('Fast-track CHC agreed on the ward');
  });

  it('an admission notice for someone with an active package raises a review for their team; without one, no contact', async () => {
    const withPackage = await send(notice('admission-notice'));
    expect(withPackage.status).toBe(201);
    const [task] = await contactsFor(withPackage.body.id);
    expect(task.code?.coding?.[0].code).toBe('package-review');
    expect(task.owner?.reference).toMatch(/^Organization\/TEAM-/);
    const noPackage = await send(about(notice('admission-notice'), '9990000026', '1948-02-03'));
    expect(noPackage.status).toBe(201);
    expect(await contactsFor(noPackage.body.id)).toHaveLength(0);
  });

  it('a notice about someone the council does not know opens a record from the contained Patient', async () => {
    const body = about(notice('assessment-notice'), '9998765439');
    const res = await send(body);
    expect(res.status).toBe(201);
    const personRef = res.body.subject.reference;
    expect(personRef).toMatch(/^Patient\/HN-/);
    const patient = await hospital(t.http.get(`/fhir/${personRef}`));
    expect(patient.body.name[0].family).toBe('Thornton');
    expect(patient.body.identifier[0]).toMatchObject({ system: NHS, value: '9998765439' });
    const withoutDetails = notice('assessment-notice', { subject: { identifier: { system: NHS, value: '9998765420' } }, contained: [] });
    const refused = await send(withoutDetails);
    expect(refused.status).toBe(422);
    expect(refused.body.issue[0].expression).toEqual(['Communication.contained']);
  });

  describe('refuses what it cannot take, naming the element', () => {
    it.each([
      ['no identifier', { identifier: [] }, 'Communication.identifier'],
      ['no category', { category: [] }, 'Communication.category'],
      ['an unknown category', { category: [{ coding: [{ system: 'http://snomed.info/sct', code: '123' }] }] }, 'Communication.category'],
      ['no subject', { subject: undefined }, 'Communication.subject'],
      ['an NHS number failing its check digit', { subject: { identifier: { system: NHS, value: '9990000019' } } }, 'Communication.subject.identifier.value'],
      ['no sender', { sender: undefined }, 'Communication.sender'],
      ['no sent time', { sent: undefined }, 'Communication.sent'],
      ['no status', { status: undefined }, 'Communication.status'],
    ])('%s -> 400', async (_what, change, expression) => {
      const body = { ...notice('assessment-notice'), ...change } as Communication;
      if (!('identifier' in change)) body.identifier = [{ system: NOTICE_ID, value: `BAD-${++serial}` }];
      const res = await send(body);
      expect(res.status).toBe(400);
      expect(res.body.resourceType).toBe('OperationOutcome');
      expect(res.body.issue.map((i: { expression: string[] }) => i.expression[0])).toContain(expression);
    });

    it('what the notice profile forbids, and elements of the wrong JSON shape -> 400, never 500', async () => {
      const badPriority = await send(notice('assessment-notice', { priority: 'whenever' as Communication['priority'] }));
      expect(badPriority.status).toBe(400);
      expect(JSON.stringify(badPriority.body.issue.map((i: { expression?: string[] }) => i.expression))).toMatch(/priority/);
      for (const change of [{ reasonCode: 'later' }, { inResponseTo: [null] }, { category: 'assessment' }, { contained: [{ resourceType: 'Patient', telecom: 'none' }] }]) {
        const res = await send({ ...notice('withdrawal-notice'), ...change });
        expect({ change, status: res.status, type: res.body.resourceType }).toEqual({ change, status: 400, type: 'OperationOutcome' });
      }
    });

    it('broken JSON and the wrong resource type -> 400', async () => {
      const broken = await hospital(t.http.post('/fhir/Communication').set('Content-Type', 'application/fhir+json').send('{"resourceType": "Comm'));
      expect(broken.status).toBe(400);
      expect(broken.body.resourceType).toBe('OperationOutcome');
      const wrong = await send({ resourceType: 'Patient' });
      expect(wrong.status).toBe(400);
      expect(wrong.body.issue[0].expression).toEqual(['Communication.resourceType']);
    });

    it('a withdrawal pointing at nothing -> 422; one with no inResponseTo or reason -> 400', async () => {
      const nowhere = await send(notice('withdrawal-notice', { inResponseTo: [{ reference: 'Communication/does-not-exist' }] }));
      expect(nowhere.status).toBe(422);
      expect(nowhere.body.issue[0].expression).toEqual(['Communication.inResponseTo']);
      const bare = await send(notice('withdrawal-notice', { inResponseTo: undefined, reasonCode: undefined }));
      expect(bare.status).toBe(400);
      expect(bare.body.issue.map((i: { expression: string[] }) => i.expression[0]).sort()).toEqual(['Communication.inResponseTo', 'Communication.reasonCode']);
    });

    it('nothing is stored for a refused notice', async () => {
      const body = notice('withdrawal-notice', { inResponseTo: [{ reference: 'Communication/does-not-exist' }] });
      await send(body);
      const search = await hospital(t.http.get('/fhir/Communication').query({ identifier: `${NOTICE_ID}|${body.identifier![0].value}` }));
      expect(search.body.total).toBe(0);
    });

    it('$validate answers the same checks and stores nothing', async () => {
      const bad = notice('assessment-notice', { subject: { identifier: { system: NHS, value: '9990000019' } } });
      const res = await hospital(t.http.post('/fhir/Communication/$validate').set('Content-Type', 'application/fhir+json').send(bad));
      expect(res.status).toBe(200);
      expect(res.body.issue[0]).toMatchObject({ severity: 'error', expression: ['Communication.subject.identifier.value'] });
      const good = await hospital(t.http.post('/fhir/Communication/$validate').set('Content-Type', 'application/fhir+json').send(notice('assessment-notice')));
      expect(good.body.issue.every((i: { severity: string }) => i.severity !== 'error')).toBe(true);
      const search = await hospital(t.http.get('/fhir/Communication').query({ identifier: `${NOTICE_ID}|${bad.identifier![0].value}` }));
      expect(search.body.total).toBe(0);
    });
  });

  describe('the council answers; the hospital follows', () => {
    it('the council finds new contacts and accepts one; the hospital sees the answer but cannot change it', async () => {
      const sent = await send(notice('assessment-notice'));
      const inbox = await council(t.http.get('/fhir/Task').query({ status: 'requested', owner: 'Organization/TEAM-HDT', _count: '100' }));
      expect(inbox.status).toBe(200);
      const task = (inbox.body as Bundle).entry!.map((e) => e.resource as Task).find((x) => x.focus?.reference === `Communication/${sent.body.id}`)!;
      expect(task).toBeDefined();
      const accepted = await council(t.http.put(`/fhir/Task/${task.id}`).set('Content-Type', 'application/fhir+json').set('If-Match', `W/"${task.meta!.versionId}"`))
        .send({ ...task, status: 'accepted', businessStatus: { text: 'Allocated to duty social worker' } });
      expect(accepted.status).toBe(200);
      expect(accepted.body.status).toBe('accepted');
      expect(accepted.body.meta.versionId).toBe('2');
      const [seen] = await contactsFor(sent.body.id);
      expect(seen.status).toBe('accepted');
      expect(seen.businessStatus?.text).toBe('Allocated to duty social worker');

      const attempt = await hospital(t.http.put(`/fhir/Task/${task.id}`).set('Content-Type', 'application/fhir+json')).send({ ...seen, status: 'completed' });
      expect(attempt.status).toBe(403);
      expect(attempt.body.resourceType).toBe('OperationOutcome');
      const patch = await hospital(t.http.patch(`/fhir/Task/${task.id}`).set('Content-Type', 'application/json-patch+json')).send([{ op: 'replace', path: '/status', value: 'completed' }]);
      expect(patch.status).toBe(403);
      expect((await contactsFor(sent.body.id))[0].status).toBe('accepted');
    });

    it('rejecting needs a reason; stale If-Match is 412; impossible moves are 422; PATCH works for the council', async () => {
      const sent = await send(notice('assessment-notice'));
      const [task] = await contactsFor(sent.body.id, council);
      const put = (body: object, etag?: string) => {
        const req = council(t.http.put(`/fhir/Task/${task.id}`).set('Content-Type', 'application/fhir+json'));
        return (etag ? req.set('If-Match', etag) : req).send(body);
      };
      const noReason = await put({ ...task, status: 'rejected' });
      expect(noReason.status).toBe(400);
      expect(noReason.body.issue[0].expression).toEqual(['Task.statusReason']);
      const rejected = await put({ ...task, status: 'rejected', statusReason: { text: 'Person lives in another council area' } }, 'W/"1"');
      expect(rejected.status).toBe(200);
      expect((await contactsFor(sent.body.id))[0].statusReason?.text).toBe('Person lives in another council area');
      expect((await put({ ...task, status: 'accepted' }, 'W/"1"')).status).toBe(412);
      const impossible = await put({ ...task, status: 'accepted' });
      expect(impossible.status).toBe(422);
      expect((await put({ ...task, id: 'other' })).status).toBe(400);
      expect((await put({ ...task, status: 'in-progress', note: 'not a list' })).status).toBe(400);

      const other = await send(notice('assessment-notice'));
      const [open] = await contactsFor(other.body.id, council);
      const patched = await council(t.http.patch(`/fhir/Task/${open.id}`).set('Content-Type', 'application/json-patch+json'))
        .send([{ op: 'replace', path: '/status', value: 'in-progress' }]);
      expect(patched.status).toBe(200);
      expect(patched.body.status).toBe('in-progress');
      const badPatch = await council(t.http.patch(`/fhir/Task/${open.id}`).set('Content-Type', 'application/json-patch+json')).send({ op: 'x' });
      expect(badPatch.status).toBe(400);
    });

    it('a contact change of the wrong JSON type is a 400; what the Task leaves out is cleared; a PATCH naming an old version is refused', async () => {
      const sent = await send(notice('assessment-notice'));
      const [task] = await contactsFor(sent.body.id, council);
      const put = (body: object) => council(t.http.put(`/fhir/Task/${task.id}`).set('Content-Type', 'application/fhir+json')).send(body);
      const patch = (ops: object[], etag?: string) => {
        const req = council(t.http.patch(`/fhir/Task/${task.id}`).set('Content-Type', 'application/json-patch+json'));
        return (etag ? req.set('If-Match', etag) : req).send(ops);
      };
      for (const [body, path] of [
        [{ ...task, status: 'in-progress', note: [{ text: { a: 1 } }] }, 'Task.note[0].text'],
        [{ ...task, status: 'in-progress', businessStatus: { text: 7 } }, 'Task.businessStatus.text'],
        [{ ...task, status: 'rejected', statusReason: { text: 5 } }, 'Task.statusReason.text'],
      ] as const) {
        const res = await put(body);
        expect(res.status).toBe(400);
        expect(res.body.issue[0].expression).toEqual([path]);
      }
      const noted = await put({ ...task, status: 'in-progress', note: [{ text: 'Called the ward' }] });
      expect(noted.status).toBe(200);
      expect(noted.body.note?.[0].text).toBe('Called the ward');
      const removed = await patch([{ op: 'remove', path: '/note' }]);
      expect(removed.status).toBe(200);
      expect(removed.body.note).toBeUndefined();
      expect((await contactsFor(sent.body.id, council))[0].note).toBeUndefined();
      // A PATCH names the version it applies to: one older than the Task's is refused.
      expect((await patch([{ op: 'replace', path: '/status', value: 'completed' }], 'W/"1"')).status).toBe(412);
    });

    it('one hospital cannot see or send for another', async () => {
      const sent = await send(notice('assessment-notice'));
      expect((await otherHospital(t.http.get(`/fhir/Communication/${sent.body.id}`))).status).toBe(403);
      expect(await contactsFor(sent.body.id, otherHospital)).toHaveLength(0);
      const forged = await send(notice('assessment-notice'), otherHospital);
      expect(forged.status).toBe(403);
    });

    it('searches notices by patient (NHS number), category, sent and _lastUpdated, and contacts by patient and status', async () => {
      const since = new Date(Date.now() - 1000).toISOString();
      const sent = await send(notice('admission-notice'));
      const byPatient = await hospital(t.http.get('/fhir/Communication').query({ 'patient:identifier': `${NHS}|9990000077`, category: 'http://snomed.info/sct|895571000000108', _count: '100' }));
      expect(byPatient.body.entry.map((e: { resource: { id: string } }) => e.resource.id)).toContain(sent.body.id);
      const bySent = await hospital(t.http.get('/fhir/Communication').query({ _id: sent.body.id, sent: 'ge2026-11-23T07:05:00Z' }));
      expect(bySent.body.total).toBe(1);
      expect((await hospital(t.http.get('/fhir/Communication').query({ _id: sent.body.id, sent: 'lt2026-11-23' }))).body.total).toBe(0);
      const recent = await council(t.http.get('/fhir/Task').query({ _lastUpdated: `gt${since}`, 'patient.identifier': `${NHS}|9990000077` }));
      expect(recent.body.total).toBeGreaterThanOrEqual(1);
      expect((await council(t.http.get('/fhir/Task').query({ _lastUpdated: 'lt2020-01-01', _count: '100' }))).body.total).toBe(0);
    });
  });
});
