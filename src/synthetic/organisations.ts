import { ServiceType } from '../domain/carePackage';
import { Organisation } from '../domain/organisation';
import { ContactPoint } from '../domain/person';
import { Worker } from '../domain/worker';
import { freephone, mobilePhone, officePhone } from './phones';
import { Random } from './random';
import { FAMILY_NAMES, PROVIDER_DOMAIN_ENDINGS, PROVIDER_WORDS, STREET_KINDS, STREET_NAMES, TOWNS, WORKER_ROLES, YOUNGER_MEN, YOUNGER_WOMEN } from './vocabulary';

/**
 * The council and its teams are the sandbox's own (same ids, same numbers), so the facade's
 * defaults (council WXB, notices to TEAM-HDT) hold whether the synthetic population is loaded on
 * its own or beside the sandbox fixtures; loading inserts them only where they are missing.
 */
const EMAIL = 'wexbridge.gov.uk.example';
const HALL = { lines: ['County Hall', 'Market Square'], city: 'Wexbridge', postcode: 'WX1 1AB' };
const team = (id: string, name: string, phone: string, email: string, address = HALL, extra: ContactPoint[] = []): Organisation => ({
  id,
  kind: 'team',
  name,
  telecom: [{ system: 'phone', value: phone, use: 'work' }, ...extra, { system: 'email', value: `${email}@${EMAIL}`, use: 'work' }],
  address,
  partOfId: COUNCIL_ID,
});

export const COUNCIL_ID = 'ORG-WXB';

export const COUNCIL_AND_TEAMS: readonly Organisation[] = [
  {
    id: COUNCIL_ID,
    kind: 'council',
    name: 'Wexbridge County Council',
    odsCode: 'WXB',
    telecom: [
      { system: 'phone', value: '0115 496 0000', use: 'work' },
      { system: 'phone', value: '0808 157 0000', use: 'out-of-hours' },
      { system: 'email', value: `adult.socialcare@${EMAIL}`, use: 'work' },
    ],
    address: HALL,
  },
  team('TEAM-HDT', 'Hospital Discharge Social Work Team', '0115 496 0110', 'hospital.discharge', {
    lines: ['Social Work Office, Level 2', 'Wexbridge General Hospital', 'Infirmary Road'],
    city: 'Wexbridge',
    postcode: 'WX2 7HD',
  }),
  team('TEAM-OAN', 'Older Adults Locality Team North', '0115 496 0120', 'older-adults.north', {
    lines: ['Hallowfield Area Office', '3 Tanner Street'],
    city: 'Hallowfield',
    postcode: 'WX3 2PN',
  }),
  team('TEAM-OAS', 'Older Adults Locality Team South', '0115 496 0130', 'older-adults.south', {
    lines: ['Stenbury Area Office', 'Civic Centre', 'Bridge Road'],
    city: 'Stenbury',
    postcode: 'WX5 8RT',
  }),
  team('TEAM-LD', 'Learning Disability Team', '0115 496 0140', 'learning.disability'),
  team('TEAM-PDS', 'Physical Disability and Sensory Team', '0115 496 0150', 'physical.disability'),
  team('TEAM-SGH', 'Adult Safeguarding Hub', '0115 496 0160', 'safeguarding.hub'),
  team('TEAM-EDT', 'Emergency Duty Team', '0808 157 0000', 'emergency.duty', HALL, [
    { system: 'phone', value: '0808 157 0000', use: 'out-of-hours' },
  ]),
];

/** Teams that hold caseloads, with the share of the council's workers in each. */
export const CASELOAD_TEAMS = { 'TEAM-OAN': 30, 'TEAM-OAS': 30, 'TEAM-HDT': 10, 'TEAM-LD': 12, 'TEAM-PDS': 12, 'TEAM-SGH': 6 } as const;
export type CaseloadTeam = keyof typeof CASELOAD_TEAMS;

/** Kinds of provider, the services each delivers, and their share of the provider market. */
export const PROVIDER_KINDS = {
  homecare: { services: ['home-care'], suffix: ['Home Care', 'Care at Home', 'Domiciliary Services', 'Homecare'], weight: 40 },
  carehome: { services: ['residential-care', 'respite-care'], suffix: ['House Care Home', 'Lodge Residential Home', 'Court Care Home'], weight: 18 },
  nursing: { services: ['nursing-care', 'respite-care'], suffix: ['Court Nursing Home', 'Manor Nursing Home'], weight: 10 },
  reablement: { services: ['reablement'], suffix: ['Reablement Service', 'Home from Hospital Service'], weight: 4 },
  daycare: { services: ['day-care'], suffix: ['Day Centre', 'Day Opportunities'], weight: 8 },
  supliv: { services: ['supported-living', 'respite-care'], suffix: ['Supported Living', 'Independent Living Services'], weight: 8 },
  extracare: { services: ['extra-care-housing'], suffix: ['Extra Care Housing', 'Court Extra Care'], weight: 4 },
  telecare: { services: ['telecare'], suffix: ['Lifeline', 'Community Alarm Service'], weight: 4 },
  meals: { services: ['meals-service'], suffix: ['Community Meals', 'Meals on Wheels'], weight: 4 },
} as const satisfies Record<string, { services: readonly ServiceType[]; suffix: readonly string[]; weight: number }>;
export type ProviderKind = keyof typeof PROVIDER_KINDS;

/** About one provider per 400 people (a county of a million has a few thousand), at least two of each kind. */
export function providerCount(people: number): number {
  return Math.max(2 * Object.keys(PROVIDER_KINDS).length, Math.ceil(people / 400));
}

/** About one practitioner per 80 people known to the council, at least a dozen. */
export function workerCount(people: number): number {
  return Math.max(12, Math.ceil(people / 80));
}

const STREAM_PROVIDER = 1;
const STREAM_WORKER = 2;

export const providerId = (kind: ProviderKind, n: number) => `SYN-PROV-${kind.toUpperCase()}-${String(n).padStart(5, '0')}`;

/** Provider i: the first of each kind in turn, then kinds by market share. */
function providerKindAt(i: number, rng: Random): ProviderKind {
  const kinds = Object.keys(PROVIDER_KINDS) as ProviderKind[];
  if (i < kinds.length * 2) return kinds[i % kinds.length];
  return rng.weighted(Object.fromEntries(kinds.map((k) => [k, PROVIDER_KINDS[k].weight])) as Record<ProviderKind, number>);
}

export function syntheticProviders(seed: number, count: number): Organisation[] {
  const out: Organisation[] = [];
  const perKind = new Map<ProviderKind, number>();
  for (let i = 0; i < count; i++) {
    const rng = Random.of(seed, STREAM_PROVIDER, i);
    const kind = providerKindAt(i, rng);
    const n = (perKind.get(kind) ?? 0) + 1;
    perKind.set(kind, n);
    const word = rng.pick(PROVIDER_WORDS);
    const name = `${word} ${rng.pick(PROVIDER_KINDS[kind].suffix)}`;
    const town = rng.pick(TOWNS);
    const domain = `${word.toLowerCase()}-${kind}${n}.${rng.pick(PROVIDER_DOMAIN_ENDINGS)}`;
    const telecom: ContactPoint[] = [{ system: 'phone', value: officePhone(rng), use: 'work' }];
    // Most providers give an out-of-hours line; day centres and meals services mostly do not.
    if (rng.chance(kind === 'daycare' || kind === 'meals' ? 0.2 : 0.85)) {
      telecom.push({ system: 'phone', value: kind === 'telecare' ? freephone(rng) : rng.chance(0.5) ? mobilePhone(rng) : officePhone(rng), use: 'out-of-hours' });
    }
    telecom.push({ system: 'email', value: `${rng.pick(['office', 'care', 'referrals', 'hello', 'manager'])}@${domain}`, use: 'work' });
    out.push({
      id: providerId(kind, n),
      kind: 'provider',
      name,
      ...(rng.chance(0.6) ? { odsCode: `V${(46_656 + i).toString(36).toUpperCase().padStart(4, '0')}` } : {}),
      ...(kind !== 'telecare' || rng.chance(0.3) ? { cqcLocationId: `1-2${String(i).padStart(9, '0')}` } : {}),
      telecom,
      address: {
        lines: [`${rng.int(1, 120)} ${rng.pick(STREET_NAMES)} ${rng.pick(STREET_KINDS)}`],
        city: town.city,
        postcode: `${rng.pick(town.districts)} ${rng.int(1, 9)}${postcodeLetters(rng)}`,
      },
    });
  }
  return out;
}

export function postcodeLetters(rng: Random): string {
  const L = 'ABDEFGHJLNPQRSTUWXYZ';
  return L[rng.int(0, L.length - 1)] + L[rng.int(0, L.length - 1)];
}

/** Workers spread over the caseload teams in proportion; worker i's team depends on i only. */
export function syntheticWorkers(seed: number, count: number): Worker[] {
  const teams = teamSlots(count);
  const out: Worker[] = [];
  for (let i = 0; i < count; i++) {
    const rng = Random.of(seed, STREAM_WORKER, i);
    const female = rng.chance(0.8);
    const given = rng.pick(female ? YOUNGER_WOMEN : YOUNGER_MEN);
    const family = rng.pick(FAMILY_NAMES);
    const teamId = teams[i];
    const role = teamId === 'TEAM-SGH' ? rng.pick(['Safeguarding Lead', 'Safeguarding Practitioner']) : rng.weighted(WORKER_ROLES);
    const telecom: ContactPoint[] = [{ system: 'phone', value: `0115 496 0${String(rng.int(100, 999))}`, use: 'work' }];
    if (rng.chance(0.7)) telecom.push({ system: 'phone', value: mobilePhone(rng), use: 'mobile' });
    telecom.push({ system: 'email', value: `${emailPart(given)}.${emailPart(family)}${i}@${EMAIL}`, use: 'work' });
    out.push({ id: workerId(i), givenNames: [given], familyName: family, role, teamId, telecom });
  }
  return out;
}

export const workerId = (i: number) => `SYN-W-${String(i + 1).padStart(5, '0')}`;

const emailPart = (s: string) => s.toLowerCase().normalize('NFD').replace(/[^a-z]/g, '');

/** The team of each worker index: the caseload teams in proportion to their shares, interleaved. */
export function teamSlots(count: number): CaseloadTeam[] {
  const teams = Object.keys(CASELOAD_TEAMS) as CaseloadTeam[];
  const total = teams.reduce((s, t) => s + CASELOAD_TEAMS[t], 0);
  const out: CaseloadTeam[] = [];
  const given = new Map<CaseloadTeam, number>();
  for (let i = 0; i < count; i++) {
    // The team furthest below its share so far takes the next worker.
    let best = teams[0];
    let bestGap = -Infinity;
    for (const t of teams) {
      const gap = ((i + 1) * CASELOAD_TEAMS[t]) / total - (given.get(t) ?? 0);
      if (gap > bestGap) {
        bestGap = gap;
        best = t;
      }
    }
    given.set(best, (given.get(best) ?? 0) + 1);
    out.push(best);
  }
  return out;
}
