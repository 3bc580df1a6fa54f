import { CarePlan, CarePlanActivityDetail, Extension } from '@medplum/fhirtypes';
import { CarePackage, FUNDING_TYPES, PackageStatus, SERVICE_TYPES } from '../../domain/carePackage';
import { fullName } from '../../domain/person';
import { withoutUndefined } from '../../domain/objects';
import { Stored } from '../../store/store';
import { MappingContext } from '../context';
import { viewRules } from '../../access/views';
import { ResourceDefinition } from '../definition';
import { CLD_SERVICE_EXTENSION, FUNDING_EXTENSION, FUNDING_SYSTEM, CARE_PACKAGE_ID_SYSTEM, PROFILES, SERVICE_TYPE_SYSTEM } from '../systems';
import { codedToken, dateCriterion, mappedToken, referenceCriterion } from '../searchValues';
import { byPatientParam, idParam, meta, ownIdentifierParam, reference } from './common';
import { personReferenceParam } from './personReference';
import { hasCareTeam } from './careTeam';

/**
 * A care package as a CarePlan. Status: planned -> draft, active -> active, suspended -> on-hold
 * (e.g. while the person is in hospital), ended -> completed.
 */
const STATUS: Record<PackageStatus, CarePlan['status']> = {
  planned: 'draft',
  active: 'active',
  suspended: 'on-hold',
  ended: 'completed',
};
const ACTIVITY_STATUS: Record<PackageStatus, CarePlanActivityDetail['status']> = {
  planned: 'scheduled',
  active: 'in-progress',
  suspended: 'on-hold',
  ended: 'completed',
};

const STATUS_SEARCH: Record<string, string[]> = Object.fromEntries(
  Object.entries(STATUS).map(([domain, fhir]) => [fhir, [domain]]),
);

export function toCarePlan(stored: Stored<CarePackage>, ctx: MappingContext): CarePlan {
  const pkg = stored.record;
  const service = { system: SERVICE_TYPE_SYSTEM, code: pkg.serviceType, display: SERVICE_TYPES[pkg.serviceType] };
  const provider = ctx.organisation(pkg.providerId);
  const funding = { system: FUNDING_SYSTEM, code: pkg.funding, display: FUNDING_TYPES[pkg.funding] };
  const knownToCouncil = pkg.funding !== 'self-funded' && pkg.funding !== 'direct-payment';
  const detail = withoutUndefined<CarePlanActivityDetail>({
    kind: undefined,
    code: { coding: [service], text: service.display },
    status: ACTIVITY_STATUS[pkg.status],
    statusReason: pkg.statusReason ? { text: pkg.statusReason } : undefined,
    performer: provider ? [reference('Organization', provider.id, provider.name)] : undefined,
    description: viewRules(ctx.view).packageDetails ? describeDetails(pkg) : undefined,
  });
  return withoutUndefined<CarePlan>({
    resourceType: 'CarePlan',
    id: pkg.id,
    meta: meta(stored, PROFILES.CarePlan),
    extension: [
      { url: FUNDING_EXTENSION, valueCodeableConcept: { coding: [funding], text: funding.display } },
      ...cldService(pkg),
    ],
    identifier: [{ system: CARE_PACKAGE_ID_SYSTEM, value: pkg.id }],
    status: STATUS[pkg.status],
    intent: 'plan',
    category: [{ coding: [service], text: service.display }],
    title: service.display,
    description: knownToCouncil
      ? `${service.display}${provider ? ` provided by ${provider.name}` : ''}`
      : `${service.display}. ${funding.display}.`,
    subject: reference('Patient', pkg.personId),
    period: pkg.startDate || pkg.endDate ? withoutUndefined({ start: pkg.startDate, end: pkg.endDate }) : undefined,
    careTeam: hasCareTeam(ctx.person(pkg.personId)) ? [reference('CareTeam', pkg.personId)] : undefined,
    author: authorOf(pkg, ctx),
    activity: [{ detail }],
  });
}

/**
 * The package as the council's CLD return words it, beside our coarser service type: what the
 * council's own staff and a shared-care-record portal recognise ("Community: Direct Payment").
 */
const CLD_PARTS = ['serviceType', 'serviceComponent', 'deliveryMechanism'] as const;

function cldService(pkg: CarePackage): Extension[] {
  const cld = pkg.cld ?? {};
  const parts = CLD_PARTS.flatMap((part) => (cld[part]?.trim() ? [{ url: part, valueString: cld[part]!.trim() }] : []));
  return parts.length ? [{ url: CLD_SERVICE_EXTENSION, extension: parts }] : [];
}

/** The person's allocated worker is the package's author; without one, the responsible team. */
function authorOf(pkg: CarePackage, ctx: MappingContext) {
  const person = ctx.person(pkg.personId);
  const worker = ctx.worker(person?.allocatedWorkerId);
  if (worker) return reference('PractitionerRole', worker.id, `${fullName(worker)} (${worker.role})`);
  const team = ctx.organisation(person?.responsibleTeamId);
  return team ? reference('Organization', team.id, team.name) : undefined;
}

function describeDetails(pkg: CarePackage): string | undefined {
  const d = pkg.details;
  if (!d) return undefined;
  const parts: string[] = [];
  if (d.hoursPerWeek !== undefined) parts.push(`${d.hoursPerWeek} hours a week`);
  if (d.visitsPerDay !== undefined) parts.push(`${d.visitsPerDay} visits a day`);
  if (d.tasks?.length) parts.push(`tasks: ${d.tasks.join('; ')}`);
  if (d.weeklyCostPence !== undefined) parts.push(`weekly cost £${(d.weeklyCostPence / 100).toFixed(2)}`);
  if (d.notes) parts.push(d.notes);
  return parts.length ? parts.join('. ') : undefined;
}

export const carePlanDefinition: ResourceDefinition<'carePackage'> = {
  type: 'CarePlan',
  profile: PROFILES.CarePlan,
  documentation:
    'A package of care and support (home care, reablement, day care, residential or nursing care, ...): its type, ' +
    'status, dates, funding and the care provider delivering it (activity.detail.performer).',
  entity: 'carePackage',
  searchParams: {
    _id: idParam(),
    identifier: ownIdentifierParam(CARE_PACKAGE_ID_SYSTEM, "The package's id in the council's system", 'CarePlan.identifier', 'http://hl7.org/fhir/SearchParameter/CarePlan-identifier'),
    patient: personReferenceParam(
      'personId',
      'The person the package is for: Patient/id, :identifier with an NHS number, or chained (patient.identifier=...).',
      'CarePlan.subject.where(resolve() is Patient)',
      'http://hl7.org/fhir/SearchParameter/clinical-patient',
    ),
    subject: personReferenceParam(
      'personId',
      'Same as patient.',
      'CarePlan.subject',
      'http://hl7.org/fhir/SearchParameter/CarePlan-subject',
    ),
    status: {
      type: 'token',
      documentation: 'draft (planned), active, on-hold (suspended), completed (ended). :not supported.',
      modifiers: ['not'],
      expression: 'CarePlan.status',
      definition: 'http://hl7.org/fhir/SearchParameter/CarePlan-status',
      toCriterion: (use) => mappedToken('status', 'http://hl7.org/fhir/request-status', STATUS_SEARCH, use),
    },
    category: {
      type: 'token',
      documentation: `Service type, from ${SERVICE_TYPE_SYSTEM} (home-care, reablement, day-care, ...). :not supported.`,
      modifiers: ['not'],
      expression: 'CarePlan.category',
      definition: 'http://hl7.org/fhir/SearchParameter/CarePlan-category',
      toCriterion: (use) => codedToken('serviceType', SERVICE_TYPE_SYSTEM, Object.keys(SERVICE_TYPES), use),
    },
    date: {
      type: 'date',
      documentation: 'The package period, with prefixes (date=ge2026-01-01 finds packages running on or after that day).',
      expression: 'CarePlan.period',
      definition: 'http://hl7.org/fhir/SearchParameter/clinical-date',
      toCriterion: (use) => dateCriterion('period', use),
    },
    'care-team': {
      type: 'reference',
      documentation: "The person's social-care team (CareTeam ids are the person's id).",
      targets: ['CareTeam'],
      expression: 'CarePlan.careTeam',
      definition: 'http://hl7.org/fhir/SearchParameter/CarePlan-care-team',
      toCriterion: (use) => referenceCriterion('personId', 'CareTeam', use),
    },
    performer: {
      type: 'reference',
      documentation: 'The care provider delivering the package.',
      targets: ['Organization'],
      expression: 'CarePlan.activity.detail.performer',
      definition: 'http://hl7.org/fhir/SearchParameter/CarePlan-performer',
      toCriterion: (use) => referenceCriterion('providerId', 'Organization', use),
    },
  },
  includes: {
    performer: {
      targets: ['Organization'],
      references: (r) => ((r as CarePlan).activity ?? []).flatMap((a) => a.detail?.performer ?? []).map((p) => p.reference!),
    },
    subject: { targets: ['Patient'], references: (r) => [(r as CarePlan).subject!.reference!] },
    patient: { targets: ['Patient'], references: (r) => [(r as CarePlan).subject!.reference!] },
    'care-team': {
      targets: ['CareTeam'],
      references: (r) => ((r as CarePlan).careTeam ?? []).map((c) => c.reference!),
    },
  },
  related: (pkg) => ({ organisations: [pkg.providerId], people: [pkg.personId] }),
  toFhir: toCarePlan,
  personField: 'personId',
  patientCompartment: byPatientParam,
  // Written by the council's own systems (councilWrites.ts).
  councilRecord: {
    deletion: {
      effect: 'remove',
      documentation: 'For a package recorded in error: it is removed, its versions kept in the history. A package that has ended is updated to completed, not deleted.',
    },
  },
};
