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
}

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
