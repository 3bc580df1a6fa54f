import { DataSource } from './person';

/** A package of care and support the council has arranged, or knows about, for a person. */

export const SERVICE_TYPES = {
  'home-care': 'Home care (domiciliary care)',
  reablement: 'Reablement',
  'day-care': 'Day care',
  'residential-care': 'Residential care',
  'nursing-care': 'Nursing care',
  'respite-care': 'Respite care',
  'supported-living': 'Supported living',
  'extra-care-housing': 'Extra care housing',
  'meals-service': 'Meals service',
  telecare: 'Telecare / community alarm',
  'shared-lives': 'Shared Lives',
  equipment: 'Equipment and adaptations',
  'carer-support': 'Support for an unpaid carer',
  'other-support': 'Other support',
} as const;
export type ServiceType = keyof typeof SERVICE_TYPES;

export const PACKAGE_STATUSES = ['planned', 'active', 'suspended', 'ended'] as const;
export type PackageStatus = (typeof PACKAGE_STATUSES)[number];

/**
 * Who pays. Self-funders and people on direct payments arrange their own care: the council may
 * know a package exists but not its details, which health staff need to be told plainly.
 */
export const FUNDING_TYPES = {
  council: 'Arranged and funded by the council',
  'direct-payment': 'Direct payment: arranged by the person, not known in detail to the council',
  'self-funded': 'Self-funded: arranged privately, not known in detail to the council',
  'nhs-continuing-healthcare': 'NHS Continuing Healthcare',
  'joint-funded': 'Jointly funded by the council and the NHS',
  'managed-budget': 'Council-managed personal budget: arranged by the council with the person',
} as const;
export type FundingType = keyof typeof FUNDING_TYPES;

/** Details social-care staff need and health staff do not: shown only in the social-care view. */
export interface PackageDetails {
  hoursPerWeek?: number;
  visitsPerDay?: number;
  tasks?: string[];
  weeklyCostPence?: number;
  notes?: string;
}

export interface CarePackage {
  id: string;
  personId: string;
  serviceType: ServiceType;
  status: PackageStatus;
  startDate?: string;
  endDate?: string;
  /** Why a package is suspended (e.g. in hospital) or ended. */
  statusReason?: string;
  funding: FundingType;
  /** The care provider delivering it; absent when the council does not know the provider. */
  providerId?: string;
  details?: PackageDetails;
  /**
   * The package as the CLD return names it (Service Type, Service Component, Delivery Mechanism),
   * in the return's own wording: kept beside serviceType, which is ours and coarser.
   */
  cld?: { serviceType?: string; serviceComponent?: string; deliveryMechanism?: string };
  /** Where the record came from, when an import brought it in. */
  source?: DataSource;
  /** The import that ended the package because its CLD return no longer held it. */
  endedBy?: string;
}

export function isCurrent(pkg: CarePackage): boolean {
  return pkg.status === 'active' || pkg.status === 'suspended';
}
