import { createHash } from 'node:crypto';
import { COLUMNS, csv, facts, read, readOne, rejects, SERVICE } from '../fixtures/cld/cldFiles';

/** Values as councils write them in either release, and what the reader makes of them. */

const ASSESSMENT = { ...SERVICE, 'Event Type': 'Assessment', 'Event Reference': 'ASM-0001', 'Service Type': '', 'Service Component': '', 'Delivery Mechanism': '' };

describe('values of a CLD row', () => {
  it('reads headers with underscores as it reads them with spaces', async () => {
    const underscored = COLUMNS.map((c) => c.replace('Autism Spectrum Disorder (ASD)', 'Autism_Spectrum_Disorder_ASD').replace(/[ ().]+/g, '_').replace(/_$/, ''));
    const items = await read(csv([SERVICE].map((row) => Object.fromEntries(COLUMNS.map((c, i) => [underscored[i], row[c]]))), underscored));
    expect(rejects(items)).toEqual([]);
    expect(facts(items)[0].carePackage).toMatchObject({ id: 'PKG-0001', serviceType: 'home-care', details: { hoursPerWeek: 14, weeklyCostPence: 39900 } });
  });

  it('ignores columns the return does not define, and reads a row with no NHS number by its LA id', async () => {
    const columns = [...COLUMNS, 'Key Safe Code', 'Team'];
    const items = await read(csv([{ ...SERVICE, 'NHS Number': '', 'Key Safe Code': '1234', Team: 'North' }], columns));
    expect(rejects(items)).toEqual([]);
    const [row] = facts(items);
    expect(row.person.id).toBe('WXB-100001');
    expect(row.person).not.toHaveProperty('nhsNumber');
    expect(JSON.stringify(row)).not.toContain('1234');
  });

  it('names a provider the return gives no CQC location id by its name alone', async () => {
    const items = await read(csv([{ ...SERVICE, 'Provider CQC Location Name': 'Wexbridge Lifeline', 'Provider CQC Location ID': '' }]));
    expect(rejects(items)).toEqual([]);
    expect(facts(items)[0].carePackage?.provider).toEqual({ name: 'Wexbridge Lifeline' });
  });

  it('reads a byte order mark, CRLF and quoted newlines, naming each row by its first line', async () => {
    const text = '\uFEFF' + csv([{ ...SERVICE, 'Provider CQC Location Name': 'Brightwater\r\nHome Care' }, { ...SERVICE, 'Event Reference': 'PKG-0099', 'LA Code': 'nope' }]).replace(/\n/g, '\r\n').replace(/\r\r\n/g, '\r\n');
    const items = await read(text);
    expect(facts(items)[0].carePackage?.provider).toEqual({ cqcLocationId: '1-1000000123', name: 'Brightwater\r\nHome Care' });
    expect(rejects(items)).toEqual([expect.objectContaining({ line: 4, column: 'LA Code' })]);
  });

  it('matches Release 1 and Release 2 wording whatever the capitals', async () => {
    const one = await readOne({
      ...SERVICE,
      Gender: 'FEMALE',
      'Client Type': 'Service User',
      'Primary Support Reason': 'Physical Support: Access & Mobility Only',
      'Accommodation Status': 'Tenant - Private Landlord',
      'Has Unpaid Carer': 'yes',
      'Service Type': 'Long Term Support: Community',
      'Service Component': 'Home Support',
      'Delivery Mechanism': 'CASSR Managed Personal Budget (PB)',
      'Event Outcome': 'NFA - Self-funded client (inc. 12wk disregard)',
      'Event Start Date': '11/03/2024',
      'Event End Date': '30/09/2025',
      'Cost Frequency (Unit Type)': 'hourly',
    });
    expect(one.person).toMatchObject({
      gender: 'female',
      primarySupportReason: 'Physical Support: Access and mobility only',
      accommodationStatus: 'Tenant - private landlord',
      hasUnpaidCarer: true,
    });
    expect(one.carePackage).toMatchObject({
      serviceType: 'home-care',
      funding: 'managed-budget',
      status: 'ended',
      startDate: '2024-03-11',
      endDate: '2025-09-30',
      statusReason: 'Self-funded client or under 12wk disregard',
      cld: { serviceType: 'Long Term Support: Community', serviceComponent: 'Home Support', deliveryMechanism: 'CASSR Managed Personal Budget (PB)' },
    });
  });

  it.each([
    ['Male', 'male'],
    ['Other (not listed)', 'other'],
    ['Not known', 'unknown'],
    ['', 'unknown'],
  ])('reads Gender %j as %s', async (written, gender) => {
    expect((await readOne({ ...SERVICE, Gender: written })).person.gender).toBe(gender);
  });

  it.each([
    ['Long term support: Community', 'Home support', 'home-care'],
    ['Long term support: Residential care', 'Residential care', 'residential-care'],
    ['Long term support: Nursing care', 'Direct payment', 'nursing-care'],
    ['Short term support: ST-Max', 'Home support', 'reablement'],
    ['Long term support: Community', 'Community supported living', 'supported-living'],
    ['Long term support: Community', 'Extra care housing', 'extra-care-housing'],
    ['Long term support: Community', 'Shared Lives', 'shared-lives'],
    ['Long term support: Community', 'Day services', 'day-care'],
    ['Short term support: Ongoing low level', 'Meals', 'meals-service'],
    ['Short term support: Ongoing low level', 'Equipment', 'equipment'],
    ['Short term support: Ongoing low level', 'Telecare', 'telecare'],
    ['Unpaid carer support: Direct to unpaid carer', 'Direct payment', 'carer-support'],
    ['Carer Support: Support involving the person cared-for', 'Carer respite', 'respite-care'],
    ['Short term support: Other short term', 'Short term residential care', 'respite-care'],
    ['Long term support: Community', 'Other long term support', 'other-support'],
    ['Long term support: Prison', 'Professional support', 'other-support'],
  ])('maps %s / %s to %s', async (serviceType, component, ours) => {
    expect((await readOne({ ...SERVICE, 'Service Type': serviceType, 'Service Component': component })).carePackage?.serviceType).toBe(ours);
  });

  it.each([
    ['Direct payment', '', 'direct-payment'],
    ['CASSR managed personal budget', 'Fully funded by CASSR', 'managed-budget'],
    ['CASSR commissioned support', 'Part funded by CASSR (client contribution)', 'council'],
    ['', '', 'council'],
    ['CASSR commissioned support', 'Self-funder', 'self-funded'],
    ['CASSR commissioned support', 'Fully NHS funded', 'nhs-continuing-healthcare'],
    ['Direct payment', 'Joint funded CASSR & NHS', 'joint-funded'],
  ])('funds %j with status %j as %s', async (mechanism, status, funding) => {
    const row = await readOne({ ...SERVICE, 'Delivery Mechanism': mechanism, 'Client Funding Status': status });
    expect(row.carePackage?.funding).toBe(funding);
  });

  it('dates a package planned, active or ended against today', async () => {
    const status = async (start: string, end: string) => (await readOne({ ...SERVICE, 'Event Start Date': start, 'Event End Date': end })).carePackage?.status;
    expect(await status('2026-12-02', '')).toBe('planned');
    expect(await status('2026-12-01', '')).toBe('active');
    expect(await status('2026-01-01', '2026-12-01')).toBe('active');
    expect(await status('2026-01-01', '2026-11-30')).toBe('ended');
  });

  it('suspends an open package whose outcome is a hospital admission; an ended one says why it ended', async () => {
    const open = await readOne({ ...SERVICE, 'Event Outcome': 'Admitted to hospital' });
    expect(open.carePackage).toMatchObject({ status: 'suspended', statusReason: 'Admitted to hospital' });
    const ended = await readOne({ ...SERVICE, 'Event Outcome': 'admitted to hospital', 'Event End Date': '2026-11-18' });
    expect(ended.carePackage).toMatchObject({ status: 'ended', statusReason: 'Admitted to hospital', endDate: '2026-11-18' });
  });

  it('dates a death from NFA: Deceased by the Date of Death, else the end date, else the start date, and ends the package', async () => {
    const withDate = await readOne({ ...SERVICE, 'Event Outcome': 'NFA - Deceased', 'Date of Death': '2026-11-02', 'Event End Date': '2026-11-03' });
    expect(withDate.person.deceasedDate).toBe('2026-11-02');
    expect(withDate.carePackage).toMatchObject({ status: 'ended', statusReason: 'Died', endDate: '2026-11-03' });
    const byEnd = await readOne({ ...SERVICE, 'Event Outcome': 'NFA: Deceased', 'Event End Date': '2026-11-03' });
    expect(byEnd.person.deceasedDate).toBe('2026-11-03');
    const byServiceStart = await readOne({ ...SERVICE, 'Event Outcome': 'NFA: Deceased', 'Event Start Date': '2026-10-05' });
    expect(byServiceStart.person.deceasedDate).toBe('2026-10-05');
    expect(byServiceStart.carePackage).toMatchObject({ status: 'ended', statusReason: 'Died', endDate: '2026-10-05' });
    const byStart = await readOne({ ...ASSESSMENT, 'Event Outcome': 'NFA: Deceased', 'Event Start Date': '2026-11-01' });
    expect(byStart.person.deceasedDate).toBe('2026-11-01');
    expect(byStart.assessment).toMatchObject({ status: 'in-progress', outcome: 'NFA: Deceased' });
    const noOutcome = await readOne(SERVICE);
    expect(noOutcome.person).not.toHaveProperty('deceasedDate');
  });

  it('keeps a reference that is an id as it is, and makes a stable id of one that is not', async () => {
    expect((await readOne({ ...SERVICE, 'Event Reference': 'SVC.2024.17' })).carePackage?.id).toBe('SVC.2024.17');
    const reference = 'SVC/2024/17 #3';
    const expected = `h-${createHash('sha256').update(reference).digest('hex').slice(0, 40)}`;
    expect((await readOne({ ...SERVICE, 'Event Reference': reference })).carePackage?.id).toBe(expected);
  });

  it('names a person by NHS number when the LA id is blank, and normalises what it keeps', async () => {
    const row = await readOne({
      ...SERVICE,
      'LA Person Unique Identifier': '',
      'NHS Number': '999 000 0018',
      Postcode: ' wx34qp ',
      'GP Practice Code': 'x99001',
      'First Name': 'Eileen  Mary',
      'Autism Spectrum Disorder (ASD)': 'Yes',
      'Visual Impairment': 'Yes',
      'Hearing Impairment': 'No',
      Dementia: 'Unknown',
      'Has Unpaid Carer': 'Unknown',
      'Unit Cost': '£1,185.00',
      'Cost Frequency (Unit Type)': 'Weekly',
      'Planned units per week': '1',
    });
    expect(row.person).toMatchObject({ id: 'NHS-9990000018', nhsNumber: '9990000018', postcode: 'WX3 4QP', gpPracticeOds: 'X99001', givenNames: ['Eileen', 'Mary'] });
    expect(row.person.communicationNeeds).toEqual(['autism', 'visual-impairment']);
    expect(row.person).not.toHaveProperty('hasUnpaidCarer');
    expect(row.carePackage?.personId).toBe('NHS-9990000018');
    expect(row.carePackage?.details).toEqual({ weeklyCostPence: 118500 });
  });

  it('leaves out the weekly cost when a value is missing or the cost is one-off, and hours unless units are hourly', async () => {
    expect((await readOne({ ...SERVICE, 'Unit Cost': '' })).carePackage?.details).toEqual({ hoursPerWeek: 14 });
    expect((await readOne({ ...SERVICE, 'Cost Frequency (Unit Type)': 'One-off' })).carePackage?.details).toBeUndefined();
    expect((await readOne({ ...SERVICE, 'Cost Frequency (Unit Type)': 'Daily', 'Planned units per week': '7', 'Unit Cost': '132' })).carePackage?.details).toEqual({ weeklyCostPence: 92400 });
  });

  it("links an unpaid carer to each adult they care for, with a stable id, and a carer known by association with no event", async () => {
    const carer = { ...ASSESSMENT, 'LA Person Unique Identifier': 'WXB-100041', 'NHS Number': '9990000433', 'Client Type': 'Carer', 'Total Hrs Caring per week': '20-34', 'Adult 1 Linked Person_ID': 'WXB-100001', 'Adult 3 Linked Person_ID': 'WXB-100002' };
    const row = await readOne(carer);
    expect(row.careRelationships.map((r) => [r.carerId, r.caredForId, r.status, r.hoursCaringPerWeek, r.source])).toEqual([
      ['WXB-100041', 'WXB-100001', 'active', '20-34', 'cld'],
      ['WXB-100041', 'WXB-100002', 'active', '20-34', 'cld'],
    ]);
    expect(row.careRelationships[0].id).toMatch(/^cr-[0-9a-f]{40}$/);
    expect(row.careRelationships[0].id).not.toBe(row.careRelationships[1].id);
    const again = await readOne({ ...carer, 'Event Reference': 'ASM-0002' });
    expect(again.careRelationships.map((r) => r.id)).toEqual(row.careRelationships.map((r) => r.id));
    const byAssociation = await readOne({ ...carer, 'Client Type': 'Unpaid carer known by association', 'Event Type': '', 'Event Reference': '', 'Event Start Date': '' });
    expect(byAssociation.careRelationships).toHaveLength(2);
    expect(byAssociation).not.toHaveProperty('assessment');
    const serviceUser = await readOne({ ...SERVICE, 'Adult 1 Linked Person_ID': 'WXB-100002' });
    expect(serviceUser.careRelationships).toEqual([]);
  });
});
