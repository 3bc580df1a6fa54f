import { normaliseHeader } from '../csvRows';

/**
 * The columns of a CLD return, as Release 1 spells them (Release 2 and analysts' files spell the
 * same names with underscores; csvRows matches both by their normalised spelling).
 */
export const CLD_COLUMNS = {
  laCode: 'LA Code',
  reportingPeriodStart: 'Reporting Period Start Date',
  reportingPeriodEnd: 'Reporting Period End Date',
  nhsNumber: 'NHS Number',
  laPersonId: 'LA Person Unique Identifier',
  firstName: 'First Name',
  lastName: 'Last Name',
  gpPracticeName: 'GP Practice Name',
  gpPracticeCode: 'GP Practice Code',
  gender: 'Gender',
  ethnicity: 'Ethnicity',
  dateOfBirth: 'Date of Birth',
  dateOfDeath: 'Date of Death',
  clientType: 'Client Type',
  primarySupportReason: 'Primary Support Reason',
  postcode: 'Postcode',
  accommodationStatus: 'Accommodation Status',
  employmentStatus: 'Employment Status',
  hasUnpaidCarer: 'Has Unpaid Carer',
  autism: 'Autism Spectrum Disorder (ASD)',
  visualImpairment: 'Visual Impairment',
  hearingImpairment: 'Hearing Impairment',
  dementia: 'Dementia',
  clientFundingStatus: 'Client Funding Status',
  eventType: 'Event Type',
  eventReference: 'Event Reference',
  eventStartDate: 'Event Start Date',
  eventEndDate: 'Event End Date',
  eventDescription: 'Event Description',
  eventOutcome: 'Event Outcome',
  routeOfAccess: 'Request: Route of Access',
  assessmentType: 'Assessment Type',
  eligibleNeeds: 'Eligible Needs Identified',
  methodOfAssessment: 'Method of Assessment',
  hoursCaring: 'Total Hrs Caring per week',
  adultsCaredFor: 'No. of adults being cared for',
  adult1: 'Adult 1 Linked Person_ID',
  adult2: 'Adult 2 Linked Person_ID',
  adult3: 'Adult 3 Linked Person_ID',
  serviceType: 'Service Type',
  serviceComponent: 'Service Component',
  deliveryMechanism: 'Delivery Mechanism',
  providerName: 'Provider CQC Location Name',
  providerId: 'Provider CQC Location ID',
  reviewReason: 'Review Reason',
  reviewOutcomes: 'Review Outcomes Achieved',
  methodOfReview: 'Method of Review',
  unitCost: 'Unit Cost',
  costFrequency: 'Cost Frequency (Unit Type)',
  plannedUnits: 'Planned units per week',
} as const;
export type CldColumn = keyof typeof CLD_COLUMNS;

/**
 * The columns every file must have: the return's mandatory fields that the reader needs to say
 * who a row is about and what happened. The others may be left out of a file and read as blank.
 */
export const REQUIRED_COLUMNS: readonly CldColumn[] = [
  'laCode',
  'nhsNumber',
  'laPersonId',
  'dateOfBirth',
  'gender',
  'clientType',
  'eventType',
  'eventReference',
  'eventStartDate',
  'eventEndDate',
  'eventOutcome',
  'serviceType',
  'serviceComponent',
  'deliveryMechanism',
];

/** Each column's normalised header, the key csvRows gives its values by. */
export const NORMALISED: Record<CldColumn, string> = Object.fromEntries(
  Object.entries(CLD_COLUMNS).map(([column, written]) => [column, normaliseHeader(written)]),
) as Record<CldColumn, string>;
