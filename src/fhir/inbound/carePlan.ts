import { CarePlan, Extension } from '@medplum/fhirtypes';
import { CarePackage, FUNDING_TYPES, FundingType, PackageStatus, SERVICE_TYPES, ServiceType } from '../../domain/carePackage';
import { withoutUndefined } from '../../domain/objects';
import { badRequest } from '../outcome';
import { CARE_PACKAGE_ID_SYSTEM, CLD_SERVICE_EXTENSION, FUNDING_EXTENSION, FUNDING_SYSTEM, SERVICE_TYPE_SYSTEM } from '../systems';
import {
  checkOwnIdentifier,
  checkResource,
  codeIn,
  extensionOf,
  ownIdentifier,
  period,
  referencedId,
  requiredCodeIn,
  requiredReferencedId,
  text,
} from './elements';
import { InboundMapping } from './inbound';

/** CarePlan.status -> the package's status: the inverse of toCarePlan's, with revoked also ending a package. */
const STATUS: Partial<Record<NonNullable<CarePlan['status']>, PackageStatus>> = {
  draft: 'planned',
  active: 'active',
  'on-hold': 'suspended',
  completed: 'ended',
  revoked: 'ended',
};

const CLD_PARTS = ['serviceType', 'serviceComponent', 'deliveryMechanism'] as const;

/**
 * CarePlan -> CarePackage: the inverse of toCarePlan. The package's details (hours, visits, tasks,
 * cost, notes) reach FHIR only as prose, and endedBy is the import's own bookkeeping: both are
 * kept from the package held.
 */
export const carePlanInbound: InboundMapping<'carePackage'> = {
  entity: 'carePackage',
  idFromResource: (resource) => ownIdentifier((resource as CarePlan).identifier, CARE_PACKAGE_ID_SYSTEM, 'CarePlan.identifier'),
  toRecord(resource, id, current) {
    checkResource(resource, 'CarePlan', id);
    const plan = resource as CarePlan;
    checkOwnIdentifier(plan.identifier, CARE_PACKAGE_ID_SYSTEM, id, 'CarePlan.identifier');
    const status = packageStatus(plan.status);
    const { start, end } = period(plan.period, 'CarePlan.period');
    const detail = onlyActivity(plan)?.detail;
    if ((detail?.performer?.length ?? 0) > 1) {
      throw badRequest('CarePlan.activity.detail.performer: a package has one provider; send one Organization', ['CarePlan.activity.detail.performer']);
    }
    return withoutUndefined<CarePackage>({
      id,
      personId: requiredReferencedId(plan.subject, ['Patient'], 'CarePlan.subject', 'the person the package is for, Patient/<id>'),
      serviceType: requiredCodeIn(plan.category, SERVICE_TYPE_SYSTEM, Object.keys(SERVICE_TYPES) as ServiceType[], 'CarePlan.category'),
      status,
      startDate: start,
      endDate: end,
      statusReason: text(detail?.statusReason?.text),
      funding: funding(plan, current),
      providerId: referencedId(detail?.performer?.[0], ['Organization'], 'CarePlan.activity.detail.performer'),
      details: current?.details,
      cld: cldService(extensionOf(plan.extension, CLD_SERVICE_EXTENSION, 'CarePlan.extension')),
      source: 'fhir',
      // The import that ended the package, while it stays ended: a package reopened is no longer its doing.
      endedBy: status === 'ended' ? current?.endedBy : undefined,
    });
  },
  references: (pkg) => [
    { kind: 'person', id: pkg.personId, expression: 'CarePlan.subject' },
    ...(pkg.providerId
      ? [{ kind: 'organisation' as const, id: pkg.providerId, expression: 'CarePlan.activity.detail.performer', organisationKinds: ['provider' as const] }]
      : []),
  ],
};

function packageStatus(status: CarePlan['status']): PackageStatus {
  const mapped = status && STATUS[status];
  if (mapped) return mapped;
  const advice =
    status === 'entered-in-error'
      ? 'a package entered in error is removed with DELETE CarePlan/<id>'
      : 'send draft (planned), active, on-hold (suspended), completed or revoked (ended)';
  throw badRequest(`CarePlan.status ${status ?? 'missing'}: ${advice}`, ['CarePlan.status']);
}

/** toCarePlan writes one activity (the service); more would be lost. */
function onlyActivity(plan: CarePlan) {
  if ((plan.activity?.length ?? 0) > 1) {
    throw badRequest('CarePlan.activity: a package is one service; send one activity (its detail names the provider)', ['CarePlan.activity']);
  }
  return plan.activity?.[0];
}

/** Who pays: required on create; on update a CarePlan without it keeps the funding held. */
function funding(plan: CarePlan, current: CarePackage | undefined): FundingType {
  const codes = Object.keys(FUNDING_TYPES) as FundingType[];
  const extension = extensionOf(plan.extension, FUNDING_EXTENSION, 'CarePlan.extension');
  const code = codeIn(extension?.valueCodeableConcept, FUNDING_SYSTEM, codes, 'CarePlan.extension');
  if (code) return code;
  if (current) return current.funding;
  throw badRequest(`CarePlan.extension: a new package says who pays: ${FUNDING_EXTENSION} with a coding in ${FUNDING_SYSTEM}, one of ${codes.join(', ')}`, [
    'CarePlan.extension',
  ]);
}

function cldService(extension: Extension | undefined): CarePackage['cld'] {
  if (!extension) return undefined;
  const cld = withoutUndefined(Object.fromEntries(CLD_PARTS.map((part) => [part, text(extensionOf(extension.extension, part, 'CarePlan.extension')?.valueString)])));
  return Object.keys(cld).length ? cld : undefined;
}
