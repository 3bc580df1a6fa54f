/**
 * URLs that name things: identifier systems, code systems, extensions and our canonical base.
 * Our canonical base is stable and independent of where an instance runs: profiles and code
 * systems are named by it, never by an instance's own address.
 */
import { CANONICAL_BASE } from '../domain/identifierSystems';

export { CANONICAL_BASE, NHS_NUMBER_SYSTEM, SOCIAL_CARE_REFERENCE_SYSTEM } from '../domain/identifierSystems';
export const ODS_ORGANIZATION_SYSTEM = 'https://fhir.nhs.uk/Id/ods-organization-code';
export const CARE_PACKAGE_ID_SYSTEM = `${CANONICAL_BASE}/Id/care-package`;
export const SAFEGUARDING_CONCERN_ID_SYSTEM = `${CANONICAL_BASE}/Id/safeguarding-concern`;
export const WORKER_ID_SYSTEM = `${CANONICAL_BASE}/Id/worker`;
export const CQC_LOCATION_SYSTEM = `${CANONICAL_BASE}/Id/cqc-location-id`;

export const UKCORE_BASE = 'https://fhir.hl7.org.uk';
export const NHS_NUMBER_VERIFICATION_EXTENSION = `${UKCORE_BASE}/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus`;
export const NHS_NUMBER_VERIFICATION_SYSTEM = `${UKCORE_BASE}/CodeSystem/UKCore-NHSNumberVerificationStatusEngland`;
/** Older systems still send the pre-England code system: accepted on input. */
export const NHS_NUMBER_VERIFICATION_SYSTEM_LEGACY = `${UKCORE_BASE}/CodeSystem/UKCore-NHSNumberVerificationStatus`;
export const RECORD_HEADINGS_SYSTEM = `${UKCORE_BASE}/CodeSystem/UKCore-RecordStandardHeadings`;

export const SERVICE_TYPE_SYSTEM = `${CANONICAL_BASE}/CodeSystem/care-package-service-type`;
export const FUNDING_SYSTEM = `${CANONICAL_BASE}/CodeSystem/care-package-funding`;
export const CONCERN_TYPE_SYSTEM = `${CANONICAL_BASE}/CodeSystem/safeguarding-concern-type`;
export const FUNDING_EXTENSION = `${CANONICAL_BASE}/StructureDefinition/Extension-CarePackageFunding`;
/** The package as the CLD return names it (Service Type, Service Component, Delivery Mechanism), in its wording. */
export const CLD_SERVICE_EXTENSION = `${CANONICAL_BASE}/StructureDefinition/Extension-CarePackageCldService`;

/** What the CLD return says of a person, on Patient. */
export const COMMUNICATION_NEED_EXTENSION = `${CANONICAL_BASE}/StructureDefinition/Extension-CommunicationNeed`;
export const PRIMARY_SUPPORT_REASON_EXTENSION = `${CANONICAL_BASE}/StructureDefinition/Extension-PrimarySupportReason`;
export const ACCOMMODATION_STATUS_EXTENSION = `${CANONICAL_BASE}/StructureDefinition/Extension-AccommodationStatus`;
export const HAS_UNPAID_CARER_EXTENSION = `${CANONICAL_BASE}/StructureDefinition/Extension-HasUnpaidCarer`;
export const COMMUNICATION_NEED_SYSTEM = `${CANONICAL_BASE}/CodeSystem/communication-need`;
export const COMMUNICATION_NEED_VALUESET = `${CANONICAL_BASE}/ValueSet/communication-need`;

/** Assessments and reviews, as Procedure. */
export const ASSESSMENT_CATEGORY_SYSTEM = `${CANONICAL_BASE}/CodeSystem/assessment-category`;
export const ASSESSMENT_CATEGORY_VALUESET = `${CANONICAL_BASE}/ValueSet/assessment-category`;
export const ASSESSMENT_METHOD_EXTENSION = `${CANONICAL_BASE}/StructureDefinition/Extension-AssessmentMethod`;
export const ELIGIBLE_NEEDS_EXTENSION = `${CANONICAL_BASE}/StructureDefinition/Extension-EligibleNeedsIdentified`;
export const OUTCOMES_ACHIEVED_EXTENSION = `${CANONICAL_BASE}/StructureDefinition/Extension-ReviewOutcomesAchieved`;

/** Carers, as RelatedPerson: UK Core's own code for a carer, within its PersonRelationshipType binding. */
export const UKCORE_PERSON_RELATIONSHIP_SYSTEM = `${UKCORE_BASE}/CodeSystem/UKCore-AdditionalPersonRelationshipRole`;
/** A security label on a resource some of whose data was left out (a carer whose own record is restricted). */
export const SECURITY_OBSERVATION_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue';
export const ORGANIZATION_TYPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/organization-type';

/** A profile's canonical URL from its name: a new type may name its own in its definition file. */
export function profileUrl(name: string): string {
  return `${CANONICAL_BASE}/StructureDefinition/${name}`;
}

/** The profiles the facade's resources declare (the profile files under profiles/ define them). */
export const PROFILES = {
  Patient: profileUrl('SocialCare-Patient'),
  CarePlan: profileUrl('SocialCare-CarePackage'),
  Flag: profileUrl('SocialCare-SafeguardingFlag'),
  Organization: profileUrl('SocialCare-Organization'),
  Practitioner: profileUrl('SocialCare-Practitioner'),
  PractitionerRole: profileUrl('SocialCare-PractitionerRole'),
  CareTeam: profileUrl('SocialCare-CareTeam'),
  Communication: profileUrl('SocialCare-HospitalNotice'),
  Task: profileUrl('SocialCare-Contact'),
  AuditEvent: profileUrl('SocialCare-AuditEvent'),
  RelatedPerson: profileUrl('SocialCare-Carer'),
  Procedure: profileUrl('SocialCare-Assessment'),
  AccessNotification: profileUrl('SocialCare-AccessNotification'),
} as const;

export const NHS_NUMBER_VERIFICATION_DISPLAY: Record<string, string> = {
  '01': 'Number present and verified',
  '02': 'Number present but not traced',
  '03': 'Trace required',
  '04': 'Trace attempted - No match or multiple match found',
  '05': 'Trace needs to be resolved - (NHS Number or patient detail conflict)',
  '06': 'Trace in progress',
  '07': 'Number not present and trace not required',
  '08': 'Trace postponed (baby under six weeks old)',
};

/** Our value sets (profiles/terminology/), one per code system of ours, plus hospital notice kinds over SNOMED CT. */
export const SNOMED_SYSTEM = 'http://snomed.info/sct';
export const CONTACT_OUTCOME_SYSTEM = `${CANONICAL_BASE}/CodeSystem/contact-outcome`;
export const SERVICE_TYPE_VALUESET = `${CANONICAL_BASE}/ValueSet/care-package-service-type`;
export const FUNDING_VALUESET = `${CANONICAL_BASE}/ValueSet/care-package-funding`;
export const CONCERN_TYPE_VALUESET = `${CANONICAL_BASE}/ValueSet/safeguarding-concern-type`;
export const CONTACT_OUTCOME_VALUESET = `${CANONICAL_BASE}/ValueSet/contact-outcome`;
export const NOTICE_KIND_VALUESET = `${CANONICAL_BASE}/ValueSet/notice-kind`;
export const CONTACT_PURPOSE_VALUESET = `${CANONICAL_BASE}/ValueSet/contact-purpose`;
export const COMMUNICATION_CATEGORY_VALUESET = `${CANONICAL_BASE}/ValueSet/communication-category`;

export const WITHDRAWAL_REASON_SYSTEM = 'https://fhir.nhs.uk/ADW-WithdrawalReason-1';
export const CONTACT_PURPOSE_SYSTEM = `${CANONICAL_BASE}/CodeSystem/contact-purpose`;
/** Groups a contact with every notice of the same hospital referral. */
export const REFERRAL_ID_SYSTEM = `${CANONICAL_BASE}/Id/hospital-referral`;
/** Categories of Communication the facade itself writes (access notifications). */
export const COMMUNICATION_CATEGORY_SYSTEM = `${CANONICAL_BASE}/CodeSystem/communication-category`;
/** Keys an access notification: one per client, person and day. */
export const ACCESS_NOTIFICATION_SYSTEM = `${CANONICAL_BASE}/Id/access-notification`;
