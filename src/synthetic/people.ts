import { CarePackage, FundingType, PackageDetails, PackageStatus, ServiceType } from '../domain/carePackage';
import { Organisation } from '../domain/organisation';
import { ContactPoint, Gender, Person, PostalAddress } from '../domain/person';
import { ConcernType, SafeguardingConcern } from '../domain/safeguarding';
import { Worker } from '../domain/worker';
import { CaseloadTeam, postcodeLetters } from './organisations';
import { homePhone, mobilePhone } from './phones';
import { Random } from './random';
import {
  BLOCK_NAMES, END_REASONS, FAMILY_NAMES, NOTES, OLDER_MEN, OLDER_WOMEN, STREET_KINDS, STREET_NAMES, SUSPEND_REASONS, TASKS, TOWNS,
  UNISEX, YOUNGER_MEN, YOUNGER_WOMEN,
} from './vocabulary';

/** "Today" for the synthetic population, so it is the same whenever it is generated (the sandbox's today). */
export const REFERENCE_DATE = '2026-11-23';
const REFERENCE_MS = Date.parse(`${REFERENCE_DATE}T00:00:00Z`);
const DAY_MS = 86_400_000;

/** A date `days` from the reference date (negative: before it). */
export function dayOffset(days: number): string {
  return new Date(REFERENCE_MS + days * DAY_MS).toISOString().slice(0, 10);
}

const STREAM_PERSON = 3;

/** What a person's records are drawn from: the population's providers and workers. */
export interface PeopleContext {
  seed: number;
  providersByService: Map<ServiceType, Organisation[]>;
  providersById: Map<string, Organisation>;
  workersByTeam: Map<CaseloadTeam, Worker[]>;
}

export interface SyntheticPerson {
  person: Person;
  carePackages: CarePackage[];
  safeguardingConcerns: SafeguardingConcern[];
}

export const personId = (i: number) => `SYN-${String(i + 1).padStart(7, '0')}`;

/** Mixes the fixtures show: mostly active, council-funded home care; some ended, planned, suspended. */
const STATUS: Record<PackageStatus, number> = { active: 74, ended: 16, planned: 5, suspended: 5 };
const FUNDING: Record<FundingType, number> = { council: 80, 'self-funded': 9, 'joint-funded': 5, 'direct-payment': 3, 'nhs-continuing-healthcare': 3, 'managed-budget': 0 };
const OLDER_SERVICES: Partial<Record<ServiceType, number>> = {
  'home-care': 50, telecare: 9, 'day-care': 6, 'respite-care': 5, reablement: 6, 'residential-care': 8, 'nursing-care': 5,
  'meals-service': 6, 'extra-care-housing': 3, 'supported-living': 2,
};
const LD_SERVICES: Partial<Record<ServiceType, number>> = { 'supported-living': 45, 'day-care': 30, 'respite-care': 10, 'home-care': 15 };
const PD_SERVICES: Partial<Record<ServiceType, number>> = { 'home-care': 60, telecare: 15, 'day-care': 5, reablement: 10, 'supported-living': 10 };
const CONCERNS: Record<ConcernType, number> = {
  neglect: 20, 'self-neglect': 18, financial: 20, physical: 10, psychological: 10, 'domestic-abuse': 10, organisational: 4,
  discriminatory: 2, sexual: 3, 'modern-slavery': 1,
} as Record<ConcernType, number>;
/** Hourly rate in pence for costed home-care-like services. */
const HOURLY_PENCE = 2850;
const WEEKLY_PENCE: Partial<Record<ServiceType, [number, number]>> = {
  'residential-care': [85_000, 110_000],
  'nursing-care': [105_000, 135_000],
  'respite-care': [85_000, 100_000],
  'day-care': [5_800, 17_400],
  'meals-service': [2_800, 4_900],
  telecare: [480, 720],
};

/**
 * Person `i` of the population with their care packages and safeguarding concerns. A pure function of
 * (seed, i, the NHS number the caller assigns, the population's providers and workers).
 */
export function syntheticPerson(ctx: PeopleContext, i: number, nhsNumber: string): SyntheticPerson {
  const rng = Random.of(ctx.seed, STREAM_PERSON, i);
  const id = personId(i);

  // Who: three in four are older adults; the rest have a learning or a physical disability.
  const group = rng.weighted({ older: 75, ld: 11, pd: 14 });
  const age = group === 'older' ? olderAge(rng) : group === 'ld' ? rng.int(18, 64) : rng.int(25, 64);
  const gender: Gender = rng.weighted({ female: group === 'older' ? 60 : 48, male: group === 'older' ? 39 : 50, other: 0.6, unknown: 0.4 });
  const names = givenNames(rng, gender, group === 'older');
  const familyName = rng.chance(0.03) ? `${rng.pick(FAMILY_NAMES)}-${rng.pick(FAMILY_NAMES)}` : rng.pick(FAMILY_NAMES);
  const birthDate = dayOffset(-(age * 365 + rng.int(0, 364) + Math.floor(age / 4)));
  const town = weightedTown(rng);

  // Which team, and (for about four in ten) an allocated worker from it.
  const team: CaseloadTeam =
    rng.chance(0.05) ? 'TEAM-HDT' : group === 'ld' ? 'TEAM-LD' : group === 'pd' ? 'TEAM-PDS' : (town.team as CaseloadTeam);
  const allocated = rng.chance(team === 'TEAM-HDT' ? 0.9 : 0.4) ? pickWorker(ctx, team, rng) : undefined;

  // Care packages: a quarter of people known to the council have none (assessed, or care ended long ago).
  const count = rng.weighted({ 0: 25, 1: 55, 2: 17, 3: 3 } as Record<string, number>);
  const services = group === 'older' ? OLDER_SERVICES : group === 'ld' ? LD_SERVICES : PD_SERVICES;
  const carePackages: CarePackage[] = [];
  let livesIn: Organisation | undefined;
  for (let k = 0; k < Number(count); k++) {
    const pkgId = `SYN-PKG-${String(i + 1).padStart(7, '0')}-${k + 1}`;
    const pkg = carePackage(ctx, rng, pkgId, id, rng.weighted(services as Record<ServiceType, number>));
    carePackages.push(pkg);
    if ((pkg.serviceType === 'residential-care' || pkg.serviceType === 'nursing-care') && pkg.status === 'active' && pkg.providerId) {
      livesIn = ctx.providersById.get(pkg.providerId);
    }
  }

  // Where: at home, or (for people in a care home) at the home, without a phone of their own.
  const address: PostalAddress = livesIn?.address ?? homeAddress(rng, town);
  const telecom: ContactPoint[] = [];
  if (!livesIn) {
    if (rng.chance(group === 'older' ? 0.85 : 0.35)) telecom.push({ system: 'phone', value: homePhone(rng), use: 'home' });
    if (rng.chance(group === 'older' ? 0.3 : 0.9)) telecom.push({ system: 'phone', value: mobilePhone(rng), use: 'mobile' });
    if (rng.chance(group === 'older' ? 0.04 : 0.25)) {
      telecom.push({ system: 'email', value: `${emailPart(names[0])}.${emailPart(familyName)}${i + 1}@example.com`, use: 'home' });
    }
  }

  // A few have no NHS number yet (arrived recently, trace pending) or one not yet verified.
  const hasNhs = !rng.chance(0.005);
  const verification = rng.weighted({ '01': 94, '02': 5, '03': 1 } as const);
  const person: Person = {
    id,
    ...(hasNhs ? { nhsNumber, nhsNumberVerification: verification } : {}),
    givenNames: names,
    familyName,
    title: title(rng, gender, age),
    birthDate,
    gender,
    address,
    telecom,
    restricted: rng.chance(0.01),
    ...(allocated ? { allocatedWorkerId: allocated } : {}),
    responsibleTeamId: team,
  };

  // Safeguarding: about one in sixteen has had a concern raised; four in ten of those are open.
  const safeguardingConcerns: SafeguardingConcern[] = [];
  if (rng.chance(0.06)) {
    const open = rng.chance(0.4);
    const raised = open ? -rng.int(1, 120) : -rng.int(150, 1400);
    safeguardingConcerns.push({
      id: `SYN-SG-${String(i + 1).padStart(7, '0')}`,
      personId: id,
      status: open ? 'open' : 'closed',
      concernType: rng.weighted(CONCERNS),
      raisedDate: dayOffset(raised),
      ...(open ? {} : { closedDate: dayOffset(raised + rng.int(14, 120)) }),
      contactTeamId: rng.chance(0.8) ? 'TEAM-SGH' : team,
    });
  }
  return { person, carePackages, safeguardingConcerns };
}

/** Ages of older adults known to social care: from 65, most in their late seventies to early nineties. */
function olderAge(rng: Random): number {
  const a = 65 + Math.round((rng.next() + rng.next() + rng.next()) * 12);
  return Math.min(104, a);
}

function givenNames(rng: Random, gender: Gender, older: boolean): string[] {
  const pool =
    gender === 'female' ? (older ? OLDER_WOMEN : YOUNGER_WOMEN) : gender === 'male' ? (older ? OLDER_MEN : YOUNGER_MEN) : UNISEX;
  const first = rng.pick(pool);
  if (!rng.chance(0.15)) return [first];
  let second = rng.pick(pool);
  if (second === first) second = rng.pick(pool);
  return second === first ? [first] : [first, second];
}

function title(rng: Random, gender: Gender, age: number): string | undefined {
  if (rng.chance(0.01)) return 'Dr';
  if (gender === 'male') return 'Mr';
  if (gender === 'female') return age >= 60 ? rng.weighted({ Mrs: 72, Miss: 14, Ms: 14 }) : rng.weighted({ Ms: 50, Miss: 30, Mrs: 20 });
  return gender === 'other' ? 'Mx' : undefined;
}

function weightedTown(rng: Random) {
  let total = 0;
  for (const t of TOWNS) total += t.weight;
  let r = rng.next() * total;
  for (const t of TOWNS) {
    r -= t.weight;
    if (r < 0) return t;
  }
  return TOWNS[0];
}

function homeAddress(rng: Random, town: (typeof TOWNS)[number]): PostalAddress {
  const street = `${rng.pick(STREET_NAMES)} ${rng.pick(STREET_KINDS)}`;
  const lines = rng.chance(0.18)
    ? [`Flat ${rng.int(1, 40)}, ${rng.pick(BLOCK_NAMES)}`, street]
    : [`${rng.int(1, 180)} ${street}`];
  return { lines, city: town.city, postcode: `${rng.pick(town.districts)} ${rng.int(1, 9)}${postcodeLetters(rng)}` };
}

function pickWorker(ctx: PeopleContext, team: CaseloadTeam, rng: Random): string | undefined {
  const workers = ctx.workersByTeam.get(team);
  return workers?.length ? workers[rng.int(0, workers.length - 1)].id : undefined;
}

function carePackage(ctx: PeopleContext, rng: Random, id: string, personId: string, serviceType: ServiceType): CarePackage {
  const status = rng.weighted(STATUS);
  const funding = rng.weighted(FUNDING);
  // Dates around the reference date: planned ones start soon; ended ones ended in the past.
  let start: number;
  let end: number | undefined;
  if (status === 'planned') {
    start = rng.int(1, 28);
  } else if (status === 'ended') {
    start = -rng.int(60, 1500);
    end = Math.min(-1, start + rng.int(14, 700));
  } else {
    start = -rng.int(7, 1500);
  }
  if (status !== 'ended' && (serviceType === 'reablement' || serviceType === 'respite-care')) {
    // Reablement runs up to six weeks; respite a week or two: both have a planned end.
    end = Math.max(start + 7, 0) + rng.int(7, serviceType === 'reablement' ? 42 : 14);
  }
  const providers = ctx.providersByService.get(serviceType) ?? [];
  // People on a direct payment employ their own carers; a self-funder's provider is known half the time.
  const knowsProvider = funding === 'direct-payment' ? false : funding === 'self-funded' ? rng.chance(0.5) : true;
  const providerId = knowsProvider && providers.length ? providers[rng.int(0, providers.length - 1)].id : undefined;
  const pkg: CarePackage = {
    id,
    personId,
    serviceType,
    status,
    startDate: dayOffset(start),
    ...(end !== undefined ? { endDate: dayOffset(end) } : {}),
    funding,
    ...(providerId ? { providerId } : {}),
  };
  if (status === 'ended') pkg.statusReason = rng.pick(END_REASONS);
  if (status === 'suspended') pkg.statusReason = rng.pick(SUSPEND_REASONS);
  // The council holds the details only of what it arranges.
  if (funding === 'council' || funding === 'joint-funded' || (funding === 'direct-payment' && rng.chance(0.6))) {
    pkg.details = details(rng, serviceType, funding);
  }
  return pkg;
}

function details(rng: Random, serviceType: ServiceType, funding: FundingType): PackageDetails {
  const d: PackageDetails = {};
  if (funding === 'direct-payment') {
    d.weeklyCostPence = rng.int(200, 900) * 100;
    d.notes = 'Direct payment: employs their own personal assistants. The council does not hold the rota.';
    return d;
  }
  const tasks = TASKS[serviceType] as readonly string[];
  if (serviceType === 'home-care' || serviceType === 'reablement' || serviceType === 'extra-care-housing' || serviceType === 'supported-living') {
    const visits = serviceType === 'supported-living' ? undefined : Number(rng.weighted({ 1: 35, 2: 35, 3: 22, 4: 8 } as Record<string, number>));
    const hours = serviceType === 'supported-living' ? rng.int(10, 60) : Math.round(visits! * 7 * rng.pick([0.5, 0.75, 1]) * 4) / 4;
    if (visits) d.visitsPerDay = visits;
    d.hoursPerWeek = hours;
    d.weeklyCostPence = Math.round(hours * HOURLY_PENCE);
  } else {
    const range = WEEKLY_PENCE[serviceType];
    if (range) d.weeklyCostPence = rng.int(range[0], range[1]);
  }
  if (tasks.length) {
    const n = Math.min(tasks.length, rng.int(1, 4));
    const chosen = new Set<string>();
    while (chosen.size < n) chosen.add(rng.pick(tasks));
    d.tasks = [...chosen];
  }
  if (rng.chance(0.3)) d.notes = rng.pick(NOTES);
  return d;
}

const emailPart = (s: string) => s.toLowerCase().normalize('NFD').replace(/[^a-z]/g, '');
