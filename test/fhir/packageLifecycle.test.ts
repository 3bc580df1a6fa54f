/**
 * The transactions docs/data-in.md shows an integration engine sending as a care package starts,
 * changes provider, is suspended while the person is in hospital, and ends (docs/examples/), sent
 * as they are printed, on both store drivers; after each, what a hospital's A&E lookup shows.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, CarePlan } from '@medplum/fhirtypes';
import request from 'supertest';
import { startTestApp, TestApp } from '../support/app';
import { DRIVERS } from '../support/stores';

type As = (req: request.Test) => request.Test;

const example = (name: string): Bundle => JSON.parse(readFileSync(join(__dirname, '..', '..', 'docs', 'examples', name), 'utf8'));

describe.each(DRIVERS)("a care package's life, as the council's integration engine sends it (%s)", (driver) => {
  let t: TestApp;
  let council: As;
  let hospital: As;

  beforeAll(async () => {
    t = await startTestApp(driver);
    council = await t.as('sandbox-council-mosaic');
    hospital = await t.as('sandbox-epr-rx1');
  });
  afterAll(() => t.close());

  const send = async (name: string) => {
    const res = await council(t.http.post('/fhir').set('Content-Type', 'application/fhir+json').send(example(name)));
    expect({ name, status: res.status, type: res.body.type }).toEqual({ name, status: 200, type: 'transaction-response' });
    return (res.body as Bundle).entry!.map((e) => e.response!.status);
  };

  /** What A&E sees of Barbara's packages from these transactions: [id, status, provider, period]. */
  const seen = async () => {
    const res = await hospital(t.http.get('/fhir/CarePlan').query({ 'patient.identifier': 'https://fhir.nhs.uk/Id/nhs-number|9990000018', _include: 'CarePlan:performer' }));
    const bundle = res.body as Bundle;
    const names = new Map(bundle.entry!.filter((e) => e.resource?.resourceType === 'Organization').map((e) => [`Organization/${e.resource!.id}`, (e.resource as { name: string }).name]));
    return bundle.entry!
      .filter((e) => e.resource?.resourceType === 'CarePlan' && e.resource.id!.startsWith('PKG-50'))
      .map((e) => e.resource as CarePlan)
      .map((p) => [p.id, p.status, names.get(p.activity![0].detail!.performer![0].reference!), p.period]);
  };

  it('starts with Brightwater Home Care', async () => {
    expect(await send('package-starts.json')).toEqual(['201 Created']);
    expect(await seen()).toEqual([['PKG-5001', 'active', 'Brightwater Home Care', { start: '2026-12-01' }]]);
  });

  it('moves to Kindred Care at Home: the first package ends and a second starts, together', async () => {
    expect(await send('package-changes-provider.json')).toEqual(['200 OK', '201 Created']);
    expect(await seen()).toEqual([
      ['PKG-5001', 'completed', 'Brightwater Home Care', { start: '2026-12-01', end: '2026-12-14' }],
      ['PKG-5002', 'active', 'Kindred Care at Home', { start: '2026-12-15' }],
    ]);
  });

  it('is suspended while Barbara is in hospital', async () => {
    expect(await send('package-suspended.json')).toEqual(['200 OK']);
    expect((await seen())[1]).toEqual(['PKG-5002', 'on-hold', 'Kindred Care at Home', { start: '2026-12-15' }]);
  });

  it('ends', async () => {
    expect(await send('package-ends.json')).toEqual(['200 OK']);
    expect((await seen())[1]).toEqual(['PKG-5002', 'completed', 'Kindred Care at Home', { start: '2026-12-15', end: '2027-01-20' }]);
    // Every version is kept: the package was written three times.
    const history = await t.testStore.store.db.query<{ version: number }>("SELECT version FROM record_history WHERE entity = 'carePackage' AND id = 'PKG-5002' ORDER BY version");
    expect(history.map((h) => h.version)).toEqual([1, 2]);
  });
});
