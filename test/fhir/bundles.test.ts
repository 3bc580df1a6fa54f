/**
 * POST [base] with a transaction or batch Bundle, as the council's integration engine sends them:
 * a transaction applies all of its entries or none (urn:uuid: and conditional references
 * resolved), a batch applies each on its own. Over HTTP with real tokens, on both store drivers;
 * and through fhir-kit-client against a listening facade, as an engine's own FHIR client would.
 */
import type { AddressInfo } from 'node:net';
import http from 'node:http';
import type { Bundle, BundleEntry, CarePlan, OperationOutcome } from '@medplum/fhirtypes';
import { Client } from 'fhir-kit-client';
import request from 'supertest';
import { startTestApp, TestApp } from '../support/app';
import { DRIVERS } from '../support/stores';
import { carePlanOf, CARE_PACKAGE_ID, NHS, patientOf } from '../support/councilResources';

type As = (req: request.Test) => request.Test;

const statuses = (b: Bundle) => (b.entry ?? []).map((e) => e.response?.status);

/** A person new to the council and their first package, the package naming the person by the person's full URL. */
function newPersonWithPackage(personId: string, nhs: string, packageId: string, packageOptions: Parameters<typeof carePlanOf>[1] = {}): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      { fullUrl: 'urn:uuid:6f1d2a3e-0000-4000-8000-000000000001', resource: patientOf(personId, nhs), request: { method: 'POST', url: 'Patient' } },
      {
        fullUrl: 'urn:uuid:6f1d2a3e-0000-4000-8000-000000000002',
        resource: carePlanOf(packageId, { person: 'urn:uuid:6f1d2a3e-0000-4000-8000-000000000001', ...packageOptions }),
        request: { method: 'POST', url: 'CarePlan' },
      },
    ],
  };
}

describe.each(DRIVERS)('transaction and batch Bundles (%s)', (driver) => {
  let t: TestApp;
  let council: As;
  let hospital: As;

  beforeAll(async () => {
    t = await startTestApp(driver);
    council = await t.as('sandbox-council-mosaic');
    hospital = await t.as('sandbox-epr-rx1');
  });
  afterAll(() => t.close());

  const post = (as: As, bundle: unknown) => as(t.http.post('/fhir').set('Content-Type', 'application/fhir+json').send(bundle as object));

  describe('transaction', () => {
    it('applies every entry, resolving urn:uuid: references, and answers each with its status, location and resource', async () => {
      const res = await post(council, newPersonWithPackage('WXB-910001', '9990002010', 'PKG-T1'));
      expect(res.status).toBe(200);
      const answer = res.body as Bundle;
      expect(answer.type).toBe('transaction-response');
      expect(answer.entry?.map((e) => [e.response?.status, e.response?.location, e.response?.etag])).toEqual([
        ['201 Created', 'http://facade.test/fhir/Patient/WXB-910001/_history/1', 'W/"1"'],
        ['201 Created', 'http://facade.test/fhir/CarePlan/PKG-T1/_history/1', 'W/"1"'],
      ]);
      expect((answer.entry![1].resource as CarePlan).subject?.reference).toBe('Patient/WXB-910001');
      const found = await hospital(t.http.get('/fhir/CarePlan').query({ 'patient.identifier': `${NHS}|9990002010` }));
      expect((found.body as Bundle).entry?.map((e) => e.resource?.id)).toEqual(['PKG-T1']);
    });

    it('applies nothing when one entry is refused: the status of that entry, which it names', async () => {
      const bundle = newPersonWithPackage('WXB-910002', '9990002029', 'PKG-T2', { serviceType: 'no-such-service' });
      const res = await post(council, bundle);
      const issue = (res.body as OperationOutcome).issue![0];
      expect({ status: res.status, type: res.body.resourceType }).toEqual({ status: 400, type: 'OperationOutcome' });
      expect(issue.expression?.[0]).toBe('Bundle.entry[1]');
      expect(issue.diagnostics).toMatch(/^Bundle\.entry\[1\] \(POST CarePlan\): /);
      // The person of entry 0 was not created either.
      expect((await council(t.http.get('/fhir/Patient/WXB-910002'))).status).toBe(404);
      const byNhs = await council(t.http.get('/fhir/Patient').query({ identifier: `${NHS}|9990002029` }));
      expect((byNhs.body as Bundle).entry?.filter((e) => e.search?.mode === 'match') ?? []).toEqual([]);
    });

    it('is refused whole for a client that may not write one of its types (403), and for a hospital', async () => {
      const res = await post(hospital, newPersonWithPackage('WXB-910003', '9990002037', 'PKG-T3'));
      expect(res.status).toBe(403);
      expect((await council(t.http.get('/fhir/Patient/WXB-910003'))).status).toBe(404);
    });

    it('resolves conditional creates and conditional references, so a resend of the same transaction changes nothing', async () => {
      const bundle: Bundle = {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          {
            fullUrl: 'urn:uuid:6f1d2a3e-0000-4000-8000-000000000011',
            resource: patientOf('WXB-910004', '9990002045'),
            request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${NHS}|9990002045` },
          },
          {
            resource: carePlanOf('PKG-T4', { person: 'urn:uuid:6f1d2a3e-0000-4000-8000-000000000011' }),
            request: { method: 'PUT', url: `CarePlan?identifier=${CARE_PACKAGE_ID}|PKG-T4` },
          },
          {
            resource: carePlanOf('PKG-T5', { person: `Patient?identifier=${NHS}|9990000018` }),
            request: { method: 'PUT', url: `CarePlan?identifier=${CARE_PACKAGE_ID}|PKG-T5` },
          },
        ],
      };
      const first = await post(council, bundle);
      expect({ status: first.status, entries: statuses(first.body) }).toEqual({ status: 200, entries: ['201 Created', '201 Created', '201 Created'] });
      expect((first.body.entry[2].resource as CarePlan).subject?.reference).toBe('Patient/WXB-100001');
      const again = await post(council, bundle);
      expect({ status: again.status, entries: statuses(again.body) }).toEqual({ status: 200, entries: ['200 OK', '200 OK', '200 OK'] });
      expect(again.body.entry.map((e: BundleEntry) => e.response?.etag)).toEqual(['W/"1"', 'W/"1"', 'W/"1"']);
    });

    it('refuses a reference to a full URL no entry has, and a Bundle that is neither transaction nor batch', async () => {
      const dangling = newPersonWithPackage('WXB-910005', '9990002053', 'PKG-T6');
      (dangling.entry![1].resource as CarePlan).subject = { reference: 'urn:uuid:00000000-0000-4000-8000-000000000000' };
      const res = await post(council, dangling);
      expect({ status: res.status, diagnostics: res.body.issue[0].diagnostics }).toEqual({ status: 400, diagnostics: expect.stringMatching(/names no entry of this Bundle/) });
      expect((await post(council, { resourceType: 'Bundle', type: 'collection' })).status).toBe(400);
      expect((await post(council, { resourceType: 'Patient' })).status).toBe(400);
    });

    it('tells a client that may not write nothing of what its entries search for', async () => {
      const probe = (reference: string) => ({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [{ resource: carePlanOf('PKG-T9', { person: reference }), request: { method: 'POST', url: 'CarePlan' } }],
      });
      const held = await post(hospital, probe(`Patient?identifier=${NHS}|9990000093`));
      const absent = await post(hospital, probe(`Patient?identifier=${NHS}|9990002010`));
      expect([held.status, absent.status]).toEqual([403, 403]);
      expect(held.body.issue[0].diagnostics).toEqual(absent.body.issue[0].diagnostics);
    });

    it('applies entries in the order their references need, whatever the order sent', async () => {
      const bundle = newPersonWithPackage('WXB-910008', '9990002096', 'PKG-T8');
      bundle.entry!.reverse();
      const res = await post(council, bundle);
      expect({ status: res.status, entries: statuses(res.body) }).toEqual({ status: 200, entries: ['201 Created', '201 Created'] });
    });

    it('refuses entries that overlap: two writes of one resource, one condition twice, a full URL twice or of the wrong form', async () => {
      const twice: Bundle = {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { resource: carePlanOf('PKG-0003', { id: 'PKG-0003' }), request: { method: 'PUT', url: 'CarePlan/PKG-0003' } },
          { request: { method: 'DELETE', url: 'CarePlan/PKG-0003' } },
        ],
      };
      expect((await post(council, twice)).status).toBe(400);
      const sameCondition = newPersonWithPackage('WXB-910009', '9990002118', 'PKG-T10');
      sameCondition.entry![0].request!.ifNoneExist = `identifier=${NHS}|9990002118`;
      sameCondition.entry!.push({ ...sameCondition.entry![0], fullUrl: 'urn:uuid:6f1d2a3e-0000-4000-8000-000000000009' });
      expect((await post(council, sameCondition)).status).toBe(400);
      const sameFullUrl = newPersonWithPackage('WXB-910009', '9990002118', 'PKG-T10');
      sameFullUrl.entry![1].fullUrl = sameFullUrl.entry![0].fullUrl;
      expect((await post(council, sameFullUrl)).status).toBe(400);
      const relative = newPersonWithPackage('WXB-910009', '9990002118', 'PKG-T10');
      relative.entry![0].fullUrl = 'Patient/WXB-100001';
      expect((await post(council, relative)).status).toBe(400);
      expect((await council(t.http.get('/fhir/Patient/WXB-910009'))).status).toBe(404);
      expect((await council(t.http.get('/fhir/CarePlan/PKG-0003'))).status).toBe(200);
    });

    it('refuses a request header of an entry that is not text (400), in a transaction and a batch', async () => {
      for (const type of ['transaction', 'batch']) {
        for (const request of [{ method: 'PUT', url: 'CarePlan/PKG-0001', ifMatch: 3 }, { method: 'POST', url: 'CarePlan', ifNoneExist: 5 }]) {
          const res = await post(council, { resourceType: 'Bundle', type, entry: [{ resource: carePlanOf('PKG-0001', { id: 'PKG-0001' }), request }] });
          expect({ type, request, status: res.status }).toEqual({ type, request, status: 400 });
        }
      }
    });

    it('refuses hospital notices in a transaction (they are sent on their own)', async () => {
      const res = await post(council, { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: { resourceType: 'Communication' }, request: { method: 'POST', url: 'Communication' } }] });
      expect({ status: res.status, diagnostics: res.body.issue[0].diagnostics }).toEqual({ status: 400, diagnostics: expect.stringMatching(/only the council's records/) });
    });

    it('takes a JSON Patch entry as a Binary', async () => {
      await post(council, newPersonWithPackage('WXB-910006', '9990002061', 'PKG-T7')).expect(200);
      const patch = [{ op: 'replace', path: '/status', value: 'on-hold' }];
      const bundle: Bundle = {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          {
            resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data: Buffer.from(JSON.stringify(patch)).toString('base64') },
            request: { method: 'PATCH', url: 'CarePlan/PKG-T7', ifMatch: 'W/"1"' },
          },
        ],
      };
      const res = await post(council, bundle);
      expect({ status: res.status, entries: statuses(res.body), value: res.body.entry[0].resource.status }).toEqual({ status: 200, entries: ['200 OK'], value: 'on-hold' });
    });
  });

  describe('batch', () => {
    it('applies each entry on its own: one refused does not stop the others', async () => {
      const bundle: Bundle = {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [
          { resource: carePlanOf('PKG-B1'), request: { method: 'PUT', url: `CarePlan?identifier=${CARE_PACKAGE_ID}|PKG-B1` } },
          { resource: carePlanOf('PKG-B2', { provider: 'CQC-1-0000000000' }), request: { method: 'POST', url: 'CarePlan' } },
          { request: { method: 'GET', url: 'CarePlan/PKG-B1' } },
          { request: { method: 'GET', url: 'CarePlan/PKG-NONE' } },
        ],
      };
      const res = await post(council, bundle);
      expect({ status: res.status, type: res.body.type, entries: statuses(res.body) }).toEqual({
        status: 200,
        type: 'batch-response',
        entries: ['201 Created', '422 Unprocessable Entity', '200 OK', '404 Not Found'],
      });
      expect(res.body.entry[1].response.outcome.issue[0].expression).toEqual(['CarePlan.activity.detail.performer']);
      expect((await council(t.http.get('/fhir/CarePlan/PKG-B1'))).status).toBe(200);
      expect((await council(t.http.get('/fhir/CarePlan/PKG-B2'))).status).toBe(404);
    });

    it("answers a hospital's batch entry by entry: its lookups served, its writes refused", async () => {
      const bundle: Bundle = {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [
          { request: { method: 'GET', url: `Patient?identifier=${NHS}|9990000018` } },
          { resource: carePlanOf('PKG-B3'), request: { method: 'POST', url: 'CarePlan' } },
        ],
      };
      const res = await post(hospital, bundle);
      expect(statuses(res.body)).toEqual(['200 OK', '403 Forbidden']);
    });

    it('is audited entry by entry, each as if sent alone (the people it found, those it withheld, its refusals), beside the batch itself', async () => {
      const requestId = `batch-${Math.random().toString(36).slice(2)}`;
      const bundle: Bundle = {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [
          { request: { method: 'GET', url: `Patient?identifier=${NHS}|9990000026` } },
          // A restricted person: withheld from the hospital, recorded all the same.
          { request: { method: 'GET', url: `Patient?identifier=${NHS}|9990000093` } },
          { resource: carePlanOf('PKG-B4'), request: { method: 'POST', url: 'CarePlan' } },
        ],
      };
      await post(hospital, bundle).set('X-Request-ID', requestId).expect(200);
      const rows = await t.testStore.store.db.query<{ interaction: string; http_status: number; person_ids: string[]; nhs_numbers: string[] }>(
        'SELECT interaction, http_status, person_ids, nhs_numbers FROM audit_events WHERE request_id = $1',
        [requestId],
      );
      const sorted = rows.map((r) => [r.interaction, r.http_status, r.person_ids, r.nhs_numbers]).sort((a, b) => String(a).localeCompare(String(b)));
      expect(sorted).toEqual([
        ['batch', 200, [], []],
        ['create', 403, [], []],
        ['search', 200, ['WXB-100002'], ['9990000026']],
        ['search', 200, ['WXB-100010'], ['9990000093']],
      ]);
    });

    it('counts each entry against the client\'s request limit', async () => {
      const limited = await startTestApp(driver, {}, { CLIENT_REQUESTS_PER_MINUTE: '5' });
      try {
        const as = await limited.as('sandbox-council-mosaic');
        const entry = { request: { method: 'GET', url: 'Patient/WXB-100001' } };
        const res = await as(limited.http.post('/fhir').set('Content-Type', 'application/fhir+json').send({ resourceType: 'Bundle', type: 'batch', entry: Array(20).fill(entry) }));
        expect({ status: res.status, retry: !!res.headers['retry-after'] }).toEqual({ status: 429, retry: true });
      } finally {
        await limited.close();
      }
    });
  });

  it('fhir-kit-client: transaction and batch against a listening facade', async () => {
    const server = http.createServer(t.app).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const client = new Client({ baseUrl: `http://127.0.0.1:${port}/fhir`, bearerToken: await t.token(undefined, 'sandbox-council-mosaic') });
      const done = (await client.transaction({ body: newPersonWithPackage('WXB-910007', '9990002088', 'PKG-K1') as never })) as unknown as Bundle;
      expect({ type: done.type, entries: statuses(done) }).toEqual({ type: 'transaction-response', entries: ['201 Created', '201 Created'] });
      const batch = (await client.batch({
        body: { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: 'CarePlan/PKG-K1' } }] } as never,
      })) as unknown as Bundle;
      expect({ type: batch.type, entries: statuses(batch), id: batch.entry?.[0].resource?.id }).toEqual({ type: 'batch-response', entries: ['200 OK'], id: 'PKG-K1' });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
