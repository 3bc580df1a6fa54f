import { Communication } from '@medplum/fhirtypes';
import type { Test } from 'supertest';
import { parseNotice } from '../../src/fhir/resources/noticeParser';
import { receiveNotice } from '../../src/services/noticeIntake';
import { startTestApp, TestApp } from '../support/app';
import { about, exampleNotice, NOTICE_ID } from '../support/notices';
import { DRIVERS } from '../support/stores';

let serial = 0;
const fresh = (n: Communication): Communication => ({ ...n, identifier: [{ system: NOTICE_ID, value: `RETRY-${process.pid}-${++serial}` }] });

describe.each(DRIVERS)('a resent notice is answered with its own contact (%s)', (driver) => {
  let t: TestApp;
  let hospital: (r: Test) => Test;
  let council: (r: Test) => Test;
  beforeAll(async () => {
    t = await startTestApp(driver);
    hospital = await t.as('sandbox-epr-rx1');
    council = await t.as('sandbox-council-mosaic');
  });
  afterAll(() => t.close());

  const send = (body: Communication) => hospital(t.http.post('/fhir/Communication').set('Content-Type', 'application/fhir+json').send(body));
  const resend = (body: Communication) =>
    receiveNotice(t.testStore.store, parseNotice(body), { intakeTeamId: 'TEAM-HDT' });

  it('not the first contact of its referral', async () => {
    // With only the first contact of the referral, one of the two resends below gets the wrong one.
    // Desmond has no package: his admission notice opens no contact; a discharge notice answering it
    // opens one; after the council closes that, a second discharge notice opens another.
    const admission = await send(fresh(about(exampleNotice('admission-notice'), '9990000026', '1948-02-03')));
    const discharge = (n: number) =>
      fresh({ ...about(exampleNotice('discharge-notice'), '9990000026', '1948-02-03'), sent: `2026-11-2${n}T10:00:00Z`, inResponseTo: [{ reference: `Communication/${admission.body.id}` }] });
    const first = discharge(4);
    const firstSent = await send(first);
    const firstContact = (await council(t.http.get('/fhir/Task').query({ focus: `Communication/${firstSent.body.id}` }))).body.entry[0].resource;
    await council(t.http.patch(`/fhir/Task/${firstContact.id}`).set('Content-Type', 'application/json-patch+json')).send([{ op: 'replace', path: '/status', value: 'cancelled' }]);
    const second = discharge(5);
    const secondSent = await send(second);
    expect(secondSent.status).toBe(201);

    const again = await resend(second);
    expect(again.created).toBe(false);
    expect(again.notice.record.id).toBe(secondSent.body.id);
    expect(again.contact?.record.noticeId).toBe(secondSent.body.id);
    const firstAgain = await resend(first);
    expect(firstAgain.contact?.record.id).toBe(firstContact.id);
  });
});
