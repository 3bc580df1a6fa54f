import { ID } from '../../domain/ids';
import { describeNhsNumberProblem, nhsNumberProblem, normaliseNhsNumber } from '../../domain/nhsNumber';
import { CommunicationNeed } from '../../domain/person';
import { CldPerson } from '../importTypes';
import { CldColumn } from './cldColumns';
import { ACCOMMODATION_STATUSES, GENDERS, PRIMARY_SUPPORT_REASONS, YES_NO } from './cldCodes';
import { parseCldDate, parseOdsCode, parsePostcode } from './cldFieldValues';
import { RowCells } from './rowCells';

/** The contract's CldPerson, marked as the CLD return's like every other record the reader makes. */
export type CldPersonRead = CldPerson & { source: 'cld' };

/**
 * What a person's rows must agree on, one entry per column that states it (blank says nothing):
 * the column and its value as read, so "female" and "Female" agree.
 */
export type PersonStatement = readonly [CldColumn, string];

export const ID_RULE = "1 to 64 letters, digits, '-' or '.'";

const FLAGS: readonly [CldColumn, CommunicationNeed][] = [
  ['autism', 'autism'],
  ['visualImpairment', 'visual-impairment'],
  ['hearingImpairment', 'hearing-impairment'],
  ['dementia', 'dementia'],
];

/** The person as the row describes them (deceasedDate from the Date of Death only: outcomes are the row's). */
export interface PersonCells {
  person: CldPersonRead;
  statements: PersonStatement[];
}

/** Reads the person columns of a row; faults go to the row's problems (the person is then unusable). */
export function readPersonCells(cells: RowCells, today: string): PersonCells {
  const statements: PersonStatement[] = [];
  const state = (column: CldColumn, value: string | undefined): void => {
    if (value !== undefined) statements.push([column, value]);
  };

  const laId = cells.get('laPersonId');
  if (laId !== '' && !ID.test(laId)) {
    cells.refuse({ column: 'laPersonId', value: laId, reason: `${cells.name('laPersonId')} must be ${ID_RULE}` });
  }
  const nhsWritten = cells.get('nhsNumber');
  let nhsNumber: string | undefined;
  if (nhsWritten !== '') {
    const problem = nhsNumberProblem(nhsWritten);
    if (problem) cells.refuse({ column: 'nhsNumber', value: nhsWritten, reason: describeNhsNumberProblem(problem) });
    else nhsNumber = normaliseNhsNumber(nhsWritten);
  }
  if (laId === '' && nhsWritten === '') {
    cells.refuse({ reason: `the row names nobody: it has neither ${cells.name('laPersonId')} nor ${cells.name('nhsNumber')}` });
  }
  state('nhsNumber', nhsNumber);

  const birthDate = cells.parsed('dateOfBirth', parseCldDate);
  if (cells.get('dateOfBirth') === '') {
    cells.refuse({ column: 'dateOfBirth', reason: `${cells.name('dateOfBirth')} is blank: a person needs one` });
  } else if (birthDate !== undefined && birthDate > today) {
    cells.refuse({ column: 'dateOfBirth', value: cells.get('dateOfBirth'), reason: `${cells.name('dateOfBirth')} is in the future` });
  }
  state('dateOfBirth', birthDate);
  const deceasedDate = cells.parsed('dateOfDeath', parseCldDate);
  if (deceasedDate !== undefined && birthDate !== undefined && deceasedDate < birthDate) {
    cells.refuse({ column: 'dateOfDeath', value: cells.get('dateOfDeath'), reason: `${cells.name('dateOfDeath')} is before the Date of Birth` });
  }
  state('dateOfDeath', deceasedDate);

  const firstName = cells.get('firstName');
  const familyName = cells.get('lastName');
  state('firstName', firstName || undefined);
  state('lastName', familyName || undefined);
  const gender = cells.coded('gender', GENDERS)?.meaning;
  state('gender', gender);
  const postcode = cells.parsed('postcode', parsePostcode);
  state('postcode', postcode);
  const gpPracticeOds = cells.parsed('gpPracticeCode', parseOdsCode);
  state('gpPracticeCode', gpPracticeOds);
  const gpPracticeName = cells.get('gpPracticeName') || undefined;
  state('gpPracticeName', gpPracticeName);
  const primarySupportReason = cells.coded('primarySupportReason', PRIMARY_SUPPORT_REASONS)?.wording;
  state('primarySupportReason', primarySupportReason);
  const accommodation = cells.coded('accommodationStatus', ACCOMMODATION_STATUSES);
  const accommodationStatus = accommodation?.meaning ? accommodation.wording : undefined;
  state('accommodationStatus', accommodationStatus);
  const hasUnpaidCarer = cells.coded('hasUnpaidCarer', YES_NO)?.meaning;
  state('hasUnpaidCarer', hasUnpaidCarer === undefined ? undefined : String(hasUnpaidCarer));
  const communicationNeeds: CommunicationNeed[] = [];
  for (const [column, need] of FLAGS) {
    const flag = cells.coded(column, YES_NO)?.meaning;
    state(column, flag === undefined ? undefined : String(flag));
    if (flag) communicationNeeds.push(need);
  }

  const person = compact<CldPersonRead>({
    id: laId !== '' ? laId : `NHS-${nhsNumber ?? ''}`,
    nhsNumber,
    givenNames: firstName === '' ? [] : firstName.split(/\s+/),
    familyName,
    // A row without a valid date of birth is refused, so this placeholder is never handed on.
    birthDate: birthDate ?? '',
    gender: gender ?? 'unknown',
    deceasedDate,
    gpPracticeOds,
    gpPracticeName,
    primarySupportReason,
    accommodationStatus,
    hasUnpaidCarer,
    communicationNeeds: communicationNeeds.length > 0 ? communicationNeeds : undefined,
    postcode,
    source: 'cld',
  });
  return { person, statements };
}

/**
 * The record without its absent fields, so that records compare and print as they would be stored
 * (a copy: deleting fields would slow every later use of the object).
 */
export function compact<T extends object>(record: { [K in keyof T]: T[K] | undefined }): T {
  const present = {} as T;
  for (const key in record) if (record[key] !== undefined) present[key] = record[key] as T[typeof key];
  return present;
}
