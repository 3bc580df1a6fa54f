import { ServiceType } from '../domain/carePackage';
import { appendDataset, Dataset, emptyDataset } from '../domain/dataset';
import { Organisation } from '../domain/organisation';
import { Worker } from '../domain/worker';
import { syntheticNhsNumbers } from './nhsNumbers';
import {
  CaseloadTeam, COUNCIL_AND_TEAMS, PROVIDER_KINDS, providerCount, syntheticProviders, syntheticWorkers, workerCount,
} from './organisations';
import { PeopleContext, SyntheticPerson, syntheticPerson } from './people';

export const DEFAULT_SEED = 1;
/** Changes whenever the generator's output for a given (people, seed) changes: cached populations carry it in their name. */
export const GENERATOR_VERSION = 1;
/** The largest population the generator makes (the 999 range has room for far more; this bounds a typo). */
export const MAX_SYNTHETIC_PEOPLE = 10_000_000;

export interface SyntheticOptions {
  people: number;
  seed?: number;
}

/**
 * A deterministic synthetic population of one council: the council and its teams (the sandbox's),
 * providers and practitioners scaled to its size, and `people` people with care packages and
 * safeguarding concerns. Everything is a pure function of (people, seed). People come out in
 * batches, so a million never have to be held at once.
 */
export class SyntheticPopulation {
  readonly people: number;
  readonly seed: number;
  /** The name its load is recorded under (dataset_loads). */
  readonly name: string;
  /** The council, its teams and the providers. */
  readonly organisations: Organisation[];
  readonly workers: Worker[];
  private readonly ctx: PeopleContext;

  constructor(opts: SyntheticOptions) {
    if (!Number.isInteger(opts.people) || opts.people < 0 || opts.people > MAX_SYNTHETIC_PEOPLE) {
      throw new RangeError(`people must be a whole number from 0 to ${MAX_SYNTHETIC_PEOPLE}, not ${opts.people}`);
    }
    this.people = opts.people;
    this.seed = opts.seed ?? DEFAULT_SEED;
    if (!Number.isInteger(this.seed) || this.seed < 0 || this.seed > 0xffffffff) {
      throw new RangeError(`seed must be a whole number from 0 to ${0xffffffff}, not ${opts.seed}`);
    }
    this.name = syntheticDatasetName(this.people, this.seed);
    const providers = syntheticProviders(this.seed, providerCount(this.people));
    this.organisations = [...COUNCIL_AND_TEAMS.map((o) => structuredClone(o)), ...providers];
    this.workers = syntheticWorkers(this.seed, workerCount(this.people));

    const providersByService = new Map<ServiceType, Organisation[]>();
    for (const p of providers) {
      const kind = p.id.split('-')[2].toLowerCase() as keyof typeof PROVIDER_KINDS;
      for (const service of PROVIDER_KINDS[kind].services) {
        if (!providersByService.has(service)) providersByService.set(service, []);
        providersByService.get(service)!.push(p);
      }
    }
    const workersByTeam = new Map<CaseloadTeam, Worker[]>();
    for (const w of this.workers) {
      const team = w.teamId as CaseloadTeam;
      if (!workersByTeam.has(team)) workersByTeam.set(team, []);
      workersByTeam.get(team)!.push(w);
    }
    this.ctx = { seed: this.seed, providersByService, providersById: new Map(providers.map((p) => [p.id, p])), workersByTeam };
  }

  /** The organisations and workers, without people: the first thing to load. */
  base(): Dataset {
    return { ...emptyDataset(), organisations: this.organisations, workers: this.workers };
  }

  /** People [from, to) with their packages and concerns, `size` people per batch. */
  *batches(size = 5_000, from = 0, to = this.people): Generator<Dataset> {
    const numbers = syntheticNhsNumbers();
    for (let i = 0; i < from; i++) numbers.next();
    let batch = emptyDataset();
    for (let i = from; i < to; i++) {
      const { person, carePackages, safeguardingConcerns } = syntheticPerson(this.ctx, i, numbers.next().value as string);
      batch.people.push(person);
      for (const p of carePackages) batch.carePackages.push(p);
      for (const c of safeguardingConcerns) batch.safeguardingConcerns.push(c);
      if (batch.people.length === size) {
        yield batch;
        batch = emptyDataset();
      }
    }
    if (batch.people.length) yield batch;
  }

  /** The people at these indexes (any order), walking the NHS numbers once. */
  sample(indexes: number[]): SyntheticPerson[] {
    const wanted = new Map<number, number[]>();
    indexes.forEach((index, at) => {
      if (!Number.isInteger(index) || index < 0 || index >= this.people) throw new RangeError(`no person ${index} in ${this.people}`);
      wanted.set(index, [...(wanted.get(index) ?? []), at]);
    });
    const out: SyntheticPerson[] = new Array(indexes.length);
    const last = indexes.reduce((m, x) => Math.max(m, x), -1);
    let i = 0;
    for (const nhs of syntheticNhsNumbers()) {
      if (i > last) break;
      const at = wanted.get(i);
      if (at) {
        const p = syntheticPerson(this.ctx, i, nhs);
        for (const a of at) out[a] = p;
      }
      i++;
    }
    return out;
  }

  /** The whole population as one Dataset: for small populations (tests, a fixture file). */
  dataset(): Dataset {
    const d = this.base();
    const all: Dataset = { ...d, organisations: [...d.organisations], workers: [...d.workers] };
    for (const b of this.batches(10_000)) appendDataset(all, b);
    return all;
  }
}

export function syntheticDatasetName(people: number, seed: number): string {
  return `synthetic/people=${people},seed=${seed}`;
}
