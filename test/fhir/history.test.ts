/**
 * Versions over FHIR: vread and _history of the council's records and of the contacts hospital
 * notices raise, deletions (410 Gone), the access rules of a read applied to every version,
 * If-Modified-Since, a create's Location read back, and two FHIR clients against a listening facade.
 * Over HTTP with real tokens, on both store drivers.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Bundle, BundleEntry, CarePlan, Communication, Task } from '@medplum/fhirtypes';
import { MedplumClient } from '@medplum/core';
import { Client } from 'fhir-kit-client';
import request from 'supertest';
import { startTestApp, TestApp } from '../support/app';
import { DRIVERS } from '../support/stores';
import { carePlanOf, CARE_PACKAGE_ID } from '../support/councilResources';

type As = (req: request.Test) => request.Test;

const NOTICE_ID = 'https://fhir.example-hospital.nhs.uk/Id/adw-notice';
const assessmentNotice = (value: string): Communication => ({
  ...(JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'notices', 'assessment-notice.json'), 'utf8')) as Communication),
  identifier: [{ system: NOTICE_ID, value }],
});

const entriesOf = (body: Bundle) => body.entry ?? [];
const summary = (e: BundleEntry) => ({
  method: e.request?.method,
  url: e.request?.url,
  status: e.response?.status,
  etag: e.response?.etag,
  version: e.resource?.meta?.versionId,
});

describe.each(DRIVERS)('versions: vread and _history (%s)', (driver) => {
  let t: TestApp;
  /** The council's own system: writes its records. */
  let council: As;
  /** A hospital EPR: reads, and sends notices. */
  let hospital: As;
  let otherHospital: As;

  beforeAll(async () => {
    t = await startTestApp(driver);
    council = await t.as('sandbox-council-mosaic');
    hospital = await t.as('sandbox-epr-rx1');
    otherHospital = await t.as('test-epr-rx2');
  });
  afterAll(() => t.close());

  /** A package written three times: created, put on hold, ended by a patch. */
  async function writtenThrice(id: string): Promise<string[]> {
    const stamps: string[] = [];
    const created = await council(t.http.put(`/fhir/CarePlan/${id}`).send(carePlanOf(id, { id })));
    expect(created.status).toBe(201);
    stamps.push(created.body.meta.lastUpdated);
    const held = await council(t.http.put(`/fhir/CarePlan/${id}`).send(carePlanOf(id, { id, status: 'on-hold', statusReason: 'In hospital' })));
    expect({ status: held.status, version: held.body.meta.versionId }).toEqual({ status: 200, version: '2' });
    stamps.push(held.body.meta.lastUpdated);
    const ended = await council(t.http.patch(`/fhir/CarePlan/${id}`).set('Content-Type', 'application/json-patch+json')).send(
      JSON.stringify([{ op: 'replace', path: '/status', value: 'completed' }]),
    );
    expect({ status: ended.status, version: ended.body.meta.versionId }).toEqual({ status: 200, version: '3' });
    stamps.push(ended.body.meta.lastUpdated);
    return stamps;
  }

  it('serves each version of a package written three times, with its ETag and Last-Modified; a version that never was is 404', async () => {
    const stamps = await writtenThrice('PKG-H1');
    for (const [version, status] of [['1', 'active'], ['2', 'on-hold'], ['3', 'completed']] as const) {
      const res = await hospital(t.http.get(`/fhir/CarePlan/PKG-H1/_history/${version}`));
      expect({ status: res.status, etag: res.headers.etag, plan: (res.body as CarePlan).status, version: res.body.meta.versionId }).toEqual({
        status: 200,
        etag: `W/"${version}"`,
        plan: status,
        version,
      });
      expect(res.headers['last-modified']).toBe(new Date(stamps[Number(version) - 1]).toUTCString());
    }
    for (const never of ['4', '0', 'x']) {
      const res = await hospital(t.http.get(`/fhir/CarePlan/PKG-H1/_history/${never}`));
      expect({ never, status: res.status, code: res.body.issue?.[0]?.code }).toEqual({ never, status: 404, code: 'not-found' });
    }
    expect((await hospital(t.http.get('/fhir/CarePlan/PKG-NEVER/_history/1'))).status).toBe(404);
  });

  it('lists a record\'s versions newest first as a history Bundle, with _since and paging', async () => {
    const stamps = await writtenThrice('PKG-H2');
    const res = await hospital(t.http.get('/fhir/CarePlan/PKG-H2/_history'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ resourceType: 'Bundle', type: 'history' });
    expect(entriesOf(res.body).map(summary)).toEqual([
      { method: 'PUT', url: 'CarePlan/PKG-H2', status: '200 OK', etag: 'W/"3"', version: '3' },
      { method: 'PUT', url: 'CarePlan/PKG-H2', status: '200 OK', etag: 'W/"2"', version: '2' },
      { method: 'POST', url: 'CarePlan', status: '201 Created', etag: 'W/"1"', version: '1' },
    ]);
    expect(entriesOf(res.body)[2]).toMatchObject({ fullUrl: 'http://facade.test/fhir/CarePlan/PKG-H2', response: { lastModified: stamps[0] } });

    const since = await hospital(t.http.get('/fhir/CarePlan/PKG-H2/_history').query({ _since: stamps[1] }));
    expect(entriesOf(since.body).map((e) => e.resource?.meta?.versionId)).toEqual(['3', '2']);

    const first = await hospital(t.http.get('/fhir/CarePlan/PKG-H2/_history').query({ _count: '2' }));
    expect(entriesOf(first.body).map((e) => e.resource?.meta?.versionId)).toEqual(['3', '2']);
    const next = (first.body as Bundle).link?.find((l) => l.relation === 'next')?.url;
    expect(next).toBeDefined();
    // A version written after the first page does not shift the next one.
    await council(t.http.patch('/fhir/CarePlan/PKG-H2').set('Content-Type', 'application/json-patch+json')).send(
      JSON.stringify([{ op: 'replace', path: '/status', value: 'active' }]),
    );
    const second = await hospital(t.http.get(next!.replace('http://facade.test', '')));
    expect(entriesOf(second.body).map((e) => e.resource?.meta?.versionId)).toEqual(['1']);
    expect((second.body as Bundle).link?.some((l) => l.relation === 'next')).toBe(false);
    expect((second.body as Bundle).link?.some((l) => l.relation === 'previous')).toBe(true);
  });

  it('lists a type\'s versions with _since, for the council (a hospital reads the history of one it has found); bad parameters are 400s', async () => {
    const before = new Date(Date.now() - 1000).toISOString();
    await writtenThrice('PKG-H3');
    const res = await council(t.http.get('/fhir/CarePlan/_history').query({ _since: before, _count: '100' }));
    expect(res.status).toBe(200);
    const mine = entriesOf(res.body).filter((e) => e.fullUrl === 'http://facade.test/fhir/CarePlan/PKG-H3');
    expect(mine.map((e) => e.resource?.meta?.versionId)).toEqual(['3', '2', '1']);
    // Nothing older than _since.
    expect(entriesOf(res.body).every((e) => e.response!.lastModified! >= before)).toBe(true);
    for (const query of [{ _since: 'yesterday' }, { _since: '2026-11-20' }, { _count: '-1' }, { _offset: '99999' }]) {
      const bad = await council(t.http.get('/fhir/CarePlan/_history').query(query));
      expect({ query, status: bad.status, spine: bad.body.issue?.[0]?.details?.coding?.[0]?.code }).toEqual({ query, status: 400, spine: 'INVALID_SEARCH_DATA' });
    }
    const strict = await council(t.http.get('/fhir/CarePlan/_history').query({ status: 'active' }).set('Prefer', 'handling=strict'));
    expect(strict.status).toBe(400);
  });

  it("shows a deleted package's deletion, and answers its vread after the delete with 410 Gone", async () => {
    await council(t.http.put('/fhir/CarePlan/PKG-H4').send(carePlanOf('PKG-H4', { id: 'PKG-H4' }))).expect(201);
    await council(t.http.put('/fhir/CarePlan/PKG-H4').send(carePlanOf('PKG-H4', { id: 'PKG-H4', status: 'on-hold' }))).expect(200);
    await council(t.http.delete('/fhir/CarePlan/PKG-H4')).expect(204);
    expect((await hospital(t.http.get('/fhir/CarePlan/PKG-H4'))).status).toBe(404);

    const history = await hospital(t.http.get('/fhir/CarePlan/PKG-H4/_history'));
    expect(history.status).toBe(200);
    expect(entriesOf(history.body).map(summary)).toEqual([
      { method: 'DELETE', url: 'CarePlan/PKG-H4', status: '204 No Content', etag: 'W/"3"', version: undefined },
      { method: 'PUT', url: 'CarePlan/PKG-H4', status: '200 OK', etag: 'W/"2"', version: '2' },
      { method: 'POST', url: 'CarePlan', status: '201 Created', etag: 'W/"1"', version: '1' },
    ]);
    expect(entriesOf(history.body)[0].resource).toBeUndefined();

    const gone = await hospital(t.http.get('/fhir/CarePlan/PKG-H4/_history/3'));
    expect({ status: gone.status, code: gone.body.issue?.[0]?.code }).toEqual({ status: 410, code: 'deleted' });
    expect(gone.body.issue[0].details.coding).toEqual([expect.objectContaining({ code: 'INVALIDATED_RESOURCE' })]);
    expect((await hospital(t.http.get('/fhir/CarePlan/PKG-H4/_history/2'))).body.status).toBe('on-hold');
    expect((await hospital(t.http.get('/fhir/CarePlan/PKG-H4/_history/4'))).status).toBe(404);

    // Written again under the same id: created anew, its versions carrying on.
    const again = await council(t.http.put('/fhir/CarePlan/PKG-H4').send(carePlanOf('PKG-H4', { id: 'PKG-H4' })));
    expect({ status: again.status, version: again.body.meta.versionId }).toEqual({ status: 201, version: '3' });
    const after = await hospital(t.http.get('/fhir/CarePlan/PKG-H4/_history'));
    expect(entriesOf(after.body).map(summary)).toEqual([
      { method: 'POST', url: 'CarePlan', status: '201 Created', etag: 'W/"3"', version: '3' },
      { method: 'DELETE', url: 'CarePlan/PKG-H4', status: '204 No Content', etag: undefined, version: undefined },
      { method: 'PUT', url: 'CarePlan/PKG-H4', status: '200 OK', etag: 'W/"2"', version: '2' },
      { method: 'POST', url: 'CarePlan', status: '201 Created', etag: 'W/"1"', version: '1' },
    ]);
    expect((await hospital(t.http.get('/fhir/CarePlan/PKG-H4/_history/3'))).status).toBe(200);
  });

  it('keeps every version of a contact the council answers twice; another hospital sees none of them', async () => {
    const sent = await hospital(t.http.post('/fhir/Communication').set('Content-Type', 'application/fhir+json').send(assessmentNotice(`HIST-${process.pid}-1`)));
    expect(sent.status).toBe(201);
    const found = await council(t.http.get('/fhir/Task').query({ focus: `Communication/${sent.body.id}` }));
    const task = entriesOf(found.body)[0].resource as Task;
    const put = (body: Task) => council(t.http.put(`/fhir/Task/${task.id}`).set('Content-Type', 'application/fhir+json')).send(body);
    const accepted = await put({ ...task, status: 'accepted', businessStatus: { text: 'Allocated to duty social worker' } });
    expect(accepted.body.meta.versionId).toBe('2');
    const inProgress = await put({ ...accepted.body, status: 'in-progress' });
    expect(inProgress.body.meta.versionId).toBe('3');

    const history = await hospital(t.http.get(`/fhir/Task/${task.id}/_history`));
    expect(history.status).toBe(200);
    expect(entriesOf(history.body).map((e) => [e.request?.method, (e.resource as Task).status])).toEqual([
      ['PUT', 'in-progress'],
      ['PUT', 'accepted'],
      ['POST', 'requested'],
    ]);
    const first = await hospital(t.http.get(`/fhir/Task/${task.id}/_history/1`));
    expect({ status: first.status, task: first.body.status }).toEqual({ status: 200, task: 'requested' });

    // Another hospital's contact is not there for this one, in any version.
    expect((await otherHospital(t.http.get(`/fhir/Task/${task.id}/_history/1`))).status).toBe(403);
    expect((await otherHospital(t.http.get(`/fhir/Task/${task.id}/_history`))).status).toBe(403);
    const typeHistory = await otherHospital(t.http.get('/fhir/Task/_history').query({ _count: '100' }));
    expect(entriesOf(typeHistory.body).some((e) => e.fullUrl?.endsWith(`/Task/${task.id}`))).toBe(false);
    const notices = await otherHospital(t.http.get('/fhir/Communication/_history').query({ _count: '100' }));
    expect(entriesOf(notices.body).some((e) => e.fullUrl?.endsWith(`/Communication/${sent.body.id}`))).toBe(false);
  });

  it("withholds a restricted person's versions from a hospital as their current record is, and records the attempt", async () => {
    const caseManagement = await t.as('test-case-management');
    const changed = await caseManagement(t.http.patch('/fhir/CarePlan/PKG-0010').set('Content-Type', 'application/json-patch+json')).send(
      JSON.stringify([{ op: 'replace', path: '/status', value: 'on-hold' }]),
    );
    expect(changed.status).toBe(200);
    const old = String(Number(changed.body.meta.versionId) - 1);
    expect((await caseManagement(t.http.get(`/fhir/CarePlan/PKG-0010/_history/${old}`))).status).toBe(200);

    const requestId = `history-${Math.random().toString(36).slice(2)}`;
    const vread = await hospital(t.http.get(`/fhir/CarePlan/PKG-0010/_history/${old}`).set('X-Request-ID', requestId));
    expect({ status: vread.status, code: vread.body.issue?.[0]?.code }).toEqual({ status: 403, code: 'suppressed' });
    expect(JSON.stringify(vread.body)).not.toContain('on-hold');
    const audited = await t.testStore.store.db.query<{ interaction: string; person_ids: string[] }>(
      'SELECT interaction, person_ids FROM audit_events WHERE request_id = $1',
      [requestId],
    );
    expect(audited).toEqual([{ interaction: 'vread', person_ids: ['WXB-100010'] }]);
    expect((await hospital(t.http.get('/fhir/CarePlan/PKG-0010/_history'))).status).toBe(403);
    // The council's social-care view does not show restricted records either, in a type's history too.
    const typeHistory = await council(t.http.get('/fhir/CarePlan/_history').query({ _count: '100' }));
    expect(typeHistory.status).toBe(200);
    expect(entriesOf(typeHistory.body).length).toBeGreaterThan(0);
    expect(entriesOf(typeHistory.body).some((e) => e.fullUrl?.endsWith('/CarePlan/PKG-0010'))).toBe(false);
  });

  it('leaves out of a history, and refuses to a vread, a version whose content then the caller could not read (a concern while closed, for the health view)', async () => {
    const patch = (status: string) =>
      council(t.http.patch('/fhir/Flag/SG-0001').set('Content-Type', 'application/json-patch+json')).send(JSON.stringify([{ op: 'replace', path: '/status', value: status }]));
    const before = await council(t.http.get('/fhir/Flag/SG-0001'));
    expect(before.body.status).toBe('active');
    const open = Number(before.body.meta.versionId);
    const closed = await patch('inactive');
    expect({ status: closed.status, flag: closed.body.status }).toEqual({ status: 200, flag: 'inactive' });
    // Closed now: the health view reads none of its versions.
    expect((await hospital(t.http.get('/fhir/Flag/SG-0001'))).status).toBe(403);
    expect((await hospital(t.http.get(`/fhir/Flag/SG-0001/_history/${open}`))).status).toBe(403);
    expect((await hospital(t.http.get('/fhir/Flag/SG-0001/_history'))).status).toBe(403);
    const reopened = await patch('active');
    expect(reopened.status).toBe(200);
    // Open again: its open versions are shown, the closed one is not.
    const history = await hospital(t.http.get('/fhir/Flag/SG-0001/_history'));
    const versions = entriesOf(history.body).map((e) => Number(e.resource?.meta?.versionId));
    expect(versions).toContain(open);
    expect(versions).toContain(open + 2);
    expect(versions).not.toContain(open + 1);
    const vread = await hospital(t.http.get(`/fhir/Flag/SG-0001/_history/${open + 1}`));
    expect({ status: vread.status, code: vread.body.issue?.[0]?.code }).toEqual({ status: 403, code: 'forbidden' });
    expect((await council(t.http.get(`/fhir/Flag/SG-0001/_history/${open + 1}`))).body.status).toBe('inactive');
  });

  it('records the people in the versions a history returns', async () => {
    await writtenThrice('PKG-H5');
    const requestId = `history-${Math.random().toString(36).slice(2)}`;
    await hospital(t.http.get('/fhir/CarePlan/PKG-H5/_history').set('X-Request-ID', requestId)).expect(200);
    const audited = await t.testStore.store.db.query<{ interaction: string; person_ids: string[] }>(
      'SELECT interaction, person_ids FROM audit_events WHERE request_id = $1',
      [requestId],
    );
    expect(audited).toEqual([{ interaction: 'history', person_ids: ['WXB-100001'] }]);
  });

  it('answers If-Modified-Since with 304 when nothing changed since, and 200 when it did', async () => {
    const created = await council(t.http.put('/fhir/CarePlan/PKG-H6').send(carePlanOf('PKG-H6', { id: 'PKG-H6' })));
    const modified = created.headers['last-modified'];
    expect(modified).toBeDefined();
    const unchanged = await hospital(t.http.get('/fhir/CarePlan/PKG-H6').set('If-Modified-Since', modified));
    expect(unchanged.status).toBe(304);
    expect(unchanged.text ?? '').toBe('');
    const later = await hospital(t.http.get('/fhir/CarePlan/PKG-H6').set('If-Modified-Since', new Date(Date.now() + 60_000).toUTCString()));
    expect(later.status).toBe(304);
    const earlier = await hospital(t.http.get('/fhir/CarePlan/PKG-H6').set('If-Modified-Since', new Date(Date.parse(modified) - 60_000).toUTCString()));
    expect({ status: earlier.status, id: earlier.body.id }).toEqual({ status: 200, id: 'PKG-H6' });
    // A date that is no date is ignored (RFC 9110): the read is answered in full.
    expect((await hospital(t.http.get('/fhir/CarePlan/PKG-H6').set('If-Modified-Since', 'not a date'))).status).toBe(200);
    // If-None-Match decides when both are sent.
    const stale = await hospital(t.http.get('/fhir/CarePlan/PKG-H6').set('If-Modified-Since', modified).set('If-None-Match', 'W/"99"'));
    expect(stale.status).toBe(200);
  });

  it("reads back a create's Location", async () => {
    const created = await council(t.http.post('/fhir/CarePlan').send(carePlanOf('PKG-H7')));
    expect(created.status).toBe(201);
    const location = created.headers.location as string;
    expect(location).toMatch(/^http:\/\/facade\.test\/fhir\/CarePlan\/[^/]+\/_history\/1$/);
    const res = await hospital(t.http.get(location.replace('http://facade.test', '')));
    expect({ status: res.status, id: res.body.id, etag: res.headers.etag }).toEqual({ status: 200, id: created.body.id, etag: 'W/"1"' });
    const notice = await hospital(t.http.post('/fhir/Communication').set('Content-Type', 'application/fhir+json').send(assessmentNotice(`HIST-${process.pid}-2`)));
    const read = await hospital(t.http.get((notice.headers.location as string).replace('http://facade.test', '')));
    expect({ status: read.status, id: read.body.id }).toEqual({ status: 200, id: notice.body.id });
  });

  it('fhir-kit-client and MedplumClient read versions and histories from a listening facade', async () => {
    await writtenThrice('PKG-H8');
    const server = http.createServer(t.app).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const token = await t.token(undefined, 'sandbox-council-mosaic');
      const kit = new Client({ baseUrl: `http://127.0.0.1:${port}/fhir`, bearerToken: token });
      const v2 = (await kit.vread({ resourceType: 'CarePlan', id: 'PKG-H8', version: '2' })) as unknown as CarePlan;
      expect({ status: v2.status, version: v2.meta?.versionId }).toEqual({ status: 'on-hold', version: '2' });
      const instance = (await kit.resourceHistory({ resourceType: 'CarePlan', id: 'PKG-H8' })) as unknown as Bundle;
      expect(entriesOf(instance).map((e) => e.resource?.meta?.versionId)).toEqual(['3', '2', '1']);
      const type = (await kit.typeHistory({ resourceType: 'CarePlan', options: { _count: '100' } } as never)) as unknown as Bundle;
      expect(type.type).toBe('history');
      expect(entriesOf(type).filter((e) => e.fullUrl?.endsWith('/CarePlan/PKG-H8'))).toHaveLength(3);

      const medplum = new MedplumClient({ baseUrl: `http://127.0.0.1:${port}/`, fhirUrlPath: 'fhir', fetch: globalThis.fetch });
      medplum.setAccessToken(token);
      const history = await medplum.readHistory('CarePlan', 'PKG-H8');
      expect(entriesOf(history).map((e) => (e.resource as CarePlan).status)).toEqual(['completed', 'on-hold', 'active']);
      const first = await medplum.readVersion('CarePlan', 'PKG-H8', '1');
      expect({ status: first.status, version: first.meta?.versionId }).toEqual({ status: 'active', version: '1' });
    } finally {
      // fetch keeps its connections open for reuse: closed here, so nothing outlives the test.
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('refuses history of the whole system and of the unversioned conformance resources (404 not-supported)', async () => {
    for (const p of ['/fhir/_history', '/fhir/StructureDefinition/SocialCare-Patient/_history', '/fhir/StructureDefinition/SocialCare-Patient/_history/1']) {
      const res = await council(t.http.get(p));
      expect({ p, status: res.status, code: res.body.issue?.[0]?.code }).toEqual({ p, status: 404, code: 'not-supported' });
    }
    const put = await council(t.http.put('/fhir/CarePlan/PKG-H1/_history/1').send(carePlanOf('PKG-H1')));
    expect({ status: put.status, allow: put.headers.allow }).toEqual({ status: 405, allow: 'GET, HEAD' });
    // An identifier search is no part of a history: a conditional vread is not a thing.
    expect((await council(t.http.get(`/fhir/CarePlan/_history/x`).query({ identifier: `${CARE_PACKAGE_ID}|PKG-H1` }))).status).toBe(404);
  });
});
