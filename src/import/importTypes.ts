import { Assessment } from '../domain/assessment';
import { CarePackage } from '../domain/carePackage';
import { CareRelationship } from '../domain/carer';
import { Organisation } from '../domain/organisation';
import { ContactPoint, NhsNumberVerification, Person } from '../domain/person';
import { SafeguardingConcern } from '../domain/safeguarding';
import { Worker } from '../domain/worker';

/**
 * What the readers of the council's files (src/import/) hand to the import service: domain records,
 * each with the file and line it came from, and the rows they refused. Readers know file formats and
 * their values; the service knows the store (who exists already, what an earlier import brought in).
 */

/** A refused row, named so that someone can find it and fix it at source. */
export interface ImportReject {
  file: string;
  /** The row's first line in the file (the header is line 1). */
  line: number;
  /** The column as the file spells it, when one column is at fault. */
  column?: string;
  /** The value at fault, as written (absent for a missing value). */
  value?: string;
  reason: string;
}

/** Where a record came from: the service names it in rejects it finds (an unknown person, say). */
export interface SourceLine {
  file: string;
  line: number;
}

export interface Located<T> {
  at: SourceLine;
  record: T;
}

/** The fields of a person the CLD return owns; the rest (allocation, restriction, telecom) are the allocations extract's. */
export const CLD_PERSON_FIELDS = [
  'nhsNumber',
  'givenNames',
  'familyName',
  'birthDate',
  'gender',
  'deceasedDate',
  'gpPracticeOds',
  'gpPracticeName',
  'primarySupportReason',
  'accommodationStatus',
  'hasUnpaidCarer',
  'communicationNeeds',
] as const satisfies readonly (keyof Person)[];

/**
 * A person as one CLD row describes them. familyName may be '' and givenNames [] when the return
 * holds no name (the person is still found by NHS number). The postcode is the only part of the
 * address CLD holds.
 */
export type CldPerson = Pick<Person, 'id' | 'givenNames' | 'familyName' | 'birthDate' | 'gender'> &
  Partial<Pick<Person, (typeof CLD_PERSON_FIELDS)[number]>> & { postcode?: string };

/** A service event as a care package: its provider named by CQC location id (and name), not yet by our id. */
export type CldPackage = Omit<CarePackage, 'providerId'> & { provider?: { cqcLocationId?: string; name?: string } };

/** What one CLD row says: the person it is about, and the event (package, assessment or review, carer links). */
export interface CldRowFacts {
  at: SourceLine;
  person: CldPerson;
  carePackage?: CldPackage;
  assessment?: Assessment;
  /** From an unpaid carer's row: the carer (person above) and each adult they care for. */
  careRelationships: CareRelationship[];
}

/** A CQC directory location: a registered care provider's office, with its main phone number. */
export type CqcLocation = Omit<Organisation, 'id' | 'kind' | 'partOfId'> & { cqcLocationId: string };

/** What the council's allocations extract says, row by row (docs/data-in.md describes its columns). */
export interface AllocationsFacts {
  /** The council itself: its name and its duty and out-of-hours numbers. */
  council: Located<Pick<Organisation, 'name' | 'telecom' | 'address'> & { odsCode?: string }>[];
  /** The council's teams (partOfId is set by the service: the council). */
  teams: Located<Omit<Organisation, 'kind' | 'partOfId'>>[];
  workers: Located<Worker>[];
  /** Out-of-hours numbers for care providers, which CQC's directory does not hold (and their e-mail and ODS code, when given). */
  providerNumbers: Located<{ cqcLocationId: string; telecom: ContactPoint[]; odsCode?: string }>[];
  /** Who is allocated to each person (by LA id or NHS number), and whether the record is restricted. */
  allocations: Located<{ personId?: string; nhsNumber?: string; allocatedWorkerId?: string; responsibleTeamId?: string; restricted: boolean }>[];
  /** Safeguarding concerns, open and closed, by person (LA id or NHS number). */
  safeguardingConcerns: Located<Omit<SafeguardingConcern, 'personId'> & { personId?: string; nhsNumber?: string }>[];
  /** What the council's system holds of a person and the CLD return does not: each row says all of it (a blank clears). */
  people: Located<AllocationsPerson>[];
  /** What the council's system holds of a package and the CLD return does not, by its Event Reference. */
  packages: Located<AllocationsPackage>[];
}

/**
 * A person's title, home and mobile numbers, home e-mail, address lines and town, and how sure the
 * council is of their NHS number. The postcode stays the CLD return's.
 */
export interface AllocationsPerson {
  personId?: string;
  nhsNumber?: string;
  title?: string;
  /** Phones with use home and mobile, e-mail with use home: the ones the row owns. */
  telecom: ContactPoint[];
  addressLines: string[];
  town?: string;
  nhsNumberVerification?: NhsNumberVerification;
}

/** A package's visits per day, tasks and notes, named by the CLD Event Reference and the package id it gives. */
export interface AllocationsPackage {
  eventReference: string;
  packageId: string;
  visitsPerDay?: number;
  tasks: string[];
  notes?: string;
}
