import { Resource } from '@medplum/fhirtypes';
import { View } from '../../../src/access/context';
import { Organisation } from '../../../src/domain/organisation';
import { Person } from '../../../src/domain/person';
import { Worker } from '../../../src/domain/worker';
import { MappingContext } from '../../../src/fhir/context';
import { FhirError } from '../../../src/fhir/outcome';
import { Stored } from '../../../src/store/store';

/** Wexbridge's council, two of its teams, a provider, a worker and two people, as the sandbox holds them. */
export const council: Organisation = {
  id: 'ORG-WXB',
  kind: 'council',
  name: 'Wexbridge County Council',
  odsCode: 'WXB',
  telecom: [
    { system: 'phone', value: '0115 496 0000', use: 'work' },
    { system: 'email', value: 'adult.socialcare@wexbridge.gov.uk.example', use: 'work' },
    { system: 'phone', value: '0808 157 0000', use: 'out-of-hours' },
  ],
  address: { lines: ['County Hall', 'Market Square'], city: 'Wexbridge', postcode: 'WX1 1AB' },
};

export const team: Organisation = {
  id: 'TEAM-OAN',
  kind: 'team',
  name: 'Older Adults Locality Team North',
  telecom: [
    { system: 'phone', value: '0115 496 0120', use: 'work' },
    { system: 'email', value: 'older-adults.north@wexbridge.gov.uk.example', use: 'work' },
  ],
  address: { lines: ['Hallowfield Area Office', '3 Tanner Street'], city: 'Hallowfield', postcode: 'WX3 2PN' },
  partOfId: 'ORG-WXB',
};

export const safeguardingHub: Organisation = {
  id: 'TEAM-SGH',
  kind: 'team',
  name: 'Adult Safeguarding Hub',
  telecom: [{ system: 'phone', value: '0115 496 0160', use: 'work' }],
  partOfId: 'ORG-WXB',
};

export const provider: Organisation = {
  id: 'PROV-1-101',
  kind: 'provider',
  name: 'Brightwater Home Care',
  cqcLocationId: '1-101234567',
  telecom: [
    { system: 'phone', value: '0115 496 0700', use: 'work' },
    { system: 'phone', value: '07700 900 700', use: 'out-of-hours' },
  ],
  address: { lines: ['Unit 4, Canal Wharf'], city: 'Wexbridge', postcode: 'WX2 3DE' },
};

export const worker: Worker = {
  id: 'W-001',
  givenNames: ['Amira'],
  familyName: 'Hassan',
  role: 'Social Worker',
  teamId: 'TEAM-OAN',
  telecom: [
    { system: 'phone', value: '0115 496 0121', use: 'work' },
    { system: 'phone', value: '07700 900 121', use: 'mobile' },
    { system: 'email', value: 'amira.hassan@wexbridge.gov.uk.example', use: 'work' },
  ],
};

export const margaret: Person = {
  id: 'WXB-200001',
  nhsNumber: '9991001018',
  nhsNumberVerification: '01',
  givenNames: ['Margaret', 'Ann'],
  familyName: 'Ellison',
  title: 'Mrs',
  birthDate: '1938-02-03',
  gender: 'female',
  address: { lines: ['3 Wren Gardens'], city: 'Hallowfield', postcode: 'WX3 7LB' },
  telecom: [{ system: 'phone', value: '01632 960 301', use: 'home' }],
  restricted: false,
  allocatedWorkerId: 'W-001',
  responsibleTeamId: 'TEAM-OAN',
  gpPracticeOds: 'Y99001',
  gpPracticeName: 'Hallowfield Medical Practice',
  primarySupportReason: 'Physical Support: Personal care support',
  accommodationStatus: 'Owner occupier or shared ownership scheme',
  hasUnpaidCarer: true,
  communicationNeeds: ['dementia', 'hearing-impairment'],
  source: 'fhir',
};

export const ruth: Person = {
  id: 'WXB-200002',
  nhsNumber: '9991001026',
  givenNames: ['Ruth'],
  familyName: 'Ellison',
  title: 'Ms',
  birthDate: '1966-09-21',
  gender: 'female',
  address: { lines: ['12 Orchard Row'], city: 'Stenbury', postcode: 'WX5 2HD' },
  telecom: [
    { system: 'phone', value: '07700 900 302', use: 'mobile' },
    { system: 'email', value: 'ruth.ellison@example.org', use: 'home' },
  ],
  restricted: false,
  hasUnpaidCarer: false,
  source: 'fhir',
};

/** The reference data toFhir looks up, in the view that shows everything. */
export function mappingContext(view: View = 'social-care-restricted'): MappingContext {
  const organisations = new Map([council, team, safeguardingHub, provider].map((o) => [o.id, o]));
  const workers = new Map([worker].map((w) => [w.id, w]));
  const people = new Map([margaret, ruth].map((p) => [p.id, p]));
  return {
    view,
    organisation: (id) => (id ? organisations.get(id) : undefined),
    worker: (id) => (id ? workers.get(id) : undefined),
    person: (id) => (id ? people.get(id) : undefined),
  };
}

export function stored<T>(record: T): Stored<T> {
  return { record, version: 3, lastUpdated: '2026-11-20T09:15:00.000Z' };
}

/** The refusal a mapping throws: its status and the element it names. */
export function refusal(map: () => unknown): { status: number; expression?: string[]; diagnostics?: string } {
  try {
    map();
  } catch (e) {
    if (!(e instanceof FhirError)) throw e;
    const issue = e.outcome.issue?.[0];
    return { status: e.status, expression: issue?.expression, diagnostics: issue?.diagnostics };
  }
  throw new Error('expected the mapping to refuse');
}

/** A resource with some elements replaced (or removed, as undefined), for the refusals. */
export function changed<T extends Resource>(resource: T, changes: Partial<Record<keyof T, unknown>>): T {
  return { ...resource, ...changes } as T;
}
