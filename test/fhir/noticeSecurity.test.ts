import { Bundle, Communication, Task } from '@medplum/fhirtypes';
import type { Test } from 'supertest';
import { startTestApp, TestApp } from '../support/app';
import { about, exampleNotice, fromSender, NOTICE_ID } from '../support/notices';
import { DRIVERS } from '../support/stores';

/**
 * Notices between hospitals: identity is the sender's, an answer reaches only the sender's own
 * notices, a resend cannot change what was received, and two answers at once open one contact.
 */
let serial = 0;
const fresh = (n: Communication): Communication => ({ ...n, identifier: [{ system: NOTICE_ID, value: `SEC-${process.pid}-${++serial}` }] });

describe.each(DRIVERS)('notices between hospitals (%s)', (driver) => {
  let t: TestApp;
  let rx1: (r: Test) => Test;
  let rx2: (r: Test) => Test;
  let council: (r: Test) => Test;

  beforeAll(async () => {
    t = await startTestApp(driver);
    rx1 = await t.as('sandbox-epr-rx1');
    rx2 = await t.as('test-epr-rx2');
    council = await t.as('sandbox-council-mosaic');
  });
  afterAll(() => t.close());

  const send = (body: Communication, as = rx1) => as(t.http.post('/fhir/Communication').set('Content-Type', 'application/fhir+json').send(body));
  const contactsFor = async (noticeId: string, as = council) => {
    const res = await as(t.http.get('/fhir/Task').query({ focus: `Communication/${noticeId}` }));
    expect(res.status).toBe(200);
    return ((res.body as Bundle).entry ?? []).map((e) => e.resource as Task);
  };
  const openContactsOf = async (personId: string, referralId: string) => {
    const res = await council(t.http.get('/fhir/Task').query({ patient: `Patient/${personId}`, status: 'requested,accepted,in-progress', _count: '100' }));
    return ((res.body as Bundle).entry ?? []).map((e) => e.resource as Task).filter((task) => task.groupIdentifier?.value === referralId);
  };

  it("a second hospital using the same identifier gets its own notice, never the first hospital's", async () => {
    const mine = fresh(exampleNotice('assessment-notice'));
    const first = await send(mine);
    expect(first.status).toBe(201);
    // RX2's own notice, about another person, under the very same identifier.
    const theirs = fromSender(about({ ...exampleNotice('assessment-notice'), identifier: mine.identifier }, '9990000026', '1948-02-03'), 'RX2');
    theirs.contained = theirs.contained?.map((r) =>
      r.resourceType === 'Patient' ? { ...r, name: [{ family: 'Clarke', given: ['Desmond'] }], address: undefined, telecom: undefined, contact: undefined } : r,
    );
    const second = await send(theirs, rx2);
    expect(second.status).toBe(201);
    expect(second.body.id).not.toBe(first.body.id);
    expect(second.body.sender.identifier.value).toBe('RX2');
    const answer = JSON.stringify(second.body);
    for (const secret of ['Thornton', 'Larkspur', '01632 960 101', first.body.id]) expect(answer).not.toContain(secret);
    // Both stand, each seen only by its sender.
    expect((await rx1(t.http.get(`/fhir/Communication/${first.body.id}`))).body.subject.identifier.value).toBe('9990000018');
    expect((await rx2(t.http.get(`/fhir/Communication/${second.body.id}`))).status).toBe(200);
    const theirsRead = await rx2(t.http.get(`/fhir/Communication/${first.body.id}`));
    expect(theirsRead.status).toBe(403);
    // Another hospital's notice: no scope reaches it, so the refusal asks for none (RX2 holds Communication.r already).
    expect(theirsRead.headers['www-authenticate'] ?? '').not.toMatch(/insufficient_scope/);
    expect(theirsRead.body.issue[0].code).toBe('forbidden');
    const searched = await rx2(t.http.get('/fhir/Communication').query({ identifier: `${NOTICE_ID}|${mine.identifier![0].value}` }));
    expect(searched.body.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual([second.body.id]);
    // Each resend is the sender's own retry.
    expect((await send(mine)).body.id).toBe(first.body.id);
    expect((await send(theirs, rx2)).body.id).toBe(second.body.id);
  });

  it('a resend under a received identifier with changed content is refused (409), not silently dropped', async () => {
    const original = fresh(exampleNotice('assessment-notice'));
    const first = await send(original);
    expect(first.status).toBe(201);
    const corrected = structuredClone(original);
    corrected.contained = corrected.contained?.map((r) => (r.resourceType === 'Encounter' ? { ...r, period: { ...(r as { period?: object }).period, end: '2026-12-24' } } : r));
    const refused = await send(corrected);
    expect(refused.status).toBe(409);
    expect(refused.body.resourceType).toBe('OperationOutcome');
    expect(refused.body.issue[0]).toMatchObject({ code: 'duplicate', expression: ['Communication.identifier'] });
    expect(refused.body.issue[0].diagnostics).toContain(`Communication/${first.body.id}`);
    // The same content, keys in another order and with an id of the sender's own, is a retry.
    const reordered = Object.fromEntries(Object.entries(structuredClone(original)).reverse()) as Communication;
    const retry = await send({ ...reordered, id: 'client-side-id' });
    expect(retry.status).toBe(200);
    expect(retry.body.id).toBe(first.body.id);
    const [task] = await contactsFor(first.body.id);
    expect(task.restriction?.period?.end).toBe('2026-11-27');
  });

  it("a hospital cannot withdraw or answer another hospital's notice, nor tell whether it exists", async () => {
    const assessment = fresh(exampleNotice('assessment-notice'));
    const sent = await send(assessment);
    expect(sent.status).toBe(201);
    const withdraw = (inResponseTo: Communication['inResponseTo']) =>
      send(fromSender({ ...fresh(exampleNotice('withdrawal-notice')), inResponseTo }, 'RX2'), rx2);
    const byIdentifier = await withdraw([{ identifier: assessment.identifier![0] }]);
    const byId = await withdraw([{ reference: `Communication/${sent.body.id}` }]);
    const missingIdentifier = await withdraw([{ identifier: { system: NOTICE_ID, value: `NEVER-SENT-${serial}` } }]);
    const missingId = await withdraw([{ reference: 'Communication/00000000-0000-4000-8000-000000000000' }]);
    for (const res of [byIdentifier, byId, missingIdentifier, missingId]) {
      expect(res.status).toBe(422);
      expect(res.body.issue[0].expression).toEqual(['Communication.inResponseTo']);
    }
    // One answer for "not yours" and "not there": the same words, but for the reference quoted back.
    const words = (res: { body: { issue: { diagnostics: string }[] } }) => res.body.issue[0].diagnostics.replace(/\(.*?\)/, '(...)');
    expect(words(byIdentifier)).toBe(words(missingIdentifier));
    expect(words(byId)).toBe(words(missingId));
    const discharge = await send(fromSender({ ...fresh(exampleNotice('discharge-notice')), inResponseTo: [{ reference: `Communication/${sent.body.id}` }] }, 'RX2'), rx2);
    expect(discharge.status).toBe(422);
    const [task] = await contactsFor(sent.body.id);
    expect(task.status).toBe('requested');
    expect(task.input).toBeUndefined();
  });

  it('two discharge notices answering one referral at the same moment open one contact between them', async () => {
    // Desmond (999 000 0026) has no package: his admission notice opens no contact, so each
    // discharge notice answering it finds none open and would open its own.
    const desmond = (await council(t.http.get('/fhir/Patient').query({ identifier: 'https://fhir.nhs.uk/Id/nhs-number|9990000026' }))).body.entry[0].resource.id;
    for (let round = 0; round < 10; round++) {
      const admission = await send(fresh(about(exampleNotice('admission-notice'), '9990000026', '1948-02-03')));
      expect(admission.status).toBe(201);
      const discharge = () =>
        send(fresh({ ...about(exampleNotice('discharge-notice'), '9990000026', '1948-02-03'), inResponseTo: [{ reference: `Communication/${admission.body.id}` }] }));
      const answers = await Promise.all([discharge(), discharge(), discharge()]);
      expect(answers.map((a) => a.status)).toEqual([201, 201, 201]);
      const open = await openContactsOf(desmond, admission.body.id);
      expect(open).toHaveLength(1);
      expect(open[0].input ?? []).toHaveLength(2);
      // Close it, so the next round starts with none open.
      const closed = await council(t.http.patch(`/fhir/Task/${open[0].id}`).set('Content-Type', 'application/json-patch+json'))
        .send([{ op: 'replace', path: '/status', value: 'cancelled' }]);
      expect(closed.status).toBe(200);
    }
  });

  it("a contained Patient that contradicts the subject is refused, without saying what the council's record holds", async () => {
    const otherNhs = about(fresh(exampleNotice('assessment-notice')), '9990000018');
    const patient = otherNhs.contained!.find((r) => r.resourceType === 'Patient') as { identifier: { system: string; value: string }[] };
    patient.identifier[0].value = '9990000026';
    const twoPeople = await send(otherNhs);
    expect(twoPeople.status).toBe(400);
    expect(twoPeople.body.issue.map((i: { expression: string[] }) => i.expression[0])).toContain('Communication.contained.Patient.identifier');

    // Barbara's details (born 1941) sent under Desmond's NHS number (born 1948).
    const wrongPerson = fresh(about(exampleNotice('assessment-notice'), '9990000026'));
    const refused = await send(wrongPerson);
    expect(refused.status).toBe(422);
    expect(refused.body.issue[0].expression).toEqual(['Communication.contained.Patient.birthDate']);
    expect(JSON.stringify(refused.body)).not.toContain('1948');
    const search = await rx1(t.http.get('/fhir/Communication').query({ identifier: `${NOTICE_ID}|${wrongPerson.identifier![0].value}` }));
    expect(search.body.total).toBe(0);
  });

  it("a record opened from one hospital's notice does not turn away another hospital's different birth date", async () => {
    // 999 876 5455 is not known to the council: RX1's notice opens a record with its birth date.
    const first = await send(fresh(about(exampleNotice('assessment-notice'), '9998765455', '1950-01-01')));
    expect(first.status).toBe(201);
    expect(first.body.subject.reference).toMatch(/^Patient\/HN-/);
    const other = fromSender(fresh(about(exampleNotice('assessment-notice'), '9998765455', '1951-02-02')), 'RX2');
    const second = await send(other, rx2);
    expect(second.status).toBe(201);
    expect(second.body.subject.reference).toBe(first.body.subject.reference);
  });

  describe('the council reassigns a contact; whom it is for and what raised it stay', () => {
    let task: Task;
    beforeEach(async () => {
      const sent = await send(fresh(exampleNotice('assessment-notice')));
      [task] = await contactsFor(sent.body.id);
    });
    const patch = (ops: object[]) => council(t.http.patch(`/fhir/Task/${task.id}`).set('Content-Type', 'application/json-patch+json')).send(ops);

    it('owner: reassigned to another council team, a new version', async () => {
      const teams = await council(t.http.get('/fhir/Organization').query({ partof: 'Organization/ORG-WXB', _count: '100' }));
      const other = ((teams.body as Bundle).entry ?? []).map((e) => e.resource!.id!).find((id) => id.startsWith('TEAM-') && id !== 'TEAM-HDT');
      expect(other).toBeDefined();
      const res = await patch([{ op: 'replace', path: '/owner', value: { reference: `Organization/${other}` } }]);
      expect(res.status).toBe(200);
      expect(res.body.owner.reference).toBe(`Organization/${other}`);
      expect(res.body.meta.versionId).toBe('2');
      const inbox = await council(t.http.get('/fhir/Task').query({ owner: `Organization/${other}`, _id: task.id }));
      expect(inbox.body.total).toBe(1);
    });

    it.each([
      ['an organisation that is not a council team', [{ op: 'replace', path: '/owner', value: { reference: 'Organization/CQC-1-1000000123' } }], 422, 'Task.owner'],
      ['something that is not an organisation', [{ op: 'replace', path: '/owner', value: { reference: 'Patient/WXB-100001' } }], 400, 'Task.owner'],
      ['another person', [{ op: 'replace', path: '/for', value: { reference: 'Patient/WXB-100002' } }], 422, 'Task.for'],
      ['another notice', [{ op: 'replace', path: '/focus', value: { reference: 'Communication/00000000-0000-4000-8000-000000000000' } }], 422, 'Task.focus'],
    ])('%s -> refused, and nothing changes', async (_what, ops, status, expression) => {
      const res = await patch(ops);
      expect(res.status).toBe(status);
      expect(res.body.issue[0].expression).toEqual([expression]);
      const [after] = (await council(t.http.get('/fhir/Task').query({ _id: task.id }))).body.entry.map((e: { resource: Task }) => e.resource);
      expect(after.meta.versionId).toBe(task.meta!.versionId);
      expect(after.owner.reference).toBe(task.owner!.reference);
    });
  });

  it("a discharge notice leaves the council's own business status alone", async () => {
    const assessment = await send(fresh(exampleNotice('assessment-notice')));
    const [task] = await contactsFor(assessment.body.id);
    const answered = await council(t.http.patch(`/fhir/Task/${task.id}`).set('Content-Type', 'application/json-patch+json'))
      .send([{ op: 'add', path: '/businessStatus', value: { text: 'Home visit booked for Tuesday' } }, { op: 'replace', path: '/status', value: 'accepted' }]);
    expect(answered.status).toBe(200);
    const discharge = await send(fresh({ ...exampleNotice('discharge-notice'), inResponseTo: [{ reference: `Communication/${assessment.body.id}` }] }));
    expect(discharge.status).toBe(201);
    const [after] = await contactsFor(assessment.body.id);
    expect(after.businessStatus?.text).toBe('Home visit booked for Tuesday');
    expect(after.restriction?.period?.end).toBe('2026-11-28');
    expect(after.input?.[0].valueReference?.reference).toBe(`Communication/${discharge.body.id}`);
  });
});

describe.each(DRIVERS)('notice elements the store could not keep (%s)', (driver) => {
  let t: TestApp;
  let rx1: (r: Test) => Test;
  beforeAll(async () => {
    t = await startTestApp(driver);
    rx1 = await t.as('sandbox-epr-rx1');
  });
  afterAll(() => t.close());
  const send = (body: Communication) => rx1(t.http.post('/fhir/Communication').set('Content-Type', 'application/fhir+json').send(body));
  const newPerson = (change: (patient: Record<string, unknown>) => void) => {
    const n = fresh(about(exampleNotice('assessment-notice'), '9998765439'));
    change(n.contained!.find((r) => r.resourceType === 'Patient') as unknown as Record<string, unknown>);
    return n;
  };

  it.each([
    ['an identifier value of 300,000 characters', () => ({ ...exampleNotice('assessment-notice'), identifier: [{ system: NOTICE_ID, value: 'H'.repeat(300_000) }] }), 'Communication.identifier'],
    ['an identifier system of 5,000 characters', () => ({ ...exampleNotice('assessment-notice'), identifier: [{ system: `urn:x:${'s'.repeat(5_000)}`, value: '1' }] }), 'Communication.identifier'],
    ['a family name that is not a string', () => newPerson((p) => (p.name = [{ family: [], given: ['Ann'] }])), 'Communication.contained.Patient.name'],
    ['given names that are not strings', () => newPerson((p) => (p.name = [{ family: 'Ash', given: [{}] }])), 'Communication.contained.Patient.name'],
    ['a family name of 100,000 characters', () => newPerson((p) => (p.name = [{ family: 'A'.repeat(100_000), given: ['Ann'] }])), 'Communication.contained.Patient.name'],
    ['address lines that are not strings', () => newPerson((p) => (p.address = [{ line: [42], city: 'Hallowfield' }])), 'Communication.contained.Patient.address'],
    ['a withdrawal reason code naming a property of every object', () => ({ ...fresh(exampleNotice('withdrawal-notice')), reasonCode: [{ coding: [{ system: 'https://fhir.nhs.uk/ADW-WithdrawalReason-1', code: '__proto__' }] }] }), 'Communication.reasonCode'],
    ['a withdrawal reason text that is not a string', () => ({ ...fresh(exampleNotice('withdrawal-notice')), reasonCode: [{ coding: [{ system: 'https://fhir.nhs.uk/ADW-WithdrawalReason-1', code: '02' }], text: { words: 'x' } }] }), 'Communication.reasonCode.text'],
    ['a sender ODS code that is not one', () => ({ ...fresh(exampleNotice('assessment-notice')), sender: { identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'R'.repeat(5_000) } } }), 'Communication.sender.identifier.value'],
  ])('%s -> 400 naming the element', async (_what, body, expression) => {
    const res = await send(body() as Communication);
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue.map((i: { expression?: string[] }) => i.expression?.[0])).toContain(expression);
  });
});
