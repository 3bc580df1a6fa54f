import { Extension, HumanName, Identifier, Organization, Patient, Reference } from '@medplum/fhirtypes';
import { describeNhsNumberProblem, nhsNumberProblem, normaliseNhsNumber } from '../../domain/nhsNumber';
import { COMMUNICATION_NEEDS, Person } from '../../domain/person';
import { View } from '../../access/context';
import { Criterion } from '../../store/criteria';
import { withoutUndefined } from '../../domain/objects';
import { viewRules } from '../../access/views';
import { Stored } from '../../store/store';
import { MappingContext } from '../context';
import { ParamUse, ResourceDefinition } from '../definition';
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
  ODS_ORGANIZATION_SYSTEM,
  PRIMARY_SUPPORT_REASON_EXTENSION,
  PROFILES,
  SOCIAL_CARE_REFERENCE_SYSTEM,
} from '../systems';
import { alternatives, dateCriterion, parseToken, referenceCriterion } from '../searchValues';
import { idParam, stringParam, meta, officeTelecom, reference, toFhirAddress } from './common';

/** A person known to adult social care, in the UK Core Patient shape. */
export function toPatient(stored: Stored<Person>, ctx: MappingContext): Patient {
  const p = stored.record;
  const identifier: Identifier[] = [];
  if (p.nhsNumber) {
    const nhs: Identifier = { system: NHS_NUMBER_SYSTEM, value: p.nhsNumber };
    if (p.nhsNumberVerification) {
      nhs.extension = [
        {
          url: NHS_NUMBER_VERIFICATION_EXTENSION,
          valueCodeableConcept: {
            coding: [
              {
                system: NHS_NUMBER_VERIFICATION_SYSTEM,
                code: p.nhsNumberVerification,
                display: NHS_NUMBER_VERIFICATION_DISPLAY[p.nhsNumberVerification],
              },
            ],
          },
        },
      ];
    }
    identifier.push(nhs);
  }
  identifier.push({ system: SOCIAL_CARE_REFERENCE_SYSTEM, value: p.id });
  const team = ctx.organisation(p.responsibleTeamId);
  return withoutUndefined<Patient>({
    resourceType: 'Patient',
    id: p.id,
    meta: meta(stored, PROFILES.Patient),
    extension: personExtensions(p, ctx.view),
    identifier,
    name: officialName(p),
    telecom: p.telecom.length ? officeTelecom(p.telecom) : undefined,
    gender: p.gender,
    birthDate: p.birthDate,
    deceasedDateTime: p.deceasedDate,
    address: toFhirAddress(p.address, 'home'),
    generalPractitioner: p.gpPracticeOds ? [gpPractice(p.gpPracticeOds, p.gpPracticeName)] : undefined,
    managingOrganization: team ? reference('Organization', team.id, team.name) : undefined,
  });
}

/** The official name; none at all for a person imported without one (an empty family name says nothing). */
export function officialName(p: Pick<Person, 'familyName' | 'givenNames' | 'title'>): HumanName[] | undefined {
  const family = p.familyName.trim();
  const given = p.givenNames.map((g) => g.trim()).filter(Boolean);
  if (!family && given.length === 0) return undefined;
  return [
    withoutUndefined<HumanName>({
      use: 'official',
      family: family || undefined,
      given: given.length ? given : undefined,
      prefix: p.title ? [p.title] : undefined,
    }),
  ];
}

/**
 * The GP practice as a logical reference (its ODS code): the facade does not serve GP practices,
 * but every NHS system can look one up by its code.
 */
function gpPractice(ods: string, name: string | undefined): Reference<Organization> {
  return withoutUndefined<Reference<Organization>>({ type: 'Organization', identifier: { system: ODS_ORGANIZATION_SYSTEM, value: ods }, display: name });
}

/**
 * What the CLD return says of the person. A clinician needs the communication needs before talking
 * to them and whether someone cares for them unpaid before sending them home: every view sees
 * those. The primary support reason and accommodation status are the council's own classification,
 * for its staff only (minimum necessary: A&E has the address, and the care packages say what support
 * the person gets).
 */
function personExtensions(p: Person, view: View): Extension[] | undefined {
  const extensions: Extension[] = (p.communicationNeeds ?? []).map((need) => ({
    url: COMMUNICATION_NEED_EXTENSION,
    valueCodeableConcept: {
      coding: [{ system: COMMUNICATION_NEED_SYSTEM, code: need, display: COMMUNICATION_NEEDS[need] }],
      text: COMMUNICATION_NEEDS[need],
    },
  }));
  if (p.hasUnpaidCarer !== undefined) extensions.push({ url: HAS_UNPAID_CARER_EXTENSION, valueBoolean: p.hasUnpaidCarer });
  if (viewRules(view).councilFindings) {
    if (p.primarySupportReason) extensions.push({ url: PRIMARY_SUPPORT_REASON_EXTENSION, valueCodeableConcept: { text: p.primarySupportReason } });
    if (p.accommodationStatus) extensions.push({ url: ACCOMMODATION_STATUS_EXTENSION, valueCodeableConcept: { text: p.accommodationStatus } });
  }
  return extensions.length ? extensions : undefined;
}

/**
 * Patient.identifier: the NHS number (checked: a number failing its check digit is an error, not
 * a miss) or the council's social-care reference. Without a system, either.
 */
export function identifierCriterion(use: ParamUse): Criterion<'person'> {
  const groups: Criterion<'person'>[][] = [];
  for (const alt of alternatives(use.value)) {
    const t = parseToken(alt);
    if (t.system === NHS_NUMBER_SYSTEM) {
      groups.push([{ field: 'nhsNumber', match: 'any-of', values: [checkedNhsNumber(t.code, use)] }]);
    } else if (t.system === SOCIAL_CARE_REFERENCE_SYSTEM) {
      groups.push([{ field: 'id', match: 'any-of', values: [t.code] }]);
    } else if (t.system === undefined) {
      groups.push([{ field: 'nhsNumber', match: 'any-of', values: [normaliseNhsNumber(t.code)] }]);
      groups.push([{ field: 'id', match: 'any-of', values: [t.code] }]);
    }
  }
  return groups.length ? { match: 'any', groups } : { match: 'nothing' };
}

function checkedNhsNumber(raw: string, use: ParamUse): string {
  const problem = nhsNumberProblem(raw);
  if (problem) {
    throw badRequest(`${use.name}: ${raw} is not a valid NHS number: ${describeNhsNumberProblem(problem)}`, [use.name], 'INVALID_RESOURCE_ID');
  }
  return normaliseNhsNumber(raw);
}

export const patientDefinition: ResourceDefinition<'person'> = {
  type: 'Patient',
  profile: PROFILES.Patient,
  documentation:
    "A person known to the council's adult social care service. The front door, the whole A&E picture in one request: " +
    'Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|9990000018&_revinclude=CarePlan:subject&_revinclude=Flag:subject' +
    '&_revinclude=CareTeam:subject&_revinclude=RelatedPerson:patient&_include:iterate=CarePlan:performer' +
    '&_include:iterate=CareTeam:participant&_include:iterate=Flag:author (the person, packages and their providers, ' +
    'safeguarding flags and the team to call, the allocated worker and team, the carer). ' +
    'Health-view clients (hospitals, portals) must name the person: identifier, _id, or family with birthdate; ' +
    'a search naming nobody is refused with 403. The council\'s own clients may browse.',
  entity: 'person',
  searchParams: {
    _id: idParam(),
    identifier: {
      type: 'token',
      documentation:
        'NHS number (system https://fhir.nhs.uk/Id/nhs-number; a number failing its Modulus 11 check is refused with 400) ' +
        `or the council's social-care reference (system ${SOCIAL_CARE_REFERENCE_SYSTEM}).`,
      expression: 'Patient.identifier',
      definition: 'http://hl7.org/fhir/SearchParameter/Patient-identifier',
      toCriterion: identifierCriterion,
    },
    name: stringParam('name', 'Any part of the name', 'Patient.name', 'http://hl7.org/fhir/SearchParameter/Patient-name'),
    family: stringParam('family', 'Family name', 'Patient.name.family', 'http://hl7.org/fhir/SearchParameter/individual-family'),
    given: stringParam('given', 'Given name', 'Patient.name.given', 'http://hl7.org/fhir/SearchParameter/individual-given'),
    birthdate: {
      type: 'date',
      documentation: 'Date of birth, with prefixes eq, ne, lt, le, gt, ge, sa, eb (e.g. birthdate=1941, birthdate=lt1950).',
      expression: 'Patient.birthDate',
      definition: 'http://hl7.org/fhir/SearchParameter/individual-birthdate',
      toCriterion: (use) => dateCriterion('birthDate', use),
    },
    organization: {
      type: 'reference',
      documentation: 'The council team responsible for the person (Patient.managingOrganization).',
      targets: ['Organization'],
      expression: 'Patient.managingOrganization',
      definition: 'http://hl7.org/fhir/SearchParameter/Patient-organization',
      toCriterion: (use) => referenceCriterion('responsibleTeamId', 'Organization', use),
    },
    gender: {
      type: 'token',
      documentation: 'Administrative gender: male, female, other, unknown.',
      expression: 'Patient.gender',
      definition: 'http://hl7.org/fhir/SearchParameter/individual-gender',
      toCriterion: (use) => ({
        field: 'gender',
        match: 'any-of',
        values: alternatives(use.value).map((v) => parseToken(v).code),
      }),
    },
  },
  includes: {
    organization: {
      targets: ['Organization'],
      references: (r) => [(r as Patient).managingOrganization?.reference].filter((x): x is string => !!x),
    },
  },
  related: (p) => ({ organisations: [p.responsibleTeamId] }),
  toFhir: toPatient,
  // A restricted person's own record is withheld like every record about them.
  personField: 'id',
  patientCompartment: (patientId) => ({ _id: patientId }),
  // Written by the council's own systems (councilWrites.ts); never deleted: a person who died is recorded as deceased, one who must not be shared is restricted.
  councilRecord: {},
};
