import { normaliseHeader } from '../csvRows';

/**
 * The columns of the council's allocations extract (docs/data-in.md has the full specification).
 * One file, built by one query per record type joined with UNION: every row has every column, and
 * each record type reads only its own (the rest are ignored, whatever they hold).
 */
export const ALLOCATIONS_COLUMNS = {
  recordType: 'Record Type',
  name: 'Name',
  odsCode: 'ODS Code',
  teamId: 'Team ID',
  workerId: 'Worker ID',
  givenNames: 'Given Names',
  familyName: 'Family Name',
  role: 'Role',
  officePhone: 'Office Phone',
  mobilePhone: 'Mobile Phone',
  outOfHoursPhone: 'Out of Hours Phone',
  email: 'Email',
  addressLine1: 'Address Line 1',
  addressLine2: 'Address Line 2',
  addressLine3: 'Address Line 3',
  town: 'Town',
  postcode: 'Postcode',
  cqcLocationId: 'CQC Location ID',
  personId: 'LA Person Unique Identifier',
  nhsNumber: 'NHS Number',
  restricted: 'Restricted',
  concernReference: 'Concern Reference',
  concernType: 'Concern Type',
  concernStatus: 'Concern Status',
  raisedDate: 'Raised Date',
  closedDate: 'Closed Date',
  title: 'Title',
  homePhone: 'Home Phone',
  nhsNumberVerification: 'NHS Number Verification Status',
  eventReference: 'Event Reference',
  visitsPerDay: 'Visits per Day',
  tasks: 'Tasks',
  notes: 'Notes',
} as const;

export type AllocationsColumn = keyof typeof ALLOCATIONS_COLUMNS;

export const RECORD_TYPES = ['council', 'team', 'worker', 'provider', 'allocation', 'safeguarding', 'person', 'package'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

/** The column of the extract a header names (by its normalised spelling), if any. */
export function columnNamed(normalisedHeader: string): AllocationsColumn | undefined {
  return (Object.keys(ALLOCATIONS_COLUMNS) as AllocationsColumn[]).find((c) => normaliseHeader(ALLOCATIONS_COLUMNS[c]) === normalisedHeader);
}
