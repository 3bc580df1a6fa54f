import { Identifier, RelatedPerson } from '@medplum/fhirtypes';
import { CareRelationship } from '../../domain/carer';
import { Person } from '../../domain/person';
import { withoutUndefined } from '../../domain/objects';
import { viewRules } from '../../access/views';
import { Stored } from '../../store/store';
import { MappingContext } from '../context';
import { ResourceDefinition } from '../definition';
import { mappedToken } from '../searchValues';
import {
  NHS_NUMBER_SYSTEM,
  PROFILES,
  SECURITY_OBSERVATION_SYSTEM,
  SOCIAL_CARE_REFERENCE_SYSTEM,
  UKCORE_PERSON_RELATIONSHIP_SYSTEM,
} from '../systems';
import { byPatientParam, idParam, meta, officeTelecom, reference, toFhirAddress } from './common';
import { officialName } from './patient';
import { personReferenceParam } from './personReference';

const CARER = { system: UKCORE_PERSON_RELATIONSHIP_SYSTEM, code: 'Carer', display: 'Carer of patient' };
const REDACTED = { system: SECURITY_OBSERVATION_SYSTEM, code: 'REDACTED', display: 'redacted' };

/**
 * An unpaid carer, as a RelatedPerson of the person they care for: who they are and how to reach
 * them, for the team that plans a discharge. The carer is a person of the council's too; when their
 * own record is restricted, the relationship is still shown (it is about the cared-for person) but
 * nothing that identifies or reaches the carer, and the resource is labelled as redacted.
 */
export function toRelatedPerson(stored: Stored<CareRelationship>, ctx: MappingContext): RelatedPerson {
  const rel = stored.record;
  const carer = ctx.person(rel.carerId);
  const withheld = !carer || (carer.restricted && !viewRules(ctx.view).restrictedRecords);
  const resourceMeta = meta(stored, PROFILES.RelatedPerson);
  if (withheld) resourceMeta.security = [REDACTED];
  return withoutUndefined<RelatedPerson>({
    resourceType: 'RelatedPerson',
    id: rel.id,
    meta: resourceMeta,
    identifier: withheld ? undefined : carerIdentifiers(carer),
    active: rel.status === 'active',
    patient: reference('Patient', rel.caredForId),
    relationship: [
      {
        coding: [CARER],
        text: withheld
          ? "Unpaid carer. Their details are not shared: ring the council's adult social care about them."
          : rel.relationship?.trim()
            ? `Unpaid carer (${rel.relationship.trim()})`
            : 'Unpaid carer',
      },
    ],
    name: withheld ? undefined : officialName(carer),
    telecom: withheld || !carer.telecom.length ? undefined : officeTelecom(carer.telecom),
    address: withheld ? undefined : toFhirAddress(carer.address, 'home'),
    period: rel.startDate || rel.endDate ? withoutUndefined({ start: rel.startDate, end: rel.endDate }) : undefined,
  });
}

function carerIdentifiers(carer: Person): Identifier[] {
  return [
    ...(carer.nhsNumber ? [{ system: NHS_NUMBER_SYSTEM, value: carer.nhsNumber }] : []),
    { system: SOCIAL_CARE_REFERENCE_SYSTEM, value: carer.id },
  ];
}

export const relatedPersonDefinition: ResourceDefinition<'careRelationship'> = {
  type: 'RelatedPerson',
  profile: PROFILES.RelatedPerson,
  documentation:
    'An unpaid carer of the person (from the council\'s CLD return): who they are, how to reach them, and since when they care. ' +
    'Find a person\'s carers with RelatedPerson?patient.identifier=https://fhir.nhs.uk/Id/nhs-number|... or ' +
    'Patient?identifier=...&_revinclude=RelatedPerson:patient.',
  entity: 'careRelationship',
  searchParams: {
    _id: idParam(),
    patient: personReferenceParam(
      'caredForId',
      'The person cared for: Patient/id, :identifier with an NHS number, or chained (patient.identifier=...).',
      'RelatedPerson.patient',
      'http://hl7.org/fhir/SearchParameter/RelatedPerson-patient',
    ),
    active: {
      type: 'token',
      documentation: 'true (the carer still cares for the person) or false (the caring has ended).',
      expression: 'RelatedPerson.active',
      definition: 'http://hl7.org/fhir/SearchParameter/RelatedPerson-active',
      toCriterion: (use) => mappedToken('status', undefined, { true: ['active'], false: ['ended'] }, use),
    },
  },
  includes: {
    patient: { targets: ['Patient'], references: (r) => [(r as RelatedPerson).patient.reference!] },
  },
  related: (rel) => ({ people: [rel.carerId] }),
  toFhir: toRelatedPerson,
  // Withheld with the cared-for person: the carer's own restriction is applied in the mapping.
  personField: 'caredForId',
  patientCompartment: byPatientParam,
  // Written by the council's own systems (councilWrites.ts).
  councilRecord: {
    deletion: {
      effect: 'remove',
      documentation: 'For a caring relationship recorded in error: it is removed, its versions kept in the history. Caring that has ended is updated to active false.',
    },
  },
};
