import type { Bundle, CarePlan, CareTeam, Organization, Patient, RelatedPerson, Resource } from '@medplum/fhirtypes';
import { startTestApp, TestApp } from '../support/app';
import { DRIVERS } from '../support/stores';

/**
 * The sandbox is built from its council's files through the import path (its CLD return, CQC's
 * directory, its allocations extract), and Barbara, the seed story, comes back whole from it.
 */
describe.each(DRIVERS)('the sandbox, imported from its council files (%s)', (driver) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(driver);
  }, 120_000);
  afterAll(() => t.close());

  const ofType = <T extends Resource>(bundle: Bundle, type: T['resourceType']) =>
    (bundle.entry ?? []).map((e) => e.resource!).filter((r): r is T => r.resourceType === type);

  it('answers the front-door lookup for Barbara with her package, its provider and numbers, her worker and team, and her sister who cares for her', async () => {
    const hospital = await t.as('sandbox-epr-rx1');
    const res = await hospital(
      t.http
        .get('/fhir/Patient')
        .query(
          'identifier=https://fhir.nhs.uk/Id/nhs-number|9990000018&_revinclude=CarePlan:subject&_revinclude=RelatedPerson:patient&_revinclude=CareTeam:subject',
        ),
    );
    expect(res.status).toBe(200);
    const bundle = res.body as Bundle;

    const [barbara] = ofType<Patient>(bundle, 'Patient');
    expect(barbara.id).toBe('WXB-100001');
    expect(barbara.name?.[0]).toMatchObject({ family: 'Thornton', given: ['Barbara'], prefix: ['Mrs'] });
    // The title, home number and address lines are the allocations extract's; the postcode the CLD return's.
    expect(barbara.telecom).toEqual(expect.arrayContaining([expect.objectContaining({ value: '01632 960 101', use: 'home' })]));
    expect(barbara.address?.[0]).toMatchObject({ line: ['14 Larkspur Close'], city: 'Hallowfield', postalCode: 'WX3 4QP' });

    const plans = ofType<CarePlan>(bundle, 'CarePlan');
    expect(plans.map((p) => [p.id, p.status])).toEqual([['PKG-0001', 'active']]);
    const performer = plans[0].activity?.[0].detail?.performer?.[0];
    expect(performer?.display).toBe('Brightwater Home Care');
    const provider = (await hospital(t.http.get(`/fhir/${performer!.reference}`))).body as Organization;
    expect(provider.name).toBe('Brightwater Home Care');
    expect(provider.telecom).toEqual(expect.arrayContaining([expect.objectContaining({ system: 'phone', value: '0113 496 0210' })]));
    // Its ODS code and e-mail address are the council's (the allocations extract's), not CQC's.
    expect(provider.identifier).toEqual(expect.arrayContaining([{ system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'VWX12' }]));
    expect(provider.telecom).toEqual(expect.arrayContaining([expect.objectContaining({ system: 'email', value: 'office@brightwater-homecare.co.uk.example' })]));
    expect(provider.contact).toEqual([expect.objectContaining({ purpose: { text: 'Out of hours' }, telecom: [expect.objectContaining({ value: '07700 900 211' })] })]);

    const [team] = ofType<CareTeam>(bundle, 'CareTeam');
    expect(team.participant?.map((p) => [p.member?.reference, p.member?.display])).toEqual([
      ['PractitionerRole/W-001', 'Amira Hassan (Social Worker)'],
      ['Organization/TEAM-OAN', 'Older Adults Locality Team North'],
    ]);

    const carers = ofType<RelatedPerson>(bundle, 'RelatedPerson');
    expect(carers.map((c) => [c.name?.[0].given, c.name?.[0].family, c.active])).toEqual([[['Margaret'], 'Ellis', true]]);
    expect(carers[0].identifier).toEqual(expect.arrayContaining([{ system: 'https://fhir.social-care-facade.uk/Id/social-care-reference', value: 'WXB-100041' }]));
  });

  it("shows council staff the package's visits, tasks and notes from the allocations extract", async () => {
    const council = await t.as('sandbox-council-mosaic');
    const plan = (await council(t.http.get('/fhir/CarePlan/PKG-0001'))).body as CarePlan;
    const described = JSON.stringify(plan);
    expect(described).toContain('2 visits a day');
    expect(described).toContain('Evening meal and medication prompt');
    expect(described).toContain('Key safe by the front door');
  });

  it('records the load as three applied imports, in order, and once', async () => {
    const runs = await t.testStore.store.db.query<{ kind: string; outcome: string }>('SELECT kind, outcome FROM import_runs ORDER BY started_at');
    expect(runs).toEqual([
      { kind: 'cld', outcome: 'applied' },
      { kind: 'cqc', outcome: 'applied' },
      { kind: 'allocations', outcome: 'applied' },
    ]);
    expect(await t.testStore.store.db.query('SELECT name FROM dataset_loads')).toEqual([{ name: 'sandbox/council' }]);
  });
});
