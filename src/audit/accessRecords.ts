import { randomUUID } from 'node:crypto';
import { Bundle, Resource } from '@medplum/fhirtypes';
import { AccessRecord, actionOf, AuditInteraction, AuditUser, outcomeOfStatus, PURPOSES_OF_USE } from '../domain/audit';
import { NHS_NUMBER_SYSTEM, SOCIAL_CARE_REFERENCE_SYSTEM } from '../domain/identifierSystems';
import { isValidNhsNumber } from '../domain/nhsNumber';
import { withoutUndefined } from '../domain/objects';
import { Caller } from '../access/context';

/*
 * The pure rules of an access record: which interaction a request was, whom it touched, who the
 * user was and why they asked. Only the recorder (recorder.ts) builds records from them.
 */

/** What one request touched: the people (ids, NHS numbers) and the records. */
export interface Touched {
  personIds: string[];
  nhsNumbers: string[];
  entities: string[];
  /** Every person touched was returned as a Patient, so nhsNumbers holds all their numbers. */
  nhsNumbersComplete: boolean;
}

const NHS_IN_QUERY = /(?:nhs-number\|)?(?<![\d])(\d{3}\s?\d{3}\s?\d{4})(?![\d])/g;

/** People and records in a response: every entry of a Bundle, or the resource itself. */
export function touchedBy(resource: Resource | undefined, query?: string): Touched {
  const personIds = new Set<string>();
  const patients = new Set<string>();
  const nhsNumbers = new Set<string>();
  const entities: string[] = [];
  const visit = (r: Resource) => {
    if (r.resourceType === 'OperationOutcome' || r.resourceType === 'Bundle' || r.resourceType === 'CapabilityStatement') return;
    entities.push(`${r.resourceType}/${r.id}`);
    if (r.resourceType === 'Patient') {
      personIds.add(r.id!);
      patients.add(r.id!);
      for (const i of r.identifier ?? []) if (i.system === NHS_NUMBER_SYSTEM && i.value) nhsNumbers.add(i.value);
      return;
    }
    // The person a record is about: subject (most types), for (Task), patient (RelatedPerson).
    const about = r as { subject?: { reference?: string }; for?: { reference?: string }; patient?: { reference?: string } };
    const ref = about.subject?.reference ?? about.for?.reference ?? about.patient?.reference;
    if (ref?.startsWith('Patient/')) personIds.add(ref.slice('Patient/'.length));
    // A carer is a person of the council's too, and a RelatedPerson discloses them: named as well.
    if (r.resourceType === 'RelatedPerson') {
      for (const i of r.identifier ?? []) {
        if (i.system === NHS_NUMBER_SYSTEM && i.value) nhsNumbers.add(i.value);
        if (i.system === SOCIAL_CARE_REFERENCE_SYSTEM && i.value) personIds.add(i.value);
      }
    }
  };
  if (resource?.resourceType === 'Bundle') {
    for (const e of (resource as Bundle).entry ?? []) if (e.resource) visit(e.resource);
  } else if (resource) {
    visit(resource);
  }
  // NHS numbers asked about count too: a lookup that found nothing (or was refused) is still a lookup.
  for (const m of decodedOrRaw(query ?? '').matchAll(NHS_IN_QUERY)) nhsNumbers.add(m[1].replace(/\s/g, ''));
  return { personIds: [...personIds], nhsNumbers: [...nhsNumbers], entities, nhsNumbersComplete: [...personIds].every((id) => patients.has(id)) };
}

/** The query decoded, or as sent when its percent-encoding is broken (the request is refused anyway). */
function decodedOrRaw(query: string): string {
  try {
    return decodeURIComponent(query);
  } catch {
    return query;
  }
}

/** A request as the HTTP edge saw it: plain facts, no Express. */
export interface RequestFacts {
  requestId: string;
  method: string;
  path: string;
  query?: string;
  headers: (name: string) => string | undefined;
}

/**
 * The user behind a system-to-system call, where the caller says: NHS-style headers (the NHS API
 * platform's NHSD-End-User-Organisation-ODS, NHSD-Session-URID) or a council IdP token's subject.
 */
export function userOf(caller: Caller | undefined, headers: RequestFacts['headers']): AuditUser | undefined {
  const user = withoutUndefined<AuditUser>({
    id: headers('x-user-id') ?? caller?.user,
    name: headers('x-user-name'),
    role: headers('x-user-role') ?? headers('nhsd-session-jobrolecode'),
    sdsUserId: headers('nhsd-user-identity') ?? headers('x-sds-user-id'),
    sdsRoleProfileId: headers('nhsd-session-urid'),
    organization: headers('nhsd-end-user-organisation-ods'),
  }, true);
  return Object.keys(user).length ? user : undefined;
}

/**
 * What a request id or a correlation id may be: up to 128 letters, digits and `_ . - :` (a UUID,
 * a ULID, an NHS API platform id). Anything else could carry text into logs and the trail that no
 * one meant as an id (a name, an NHS number with spaces, control characters).
 */
const TRACE_ID = /^[\w.\-:]{1,128}$/;

/**
 * Ids travel into logs, which carry no personal data. An id holding what reads as an NHS number
 * (ten digits that pass the check, alone or split 3-3-4 by a separator) is taken for a mistake by
 * the caller and treated as absent. A UUID is always an id, whatever digits it happens to hold.
 * Names cannot be told from ids: the documentation asks for opaque ids (UUIDs), as NHS England's
 * APIs do.
 */
export function isValidTraceId(value: string | undefined): value is string {
  return value !== undefined && TRACE_ID.test(value) && (UUID.test(value) || !holdsNhsNumber(value));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NHS_NUMBER_LIKE = /(?<!\d)(\d{3})[._\-:]?(\d{3})[._\-:]?(\d{4})(?!\d)/g;

function holdsNhsNumber(value: string): boolean {
  for (const m of value.matchAll(NHS_NUMBER_LIKE)) if (isValidNhsNumber(m[1] + m[2] + m[3])) return true;
  return false;
}

/**
 * The correlation id the caller sent (X-Correlation-ID): the one clinical transaction this request
 * belongs to, shared by every system it passes through (NHS Booking and Referral Standard). One
 * that breaks the rules above is ignored, not refused: a request is not turned away for a header
 * it need not send.
 */
export function correlationIdOf(headers: RequestFacts['headers']): string | undefined {
  const given = headers('x-correlation-id');
  return isValidTraceId(given) ? given : undefined;
}

/** The purpose of use the request declares (X-Purpose-Of-Use), or direct care. */
export function purposeOf(headers: RequestFacts['headers']): string | undefined {
  const declared = headers('x-purpose-of-use')?.trim().toUpperCase();
  if (!declared) return 'TREAT';
  return Object.hasOwn(PURPOSES_OF_USE, declared) ? declared : undefined;
}

export function accessRecord(input: {
  facts: RequestFacts;
  interaction: AuditInteraction;
  status: number;
  description?: string;
  caller?: Caller;
  resourceType?: string;
  touched?: Touched;
  purpose?: string;
  clientId?: string;
}): AccessRecord {
  const { facts } = input;
  return {
    id: randomUUID(),
    recorded: new Date().toISOString(),
    interaction: input.interaction,
    action: actionOf(input.interaction),
    outcome: outcomeOfStatus(input.status),
    outcomeDescription: input.description,
    httpStatus: input.status,
    resourceType: input.resourceType,
    clientId: input.caller?.clientId ?? input.clientId,
    organization: input.caller?.organization,
    user: userOf(input.caller, facts.headers),
    purposeOfUse: input.purpose ?? purposeOf(facts.headers) ?? 'TREAT',
    requestId: facts.requestId,
    correlationId: correlationIdOf(facts.headers),
    method: facts.method,
    path: facts.path,
    query: facts.query || undefined,
    personIds: input.touched?.personIds ?? [],
    nhsNumbers: input.touched?.nhsNumbers ?? [],
    nhsNumbersComplete: input.touched?.nhsNumbersComplete,
    entities: input.touched?.entities ?? [],
  };
}

/**
 * Which interaction a FHIR request was, from its method and path below the base (R4 http page):
 * what was asked, whether or not the facade serves it, so that a refused DELETE is recorded, logged
 * and counted as a delete, not a read.
 */
export function interactionOf(method: string, path: string): { interaction: AuditInteraction; resourceType?: string } {
  const [type, id, extra, version] = path.split('/').filter(Boolean);
  if (type === 'metadata') return { interaction: 'capabilities' };
  // System-level operations ([base]/$import): the first segment is the operation, not a type.
  if (type?.startsWith('$')) return { interaction: 'operation' };
  if (id?.startsWith('$') || extra?.startsWith('$')) return { interaction: 'operation', resourceType: type };
  if (id === '_history' || extra === '_history') {
    return { interaction: extra === '_history' && version !== undefined ? 'vread' : 'history', resourceType: type };
  }
  // POST [base]: a transaction or batch Bundle (which of the two, the Bundle says: AuditFacts.interaction).
  if (method === 'POST' && type === undefined) return { interaction: 'transaction' };
  if (method === 'POST' && id === undefined) return { interaction: 'create', resourceType: type };
  if (method === 'PUT') return { interaction: 'update', resourceType: type };
  if (method === 'PATCH') return { interaction: 'patch', resourceType: type };
  if (method === 'DELETE') return { interaction: 'delete', resourceType: type };
  if (id === undefined || id === '_search') return { interaction: 'search', resourceType: type };
  return { interaction: 'read', resourceType: type };
}

/**
 * Which interaction a request was, from its full path (a request refused before routing): FHIR
 * interactions as interactionOf, token requests as such, anything else an operation.
 */
export function interactionOfUrl(method: string | undefined, path: string | undefined): { interaction: AuditInteraction; resourceType?: string } {
  if (method !== undefined && path !== undefined && (path.startsWith('/fhir/') || path === '/fhir')) return interactionOf(method, path.slice('/fhir'.length));
  return { interaction: path?.startsWith('/auth/token') ? 'token' : 'operation' };
}
