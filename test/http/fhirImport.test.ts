/**
 * The fhir kind of $import: the council's records as FHIR resources in our profiles (NDJSON, or a
 * Bundle), each written as a FHIR update of its id would write it, in the order their references
 * need; a resource refused is a reject of its line while the rest go on (within --max-rejects).
 * On both store drivers.
 */
import type { Bundle, Organization } from '@medplum/fhirtypes';
import request from 'supertest';
import { BASE_URL, startTestApp, TestApp } from '../support/app';
import { DRIVERS } from '../support/stores';
import { carePlanOf, NHS, patientOf } from '../support/councilResources';

type As = (req: request.Test) => request.Test;

const PROVIDER: Organization = {
  resourceType: 'Organization',
  id: 'CQC-1-2000000001',
  identifier: [{ system: 'https://fhir.social-care-facade.uk/Id/cqc-location-id', value: '1-2000000001' }],
  active: true,
  type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: 'prov', display: 'Healthcare Provider' }], text: 'Care provider' }],
  name: 'Hollybank Home Care',
  telecom: [{ system: 'phone', value: '0115 496 0777', use: 'work' }],
  contact: [{ purpose: { text: 'Out of hours' }, telecom: [{ system: 'phone', value: '07700 900 777', use: 'work' }] }],
};

/** The package first: the import writes the provider and the person before it all the same. */
function ndjson(): string {
  return [
    JSON.stringify(carePlanOf('PKG-F1', { id: 'PKG-F1', person: 'WXB-920001', provider: 'CQC-1-2000000001' })),
    JSON.stringify(patientOf('WXB-920001', '9990003017')),
    '',
    JSON.stringify(PROVIDER),
    JSON.stringify(patientOf('WXB-920002', '9990003016')),
    '{"resourceType": "Patient", ',
    JSON.stringify({ resourceType: 'Communication', id: 'c1', status: 'completed' }),
  ].join('\n');
}

describe.each(DRIVERS)('importing FHIR resources (%s)', (driver) => {
  let t: TestApp;
  let council: As;
  let hospital: As;

  beforeAll(async () => {
    t = await startTestApp(driver);
    council = await t.as('sandbox-council-mosaic');
    hospital = await t.as('sandbox-epr-rx1');
  });
  afterAll(() => t.close());

  async function importFhir(body: string, query: Record<string, string>, type = 'application/fhir+ndjson') {
    const res = await council(t.http.post('/fhir/$import').query({ kind: 'fhir', ...query }).set('Prefer', 'respond-async').set('Content-Type', type).send(body));
    expect(res.status).toBe(202);
    const statusUrl = (res.headers['content-location'] as string).replace(BASE_URL, '');
    for (let i = 0; i < 300; i++) {
      const status = await council(t.http.get(statusUrl));
      if (status.status !== 202) return status.body;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the import did not end');
  }

  it('applies what it can in the order references need, and reports each line refused', async () => {
    const report = await importFhir(ndjson(), { maxRejects: '3', fileName: 'engine-2026-12-01.ndjson' });
    expect({ outcome: report.outcome, changes: report.changes, rows: report.files[0].rows }).toEqual({
      outcome: 'applied',
      changes: {
        Organization: { added: 1, changed: 0, unchanged: 0, ended: 0 },
        Patient: { added: 1, changed: 0, unchanged: 0, ended: 0 },
        CarePlan: { added: 1, changed: 0, unchanged: 0, ended: 0 },
      },
      rows: 6,
    });
    expect(report.rejects.map((r: { line: number; reason: string }) => [r.line, r.reason])).toEqual([
      [6, expect.stringMatching(/^not JSON/)],
      [5, expect.stringMatching(/Patient\.identifier: .*Modulus 11/)],
      [7, expect.stringMatching(/Communication is not one of the council's record types/)],
    ]);
    const found = await hospital(t.http.get('/fhir/CarePlan').query({ 'patient.identifier': `${NHS}|9990003017`, _include: 'CarePlan:performer' }));
    expect((found.body as Bundle).entry?.map((e) => `${e.resource?.resourceType}/${e.resource?.id}`)).toEqual(['CarePlan/PKG-F1', 'Organization/CQC-1-2000000001']);
  });

  it('changes nothing when the same file comes again', async () => {
    const report = await importFhir(ndjson(), { maxRejects: '3' });
    expect(report.changes).toEqual({
      Organization: { added: 0, changed: 0, unchanged: 1, ended: 0 },
      Patient: { added: 0, changed: 0, unchanged: 1, ended: 0 },
      CarePlan: { added: 0, changed: 0, unchanged: 1, ended: 0 },
    });
  });

  it("writes a restricted person's records only for a client whose view shows them: each such line is a reject", async () => {
    const restricted = JSON.stringify({ ...patientOf('WXB-100010', '9990000093', { family: 'Overwritten' }), id: 'WXB-100010' });
    const report = await importFhir(restricted, { maxRejects: '1' });
    expect({ outcome: report.outcome, reasons: report.rejects.map((r: { reason: string }) => r.reason) }).toEqual({
      outcome: 'applied',
      reasons: [expect.stringMatching(/restricted record/)],
    });
    expect(JSON.stringify(report)).not.toMatch(/Overwritten/);
  });

  it('takes a Bundle as one JSON document, and applies nothing when more lines are refused than allowed', async () => {
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resource: carePlanOf('PKG-F1', { id: 'PKG-F1', person: 'WXB-920001', provider: 'CQC-1-2000000001', status: 'on-hold' }) }],
    };
    const applied = await importFhir(JSON.stringify(bundle, null, 2), {}, 'application/fhir+json');
    expect({ outcome: applied.outcome, changes: applied.changes }).toEqual({ outcome: 'applied', changes: { CarePlan: { added: 0, changed: 1, unchanged: 0, ended: 0 } } });
    expect((await hospital(t.http.get('/fhir/CarePlan/PKG-F1'))).body.status).toBe('on-hold');

    const refused = await importFhir(ndjson().replace('"on-hold"', '"active"').replace(/PKG-F1/g, 'PKG-F2'), {});
    expect({ outcome: refused.outcome, rejectCount: refused.rejectCount }).toEqual({ outcome: 'refused', rejectCount: 3 });
    expect((await council(t.http.get('/fhir/CarePlan/PKG-F2'))).status).toBe(404);
  });
});
