import { FundingType, PackageStatus, ServiceType } from '../../domain/carePackage';
import { CldPackage } from '../importTypes';
import { CldColumn } from './cldColumns';
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
import { RowContext, RowProblem } from './cldRowProblem';

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
 * A Service event as a care package, or the reasons it cannot be one. The row's other checks
 * (dates, person) are the caller's.
 */
export function readPackage(get: (column: CldColumn) => string, ctx: RowContext, event: ServiceEvent): CldPackage | RowProblem[] {
  const problems: RowProblem[] = [];
  function coded<T>(column: CldColumn, list: { find(value: string): Coded<T> | undefined }): Coded<T> | undefined {
    const value = get(column);
    if (value === '') return undefined;
    const found = list.find(value);
    if (!found) problems.push({ column, value, reason: `"${value}" is not a value of ${ctx.columnName(column)} in either release of the return` });
    return found;
  }
  function amount(column: CldColumn): number | undefined {
    const value = get(column);
    if (value === '') return undefined;
    const parsed = parseAmount(value);
    if ('problem' in parsed) problems.push({ column, value, reason: `${ctx.columnName(column)}: ${parsed.problem}` });
    return 'ok' in parsed ? parsed.ok : undefined;
  }

  const serviceType = coded('serviceType', SERVICE_TYPE_VALUES);
  const component = coded('serviceComponent', SERVICE_COMPONENTS);
  if (get('serviceType') === '' && get('serviceComponent') === '') {
    problems.push({ column: 'serviceType', reason: `${ctx.columnName('serviceType')} and ${ctx.columnName('serviceComponent')} are blank: a service says what it is` });
  }
  const mechanism = coded('deliveryMechanism', DELIVERY_MECHANISMS);
  const fundingStatus = coded('clientFundingStatus', CLIENT_FUNDING_STATUSES);
  const frequency = coded('costFrequency', COST_FREQUENCIES);
  const unitCost = amount('unitCost');
  const units = amount('plannedUnits');

  let provider: CldPackage['provider'];
  const cqcWritten = get('providerId');
  const providerName = get('providerName');
  if (cqcWritten !== '') {
    const parsed = parseCqcLocationId(cqcWritten);
    if ('problem' in parsed) problems.push({ column: 'providerId', value: cqcWritten, reason: `${ctx.columnName('providerId')}: ${parsed.problem}` });
    else provider = { cqcLocationId: parsed.ok, ...(providerName ? { name: providerName } : {}) };
  } else if (providerName !== '') provider = { name: providerName };

  if (problems.length > 0) return problems;

  let status: PackageStatus;
  let endDate = event.endDate;
  let statusReason: string | undefined;
  const effect = event.outcome?.meaning;
  if (effect === 'deceased') {
    status = 'ended';
    endDate ??= event.deceasedDate;
    statusReason = 'Died';
  } else if (endDate !== undefined && endDate < ctx.today) {
    status = 'ended';
    if (event.outcome) statusReason = inWords(event.outcome.wording);
  } else if (event.startDate > ctx.today) {
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
  if (get('serviceType')) cld.serviceType = get('serviceType');
  if (get('serviceComponent')) cld.serviceComponent = get('serviceComponent');
  if (get('deliveryMechanism')) cld.deliveryMechanism = get('deliveryMechanism');

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
