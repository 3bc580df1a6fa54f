import { AuditEvent, Bundle } from '@medplum/fhirtypes';
import request from 'supertest';
import { purgeExpiredAudit } from '../../src/audit/retention';
import { AuditTrail } from '../../src/audit/auditTrail';
import { AuditRecorder } from '../../src/audit/recorder';
import { AccessRecordStore } from '../../src/store/accessRecordStore';
import { startTestApp, TestApp } from '../support/app';
import { requestToken } from '../support/auth';
import { DRIVERS } from '../support/stores';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
type As = (r: request.Test) => request.Test;
const events = (b: Bundle) => (b.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource as AuditEvent);
const clientOf = (e: AuditEvent) => e.agent.find((a) => a.who?.identifier?.system?.endsWith('/Id/client-id'))?.who?.identifier?.value;

describe.each(DRIVERS)('the audit trail (%s)', (driver) => {
  let t: TestApp;
  let hospital: As;
  let council: As;
  beforeAll(async () => {
    t = await startTestApp(driver);
    hospital = await t.as('sandbox-epr-rx1');
    council = await t.as('sandbox-council-mosaic');
  });
  afterAll(() => t.close());

  const trailFor = async (query: Record<string, string>) => {
    const res = await council(t.http.get('/fhir/AuditEvent').query({ _count: '50', ...query }));
    expect(res.status).toBe(200);
    return events(res.body);
  };

  it('records a lookup: client, organisation, user, purpose, the person by reference and NHS number, the query', async () => {
    const res = await hospital(
      t.http
        .get('/fhir/Patient')
        .query({ identifier: `${NHS}|9990000018`, _revinclude: 'CarePlan:subject' })
        .set('X-Request-ID', 'lookup-1')
        .set('NHSD-End-User-Organisation-ODS', 'RX1')
        .set('NHSD-Session-URID', '555021935107')
        .set('X-User-Name', 'Dr Priya Raman')
        .set('X-User-Role', 'A&E registrar'),
    );
    expect(res.status).toBe(200);
    const [event] = (await trailFor({ patient: '9990000018' })).filter((e) => e.extension?.[0].valueString === 'lookup-1');
    expect(event).toBeDefined();
    expect(event.subtype?.[0].code).toBe('search-type');
    expect(event.outcome).toBe('0');
    expect(event.action).toBe('R');
    expect(clientOf(event)).toBe('sandbox-epr-rx1');
    expect(event.agent.find((a) => a.who?.identifier?.system === 'https://fhir.nhs.uk/Id/ods-organization-code')?.who?.identifier?.value).toBe('RX1');
    const user = event.agent.find((a) => a.requestor && a.who?.display);
    expect(user?.who?.display).toBe('Dr Priya Raman');
    expect(JSON.stringify(user?.role)).toContain('555021935107');
    expect(event.purposeOfEvent?.[0].coding?.[0].code).toBe('TREAT');
    const whats = event.entity!.map((e) => e.what?.reference ?? e.what?.identifier?.value);
    expect(whats).toEqual(expect.arrayContaining(['Patient/WXB-100001', '9990000018', 'CarePlan/PKG-0001']));
    const query = event.entity!.find((e) => e.query)!;
    expect(Buffer.from(query.query!, 'base64').toString()).toContain('identifier=');
    // "Who looked at my record" is one query, by reference too, newest first.
    const byRef = await trailFor({ patient: 'Patient/WXB-100001' });
    expect(byRef.map((e) => e.id)).toContain(event.id);
    const times = byRef.map((e) => e.recorded);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('names the person by NHS number when the response held no Patient (a CarePlan read): the store looks it up', async () => {
    const res = await hospital(t.http.get('/fhir/CarePlan/PKG-0001').set('X-Request-ID', 'careplan-read-1'));
    expect(res.status).toBe(200);
    const [event] = (await trailFor({ patient: '9990000018' })).filter((e) => e.extension?.[0].valueString === 'careplan-read-1');
    expect(event).toBeDefined();
    const whats = event.entity!.map((e) => e.what?.reference ?? e.what?.identifier?.value);
    expect(whats).toEqual(expect.arrayContaining(['Patient/WXB-100001', '9990000018', 'CarePlan/PKG-0001']));
  });

  it('records refusals: no token, a bad request, a forbidden type', async () => {
    const noToken = await t.http.get('/fhir/Patient/WXB-100001').set('X-Request-ID', 'refused-1');
    expect(noToken.status).toBe(401);
    const badDate = await hospital(t.http.get('/fhir/Patient').query({ birthdate: 'yesterday' }).set('X-Request-ID', 'refused-2'));
    expect(badDate.status).toBe(400);
    const forbidden = await hospital(t.http.get('/fhir/AuditEvent').set('X-Request-ID', 'refused-3'));
    expect(forbidden.status).toBe(403);
    const failures = await trailFor({ outcome: '4' });
    const byRequest = new Map(failures.map((e) => [e.extension?.[0].valueString, e]));
    expect(byRequest.get('refused-1')?.outcomeDesc).toMatch(/token/i);
    expect(byRequest.get('refused-1')?.entity?.some((e) => e.what?.reference === undefined)).toBeFalsy();
    expect(clientOf(byRequest.get('refused-2')!)).toBe('sandbox-epr-rx1');
    expect(clientOf(byRequest.get('refused-3')!)).toBe('sandbox-epr-rx1');
    expect(byRequest.get('refused-3')?.outcomeDesc).toMatch(/AuditEvent/);
  });

  it('records token requests, granted and refused', async () => {
    const ok = await requestToken(t.http, { baseUrl: 'http://facade.test', clientId: 'sandbox-portal', scope: 'system/Patient.rs' });
    expect(ok.status).toBe(200);
    const refused = await requestToken(t.http, { baseUrl: 'http://facade.test', clientId: 'sandbox-portal', scope: 'system/AuditEvent.rs' });
    expect(refused.status).toBe(400);
    const tokenEvents = await trailFor({ type: '110114', agent: 'sandbox-portal' });
    expect(tokenEvents.map((e) => e.outcome).sort()).toEqual(['0', '4']);
  });

  it('reads the trail by agent, date, type and outcome; needs system/AuditEvent.rs; is append-only', async () => {
    const since = new Date(Date.now() - 60_000).toISOString();
    expect((await trailFor({ agent: 'sandbox-epr-rx1', date: `ge${since}` })).length).toBeGreaterThan(0);
    expect(await trailFor({ agent: 'sandbox-epr-rx1', date: 'lt2020-01-01' })).toEqual([]);
    expect((await trailFor({ subtype: 'search-type' })).every((e) => e.subtype?.[0].code === 'search-type')).toBe(true);
    expect((await trailFor({ type: 'rest', outcome: '0' })).every((e) => e.outcome === '0')).toBe(true);
    expect((await hospital(t.http.get('/fhir/AuditEvent'))).status).toBe(403);
    const [one] = await trailFor({});
    for (const res of [
      await council(t.http.post('/fhir/AuditEvent').set('Content-Type', 'application/fhir+json').send(one)),
      await council(t.http.put(`/fhir/AuditEvent/${one.id}`).set('Content-Type', 'application/fhir+json').send(one)),
      await council(t.http.delete(`/fhir/AuditEvent/${one.id}`)),
    ]) {
      expect(res.status).toBe(405);
      expect(res.body.resourceType).toBe('OperationOutcome');
    }
  });

  it('pages the trail without shifting while new records arrive', async () => {
    const first = await council(t.http.get('/fhir/AuditEvent').query({ _count: '3' }));
    const next = first.body.link.find((l: { relation: string }) => l.relation === 'next').url as string;
    await hospital(t.http.get('/fhir/Patient/WXB-100002'));
    const second = await council(t.http.get(new URL(next).pathname + new URL(next).search));
    const ids = [...events(first.body), ...events(second.body)].map((e) => e.id);
    expect(new Set(ids).size).toBe(6);
  });

  it('takes a declared purpose of use, and refuses one it does not know', async () => {
    await hospital(t.http.get('/fhir/Patient/WXB-100003').set('X-Purpose-Of-Use', 'ETREAT').set('X-Request-ID', 'purpose-1'));
    const [event] = (await trailFor({ patient: 'Patient/WXB-100003' })).filter((e) => e.extension?.[0].valueString === 'purpose-1');
    expect(event.purposeOfEvent?.[0].coding?.[0].code).toBe('ETREAT');
    const bad = await hospital(t.http.get('/fhir/Patient/WXB-100003').set('X-Purpose-Of-Use', 'CURIOSITY'));
    expect(bad.status).toBe(400);
    expect(bad.body.issue[0].diagnostics).toMatch(/X-Purpose-Of-Use/);
  });

  it('purges records past the retention period and records the purge', async () => {
    const records = new AccessRecordStore(t.testStore.store.db);
    const recorder = new AuditRecorder(new AuditTrail(records));
    const removedNone = await purgeExpiredAudit(records, 30, recorder);
    expect(removedNone).toBe(0);
    const inAYear = new Date(Date.now() + 365 * 86_400_000);
    const removed = await purgeExpiredAudit(records, 30, recorder, inAYear);
    expect(removed).toBeGreaterThan(5);
    const purges = await trailFor({ type: 'destroy' });
    expect(purges.map((e) => e.outcomeDesc)).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`removed ${removed} access record`))]));
  });
});

describe('when the audit trail cannot be written', () => {
  it('answers 503 and serves nothing', async () => {
    const t = await startTestApp('pglite', { audit: new AuditRecorder({ record: async () => Promise.reject(new Error('disk full')) }) });
    try {
      const res = await (await t.as('sandbox-epr-rx1').catch(() => undefined))?.(t.http.get('/fhir/Patient/WXB-100001'));
      // The token request itself is audited, so even getting a token fails.
      expect(res).toBeUndefined();
      const direct = await t.http.get('/fhir/Patient/WXB-100001');
      expect(direct.status).toBe(503);
      expect(direct.body.resourceType).toBe('OperationOutcome');
      expect(direct.body.issue[0].code).toBe('transient');
      expect(JSON.stringify(direct.body)).not.toContain('Thornton');
    } finally {
      await t.close();
    }
  });

  it('still serves when only a later record fails, never a record-less answer', async () => {
    let fail = false;
    const trail: { record(r: unknown): Promise<void> } = { record: async () => (fail ? Promise.reject(new Error('lost connection')) : undefined) };
    const t = await startTestApp('pglite', { audit: new AuditRecorder(trail) });
    try {
      const hospital = await t.as('sandbox-epr-rx1');
      expect((await hospital(t.http.get('/fhir/Patient/WXB-100001'))).status).toBe(200);
      fail = true;
      const res = await hospital(t.http.get('/fhir/Patient/WXB-100001'));
      expect(res.status).toBe(503);
      expect(res.text).not.toContain('Thornton');
    } finally {
      await t.close();
    }
  });
});
