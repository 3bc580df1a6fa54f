/**
 * The council's records written over FHIR by its own systems (an integration engine pushing
 * changes): create, update and update-as-create, conditional create and update, JSON Patch,
 * delete, If-Match, and who may not. Over HTTP with real tokens, on both store drivers, against the
 * sandbox's council records; what is written is read back as hospitals see it.
 */
import type { Bundle, CarePlan, CareTeam, OperationOutcome } from '@medplum/fhirtypes';
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../../src/app';
import { openPostgres } from '../../src/store/postgresDriver';
import { Store } from '../../src/store/store';
import { startTestApp, TestApp } from '../support/app';
import { DRIVERS, describeWithPostgres } from '../support/stores';
import { carePlanOf, CARE_PACKAGE_ID, NHS, patientOf, SOCIAL_CARE_REFERENCE } from '../support/councilResources';

type As = (req: request.Test) => request.Test;

const issueOf = (body: OperationOutcome) => body.issue?.[0];

describe.each(DRIVERS)("the council's records written over FHIR (%s)", (driver) => {
  let t: TestApp;
  /** The council's own system: social-care view, system/*.cruds. */
  let council: As;
  /** A hospital EPR and a portal: read only. */
  let hospital: As;
  let portal: As;
  /** The council's safeguarding hub: the council's organisation, but read scopes only. */
  let hub: As;

  beforeAll(async () => {
    t = await startTestApp(driver);
    council = await t.as('sandbox-council-mosaic');
    hospital = await t.as('sandbox-epr-rx1');
    portal = await t.as('sandbox-portal');
    hub = await t.as('test-safeguarding-hub');
  });
  afterAll(() => t.close());

  const auditOf = async (requestId: string) =>
    t.testStore.store.db.query<{ interaction: string; http_status: number; client_id: string; person_ids: string[] }>(
      'SELECT interaction, http_status, client_id, person_ids FROM audit_events WHERE request_id = $1',
      [requestId],
    );

  describe('conditional update', () => {
    const url = `/fhir/CarePlan?identifier=${encodeURIComponent(`${CARE_PACKAGE_ID}|PKG-W1`)}`;

    it('creates the package when nothing matches (201), changes nothing when repeated, and updates it when it changes', async () => {
      const first = await council(t.http.put(url).send(carePlanOf('PKG-W1')));
      expect({ status: first.status, etag: first.headers.etag, location: first.headers.location }).toEqual({
        status: 201,
        etag: 'W/"1"',
        location: 'http://facade.test/fhir/CarePlan/PKG-W1/_history/1',
      });
      expect((first.body as CarePlan).status).toBe('active');

      const again = await council(t.http.put(url).send(carePlanOf('PKG-W1')));
      expect({ status: again.status, etag: again.headers.etag }).toEqual({ status: 200, etag: 'W/"1"' });

      // A hospital looks the package up (and its answer is cached) before the council suspends it.
      expect((await hospital(t.http.get('/fhir/CarePlan/PKG-W1'))).body.status).toBe('active');
      const suspended = await council(t.http.put(url).send(carePlanOf('PKG-W1', { status: 'on-hold', statusReason: 'In hospital' })));
      expect({ status: suspended.status, etag: suspended.headers.etag, body: suspended.body.status }).toEqual({ status: 200, etag: 'W/"2"', body: 'on-hold' });
      const seen = await hospital(t.http.get('/fhir/CarePlan/PKG-W1'));
      expect({ status: seen.body.status, version: seen.body.meta.versionId }).toEqual({ status: 'on-hold', version: '2' });
    });

    it('refuses a search that matches several (412) and one that names no parameter (412)', async () => {
      const several = await council(t.http.put('/fhir/CarePlan?status=active').send(carePlanOf('PKG-W9')));
      expect({ status: several.status, code: issueOf(several.body).code }).toEqual({ status: 412, code: 'multiple-matches' });
      const none = await council(t.http.put('/fhir/CarePlan').send(carePlanOf('PKG-W9')));
      expect(none.status).toBe(412);
      expect((await council(t.http.get('/fhir/CarePlan/PKG-W9'))).status).toBe(404);
    });
  });

  describe('If-Match', () => {
    it('refuses an update or a patch of a version that is no longer current (412), and applies one of the current version', async () => {
      await council(t.http.put('/fhir/CarePlan/PKG-W2').send(carePlanOf('PKG-W2', { id: 'PKG-W2' }))).expect(201);
      await council(t.http.put('/fhir/CarePlan/PKG-W2').send(carePlanOf('PKG-W2', { id: 'PKG-W2', start: '2026-11-21' }))).expect(200);

      const stale = await council(t.http.put('/fhir/CarePlan/PKG-W2').set('If-Match', 'W/"1"').send(carePlanOf('PKG-W2', { id: 'PKG-W2', status: 'completed' })));
      expect({ status: stale.status, code: issueOf(stale.body).code }).toEqual({ status: 412, code: 'conflict' });
      expect(issueOf(stale.body).diagnostics).toMatch(/version 2, not 1/);

      const patchOp = [{ op: 'replace', path: '/status', value: 'on-hold' }];
      const stalePatch = await council(t.http.patch('/fhir/CarePlan/PKG-W2').set('Content-Type', 'application/json-patch+json').set('If-Match', 'W/"1"').send(JSON.stringify(patchOp)));
      expect(stalePatch.status).toBe(412);

      const patched = await council(t.http.patch('/fhir/CarePlan/PKG-W2').set('Content-Type', 'application/json-patch+json').set('If-Match', 'W/"2"').send(JSON.stringify(patchOp)));
      expect({ status: patched.status, etag: patched.headers.etag, value: patched.body.status }).toEqual({ status: 200, etag: 'W/"3"', value: 'on-hold' });
      expect((await council(t.http.get('/fhir/CarePlan/PKG-W2'))).body.period).toEqual({ start: '2026-11-21' });
    });

    it('refuses a JSON Patch whose test fails (422) and one that is not a patch (400)', async () => {
      const failing = [{ op: 'test', path: '/status', value: 'completed' }, { op: 'replace', path: '/status', value: 'active' }];
      const res = await council(t.http.patch('/fhir/CarePlan/PKG-W2').set('Content-Type', 'application/json-patch+json').send(JSON.stringify(failing)));
      expect(res.status).toBe(422);
      const notPatch = await council(t.http.patch('/fhir/CarePlan/PKG-W2').set('Content-Type', 'application/json-patch+json').send('{"op":"replace"}'));
      expect(notPatch.status).toBe(400);
    });
  });

  describe('conditional create', () => {
    it('creates a person once: a resend with If-None-Exist answers 200 with the person created first, whom a hospital then finds', async () => {
      const person = patientOf('WXB-900001', '9990001014');
      const ifNoneExist = `identifier=${NHS}|9990001014`;
      const first = await council(t.http.post('/fhir/Patient').set('If-None-Exist', ifNoneExist).send(person));
      expect({ status: first.status, location: first.headers.location }).toEqual({ status: 201, location: 'http://facade.test/fhir/Patient/WXB-900001/_history/1' });
      const again = await council(t.http.post('/fhir/Patient').set('If-None-Exist', ifNoneExist).send(person));
      expect({ status: again.status, id: again.body.id }).toEqual({ status: 200, id: 'WXB-900001' });
      const found = await hospital(t.http.get('/fhir/Patient').query({ identifier: `${NHS}|9990001014` }));
      expect((found.body as Bundle).entry?.map((e) => e.resource?.id)).toEqual(['WXB-900001']);
    });

    it('answers a plain resend of the same person 200, and a different person under the same reference 409', async () => {
      await council(t.http.post('/fhir/Patient').send(patientOf('WXB-900001', '9990001014'))).expect(200);
      const changed = await council(t.http.post('/fhir/Patient').send(patientOf('WXB-900001', '9990001014', { family: 'Other' })));
      expect({ status: changed.status, code: issueOf(changed.body).code }).toEqual({ status: 409, code: 'duplicate' });
    });

    it('refuses a second person under an NHS number already held (409)', async () => {
      const res = await council(t.http.post('/fhir/Patient').send(patientOf('WXB-900002', '9990000018')));
      expect({ status: res.status, diagnostics: issueOf(res.body).diagnostics }).toEqual({ status: 409, diagnostics: expect.stringMatching(/already belongs to Patient\/WXB-100001/) });
    });
  });

  describe('checks of what is written', () => {
    it('refuses an NHS number failing its Modulus 11 check (400, naming the element), and writes nothing', async () => {
      const res = await council(t.http.post('/fhir/Patient').send(patientOf('WXB-900003', '9990001015')));
      expect({ status: res.status, expression: issueOf(res.body).expression }).toEqual({ status: 400, expression: ['Patient.identifier'] });
      expect((await council(t.http.get('/fhir/Patient/WXB-900003'))).status).toBe(404);
    });

    it('refuses a package whose provider does not exist, or is not a provider (422)', async () => {
      const unknown = await council(t.http.post('/fhir/CarePlan').send(carePlanOf('PKG-W3', { provider: 'CQC-1-0000000000' })));
      expect({ status: unknown.status, expression: issueOf(unknown.body).expression }).toEqual({ status: 422, expression: ['CarePlan.activity.detail.performer'] });
      const team = await council(t.http.post('/fhir/CarePlan').send(carePlanOf('PKG-W3', { provider: 'TEAM-OAN' })));
      expect({ status: team.status, diagnostics: issueOf(team.body).diagnostics }).toEqual({ status: 422, diagnostics: expect.stringMatching(/is a team: it must be a provider/) });
    });

    it('refuses a package for a person the council does not hold (422) and a resource its profile refuses (400)', async () => {
      const nobody = await council(t.http.post('/fhir/CarePlan').send(carePlanOf('PKG-W3', { person: 'WXB-NOBODY' })));
      expect({ status: nobody.status, expression: issueOf(nobody.body).expression }).toEqual({ status: 422, expression: ['CarePlan.subject'] });
      const { intent: _intent, ...noIntent } = carePlanOf('PKG-W3');
      expect((await council(t.http.post('/fhir/CarePlan').send(noIntent))).status).toBe(400);
      expect((await council(t.http.get('/fhir/CarePlan/PKG-W3'))).status).toBe(404);
    });
  });

  describe('who may write', () => {
    it.each([
      ['a hospital', () => hospital, /may not update CarePlan/],
      ['a portal', () => portal, /may not update CarePlan/],
      ["the council's own system without a write scope", () => hub, /may not update CarePlan/],
    ])('%s: 403 with an OperationOutcome, audited, nothing written', async (_who, as, message) => {
      const requestId = `refused-${Math.random().toString(36).slice(2)}`;
      const res = await as()(t.http.put('/fhir/CarePlan/PKG-0001').set('X-Request-ID', requestId).send(carePlanOf('PKG-0001', { id: 'PKG-0001', status: 'completed' })));
      expect({ status: res.status, type: res.body.resourceType, diagnostics: issueOf(res.body).diagnostics }).toEqual({
        status: 403,
        type: 'OperationOutcome',
        diagnostics: expect.stringMatching(message),
      });
      expect(await auditOf(requestId)).toEqual([expect.objectContaining({ interaction: 'update', http_status: 403 })]);
      expect((await council(t.http.get('/fhir/CarePlan/PKG-0001'))).body.status).toBe('active');
    });

    it("refuses a client of another organisation even with write scopes (only the council's own systems write)", async () => {
      const other = await t.as('test-epr-rx2', 'system/Patient.rs');
      const res = await other(t.http.post('/fhir/Patient').send(patientOf('WXB-900004', '9990001022')));
      expect(res.status).toBe(403);
    });

    it('audits a write with the person it touched', async () => {
      const requestId = `write-${Math.random().toString(36).slice(2)}`;
      await council(t.http.put('/fhir/CarePlan/PKG-W4').set('X-Request-ID', requestId).send(carePlanOf('PKG-W4', { id: 'PKG-W4' }))).expect(201);
      expect(await auditOf(requestId)).toEqual([{ interaction: 'update', http_status: 201, client_id: 'sandbox-council-mosaic', person_ids: ['WXB-100001'] }]);
    });
  });

  describe('delete', () => {
    it('removes a package entered in error (204), keeps its versions in the history, and answers a second delete 204', async () => {
      await council(t.http.put('/fhir/CarePlan/PKG-W5').send(carePlanOf('PKG-W5', { id: 'PKG-W5' }))).expect(201);
      await council(t.http.delete('/fhir/CarePlan/PKG-W5')).expect(204);
      expect((await hospital(t.http.get('/fhir/CarePlan/PKG-W5'))).status).toBe(404);
      await council(t.http.delete('/fhir/CarePlan/PKG-W5')).expect(204);
      const history = await t.testStore.store.db.query<{ version: number }>("SELECT version FROM record_history WHERE entity = 'carePackage' AND id = 'PKG-W5'");
      expect(history).toEqual([{ version: 1 }]);
      // Written again under the same id, it carries on from the removed one's versions.
      const again = await council(t.http.put('/fhir/CarePlan/PKG-W5').send(carePlanOf('PKG-W5', { id: 'PKG-W5' })));
      expect({ status: again.status, etag: again.headers.etag }).toEqual({ status: 201, etag: 'W/"2"' });
    });

    it('deletes by search (one match), and answers 404 for what never existed', async () => {
      await council(t.http.put('/fhir/CarePlan/PKG-W6').send(carePlanOf('PKG-W6', { id: 'PKG-W6' }))).expect(201);
      await council(t.http.delete('/fhir/CarePlan').query({ identifier: `${CARE_PACKAGE_ID}|PKG-W6` })).expect(204);
      expect((await council(t.http.get('/fhir/CarePlan/PKG-W6'))).status).toBe(404);
      expect((await council(t.http.delete('/fhir/CarePlan/PKG-NEVER'))).status).toBe(404);
    });

    it('never deletes a person (405), nor a provider a package still names (409)', async () => {
      const person = await council(t.http.delete('/fhir/Patient/WXB-100001'));
      expect(person.status).toBe(405);
      const provider = await council(t.http.delete('/fhir/Organization/CQC-1-1000000123'));
      expect({ status: provider.status, code: issueOf(provider.body).code }).toEqual({ status: 409, code: 'conflict' });
      expect((await council(t.http.get('/fhir/Organization/CQC-1-1000000123'))).status).toBe(200);
    });

    it("ends a person's allocation when their CareTeam is deleted, and a hospital sees no team at once", async () => {
      await council(t.http.post('/fhir/Patient').send(patientOf('WXB-900005', '9990001030'))).expect(201);
      const team: CareTeam = {
        resourceType: 'CareTeam',
        id: 'WXB-900005',
        status: 'active',
        category: [{ coding: [{ system: 'https://fhir.hl7.org.uk/CodeSystem/UKCore-RecordStandardHeadings', code: 'professional-contacts' }] }],
        name: 'Adult social care team for Dorothy Ashworth',
        subject: { reference: 'Patient/WXB-900005' },
        participant: [
          { role: [{ text: 'Allocated social worker' }], member: { reference: 'PractitionerRole/W-001' } },
          { role: [{ text: 'Responsible team' }], member: { reference: 'Organization/TEAM-OAN' } },
        ],
      };
      const allocated = await council(t.http.put('/fhir/CareTeam/WXB-900005').send(team));
      expect(allocated.status).toBe(201);
      const seen = await hospital(t.http.get('/fhir/CareTeam/WXB-900005'));
      expect(seen.body.participant.map((p: { member: { reference: string } }) => p.member.reference)).toEqual(['PractitionerRole/W-001', 'Organization/TEAM-OAN']);
      await council(t.http.delete('/fhir/CareTeam/WXB-900005')).expect(204);
      expect((await hospital(t.http.get('/fhir/CareTeam/WXB-900005'))).status).toBe(404);
      expect((await council(t.http.get('/fhir/Patient/WXB-900005'))).status).toBe(200);
    });
  });

  describe("a restricted person's records (Irene's sister: WXB-100010, package PKG-0010, concern SG-0003)", () => {
    const RESTRICTED = { id: 'WXB-100010', nhs: '9990000093', pkg: 'PKG-0010', flag: 'SG-0003' };
    const jsonPatch = (as: As, path: string, ops: unknown[], ifMatch?: string) => {
      const req = t.http.patch(path).set('Content-Type', 'application/json-patch+json');
      return as(ifMatch ? req.set('If-Match', ifMatch) : req).send(JSON.stringify(ops));
    };

    it('are neither shown nor changed for a client whose view does not show restricted records: 403 before anything else is said', async () => {
      const probe = await council(t.http.post('/fhir/CarePlan').set('If-None-Exist', `identifier=${CARE_PACKAGE_ID}|${RESTRICTED.pkg}`).send(carePlanOf(RESTRICTED.pkg)));
      expect({ status: probe.status, code: issueOf(probe.body).code }).toEqual({ status: 403, code: 'suppressed' });
      expect(JSON.stringify(probe.body)).not.toMatch(/address/i);
      for (const [path, ifMatch] of [[`/fhir/CarePlan/${RESTRICTED.pkg}`], [`/fhir/Flag/${RESTRICTED.flag}`], [`/fhir/Patient/${RESTRICTED.id}`, 'W/"99"']]) {
        const res = await jsonPatch(council, path!, [], ifMatch);
        expect({ path, status: res.status }).toEqual({ path, status: 403 });
      }
      const overwrite = await council(t.http.put(`/fhir/CarePlan?identifier=${encodeURIComponent(`${CARE_PACKAGE_ID}|${RESTRICTED.pkg}`)}`).send(carePlanOf(RESTRICTED.pkg, { person: RESTRICTED.id })));
      expect(overwrite.status).toBe(403);
      const unrestrict = patientOf(RESTRICTED.id, RESTRICTED.nhs);
      const lifted = await council(t.http.put(`/fhir/Patient/${RESTRICTED.id}`).send({ ...unrestrict, id: RESTRICTED.id, meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'N' }] } }));
      expect(lifted.status).toBe(403);
      expect((await hospital(t.http.get(`/fhir/Patient/${RESTRICTED.id}`))).status).toBe(403);
      const another = await council(t.http.post('/fhir/Patient').send(patientOf('WXB-900010', RESTRICTED.nhs)));
      expect({ status: another.status, named: JSON.stringify(another.body).includes(RESTRICTED.id) }).toEqual({ status: 409, named: false });
    });

    it('are written by the council\'s client whose view shows them, and the access record names the person', async () => {
      const caseManagement = await t.as('test-case-management');
      const requestId = `restricted-${Math.random().toString(36).slice(2)}`;
      const res = await jsonPatch(caseManagement, `/fhir/CarePlan/${RESTRICTED.pkg}`, [{ op: 'replace', path: '/status', value: 'on-hold' }]).set('X-Request-ID', requestId);
      expect({ status: res.status, value: res.body.status }).toEqual({ status: 200, value: 'on-hold' });
      expect(await auditOf(requestId)).toEqual([expect.objectContaining({ interaction: 'patch', http_status: 200, person_ids: [RESTRICTED.id] })]);
    });

    it('a delete is recorded with the record it removed', async () => {
      await council(t.http.put('/fhir/CarePlan/PKG-W7').send(carePlanOf('PKG-W7', { id: 'PKG-W7' }))).expect(201);
      const requestId = `delete-${Math.random().toString(36).slice(2)}`;
      await council(t.http.delete('/fhir/CarePlan/PKG-W7').set('X-Request-ID', requestId)).expect(204);
      expect(await auditOf(requestId)).toEqual([expect.objectContaining({ interaction: 'delete', http_status: 204, person_ids: ['WXB-100001'] })]);
    });
  });

  it('answers two writers of one new record at once as one create and one update (no 500)', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => council(t.http.put('/fhir/CarePlan/PKG-CC1').send(carePlanOf('PKG-CC1', { id: 'PKG-CC1' })))));
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
    const people = await Promise.all(['WXB-900020', 'WXB-900021'].map((id) => council(t.http.post('/fhir/Patient').send(patientOf(id, '9990004013')))));
    expect(people.map((r) => r.status).sort()).toEqual([201, 409]);
  });

  it('refuses a conditional write whose search is only result parameters (400), and one that would take an id the search did not find (409)', async () => {
    expect((await council(t.http.delete('/fhir/CarePlan').query({ _summary: 'count' }))).status).toBe(400);
    const flag = (await council(t.http.get('/fhir/Flag/SG-0001'))).body;
    const res = await council(t.http.put('/fhir/Flag').query({ _id: 'SG-NONE' }).send({ ...flag, meta: undefined }));
    expect({ status: res.status, code: issueOf(res.body).code }).toEqual({ status: 409, code: 'conflict' });
  });

  it('answers 404 for the CareTeam of a person never allocated', async () => {
    await council(t.http.post('/fhir/Patient').send(patientOf('WXB-900030', '9990004021'))).expect(201);
    expect((await council(t.http.delete('/fhir/CareTeam/WXB-900030'))).status).toBe(404);
  });

  it('the CapabilityStatement lists exactly these interactions for each type', async () => {
    const cs = (await t.http.get('/fhir/metadata')).body;
    const interactions = (type: string) =>
      cs.rest[0].resource.find((r: { type: string }) => r.type === type).interaction.map((i: { code: string }) => i.code);
    const versions = ['vread', 'history-instance', 'history-type'];
    expect(interactions('Patient')).toEqual(['read', 'search-type', 'create', 'update', 'patch', ...versions]);
    expect(interactions('CarePlan')).toEqual(['read', 'search-type', 'create', 'update', 'patch', 'delete', ...versions]);
    expect(interactions('Task')).toEqual(['read', 'search-type', 'update', 'patch', ...versions]);
    expect(interactions('AuditEvent')).toEqual(['read', 'search-type', ...versions]);
    expect(cs.rest[0].resource.filter((r: { readHistory: boolean }) => r.readHistory).map((r: { type: string }) => r.type)).toEqual([
      'Patient', 'CarePlan', 'Flag', 'CareTeam', 'Organization', 'Practitioner', 'PractitionerRole', 'RelatedPerson', 'Procedure', 'Communication', 'Task', 'AuditEvent',
    ]);
    expect(cs.rest[0].interaction.map((i: { code: string }) => i.code)).toEqual(['transaction', 'batch']);
    // And the routes agree: a 405 names what is allowed.
    const allowed = await council(t.http.delete('/fhir/Patient/WXB-100001'));
    expect(allowed.headers.allow).toBe('GET, HEAD, PUT, PATCH');
  });
});

describeWithPostgres('a write seen at once by another instance on the same database', () => {
  let t: TestApp;
  let other: Store;
  let otherHttp: ReturnType<typeof request>;

  beforeAll(async () => {
    t = await startTestApp('postgres', {}, { LOOKUP_CACHE_SECONDS: '30' });
    other = await Store.open(await openPostgres(t.testStore.databaseUrl!));
    otherHttp = request(createApp(t.config, { store: other, auth: t.auth, logger: pino({ level: 'silent' }) }));
  });
  afterAll(async () => {
    await other.close();
    await t.close();
  });

  it('a lookup on the other instance, cached there a moment before, shows the change', async () => {
    const hospital = await t.bearer(undefined, 'sandbox-epr-rx1');
    const council = await t.as('sandbox-council-mosaic');
    const lookup = () => otherHttp.get('/fhir/CarePlan/PKG-0001').set('Authorization', hospital);
    const before = await lookup();
    expect(before.body.status).toBe('active');
    const patch = [{ op: 'replace', path: '/status', value: 'on-hold' }];
    await council(t.http.patch('/fhir/CarePlan/PKG-0001').set('Content-Type', 'application/json-patch+json').send(JSON.stringify(patch))).expect(200);
    const after = await lookup();
    expect({ status: after.body.status, version: after.body.meta.versionId }).toEqual({ status: 'on-hold', version: String(Number(before.body.meta.versionId) + 1) });
  });
});

