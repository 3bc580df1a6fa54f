import { appendDataset, Dataset } from '../../src/domain/dataset';
import { datasetProblems } from '../../src/domain/datasetCheck';
import { isValidNhsNumber } from '../../src/domain/nhsNumber';
import { syntheticNhsNumberAt, syntheticNhsNumbers } from '../../src/synthetic/nhsNumbers';
import { SyntheticPopulation } from '../../src/synthetic/population';
import { sandboxDataset } from '../support/sandboxDataset';

/** The sandbox as its import leaves it. */
let SANDBOX: Dataset;
beforeAll(async () => {
  SANDBOX = await sandboxDataset();
}, 60_000);

describe('synthetic population', () => {
  const small = new SyntheticPopulation({ people: 3_000, seed: 7 });
  const data = small.dataset();

  it('is the same for the same seed, and different for another seed', () => {
    expect(new SyntheticPopulation({ people: 3_000, seed: 7 }).dataset()).toEqual(data);
    const other = new SyntheticPopulation({ people: 3_000, seed: 8 }).dataset();
    expect(other.people.map((p) => p.familyName)).not.toEqual(data.people.map((p) => p.familyName));
  });

  it('gives the same person at an index whatever the batch size or the slice it is made in', () => {
    const inBatches = [...small.batches(123)].flatMap((b) => b.people);
    expect(inBatches).toEqual(data.people);
    const slice = [...small.batches(50, 2_000, 2_010)].flatMap((b) => b.people);
    expect(slice).toEqual(data.people.slice(2_000, 2_010));
    expect(small.sample([2_999, 0, 1_500]).map((s) => s.person)).toEqual([data.people[2_999], data.people[0], data.people[1_500]]);
  });

  it('passes the dataset check (as loaded on its own, and beside the sandbox fixtures)', () => {
    expect(datasetProblems(data)).toEqual([]);
    // Beside the fixtures, the shared council and teams are loaded once: the fixtures' copies stand.
    const shared = new Set(SANDBOX.organisations.map((o) => o.id));
    const together: Dataset = structuredClone(SANDBOX);
    appendDataset(together, { ...data, organisations: data.organisations.filter((o) => !shared.has(o.id)) });
    expect(datasetProblems(together)).toEqual([]);
  });

  it('shares exactly the council and teams with the sandbox, which it copies faithfully', () => {
    const sandboxOrgs = new Map(SANDBOX.organisations.map((o) => [o.id, o]));
    const shared = data.organisations.filter((o) => sandboxOrgs.has(o.id));
    expect(shared.map((o) => o.kind).sort()).toEqual(['council', ...Array(7).fill('team')]);
    for (const o of shared) expect(o).toEqual(sandboxOrgs.get(o.id));
    const ids = (d: Dataset) => [...d.workers, ...d.people, ...d.carePackages, ...d.safeguardingConcerns].map((r) => r.id);
    const sandboxIds = new Set(ids(SANDBOX));
    expect(ids(data).filter((id) => sandboxIds.has(id))).toEqual([]);
  });

  it('gives unique valid NHS numbers in the 999 range, none of them the sandbox fixtures\'', () => {
    const numbers = data.people.flatMap((p) => (p.nhsNumber ? [p.nhsNumber] : []));
    expect(numbers.length).toBeGreaterThan(2_900);
    expect(new Set(numbers).size).toBe(numbers.length);
    for (const n of numbers) {
      expect(isValidNhsNumber(n)).toBe(true);
      expect(n.startsWith('999')).toBe(true);
    }
    const sandboxNumbers = new Set(SANDBOX.people.map((p) => p.nhsNumber));
    expect(numbers.filter((n) => sandboxNumbers.has(n))).toEqual([]);
    expect(syntheticNhsNumberAt(0)).toBe('9991000003');
  });

  it('walks the synthetic range in order, skipping stems with no valid check digit', () => {
    const it = syntheticNhsNumbers();
    const first = Array.from({ length: 30 }, () => it.next().value as string);
    expect(first.every(isValidNhsNumber)).toBe(true);
    expect([...first].sort()).toEqual(first);
    // Of 30 consecutive stems, a few have a check digit of 10 and are skipped.
    expect(Number(first[29].slice(0, 9)) - 999_100_000).toBeGreaterThan(29);
  });

  it('has the mix the fixtures show: mostly active council-funded home care, with every status and funding', () => {
    const share = <T>(items: T[], f: (t: T) => string) => {
      const m: Record<string, number> = {};
      for (const x of items) m[f(x)] = (m[f(x)] ?? 0) + 1 / items.length;
      return m;
    };
    const status = share(data.carePackages, (p) => p.status);
    expect(status.active).toBeGreaterThan(0.6);
    expect(Object.keys(status).sort()).toEqual(['active', 'ended', 'planned', 'suspended']);
    const funding = share(data.carePackages, (p) => p.funding);
    expect(funding.council).toBeGreaterThan(0.7);
    expect(Object.keys(funding).sort()).toEqual(['council', 'direct-payment', 'joint-funded', 'nhs-continuing-healthcare', 'self-funded']);
    expect(share(data.carePackages, (p) => p.serviceType)['home-care']).toBeGreaterThan(0.35);
    const concerns = share(data.safeguardingConcerns, (c) => c.status);
    expect(concerns.open).toBeGreaterThan(0.2);
    expect(concerns.closed).toBeGreaterThan(0.2);
    expect(data.safeguardingConcerns.length / data.people.length).toBeGreaterThan(0.03);
    expect(data.people.some((p) => p.restricted)).toBe(true);
    expect(data.people.some((p) => p.nhsNumber === undefined)).toBe(true);
    // People in a care home live at the home.
    const providers = new Map(data.organisations.map((o) => [o.id, o]));
    const inHome = data.carePackages.find((p) => p.serviceType === 'residential-care' && p.status === 'active' && p.providerId)!;
    const resident = data.people.find((p) => p.id === inHome.personId)!;
    expect(resident.address).toEqual(providers.get(inHome.providerId!)!.address);
  });

  it('uses only Ofcom drama-range phone numbers and example e-mail domains', () => {
    const phones = [...data.people, ...data.workers, ...data.organisations].flatMap((r) => r.telecom);
    const drama = /^(01632 960 \d{3}|07700 900 \d{3}|01(1[3-8]) 496 0\d{3}|020 7946 0\d{3}|0808 157 0\d{3})$/;
    for (const t of phones) {
      if (t.system === 'phone') expect(t.value).toMatch(drama);
      else expect(t.value).toMatch(/@[\w.-]+\.example$|@example\.(com|org)$/);
    }
  });

  it('scales providers and workers with the population', () => {
    const big = new SyntheticPopulation({ people: 1_000_000 });
    expect(big.organisations.filter((o) => o.kind === 'provider').length).toBe(2_500);
    expect(big.workers.length).toBe(12_500);
    expect(big.name).toBe('synthetic/people=1000000,seed=1');
    expect(() => new SyntheticPopulation({ people: -1 })).toThrow(RangeError);
  });
});
