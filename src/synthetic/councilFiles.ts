import fs from 'node:fs';
import { once } from 'node:events';
import { stringify } from 'csv-stringify';
import { CarePackage, FundingType, ServiceType } from '../domain/carePackage';
import { Organisation } from '../domain/organisation';
import { ContactPoint, Gender, Person } from '../domain/person';
import { SafeguardingConcern } from '../domain/safeguarding';
import { REFERENCE_DATE } from './people';
import { SyntheticPopulation } from './population';

/**
 * A synthetic population written as a council's three files (its CLD return, CQC's directory of its
 * providers, its allocations extract), for benchmarks of the import and for trying it: the same
 * people the synthetic dataset loads, in the shape councils send. Streams: a million rows need no
 * more memory than a batch of people.
 */

/** The Release 1 columns, with spaces (CLD-NOTES.md). */
export const CLD_COLUMNS = [
  'LA Code', 'Reporting Period Start Date', 'Reporting Period End Date', 'NHS Number', 'LA Person Unique Identifier', 'First Name',
  'Last Name', 'GP Practice Name', 'GP Practice Code', 'Gender', 'Ethnicity', 'Date of Birth', 'Date of Death', 'Client Type',
  'Primary Support Reason', 'Postcode', 'Accommodation Status', 'Employment Status', 'Has Unpaid Carer', 'Autism Spectrum Disorder (ASD)',
  'Visual Impairment', 'Hearing Impairment', 'Dementia', 'Client Funding Status', 'Event Type', 'Event Reference', 'Event Start Date',
  'Event End Date', 'Event Description', 'Event Outcome', 'Request: Route of Access', 'Assessment Type', 'Eligible Needs Identified',
  'Method of Assessment', 'Total Hrs Caring per week', 'No. of adults being cared for', 'Adult 1 Linked Person_ID',
  'Adult 2 Linked Person_ID', 'Adult 3 Linked Person_ID', 'Service Type', 'Service Component', 'Delivery Mechanism',
  'Provider CQC Location Name', 'Provider CQC Location ID', 'Review Reason', 'Review Outcomes Achieved', 'Method of Review', 'Unit Cost',
  'Cost Frequency (Unit Type)', 'Planned units per week',
] as const;
type CldColumn = (typeof CLD_COLUMNS)[number];

const ALLOCATION_COLUMNS = [
  'Record Type', 'Name', 'ODS Code', 'Team ID', 'Worker ID', 'Given Names', 'Family Name', 'Role', 'Office Phone', 'Mobile Phone',
  'Out of Hours Phone', 'Email', 'Address Line 1', 'Address Line 2', 'Address Line 3', 'Town', 'Postcode', 'CQC Location ID',
  'LA Person Unique Identifier', 'NHS Number', 'Restricted', 'Concern Reference', 'Concern Type', 'Concern Status', 'Raised Date', 'Closed Date',
] as const;
type AllocationColumn = (typeof ALLOCATION_COLUMNS)[number];

const CQC_COLUMNS = ['Name', 'Address', 'Postcode', 'Phone number', 'Provider name', 'CQC Location ID (for office use only)'] as const;

/** Our service types as the return names them: Service Type, Service Component. */
const SERVICE: Record<ServiceType, [string, string]> = {
  'home-care': ['Long term support: Community', 'Home support'],
  reablement: ['Short term support: ST-Max', 'Reablement'],
  'day-care': ['Long term support: Community', 'Day services'],
  'residential-care': ['Long term support: Residential care', 'Residential care'],
  'nursing-care': ['Long term support: Nursing care', 'Nursing care'],
  'respite-care': ['Short term support: Other short term', 'Short term residential care'],
  'supported-living': ['Long term support: Community', 'Community supported living'],
  'extra-care-housing': ['Long term support: Community', 'Extra care housing'],
  'meals-service': ['Long term support: Community', 'Meals'],
  telecare: ['Long term support: Community', 'Telecare'],
  'shared-lives': ['Long term support: Community', 'Shared Lives'],
  equipment: ['Short term support: Other short term', 'Equipment'],
  'carer-support': ['Unpaid carer support: Direct to unpaid carer', 'Carer support'],
  'other-support': ['Long term support: Community', 'Other long term support'],
};

/** Who pays, as Delivery Mechanism and Client Funding Status. */
const FUNDING: Record<FundingType, [string, string]> = {
  council: ['CASSR commissioned support', 'Fully funded by CASSR'],
  'direct-payment': ['Direct payment', 'Fully funded by CASSR'],
  'managed-budget': ['CASSR managed personal budget', 'Fully funded by CASSR'],
  'self-funded': ['CASSR commissioned support', 'Self-funded'],
  'nhs-continuing-healthcare': ['CASSR commissioned support', 'Fully NHS funded'],
  'joint-funded': ['CASSR commissioned support', 'Jointly funded by CASSR and NHS'],
};

const GENDER: Record<Gender, string> = { male: 'Male', female: 'Female', other: 'Other', unknown: 'Unknown' };

export interface CouncilFiles {
  cld: string;
  cqc: string;
  allocations: string;
}

export interface CouncilFilesResult {
  people: number;
  cldRows: number;
  providers: number;
  allocationRows: number;
}

/** Writes the population's three files; `laCode` is the council's (COUNCIL_LA_CODE). */
export async function writeCouncilFiles(population: SyntheticPopulation, files: CouncilFiles, laCode: string): Promise<CouncilFilesResult> {
  const providers = population.organisations.filter((o) => o.kind === 'provider' && o.cqcLocationId);
  await writeCsv(files.cqc, [...CQC_COLUMNS], function* () {
    for (const p of providers) {
      yield [p.name, [...(p.address?.lines ?? []), p.address?.city].filter(Boolean).join(', '), p.address?.postcode ?? '', phone(p.telecom, 'work'), p.name, p.cqcLocationId!];
    }
  }, 'Care directory with filters\n\n');

  let cldRows = 0;
  const byId = new Map(population.organisations.map((o) => [o.id, o]));
  await writeCsv(files.cld, [...CLD_COLUMNS], function* () {
    for (const batch of population.batches(5_000)) {
      const packages = groupBy(batch.carePackages, (p) => p.personId);
      for (const person of batch.people) {
        for (const row of cldRowsOf(person, packages.get(person.id) ?? [], byId, laCode)) {
          cldRows++;
          yield row;
        }
      }
    }
  });

  let allocationRows = 0;
  await writeCsv(files.allocations, [...ALLOCATION_COLUMNS], function* () {
    for (const row of referenceRows(population)) {
      allocationRows++;
      yield row;
    }
    for (const batch of population.batches(5_000)) {
      for (const person of batch.people) {
        allocationRows++;
        yield allocationRow({
          'Record Type': 'allocation',
          'LA Person Unique Identifier': person.id,
          'Worker ID': person.allocatedWorkerId ?? '',
          'Team ID': person.responsibleTeamId ?? '',
          Restricted: person.restricted ? 'Yes' : 'No',
        });
      }
      for (const concern of batch.safeguardingConcerns) {
        allocationRows++;
        yield concernRow(concern);
      }
    }
  });
  return { people: population.people, cldRows, providers: providers.length, allocationRows };
}

/** One person's rows: an assessment (every person the council supports was assessed), then a row per package. */
function* cldRowsOf(person: Person, packages: CarePackage[], organisations: ReadonlyMap<string, Organisation>, laCode: string): Generator<string[]> {
  const base: Partial<Record<CldColumn, string>> = {
    'LA Code': laCode,
    'Reporting Period Start Date': '2026-09-01',
    'Reporting Period End Date': '2026-11-30',
    'NHS Number': person.nhsNumber ?? '',
    'LA Person Unique Identifier': person.id,
    'First Name': person.givenNames.join(' '),
    'Last Name': person.familyName,
    Gender: GENDER[person.gender],
    'Date of Birth': person.birthDate,
    'Client Type': 'Service user',
    'Primary Support Reason':
      person.responsibleTeamId === 'TEAM-LD' ? 'Learning Disability Support' : person.responsibleTeamId === 'TEAM-PDS' ? 'Physical Support: Access and mobility only' : 'Physical Support: Personal care support',
    Postcode: person.address?.postcode ?? '',
    'Has Unpaid Carer': 'Unknown',
  };
  const firstStart = packages.map((p) => p.startDate).filter((d): d is string => !!d).sort()[0] ?? REFERENCE_DATE;
  yield cldRow({
    ...base,
    'Event Type': 'Assessment',
    'Event Reference': `${person.id}-A1`,
    'Event Start Date': firstStart,
    'Event End Date': firstStart,
    'Event Outcome': packages.length ? 'Progress to support planning or services' : 'NFA: Information and advice or signposting',
    'Assessment Type': 'Long Term Support: Care Act assessment',
    'Eligible Needs Identified': packages.length ? 'Yes' : 'No',
    'Method of Assessment': 'Face to face',
  });
  for (const pkg of packages) {
    const [serviceType, component] = SERVICE[pkg.serviceType];
    const [mechanism, fundingStatus] = FUNDING[pkg.funding];
    const provider = pkg.providerId ? organisations.get(pkg.providerId) : undefined;
    const hours = pkg.details?.hoursPerWeek;
    const weekly = pkg.details?.weeklyCostPence;
    yield cldRow({
      ...base,
      'Client Funding Status': fundingStatus,
      'Event Type': 'Service',
      'Event Reference': pkg.id,
      'Event Start Date': pkg.startDate ?? REFERENCE_DATE,
      'Event End Date': pkg.status === 'ended' ? (pkg.endDate ?? REFERENCE_DATE) : '',
      'Event Outcome': pkg.status === 'suspended' ? 'Admitted to hospital' : pkg.status === 'ended' ? 'NFA: Support ended as planned' : 'Continuation of support or services',
      'Service Type': serviceType,
      'Service Component': component,
      'Delivery Mechanism': mechanism,
      'Provider CQC Location Name': provider?.cqcLocationId ? provider.name : '',
      'Provider CQC Location ID': provider?.cqcLocationId ?? '',
      ...(hours && weekly ? { 'Unit Cost': (weekly / 100 / hours).toFixed(2), 'Cost Frequency (Unit Type)': 'Hourly', 'Planned units per week': String(hours) } : {}),
    });
  }
}

function cldRow(values: Partial<Record<CldColumn, string>>): string[] {
  return CLD_COLUMNS.map((c) => values[c] ?? '');
}

function allocationRow(values: Partial<Record<AllocationColumn, string>>): string[] {
  return ALLOCATION_COLUMNS.map((c) => values[c] ?? '');
}

/** The council, its teams, its workers and providers' out-of-hours numbers. */
function* referenceRows(population: SyntheticPopulation): Generator<string[]> {
  for (const org of population.organisations) {
    if (org.kind === 'council') {
      yield allocationRow({ 'Record Type': 'council', Name: org.name, 'ODS Code': org.odsCode ?? '', ...numbers(org.telecom), ...address(org) });
    } else if (org.kind === 'team') {
      yield allocationRow({ 'Record Type': 'team', Name: org.name, 'Team ID': org.id, ...numbers(org.telecom), ...address(org) });
    } else if (org.cqcLocationId && phone(org.telecom, 'out-of-hours')) {
      yield allocationRow({ 'Record Type': 'provider', 'CQC Location ID': org.cqcLocationId, 'Out of Hours Phone': phone(org.telecom, 'out-of-hours') });
    }
  }
  for (const w of population.workers) {
    yield allocationRow({
      'Record Type': 'worker',
      'Worker ID': w.id,
      'Team ID': w.teamId,
      'Given Names': w.givenNames.join(' '),
      'Family Name': w.familyName,
      Role: w.role,
      ...numbers(w.telecom),
    });
  }
}

function concernRow(c: SafeguardingConcern): string[] {
  return allocationRow({
    'Record Type': 'safeguarding',
    'LA Person Unique Identifier': c.personId,
    'Concern Reference': c.id,
    'Concern Type': c.concernType,
    'Concern Status': c.status,
    'Raised Date': c.raisedDate,
    'Closed Date': c.closedDate ?? '',
    'Team ID': c.contactTeamId,
  });
}

function numbers(telecom: ContactPoint[]): Partial<Record<AllocationColumn, string>> {
  return {
    'Office Phone': phone(telecom, 'work'),
    'Mobile Phone': phone(telecom, 'mobile'),
    'Out of Hours Phone': phone(telecom, 'out-of-hours'),
    Email: telecom.find((t) => t.system === 'email')?.value ?? '',
  };
}

function address(org: Organisation): Partial<Record<AllocationColumn, string>> {
  const lines = org.address?.lines ?? [];
  return { 'Address Line 1': lines[0] ?? '', 'Address Line 2': lines[1] ?? '', 'Address Line 3': lines[2] ?? '', Town: org.address?.city ?? '', Postcode: org.address?.postcode ?? '' };
}

function phone(telecom: ContactPoint[], use: ContactPoint['use']): string {
  return telecom.find((t) => t.system === 'phone' && t.use === use)?.value ?? '';
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/** Writes rows as CSV (csv-stringify), waiting for the file to drain as it goes. */
async function writeCsv(file: string, header: string[], rows: () => Iterable<string[]>, preamble = ''): Promise<void> {
  const out = fs.createWriteStream(file);
  if (preamble) out.write(preamble);
  const csv = stringify({ header: true, columns: header });
  csv.pipe(out);
  for (const row of rows()) {
    if (!csv.write(row)) await once(csv, 'drain');
  }
  csv.end();
  await once(out, 'finish');
}
