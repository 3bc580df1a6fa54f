/**
 * Every type of the council's records, written back as the facade serves it: what the council's
 * system reads it can send again (an integration engine echoing a record it was sent), unchanged
 * (no version moves: the mapping in and the mapping out agree), changed (the next version), and
 * under a new id (a new record). On both store drivers, over HTTP.
 */
import type { Resource } from '@medplum/fhirtypes';
import request from 'supertest';
import { startTestApp, TestApp } from '../support/app';
import { DRIVERS } from '../support/stores';

type As = (req: request.Test) => request.Test;

/** A sandbox record of each type, and a change to make to it that the type keeps. */
const RECORDS: [string, string, (r: Record<string, unknown>) => void][] = [
  ['Patient', 'WXB-100001', (r) => ((r.telecom as unknown[]) = [{ system: 'phone', value: '0115 496 0999', use: 'home' }])],
  ['CarePlan', 'PKG-0001', (r) => ((r.period as Record<string, string>).end = '2027-03-31')],
  ['Flag', 'SG-0001', (r) => ((r.period as Record<string, string>).end = '2026-11-30')],
  ['CareTeam', 'WXB-100001', (r) => ((r.participant as unknown[]) = (r.participant as unknown[]).slice(-1))],
  ['Organization', 'CQC-1-1000000123', (r) => ((r.name as string) = 'Brightwater Home Care Ltd')],
  ['PractitionerRole', 'W-001', (r) => ((r.code as unknown[]) = [{ text: 'Senior Social Worker' }])],
  ['Practitioner', 'W-001', (r) => ((r.name as { family: string }[])[0].family = 'Hassan-Reid')],
  ['RelatedPerson', 'cr-461cd602bfcc7e65ede9468d4ea4cceb2491f952', (r) => ((r.period as Record<string, string>) = { start: '2020-01-01' })],
  ['Procedure', 'ASM-0001', (r) => ((r.outcome as Record<string, string>) = { text: 'Long Term Support (any)' })],
];

describe.each(DRIVERS)("every type of the council's records written back as served (%s)", (driver) => {
  let t: TestApp;
  let council: As;

  beforeAll(async () => {
    t = await startTestApp(driver);
    council = await t.as('sandbox-council-mosaic');
  });
  afterAll(() => t.close());

  const read = async (type: string, id: string) => {
    const res = await council(t.http.get(`/fhir/${type}/${id}`));
    expect({ type, id, status: res.status }).toEqual({ type, id, status: 200 });
    return res.body as Resource & Record<string, unknown>;
  };

  it.each(RECORDS)('%s: unchanged it keeps its version; changed, it takes the next', async (type, id, change) => {
    const served = await read(type, id);
    const version = Number(served.meta!.versionId);
    const same = await council(t.http.put(`/fhir/${type}/${id}`).send(served));
    expect({ status: same.status, etag: same.headers.etag, issue: same.body.issue }).toEqual({ status: 200, etag: `W/"${version}"`, issue: undefined });

    const changed = structuredClone(served);
    change(changed);
    const res = await council(t.http.put(`/fhir/${type}/${id}`).set('If-Match', `W/"${version}"`).send(changed));
    expect({ status: res.status, etag: res.headers.etag, issue: res.body.issue }).toEqual({ status: 200, etag: `W/"${version + 1}"`, issue: undefined });
    // The change is served: making it again to what is served now changes nothing.
    const after = await read(type, id);
    const again = structuredClone(after);
    change(again);
    expect(again).toEqual(after);
    expect(after).not.toEqual({ ...served, meta: after.meta });
  });

  it('a new record of a type that takes its id from the URL is created by PUT (201)', async () => {
    const flag = await read('Flag', 'SG-0001');
    const { meta: _meta, ...copy } = flag;
    const res = await council(t.http.put('/fhir/Flag/SG-0900').send({ ...copy, id: 'SG-0900' }));
    expect({ status: res.status, location: res.headers.location }).toEqual({ status: 201, location: 'http://facade.test/fhir/Flag/SG-0900/_history/1' });
    const procedure = await read('Procedure', 'ASM-0001');
    const { meta: _m, ...procedureCopy } = procedure;
    const created = await council(t.http.post('/fhir/Procedure').send(procedureCopy));
    expect(created.status).toBe(201);
    expect(created.body.id).not.toBe('ASM-0001');
  });
});
