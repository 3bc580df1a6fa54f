import { Organization, OrganizationContact } from '@medplum/fhirtypes';
import { withoutUndefined } from '../../domain/objects';
import { Organisation, OrganisationKind } from '../../domain/organisation';
import { ContactPoint } from '../../domain/person';
import { badRequest } from '../outcome';
import { CQC_LOCATION_SYSTEM, ODS_ORGANIZATION_SYSTEM, ORGANIZATION_TYPE_SYSTEM } from '../systems';
import { checkResource, contactPoints, identifierValue, postalAddress, refuseInactive, required, requiredCodeIn, referencedId, text } from './elements';
import { InboundMapping } from './inbound';

/** The organization-type codes toOrganization writes, back to the kinds of organisation the facade holds. */
const KIND_BY_TYPE: Record<string, OrganisationKind> = { prov: 'provider', govt: 'council', team: 'team' };

/** The label toOrganization gives the contact holding the out-of-hours numbers. */
const OUT_OF_HOURS = 'out of hours';

/** Organization -> Organisation: the inverse of toOrganization. */
export const organizationInbound: InboundMapping<'organisation'> = {
  entity: 'organisation',
  toRecord(resource, id, current) {
    checkResource(resource, 'Organization', id);
    const org = resource as Organization;
    refuseInactive(org.active, 'Organization');
    const type = requiredCodeIn(org.type, ORGANIZATION_TYPE_SYSTEM, Object.keys(KIND_BY_TYPE), 'Organization.type');
    return withoutUndefined<Organisation>({
      id,
      kind: KIND_BY_TYPE[type],
      name: required(text(org.name), 'Organization.name', 'the name staff and clinicians know it by'),
      odsCode: identifierValue(org.identifier, ODS_ORGANIZATION_SYSTEM, 'Organization.identifier'),
      cqcLocationId: identifierValue(org.identifier, CQC_LOCATION_SYSTEM, 'Organization.identifier'),
      telecom: inHeldOrder([...contactPoints(org.telecom, 'Organization.telecom'), ...outOfHours(org.contact)], current?.telecom),
      address: postalAddress(org.address, 'work'),
      partOfId: referencedId(org.partOf, ['Organization'], 'Organization.partOf'),
    });
  },
  references: (org) => (org.partOfId ? [{ kind: 'organisation', id: org.partOfId, expression: 'Organization.partOf' }] : []),
};

/**
 * The numbers in the order the record held them, when they are the same numbers: toOrganization
 * puts out-of-hours numbers in a contact of their own, so an organisation written back as served
 * would otherwise come back reordered, a change that changed nothing.
 */
function inHeldOrder(points: ContactPoint[], held: ContactPoint[] | undefined): ContactPoint[] {
  if (!held || held.length !== points.length) return points;
  const key = (p: ContactPoint) => JSON.stringify([p.system, p.value, p.use ?? null]);
  const sorted = (list: ContactPoint[]) => list.map(key).sort().join('\n');
  return sorted(held) === sorted(points) ? held : points;
}

/** The numbers of the contact labelled "Out of hours": the only contact the facade keeps. */
function outOfHours(contacts: OrganizationContact[] | undefined): ContactPoint[] {
  return (contacts ?? []).flatMap((contact, i) => {
    const expression = `Organization.contact[${i}]`;
    if (contact.purpose?.text?.trim().toLowerCase() !== OUT_OF_HOURS) {
      throw badRequest(
        `${expression}: the facade keeps only the out-of-hours contact; label it purpose.text "Out of hours", or put office numbers in Organization.telecom`,
        [`${expression}.purpose`],
      );
    }
    return contactPoints(contact.telecom, `${expression}.telecom`).map((p) => ({ ...p, use: 'out-of-hours' as const }));
  });
}
