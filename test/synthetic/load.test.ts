import { loadSandbox } from '../../src/services/imports/sandbox';
import { loadSyntheticPopulation, SyntheticLoadError } from '../../src/synthetic/load';
import { SyntheticPopulation } from '../../src/synthetic/population';
import { DRIVERS, openTestStore, TestStore } from '../support/stores';

const PEOPLE = 2_000;

describe.each(DRIVERS)('loading a synthetic population (%s)', (driver) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(driver);
  });
  afterAll(() => t.close());

  it('loads beside the sandbox, once, with every record findable', async () => {
    await loadSandbox(t.store);
    const sandboxPeople = await t.store.count('person', []);
    expect(sandboxPeople).toBeGreaterThanOrEqual(40);
    const expected = new SyntheticPopulation({ people: PEOPLE, seed: 3 }).dataset();
    const progress: number[] = [];
    const result = await loadSyntheticPopulation(t.store, { people: PEOPLE, seed: 3 }, (p) => progress.push(p.people));
    expect(result).toMatchObject({ loaded: true, people: PEOPLE, name: 'synthetic/people=2000,seed=3' });
    expect(progress[progress.length - 1]).toBe(PEOPLE);

    // The sandbox's people and the synthetic ones; the shared council and teams once.
    expect(await t.store.count('person', [])).toBe(sandboxPeople + PEOPLE);
    expect(await t.store.count('carePackage', [{ field: 'id', match: 'any-of', values: expected.carePackages.map((p) => p.id) }])).toBe(
      expected.carePackages.length,
    );
    expect(await t.store.count('organisation', [{ field: 'kind', match: 'any-of', values: ['council'] }])).toBe(1);
    const [sample] = expected.people.slice(1_234, 1_235);
    const found = await t.store.search('person', [{ field: 'nhsNumber', match: 'any-of', values: [sample.nhsNumber!] }], { limit: 2, offset: 0 });
    expect(found.records.map((r) => r.record)).toEqual([sample]);
    const barbara = await t.store.search('person', [{ field: 'nhsNumber', match: 'any-of', values: ['9990000018'] }], { limit: 2, offset: 0 });
    expect(barbara.records[0].record.familyName).toBe('Thornton');

    // Loading it again does nothing.
    expect((await loadSyntheticPopulation(t.store, { people: PEOPLE, seed: 3 })).loaded).toBe(false);
    expect(await t.store.count('person', [])).toBe(sandboxPeople + PEOPLE);
  });

  it('refuses a second, different synthetic population', async () => {
    await expect(loadSyntheticPopulation(t.store, { people: PEOPLE + 1, seed: 3 })).rejects.toThrow(SyntheticLoadError);
  });

  it('loads on its own into an empty store, as a complete dataset', async () => {
    const alone = await openTestStore(driver);
    try {
      const result = await loadSyntheticPopulation(alone.store, { people: 500 });
      expect(result).toMatchObject({ loaded: true, people: 500 });
      expect(await alone.store.count('person', [])).toBe(500);
      expect(await alone.store.count('organisation', [{ field: 'id', match: 'any-of', values: ['ORG-WXB', 'TEAM-HDT'] }])).toBe(2);
    } finally {
      await alone.close();
    }
  });
});
