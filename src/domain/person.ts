/** A person known to the council's adult social care service. */

/**
 * How sure we are of the NHS number. Codes follow the NHS England verification statuses
 * (01 present and verified ... 08 trace needs to be resolved).
 */
export type NhsNumberVerification = '01' | '02' | '03' | '04' | '05' | '06' | '07' | '08';

export type Gender = 'male' | 'female' | 'other' | 'unknown';

export interface PostalAddress {
  lines: string[];
  city?: string;
  district?: string;
  postcode?: string;
}

export interface ContactPoint {
  system: 'phone' | 'email';
  value: string;
  /** home, work, mobile; for phones, 'out-of-hours' marks the number to ring outside office hours. */
  use?: 'home' | 'work' | 'mobile' | 'out-of-hours';
}

export interface Person {
  /** The council's case-management id: the social-care reference staff quote on the phone. */
  id: string;
  nhsNumber?: string;
  nhsNumberVerification?: NhsNumberVerification;
  givenNames: string[];
  familyName: string;
  /** Preferred prefix (Mrs, Mr, Ms, Dr ...). */
  title?: string;
  birthDate: string;
  gender: Gender;
  address?: PostalAddress;
  telecom: ContactPoint[];
  /** A sensitive record or an objection to sharing: never disclosed without a dedicated permission. */
  restricted: boolean;
  /** The allocated social worker, if any. */
  allocatedWorkerId?: string;
  /** The team responsible for the person: the allocated worker's team, or the duty team. */
  responsibleTeamId?: string;
  /** The day the person died, when the council knows it (CLD Date of Death, or an NFA: Deceased event). */
  deceasedDate?: string;
  /** The GP practice the person is registered with, by ODS code (CLD GP Practice Code) and name. */
  gpPracticeOds?: string;
  gpPracticeName?: string;
  /** CLD Primary Support Reason, in the return's own wording (e.g. "Physical Support: Personal care support"). */
  primarySupportReason?: string;
  /** CLD Accommodation Status, in the return's own wording (e.g. "Owner occupier or shared ownership scheme"). */
  accommodationStatus?: string;
  /** Whether someone cares for the person unpaid (CLD Has Unpaid Carer); absent when not known. */
  hasUnpaidCarer?: boolean;
  /** What a clinician should know before talking to the person. */
  communicationNeeds?: CommunicationNeed[];
  /** Where the record came from, when an import brought it in (see DataSource). */
  source?: DataSource;
}

/**
 * Things a clinician needs to know before talking to someone: CLD's flags for autism, visual and
 * hearing impairment, and dementia.
 */
export const COMMUNICATION_NEEDS = {
  dementia: 'Dementia',
  'visual-impairment': 'Visual impairment',
  'hearing-impairment': 'Hearing impairment',
  autism: 'Autistic spectrum condition',
} as const;
export type CommunicationNeed = keyof typeof COMMUNICATION_NEEDS;

/**
 * Which kind of load brought a record in or last set it: the quarterly CLD return, the council's
 * allocations extract, CQC's directory, FHIR from the council's integration engine, or a fixture
 * dataset. A CLD import ends only the records an earlier CLD import brought in (snapshot semantics).
 */
export const DATA_SOURCES = ['cld', 'allocations', 'cqc', 'fhir', 'dataset'] as const;
export type DataSource = (typeof DATA_SOURCES)[number];

/**
 * Records opened from a hospital notice, for someone the council did not know, carry ids with this
 * prefix: what they hold is what one hospital said, not what the council has checked.
 */
export const OPENED_FROM_NOTICE_PREFIX = 'HN-';

export function isOpenedFromNotice(personId: string): boolean {
  return personId.startsWith(OPENED_FROM_NOTICE_PREFIX);
}

export function fullName(person: Pick<Person, 'givenNames' | 'familyName'>): string {
  return [...person.givenNames, person.familyName].join(' ');
}
