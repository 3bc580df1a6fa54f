import { Identifier, Meta, Patient, Reference } from '@medplum/fhirtypes';
import { describeNhsNumberProblem, nhsNumberProblem, normaliseNhsNumber } from '../../domain/nhsNumber';
import { COMMUNICATION_NEEDS, CommunicationNeed, Gender, NhsNumberVerification, Person } from '../../domain/person';
import { withoutUndefined } from '../../domain/objects';
import { badRequest } from '../outcome';
import {
  ACCOMMODATION_STATUS_EXTENSION,
  COMMUNICATION_NEED_EXTENSION,
  COMMUNICATION_NEED_SYSTEM,
  HAS_UNPAID_CARER_EXTENSION,
  NHS_NUMBER_SYSTEM,
  NHS_NUMBER_VERIFICATION_DISPLAY,
  NHS_NUMBER_VERIFICATION_EXTENSION,
  NHS_NUMBER_VERIFICATION_SYSTEM,
  NHS_NUMBER_VERIFICATION_SYSTEM_LEGACY,
  ODS_ORGANIZATION_SYSTEM,
  PRIMARY_SUPPORT_REASON_EXTENSION,
  SOCIAL_CARE_REFERENCE_SYSTEM,
} from '../systems';
import {
  booleanExtension,
  businessRule,
  calendarDate,
  checkOwnIdentifier,
  checkResource,
  codeIn,
  contactPoints,
  extensionOf,
  extensionsOf,
  identifierValue,
  ownIdentifier,
  personName,
  postalAddress,
  referencedId,
  required,
  text,
  wordsExtension,
} from './elements';
import { InboundMapping } from './inbound';

/** Confidentiality labels that mark a record restricted (R restricted, V very restricted). */
const CONFIDENTIALITY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';
const RESTRICTED_CODES = ['R', 'V'];
const GENDERS: Gender[] = ['male', 'female', 'other', 'unknown'];
const VERIFICATION_CODES = Object.keys(NHS_NUMBER_VERIFICATION_DISPLAY) as NhsNumberVerification[];

/** Patient -> Person: the inverse of toPatient. */
export const patientInbound: InboundMapping<'person'> = {
  entity: 'person',
  idFromResource: (resource) => ownIdentifier((resource as Patient).identifier, SOCIAL_CARE_REFERENCE_SYSTEM, 'Patient.identifier'),
  toRecord(resource, id, current) {
    checkResource(resource, 'Patient', id);
    const p = resource as Patient;
    checkOwnIdentifier(p.identifier, SOCIAL_CARE_REFERENCE_SYSTEM, id, 'Patient.identifier');
    const nhs = nhsNumber(p.identifier);
    const gp = gpPractice(p.generalPractitioner);
    return withoutUndefined<Person>({
      id,
      nhsNumber: nhs?.value,
      nhsNumberVerification: nhs?.verification,
      ...personName(p.name, 'Patient.name'),
      birthDate: required(calendarDate(p.birthDate, 'Patient.birthDate'), 'Patient.birthDate', 'the date of birth, YYYY-MM-DD'),
      gender: gender(p.gender),
      address: postalAddress(p.address, 'home'),
      // Patient shows office numbers only (toPatient): an out-of-hours number held is kept.
      telecom: [...contactPoints(p.telecom, 'Patient.telecom'), ...(current?.telecom.filter((t) => t.use === 'out-of-hours') ?? [])],
      restricted: restricted(p.meta, current),
      // The allocation is written through the person's CareTeam.
      allocatedWorkerId: current?.allocatedWorkerId,
      responsibleTeamId: referencedId(p.managingOrganization, ['Organization'], 'Patient.managingOrganization'),
      deceasedDate: deceasedDate(p),
      gpPracticeOds: gp?.ods,
      gpPracticeName: gp?.name,
      primarySupportReason: wordsExtension(p.extension, PRIMARY_SUPPORT_REASON_EXTENSION, 'Patient.extension'),
      accommodationStatus: wordsExtension(p.extension, ACCOMMODATION_STATUS_EXTENSION, 'Patient.extension'),
      hasUnpaidCarer: booleanExtension(p.extension, HAS_UNPAID_CARER_EXTENSION, 'Patient.extension'),
      communicationNeeds: communicationNeeds(p),
      source: 'fhir',
    });
  },
  references: (person) =>
    person.responsibleTeamId
      ? [{ kind: 'organisation', id: person.responsibleTeamId, expression: 'Patient.managingOrganization', organisationKinds: ['team', 'council'] }]
      : [],
};

/** The NHS number, normalised and checked (Modulus 11), and how sure the sender is of it. */
function nhsNumber(identifiers: Identifier[] | undefined): { value: string; verification?: NhsNumberVerification } | undefined {
  const raw = identifierValue(identifiers, NHS_NUMBER_SYSTEM, 'Patient.identifier');
  if (raw === undefined) return undefined;
  const problem = nhsNumberProblem(raw);
  if (problem) {
    throw badRequest(`Patient.identifier: ${raw} is not a valid NHS number: ${describeNhsNumberProblem(problem)}`, ['Patient.identifier'], 'INVALID_RESOURCE_ID');
  }
  const identifier = identifiers!.find((i) => i.system === NHS_NUMBER_SYSTEM)!;
  const status = extensionOf(identifier.extension, NHS_NUMBER_VERIFICATION_EXTENSION, 'Patient.identifier');
  if (!status) return { value: normaliseNhsNumber(raw) };
  const concept = status.valueCodeableConcept;
  const verification =
    codeIn(concept, NHS_NUMBER_VERIFICATION_SYSTEM, VERIFICATION_CODES, 'Patient.identifier') ??
    codeIn(concept, NHS_NUMBER_VERIFICATION_SYSTEM_LEGACY, VERIFICATION_CODES, 'Patient.identifier');
  if (!verification) {
    throw badRequest(`Patient.identifier: the NHS number's verification status takes a coding in ${NHS_NUMBER_VERIFICATION_SYSTEM}: one of ${VERIFICATION_CODES.join(', ')}`, [
      'Patient.identifier',
    ]);
  }
  return { value: normaliseNhsNumber(raw), verification };
}

function gender(value: string | undefined): Gender {
  // FHIR's own meaning of a gender not given.
  if (value === undefined) return 'unknown';
  if (!(GENDERS as string[]).includes(value)) throw badRequest(`Patient.gender: send one of ${GENDERS.join(', ')}`, ['Patient.gender']);
  return value as Gender;
}

/**
 * Restricted when labelled R or V. A Patient without security labels says nothing either way (the
 * facade does not show them), so the record held keeps its restriction; labels without R or V lift it.
 */
function restricted(meta: Meta | undefined, current: Person | undefined): boolean {
  if (meta?.security === undefined) return current?.restricted ?? false;
  return meta.security.some((s) => s.system === CONFIDENTIALITY_SYSTEM && RESTRICTED_CODES.includes(s.code ?? ''));
}

function deceasedDate(p: Patient): string | undefined {
  if (p.deceasedDateTime !== undefined) return calendarDate(p.deceasedDateTime, 'Patient.deceasedDateTime');
  if (p.deceasedBoolean === true) {
    throw businessRule(
      'Patient.deceasedBoolean true: the council records the day a person died; say the date of death (deceasedDateTime) instead',
      'Patient.deceasedBoolean',
    );
  }
  return undefined;
}

/** The GP practice, named by its ODS code (the facade does not serve GP practices to refer to). */
function gpPractice(refs: Reference[] | undefined): { ods: string; name?: string } | undefined {
  if (!refs?.length) return undefined;
  if (refs.length > 1) throw badRequest('Patient.generalPractitioner: a person is registered with one GP practice; send one', ['Patient.generalPractitioner']);
  const ref = refs[0];
  const ods = ref.identifier?.system === ODS_ORGANIZATION_SYSTEM ? text(ref.identifier.value) : undefined;
  if (!ods) {
    throw badRequest(`Patient.generalPractitioner: name the GP practice by its ODS code, as identifier { system: ${ODS_ORGANIZATION_SYSTEM}, value }`, [
      'Patient.generalPractitioner',
    ]);
  }
  return { ods, name: text(ref.display) };
}

function communicationNeeds(p: Patient): CommunicationNeed[] | undefined {
  const codes = Object.keys(COMMUNICATION_NEEDS) as CommunicationNeed[];
  const needs = extensionsOf(p.extension, COMMUNICATION_NEED_EXTENSION).map((e) =>
    required(codeIn(e.valueCodeableConcept, COMMUNICATION_NEED_SYSTEM, codes, 'Patient.extension'), 'Patient.extension', `a communication need is coded in ${COMMUNICATION_NEED_SYSTEM}: one of ${codes.join(', ')}`),
  );
  return needs.length ? [...new Set(needs)] : undefined;
}
