import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { CldReader, isReject } from '../../src/import/cld/cldReader';
import { CldRowFacts, ImportReject } from '../../src/import/importTypes';
import { COUNCIL, TODAY } from '../fixtures/cld/cldFiles';

const SAMPLES = join(__dirname, '../../fixtures/samples');

async function readSample(name: string): Promise<{ items: (CldRowFacts | ImportReject)[]; reader: CldReader }> {
  const reader = new CldReader({ councilLaCode: COUNCIL, today: TODAY });
  const items: (CldRowFacts | ImportReject)[] = [];
  for await (const item of reader.read(name, createReadStream(join(SAMPLES, name)))) items.push(item);
  return { items, reader };
}

/** What a row says, without where it came from or the return's own wording of the package. */
function meaning(row: CldRowFacts): unknown {
  const { at: _at, carePackage, ...rest } = row;
  if (!carePackage) return rest;
  const { cld: _cld, ...pkg } = carePackage;
  return { ...rest, carePackage: pkg };
}

describe('the sample CLD returns', () => {
  it.each(['cld-release1.csv', 'cld-release2.csv'])('%s reads with no rejects', async (name) => {
    const { items, reader } = await readSample(name);
    expect(items.filter(isReject)).toEqual([]);
    expect(items).toHaveLength(22);
    expect(reader.stats).toEqual({ rows: 22, rejected: 0 });
  });

  it('says the same in Release 1 wording (spaces, DD/MM/YYYY) as in Release 2 (underscores, YYYY-MM-DD)', async () => {
    const one = (await readSample('cld-release1.csv')).items as CldRowFacts[];
    const two = (await readSample('cld-release2.csv')).items as CldRowFacts[];
    expect(one.map(meaning)).toEqual(two.map(meaning));
    expect(one[2].carePackage?.cld).toEqual({ serviceType: 'Long Term Support: Community', serviceComponent: 'Home Support', deliveryMechanism: 'CASSR Commissioned Support' });
    expect(two[2].carePackage?.cld).toEqual({ serviceType: 'Long term support: Community', serviceComponent: 'Home support', deliveryMechanism: 'CASSR commissioned support' });
  });

  it("holds Barbara, her home-care package from Brightwater, her assessment and review, and her sister who cares for her", async () => {
    const rows = (await readSample('cld-release1.csv')).items as CldRowFacts[];
    const barbara = rows.filter((r) => r.person.id === 'WXB-100001');
    expect(barbara[0]).toEqual({
      at: { file: 'cld-release1.csv', line: 2 },
      person: {
        id: 'WXB-100001',
        nhsNumber: '9990000018',
        givenNames: ['Barbara'],
        familyName: 'Thornton',
        birthDate: '1941-06-14',
        gender: 'female',
        gpPracticeOds: 'X99001',
        gpPracticeName: 'Larkspur Surgery',
        primarySupportReason: 'Physical Support: Personal care support',
        accommodationStatus: 'Owner occupier or shared ownership scheme',
        hasUnpaidCarer: true,
        postcode: 'WX3 4QP',
        source: 'cld',
      },
      careRelationships: [],
    });
    expect(barbara[1].assessment).toEqual({
      id: 'ASM-0001',
      personId: 'WXB-100001',
      kind: 'assessment',
      status: 'completed',
      type: 'Long Term Support: Care Act assessment',
      startDate: '2024-02-26',
      endDate: '2024-03-05',
      outcome: 'Progress to support planning or services',
      method: 'Face to face',
      eligibleNeeds: true,
      source: 'cld',
    });
    expect(barbara[2].carePackage).toEqual({
      id: 'PKG-0001',
      personId: 'WXB-100001',
      serviceType: 'home-care',
      status: 'active',
      startDate: '2024-03-11',
      funding: 'council',
      provider: { cqcLocationId: '1-1000000123', name: 'Brightwater Home Care' },
      details: { hoursPerWeek: 14, weeklyCostPence: 39900 },
      cld: { serviceType: 'Long Term Support: Community', serviceComponent: 'Home Support', deliveryMechanism: 'CASSR Commissioned Support' },
      source: 'cld',
    });
    expect(barbara[3].assessment).toMatchObject({ id: 'REV-0001', kind: 'review', type: 'Planned', outcomesAchieved: 'Outcomes fully met', status: 'completed' });

    const sister = rows.filter((r) => r.person.id === 'WXB-100041');
    expect(sister[0].person).toMatchObject({ nhsNumber: '9990000433', givenNames: ['Margaret'], familyName: 'Ellis' });
    expect(sister[0].careRelationships).toEqual([
      { id: expect.stringMatching(/^cr-[0-9a-f]{40}$/), carerId: 'WXB-100041', caredForId: 'WXB-100001', status: 'active', hoursCaringPerWeek: '1-19', source: 'cld' },
    ]);
    expect(sister[1].careRelationships[0].id).toBe(sister[0].careRelationships[0].id);
    expect(sister[1].carePackage).toMatchObject({ serviceType: 'carer-support', funding: 'direct-payment', status: 'ended', statusReason: 'Support ended as planned' });
    expect(sister[1].carePackage?.details).toBeUndefined();
  });

  it('maps each sample package to our service type, funding and status', async () => {
    const rows = (await readSample('cld-release2.csv')).items as CldRowFacts[];
    const packages = Object.fromEntries(
      rows.flatMap((r) => (r.carePackage ? [[r.carePackage.id, r.carePackage]] : [])),
    );
    const summary = (id: string) => {
      const p = packages[id];
      return [p.serviceType, p.funding, p.status, p.statusReason, p.details?.weeklyCostPence];
    };
    expect(summary('PKG-0002')).toEqual(['home-care', 'council', 'ended', 'Support ended for other reason', 18480]);
    expect(summary('PKG-0003')).toEqual(['home-care', 'council', 'suspended', 'Admitted to hospital', 29925]);
    expect(summary('PKG-0004')).toEqual(['home-care', 'managed-budget', 'active', undefined, 25650]);
    expect(summary('PKG-0007')).toEqual(['day-care', 'council', 'active', undefined, 11600]);
    expect(summary('PKG-0012')).toEqual(['nursing-care', 'council', 'active', undefined, 118500]);
    expect(summary('PKG-0013')).toEqual(['reablement', 'council', 'active', undefined, 32550]);
    expect(summary('PKG-0015')).toEqual(['residential-care', 'council', 'active', undefined, 92400]);
    expect(summary('PKG-0016')).toEqual(['telecare', 'council', 'active', undefined, 480]);
    expect(summary('PKG-0018')).toEqual(['supported-living', 'joint-funded', 'active', undefined, 168000]);
    expect(summary('PKG-0020')).toEqual(['nursing-care', 'nhs-continuing-healthcare', 'active', undefined, undefined]);
    expect(summary('PKG-0023')).toEqual(['respite-care', 'council', 'ended', 'Support ended as planned', 92400]);
    expect(summary('PKG-0024')).toEqual(['extra-care-housing', 'council', 'active', undefined, 19530]);
    expect(summary('PKG-0029')).toEqual(['residential-care', 'self-funded', 'active', undefined, undefined]);
    expect(packages['PKG-0016'].provider).toEqual({ cqcLocationId: '1-1000000450', name: 'Wexbridge Lifeline Community Alarm Service' });
    expect(packages['PKG-0012'].details).toEqual({ weeklyCostPence: 118500 });
  });

  it('keeps requests as person facts only, and an assessment with no end date as in progress', async () => {
    const rows = (await readSample('cld-release2.csv')).items as CldRowFacts[];
    const desmond = rows.filter((r) => r.person.id === 'WXB-100002');
    expect(desmond[0]).not.toHaveProperty('carePackage');
    expect(desmond[0]).not.toHaveProperty('assessment');
    expect(desmond[1].assessment).toMatchObject({ id: 'ASM-0002', status: 'in-progress', startDate: '2026-11-20' });
    expect(desmond[1].assessment).not.toHaveProperty('endDate');
    const dorothy = rows.find((r) => r.person.id === 'WXB-100012')!;
    expect(dorothy.person.communicationNeeds).toEqual(['hearing-impairment', 'dementia']);
  });
});
