import { ContactPoint, PostalAddress } from './person';

/**
 * An organisation the facade knows about:
 * - a care provider (home care agency, care home, day centre), registered with the CQC;
 * - the council itself, whose duty / out-of-hours number is the number of last resort;
 * - one of the council's social-care teams (part of the council).
 */
export type OrganisationKind = 'provider' | 'council' | 'team';

export interface Organisation {
  id: string;
  kind: OrganisationKind;
  name: string;
  /** ODS code, where the organisation has one. */
  odsCode?: string;
  /** Care Quality Commission location id, for registered providers. */
  cqcLocationId?: string;
  /** Office phone, e-mail, and (use 'out-of-hours') the number to ring outside office hours. */
  telecom: ContactPoint[];
  address?: PostalAddress;
  /** For teams: the council they belong to. */
  partOfId?: string;
}

export function outOfHoursNumber(org: Organisation): string | undefined {
  return org.telecom.find((t) => t.system === 'phone' && t.use === 'out-of-hours')?.value;
}
