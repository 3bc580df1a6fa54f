import { Identifier, Organization } from '@medplum/fhirtypes';
import { Organisation, OrganisationKind } from '../../domain/organisation';
import { Criterion } from '../../store/criteria';
import { withoutUndefined } from '../../domain/objects';
import { Stored } from '../../store/store';
import { ResourceDefinition } from '../definition';
import { CQC_LOCATION_SYSTEM, ODS_ORGANIZATION_SYSTEM, ORGANIZATION_TYPE_SYSTEM, PROFILES } from '../systems';
import { alternatives, parseToken, referenceCriterion } from '../searchValues';
import { idParam, stringParam, outsidePatientCompartment, meta, officeTelecom, outOfHoursTelecom, reference, toFhirAddress } from './common';

const TYPE: Record<OrganisationKind, { code: string; display: string }> = {
  provider: { code: 'prov', display: 'Healthcare Provider' },
  council: { code: 'govt', display: 'Government' },
  // Not 'dept' ("Hospital Department"): a council social-care team is an organizational team.
  team: { code: 'team', display: 'Organizational team' },
};

/**
 * Care providers, the council and its teams. Office numbers are in telecom; the number to ring
 * out of hours is a contact labelled "Out of hours", so a clinician can tell them apart.
 */
export function toOrganization(stored: Stored<Organisation>): Organization {
  const o = stored.record;
  const identifier: Identifier[] = [];
  if (o.odsCode) identifier.push({ system: ODS_ORGANIZATION_SYSTEM, value: o.odsCode });
  if (o.cqcLocationId) identifier.push({ system: CQC_LOCATION_SYSTEM, value: o.cqcLocationId });
  const outOfHours = outOfHoursTelecom(o.telecom);
  return withoutUndefined<Organization>({
    resourceType: 'Organization',
    id: o.id,
    meta: meta(stored, PROFILES.Organization),
    identifier: identifier.length ? identifier : undefined,
    active: true,
    type: [{ coding: [{ system: ORGANIZATION_TYPE_SYSTEM, ...TYPE[o.kind] }], text: kindText(o.kind) }],
    name: o.name,
    telecom: officeTelecom(o.telecom),
    address: toFhirAddress(o.address, 'work'),
    partOf: o.partOfId ? reference('Organization', o.partOfId) : undefined,
    contact: outOfHours.length ? [{ purpose: { text: 'Out of hours' }, telecom: outOfHours }] : undefined,
  });
}

function kindText(kind: OrganisationKind): string {
  return kind === 'provider' ? 'Care provider' : kind === 'council' ? 'Local authority' : 'Council social care team';
}

function identifierCriterion(value: string): Criterion<'organisation'> {
  const groups: Criterion<'organisation'>[][] = [];
  for (const alt of alternatives(value)) {
    const t = parseToken(alt);
    if (t.system === ODS_ORGANIZATION_SYSTEM || t.system === undefined) {
      groups.push([{ field: 'odsCode', match: 'any-of', values: [t.code] }]);
    }
    if (t.system === CQC_LOCATION_SYSTEM || t.system === undefined) {
      groups.push([{ field: 'cqcLocationId', match: 'any-of', values: [t.code] }]);
    }
  }
  return groups.length ? { match: 'any', groups } : { match: 'nothing' };
}

export const organizationDefinition: ResourceDefinition<'organisation'> = {
  type: 'Organization',
  profile: PROFILES.Organization,
  documentation:
    'A care provider (with its office and out-of-hours numbers), the council, or one of its social-care teams.',
  entity: 'organisation',
  searchParams: {
    _id: idParam(),
    identifier: {
      type: 'token',
      documentation: `ODS code (${ODS_ORGANIZATION_SYSTEM}) or CQC location id (${CQC_LOCATION_SYSTEM}).`,
      expression: 'Organization.identifier',
      definition: 'http://hl7.org/fhir/SearchParameter/Organization-identifier',
      toCriterion: (use) => identifierCriterion(use.value),
    },
    name: stringParam('name', 'Name', 'Organization.name', 'http://hl7.org/fhir/SearchParameter/Organization-name'),
    partof: {
      type: 'reference',
      documentation: 'The organisation this one is part of (a team\'s council).',
      targets: ['Organization'],
      expression: 'Organization.partOf',
      definition: 'http://hl7.org/fhir/SearchParameter/Organization-partof',
      toCriterion: (use) => referenceCriterion('partOfId', 'Organization', use),
    },
  },
  includes: {
    partof: {
      targets: ['Organization'],
      references: (r) => [(r as Organization).partOf?.reference].filter((x): x is string => !!x),
    },
  },
  related: () => ({}),
  toFhir: (stored) => toOrganization(stored),
  patientCompartment: outsidePatientCompartment,
  // Written by the council's own systems (councilWrites.ts).
  councilRecord: {
    deletion: {
      effect: 'remove',
      documentation: 'Removed, its versions kept in the history; refused (409) while a package, person, worker, concern or team still refers to it.',
    },
  },
};
