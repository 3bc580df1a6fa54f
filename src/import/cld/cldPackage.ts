import { FundingType, PackageStatus, ServiceType } from '../../domain/carePackage';
import { CldPackage } from '../importTypes';
import {
  CLIENT_FUNDING_STATUSES,
  COST_FREQUENCIES,
  DELIVERY_MECHANISMS,
  OutcomeEffect,
  SERVICE_COMPONENTS,
  SERVICE_TYPE_VALUES,
  ServiceTypeGroup,
} from './cldCodes';
import { parseAmount, parseCqcLocationId } from './cldFieldValues';
import { Coded } from './codeList';
import { RowCells } from './rowCells';

export interface ServiceEvent {
  id: string;
  personId: string;
  startDate: string;
  endDate?: string;
  outcome?: Coded<OutcomeEffect>;
  deceasedDate?: string;
}

/**
 * Our service type: ST-Max is reablement whatever its component; otherwise the component names it
 * when it can (Home support, Shared Lives, ...), and the Service Type when it cannot (a Direct
 * payment in a nursing home is nursing care).
 */
export function serviceTypeFor(group: ServiceTypeGroup | undefined, component: ServiceType | undefined): ServiceType {
  if (group === 'st-max') return 'reablement';
  if (component) return component;
  if (group === 'nursing') return 'nursing-care';
  if (group === 'residential') return 'residential-care';
  if (group === 'carer') return 'carer-support';
  return 'other-support';
}

/** Who pays: a self-funded, NHS or joint funding status says so; otherwise the Delivery Mechanism does (council when blank). */
export function fundingFor(mechanism: FundingType | undefined, status: FundingType | undefined): FundingType {
  return status ?? mechanism ?? 'council';
}

/** An outcome in words for a package's statusReason: "NFA: Support ended as planned" is "Support ended as planned". */
function inWords(wording: string): string {
  const words = wording.replace(/^NFA: /, '');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * A Service event as a care package, or undefined when its cells are refused (the reasons are in
 * the row's problems). The row's other checks (dates, person) are the caller's.
 */
export function readPackage(cells: RowCells, event: ServiceEvent): CldPackage | undefined {
  const before = cells.problems.length;
  const serviceType = cells.coded('serviceType', SERVICE_TYPE_VALUES);
  const component = cells.coded('serviceComponent', SERVICE_COMPONENTS);
  if (cells.get('serviceType') === '' && cells.get('serviceComponent') === '') {
    cells.refuse({ column: 'serviceType', reason: `${cells.name('serviceType')} and ${cells.name('serviceComponent')} are blank: a service says what it is` });
  }
  const mechanism = cells.coded('deliveryMechanism', DELIVERY_MECHANISMS);
  const fundingStatus = cells.coded('clientFundingStatus', CLIENT_FUNDING_STATUSES);
  const frequency = cells.coded('costFrequency', COST_FREQUENCIES);
  const unitCost = cells.parsed('unitCost', parseAmount);
  const units = cells.parsed('plannedUnits', parseAmount);

  let provider: CldPackage['provider'];
  const providerName = cells.get('providerName');
  const cqcLocationId = cells.parsed('providerId', parseCqcLocationId);
  if (cqcLocationId !== undefined) provider = { cqcLocationId, ...(providerName ? { name: providerName } : {}) };
  else if (providerName !== '') provider = { name: providerName };

  if (cells.problems.length > before) return undefined;

  let status: PackageStatus;
  let endDate = event.endDate;
  let statusReason: string | undefined;
  const effect = event.outcome?.meaning;
  if (effect === 'deceased') {
    status = 'ended';
    endDate ??= event.deceasedDate;
    statusReason = 'Died';
  } else if (endDate !== undefined && endDate < cells.ctx.today) {
    status = 'ended';
    if (event.outcome) statusReason = inWords(event.outcome.wording);
  } else if (event.startDate > cells.ctx.today) {
    status = 'planned';
  } else if (effect === 'hospital') {
    status = 'suspended';
    statusReason = 'Admitted to hospital';
  } else {
    status = 'active';
  }

  const details: NonNullable<CldPackage['details']> = {};
  if (frequency?.meaning === 'hourly' && units !== undefined) details.hoursPerWeek = units;
  if (unitCost !== undefined && units !== undefined && frequency?.meaning !== 'one-off') {
    details.weeklyCostPence = Math.round(unitCost * units * 100);
  }

  const cld: NonNullable<CldPackage['cld']> = {};
  if (cells.get('serviceType')) cld.serviceType = cells.get('serviceType');
  if (cells.get('serviceComponent')) cld.serviceComponent = cells.get('serviceComponent');
  if (cells.get('deliveryMechanism')) cld.deliveryMechanism = cells.get('deliveryMechanism');

  const pkg: CldPackage = {
    id: event.id,
    personId: event.personId,
    serviceType: serviceTypeFor(serviceType?.meaning, component?.meaning),
    status,
    startDate: event.startDate,
    funding: fundingFor(mechanism?.meaning, fundingStatus?.meaning),
    cld,
    source: 'cld',
  };
  if (endDate !== undefined) pkg.endDate = endDate;
  if (statusReason !== undefined) pkg.statusReason = statusReason;
  if (provider) pkg.provider = provider;
  if (Object.keys(details).length > 0) pkg.details = details;
  return pkg;
}
