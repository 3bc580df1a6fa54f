import { AuditEvent, AuditEventAgent, AuditEventEntity, Coding } from '@medplum/fhirtypes';
import { AccessRecord, AuditInteraction, PURPOSES_OF_USE } from '../../domain/audit';
import { isValidNhsNumber, normaliseNhsNumber } from '../../domain/nhsNumber';
import { Criterion } from '../../store/criteria';
import { withoutUndefined } from '../../domain/objects';
import { Stored } from '../../store/store';
import { ResourceDefinition } from '../definition';
import { alternatives, parseToken, referencedIds } from '../searchValues';
import { CANONICAL_BASE, NHS_NUMBER_SYSTEM, ODS_ORGANIZATION_SYSTEM, PROFILES } from '../systems';
import { byPatientParam, idParam, instantParam } from './common';

export const CLIENT_ID_SYSTEM = `${CANONICAL_BASE}/Id/client-id`;
/**
 * The identifier system of a caller's correlation id (X-Correlation-ID). IHE BALP records
 * transport-level ids as an AuditEvent.entity whose what.identifier holds the id (its
 * `transaction` entity, for X-Request-Id); the correlation id follows that pattern, told apart by
 * this system, so a search over entities finds every record of one clinical transaction.
 */
export const CORRELATION_ID_SYSTEM = `${CANONICAL_BASE}/Id/correlation-id`;
export const REQUEST_ID_EXTENSION = `${CANONICAL_BASE}/StructureDefinition/Extension-RequestId`;
const SDS_USER_SYSTEM = 'https://fhir.nhs.uk/Id/sds-user-id';
const SDS_ROLE_PROFILE_SYSTEM = 'https://fhir.nhs.uk/Id/sds-role-profile-id';

const REST: Coding = { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'RESTful Operation' };
const TYPE: Partial<Record<AuditInteraction, Coding>> = {
  token: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110114', display: 'User Authentication' },
  purge: { system: 'http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle', code: 'destroy', display: 'Destroy/Delete' },
};
const SUBTYPE: Partial<Record<AuditInteraction, string>> = {
  read: 'read',
  vread: 'vread',
  history: 'history-instance',
  search: 'search-type',
  create: 'create',
  update: 'update',
  patch: 'patch',
  delete: 'delete',
  transaction: 'transaction',
  batch: 'batch',
  operation: 'operation',
  capabilities: 'capabilities',
};

/** An access record as a FHIR AuditEvent: agents (client, organisation, user), the people and records touched, the query. */
export function toAuditEvent(stored: Stored<AccessRecord>): AuditEvent {
  const a = stored.record;
  const agent: AuditEventAgent[] = [];
  if (a.clientId) {
    agent.push({
      type: { coding: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110150', display: 'Application' }] },
      who: { identifier: { system: CLIENT_ID_SYSTEM, value: a.clientId }, display: a.clientId },
      requestor: !a.user,
    });
  }
  if (a.organization) {
    agent.push({
      type: { text: 'Organisation' },
      who: { identifier: { system: ODS_ORGANIZATION_SYSTEM, value: a.organization } },
      requestor: false,
    });
  }
  if (a.user) {
    const u = a.user;
    agent.push(
      withoutUndefined<AuditEventAgent>({
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP', display: 'information recipient' }] },
        who: withoutUndefined({
          identifier: u.sdsUserId ? { system: SDS_USER_SYSTEM, value: u.sdsUserId } : u.id ? { value: u.id } : undefined,
          display: u.name,
        }),
        role: [
          ...(u.role ? [{ text: u.role }] : []),
          ...(u.sdsRoleProfileId ? [{ coding: [{ system: SDS_ROLE_PROFILE_SYSTEM, code: u.sdsRoleProfileId }] }] : []),
        ],
        location: u.organization ? { display: `ODS ${u.organization}` } : undefined,
        requestor: true,
      }),
    );
  }
  const entity: AuditEventEntity[] = [
    ...a.personIds.map((id) => ({
      what: { reference: `Patient/${id}` },
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '1', display: 'Person' },
      role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1', display: 'Patient' },
    })),
    ...a.nhsNumbers.map((n) => ({
      what: { identifier: { system: NHS_NUMBER_SYSTEM, value: n } },
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '1', display: 'Person' },
      role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1', display: 'Patient' },
    })),
    ...a.entities.map((ref) => ({
      what: { reference: ref },
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' },
    })),
    ...(a.correlationId
      ? [
          {
            what: { identifier: { system: CORRELATION_ID_SYSTEM, value: a.correlationId } },
            type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' },
            description: 'The clinical transaction this request belongs to (X-Correlation-ID)',
          },
        ]
      : []),
    ...(a.query
      ? [
          {
            type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' },
            role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '24', display: 'Query' },
            description: `${a.method} ${a.path}`,
            query: Buffer.from(a.query).toString('base64'),
          },
        ]
      : []),
  ];
  const subtype = SUBTYPE[a.interaction];
  return withoutUndefined<AuditEvent>({
    resourceType: 'AuditEvent',
    id: a.id,
    meta: { versionId: String(stored.version), lastUpdated: stored.lastUpdated, profile: [PROFILES.AuditEvent] },
    extension: [{ url: REQUEST_ID_EXTENSION, valueString: a.requestId }],
    type: TYPE[a.interaction] ?? REST,
    subtype: subtype ? [{ system: 'http://hl7.org/fhir/restful-interaction', code: subtype, display: subtype }] : undefined,
    action: a.action,
    recorded: a.recorded,
    outcome: a.outcome,
    outcomeDesc: a.outcomeDescription ?? `HTTP ${a.httpStatus}`,
    purposeOfEvent: [
      {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: a.purposeOfUse, display: PURPOSES_OF_USE[a.purposeOfUse] }],
      },
    ],
    agent: agent.length
      ? agent
      : [{ type: { text: 'Unidentified caller' }, who: { display: 'no valid token' }, requestor: true }],
    source: {
      observer: { display: 'social-care-fhir-facade' },
      type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }],
    },
    entity: entity.length ? entity : undefined,
  });
}

/** patient=Patient/x (or x), patient=<NHS number>, patient:identifier=https://fhir.nhs.uk/Id/nhs-number|<n>. */
function patientCriterion(value: string, byIdentifier: boolean): Criterion<'audit'> {
  const groups: Criterion<'audit'>[][] = [];
  for (const alt of alternatives(value)) {
    if (byIdentifier) {
      const t = parseToken(alt);
      if (t.system === undefined || t.system === NHS_NUMBER_SYSTEM) groups.push([{ field: 'nhsNumbers', match: 'any-of', values: [normaliseNhsNumber(t.code)] }]);
      continue;
    }
    if (isValidNhsNumber(alt)) groups.push([{ field: 'nhsNumbers', match: 'any-of', values: [normaliseNhsNumber(alt)] }]);
    const ids = referencedIds(alt, 'Patient');
    if (ids.length) groups.push([{ field: 'personIds', match: 'any-of', values: ids }]);
  }
  return groups.length ? { match: 'any', groups } : { match: 'nothing' };
}

const TYPE_SEARCH: Record<string, AuditInteraction[]> = {
  rest: ['read', 'search', 'create', 'update', 'patch', 'delete', 'transaction', 'batch', 'operation', 'capabilities'],
  '110114': ['token'],
  destroy: ['purge'],
};

export const auditEventDefinition: ResourceDefinition<'audit'> = {
  type: 'AuditEvent',
  profile: PROFILES.AuditEvent,
  documentation:
    'The audit trail: one record per request to the facade (refusals included), newest first. Read-only, for ' +
    'clients granted system/AuditEvent.rs: "who looked at this person\'s record" is AuditEvent?patient=<NHS number>.',
  entity: 'audit',
  newestFirstBy: { param: 'date', valueOf: (r) => (r as AuditEvent).recorded },
  searchParams: {
    _id: idParam(),
    patient: {
      type: 'reference',
      documentation: 'The person: Patient/id, or an NHS number (plain, or with :identifier as system|value).',
      modifiers: ['identifier'],
      targets: ['Patient'],
      expression: "AuditEvent.entity.what.where(resolve() is Patient)",
      definition: 'http://hl7.org/fhir/SearchParameter/AuditEvent-patient',
      toCriterion: (use) => patientCriterion(use.value, use.modifier === 'identifier'),
    },
    agent: {
      type: 'token',
      documentation: 'The client (client_id) that made the request.',
      expression: 'AuditEvent.agent.who.identifier',
      toCriterion: (use) => ({ field: 'clientId', match: 'any-of', values: alternatives(use.value).map((v) => parseToken(v).code) }),
    },
    organization: {
      type: 'token',
      documentation: "The client's organisation (ODS code).",
      expression: 'AuditEvent.agent.who.identifier',
      toCriterion: (use) => ({ field: 'organization', match: 'any-of', values: alternatives(use.value).map((v) => parseToken(v).code) }),
    },
    date: instantParam('recorded', 'When the access happened, with prefixes (date=ge2026-11-01&date=le2026-11-30).', 'AuditEvent.recorded', 'http://hl7.org/fhir/SearchParameter/AuditEvent-date'),
    type: {
      type: 'token',
      documentation: 'rest (FHIR interactions), 110114 (token requests) or destroy (retention purges).',
      expression: 'AuditEvent.type',
      definition: 'http://hl7.org/fhir/SearchParameter/AuditEvent-type',
      toCriterion: (use) => {
        const values = alternatives(use.value).flatMap((v) => TYPE_SEARCH[parseToken(v).code] ?? []);
        return values.length ? { field: 'interaction', match: 'any-of', values } : { match: 'nothing' };
      },
    },
    subtype: {
      type: 'token',
      documentation: 'The FHIR interaction: read, search-type, create, update, patch, operation, capabilities.',
      expression: 'AuditEvent.subtype',
      definition: 'http://hl7.org/fhir/SearchParameter/AuditEvent-subtype',
      toCriterion: (use) => {
        const byCode = Object.fromEntries(Object.entries(SUBTYPE).map(([k, v]) => [v, k]));
        const values = alternatives(use.value).map((v) => byCode[parseToken(v).code]).filter((v): v is string => !!v);
        return values.length ? { field: 'interaction', match: 'any-of', values } : { match: 'nothing' };
      },
    },
    outcome: {
      type: 'token',
      documentation: '0 success, 4 minor failure (refused or bad request), 8 serious failure.',
      expression: 'AuditEvent.outcome',
      definition: 'http://hl7.org/fhir/SearchParameter/AuditEvent-outcome',
      toCriterion: (use) => ({ field: 'outcome', match: 'any-of', values: alternatives(use.value).map((v) => parseToken(v).code) }),
    },
  },
  includes: {},
  related: () => ({}),
  toFhir: (stored) => toAuditEvent(stored),
  patientCompartment: byPatientParam,
};
