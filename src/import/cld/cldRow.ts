import { Assessment } from '../../domain/assessment';
import { CareRelationship } from '../../domain/carer';
import { ID } from '../../domain/ids';
import { describeNhsNumberProblem, nhsNumberProblem, normaliseNhsNumber } from '../../domain/nhsNumber';
import { CommunicationNeed } from '../../domain/person';
import { CldPackage, CldPerson } from '../importTypes';
import { CldColumn, NORMALISED } from './cldColumns';
import {
  ACCOMMODATION_STATUSES,
  CLIENT_TYPES,
  ClientType,
  EVENT_OUTCOMES,
  EVENT_TYPES,
  GENDERS,
  OutcomeEffect,
  PRIMARY_SUPPORT_REASONS,
  YES_NO,
} from './cldCodes';
import { Parsed, parseCldDate, parseCqcLocationId, parseOdsCode, parsePostcode } from './cldFieldValues';
import { CodeList } from './codeList';
import { readPackage } from './cldPackage';
import { RowContext, RowProblem } from './cldRowProblem';
import { careRelationshipId, eventId } from './stableIds';

/**
 * What a person's rows must agree on, one entry per column that states it (blank says nothing):
 * the column and its value as read, so "female" and "Female" agree.
 */
export type PersonStatement = readonly [CldColumn, string];

/** The contract's CldPerson, marked as the CLD return's like every other record the reader makes. */
export type CldPersonRead = CldPerson & { source: 'cld' };

export interface RowReading {
  person: CldPersonRead;
  statements: PersonStatement[];
  carePackage?: CldPackage;
  assessment?: Assessment;
  careRelationships: CareRelationship[];
  /** The event's id, when the row holds an Event Reference. */
  eventId?: string;
}

const FLAGS: readonly [CldColumn, CommunicationNeed][] = [
  ['autism', 'autism'],
  ['visualImpairment', 'visual-impairment'],
  ['hearingImpairment', 'hearing-impairment'],
  ['dementia', 'dementia'],
];

const LINKED_ADULTS: readonly CldColumn[] = ['adult1', 'adult2', 'adult3'];

const ID_RULE = "1 to 64 letters, digits, '-' or '.'";

/**
 * Reads one CLD row on its own: what it says about the person and the event, or every reason it
 * cannot be used. Whether it agrees with other rows is the reader's check (cldReader.ts).
 */
export function readCldRow(values: ReadonlyMap<string, string>, ctx: RowContext): RowReading | RowProblem[] {
  const problems: RowProblem[] = [];
  const get = (column: CldColumn): string => values.get(NORMALISED[column]) ?? '';
  const statements: PersonStatement[] = [];

  function coded<T>(column: CldColumn, list: CodeList<T>): { wording: string; meaning: T } | undefined {
    const value = get(column);
    if (value === '') return undefined;
    const found = list.find(value);
    if (!found) problems.push({ column, value, reason: `"${value}" is not a value of ${ctx.columnName(column)} in either release of the return` });
    return found;
  }
  function checked<T>(column: CldColumn, parse: (value: string) => Parsed<T>): T | undefined {
    const value = get(column);
    if (value === '') return undefined;
    const parsed = parse(value);
    if ('problem' in parsed) {
      problems.push({ column, value, reason: `${ctx.columnName(column)}: ${parsed.problem}` });
      return undefined;
    }
    return parsed.ok;
  }
  const state = (column: CldColumn, value: string | undefined): void => {
    if (value !== undefined) statements.push([column, value]);
  };

  const laCode = get('laCode');
  if (laCode === '') problems.push({ column: 'laCode', reason: `${ctx.columnName('laCode')} is blank: the row does not say which council sent it` });
  else if (laCode.toUpperCase() !== ctx.councilLaCode.toUpperCase()) {
    problems.push({
      column: 'laCode',
      value: laCode,
      reason: `the row is for another council (LA Code ${laCode}), not this one (${ctx.councilLaCode})`,
    });
  }

  const laId = get('laPersonId');
  if (laId !== '' && !ID.test(laId)) {
    problems.push({ column: 'laPersonId', value: laId, reason: `${ctx.columnName('laPersonId')} must be ${ID_RULE}` });
  }
  const nhsWritten = get('nhsNumber');
  let nhsNumber: string | undefined;
  if (nhsWritten !== '') {
    const problem = nhsNumberProblem(nhsWritten);
    if (problem) problems.push({ column: 'nhsNumber', value: nhsWritten, reason: describeNhsNumberProblem(problem) });
    else nhsNumber = normaliseNhsNumber(nhsWritten);
  }
  if (laId === '' && nhsWritten === '') {
    problems.push({ reason: `the row names nobody: it has neither ${ctx.columnName('laPersonId')} nor ${ctx.columnName('nhsNumber')}` });
  }
  const personId = laId !== '' ? laId : `NHS-${nhsNumber ?? ''}`;
  state('nhsNumber', nhsNumber);

  const birthDate = checked('dateOfBirth', parseCldDate);
  if (get('dateOfBirth') === '') problems.push({ column: 'dateOfBirth', reason: `${ctx.columnName('dateOfBirth')} is blank: a person needs one` });
  else if (birthDate !== undefined && birthDate > ctx.today) {
    problems.push({ column: 'dateOfBirth', value: get('dateOfBirth'), reason: `${ctx.columnName('dateOfBirth')} is in the future` });
  }
  state('dateOfBirth', birthDate);
  const dateOfDeath = checked('dateOfDeath', parseCldDate);
  if (dateOfDeath !== undefined && birthDate !== undefined && dateOfDeath < birthDate) {
    problems.push({ column: 'dateOfDeath', value: get('dateOfDeath'), reason: `${ctx.columnName('dateOfDeath')} is before the Date of Birth` });
  }
  state('dateOfDeath', dateOfDeath);

  const firstName = get('firstName');
  const familyName = get('lastName');
  state('firstName', firstName || undefined);
  state('lastName', familyName || undefined);
  const gender = coded('gender', GENDERS)?.meaning;
  state('gender', gender);
  const postcode = checked('postcode', parsePostcode);
  state('postcode', postcode);
  const gpPracticeOds = checked('gpPracticeCode', parseOdsCode);
  state('gpPracticeCode', gpPracticeOds);
  const gpPracticeName = get('gpPracticeName') || undefined;
  state('gpPracticeName', gpPracticeName);
  const primarySupportReason = coded('primarySupportReason', PRIMARY_SUPPORT_REASONS)?.wording;
  state('primarySupportReason', primarySupportReason);
  const accommodation = coded('accommodationStatus', ACCOMMODATION_STATUSES);
  const accommodationStatus = accommodation?.meaning ? accommodation.wording : undefined;
  state('accommodationStatus', accommodationStatus);
  const hasUnpaidCarer = coded('hasUnpaidCarer', YES_NO)?.meaning;
  state('hasUnpaidCarer', hasUnpaidCarer === undefined ? undefined : String(hasUnpaidCarer));
  const communicationNeeds: CommunicationNeed[] = [];
  for (const [column, need] of FLAGS) {
    const flag = coded(column, YES_NO)?.meaning;
    state(column, flag === undefined ? undefined : String(flag));
    if (flag) communicationNeeds.push(need);
  }

  const clientType: ClientType = coded('clientType', CLIENT_TYPES)?.meaning ?? 'service-user';
  const eventType = coded('eventType', EVENT_TYPES)?.meaning;
  if (get('eventType') === '' && clientType !== 'carer-by-association') {
    problems.push({ column: 'eventType', reason: `${ctx.columnName('eventType')} is blank: only a carer known by association has a row with no event` });
  }
  const outcome = coded('eventOutcome', EVENT_OUTCOMES);
  const startDate = checked('eventStartDate', parseCldDate);
  const endDate = checked('eventEndDate', parseCldDate);
  if (eventType !== undefined && get('eventStartDate') === '') {
    problems.push({ column: 'eventStartDate', reason: `${ctx.columnName('eventStartDate')} is blank: every event has one` });
  }
  if (startDate !== undefined && endDate !== undefined && endDate < startDate) {
    problems.push({
      column: 'eventEndDate',
      value: get('eventEndDate'),
      reason: `the event ends (${endDate}) before it starts (${startDate})`,
    });
  }
  const reference = get('eventReference');
  const kept = eventType === 'assessment' || eventType === 'review' || eventType === 'service';
  if (kept && reference === '') {
    problems.push({ column: 'eventReference', reason: `${ctx.columnName('eventReference')} is blank: a ${eventType} is kept by its reference` });
  }

  const careRelationships: CareRelationship[] = [];
  if (clientType !== 'service-user') {
    for (const column of LINKED_ADULTS) {
      const caredForId = get(column);
      if (caredForId === '') continue;
      if (!ID.test(caredForId)) {
        problems.push({ column, value: caredForId, reason: `${ctx.columnName(column)} must be ${ID_RULE}, as LA Person Unique Identifier is` });
        continue;
      }
      careRelationships.push({
        id: careRelationshipId(personId, caredForId),
        carerId: personId,
        caredForId,
        status: 'active',
        ...(get('hoursCaring') ? { hoursCaringPerWeek: get('hoursCaring') } : {}),
        source: 'cld',
      });
    }
  }

  const id = reference === '' ? undefined : eventId(reference);
  const effect: OutcomeEffect = outcome?.meaning;
  let carePackage: CldPackage | undefined;
  let assessment: Assessment | undefined;
  if (eventType === 'service' && id !== undefined && startDate !== undefined) {
    const read = readPackage(get, ctx, { id, personId, startDate, endDate, outcome, deceasedDate: dateOfDeath });
    if (Array.isArray(read)) problems.push(...read);
    else carePackage = read;
  }
  if ((eventType === 'assessment' || eventType === 'review') && id !== undefined && startDate !== undefined) {
    const isReview = eventType === 'review';
    const eligible = isReview ? undefined : coded('eligibleNeeds', YES_NO)?.meaning;
    assessment = compact({
      id,
      personId,
      kind: isReview ? 'review' : 'assessment',
      status: endDate === undefined ? 'in-progress' : 'completed',
      type: get(isReview ? 'reviewReason' : 'assessmentType') || undefined,
      startDate,
      endDate,
      outcome: outcome?.wording,
      method: get(isReview ? 'methodOfReview' : 'methodOfAssessment') || undefined,
      eligibleNeeds: eligible,
      outcomesAchieved: isReview ? get('reviewOutcomes') || undefined : undefined,
      source: 'cld',
    } satisfies Assessment);
  }

  if (problems.length > 0) return problems;

  // A death the row tells of by its outcome: the Date of Death when given, else the event's own dates.
  const deceasedDate = dateOfDeath ?? (effect === 'deceased' ? (endDate ?? startDate) : undefined);
  const person: CldPersonRead = compact({
    id: personId,
    nhsNumber,
    givenNames: firstName === '' ? [] : firstName.split(/\s+/),
    familyName,
    birthDate: birthDate!,
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
  } satisfies CldPersonRead);
  return { person, statements, carePackage, assessment, careRelationships, eventId: id };
}

/**
 * The record without its absent fields, so that records compare and print as they would be stored
 * (a copy: deleting fields would slow every later use of the object).
 */
export function compact<T extends object>(record: T): T {
  const present = {} as T;
  for (const key in record) if (record[key] !== undefined) present[key] = record[key];
  return present;
}
