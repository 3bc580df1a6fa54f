import { randomUUID } from 'node:crypto';
import { applyPatch, Operation } from 'fast-json-patch';
import { OperationOutcome, Resource } from '@medplum/fhirtypes';
import { profileValidator } from '../conformance/validator';
import { viewRules } from '../access/views';
import { ID } from '../domain/ids';
import { Person } from '../domain/person';
import { CouncilKind, heldRecord, isConcurrentWrite, RecordRefused, RecordRefusal, removeRecord, restrictedAmong, saveRecord } from '../services/councilRecords';
import { readerIn, sameRecord } from '../store/changePath';
import { SqlExecutor } from '../store/sqlDriver';
import { RecordReader, Store, Stored } from '../store/store';
import { EntityTypes } from '../store/tables';
import { ResourceDefinition, WriteContext } from './definition';
import { INBOUND_MAPPINGS } from './inbound';
import { InboundMapping } from './inbound/inbound';
import { materialise } from './materialise';
import { badRequest, FhirError, forbidden, notFound, outcome, WithheldRecord } from './outcome';
import { requireWrite, versionOf } from './resources/writes';
import { parseSearchQuery, RESULT_PARAMETERS } from './searchQuery';
import { restrictedCriteria } from './scoping';

/**
 * The council's own records written by its systems (an integration engine pushing changes as they
 * happen): create, update and update-as-create, conditional create (If-None-Exist), conditional
 * update and delete (by search), JSON Patch and delete, each inside a transaction it is given
 * (its own, or a transaction Bundle's). Every write is checked against the type's profile, mapped
 * to the domain record (inbound/), checked against the domain's rules and the records it names,
 * and written through the one change path (versions, history). Rendering the answer happens after
 * the commit (renderWrite), from what every other reader sees.
 */

/** One write, as plain data: from a request, or from an entry of a Bundle. */
export interface WriteRequest {
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The id in the URL; absent for a create and for conditional update and delete. */
  id?: string;
  /** The search of a conditional update or delete (PUT/DELETE [type]?...). */
  query?: Record<string, string[]>;
  body?: unknown;
  ifMatch?: string;
  ifNoneExist?: string;
  /** A create's id, when a transaction Bundle has chosen it already (other entries refer to it). */
  assignedId?: string;
}

/** What a write did, before it is rendered: the record written (absent when removed or nothing matched). */
export interface AppliedWrite {
  def: ResourceDefinition;
  status: 200 | 201 | 204;
  id?: string;
  stored?: Stored<unknown>;
  /** Said to the sender when there is no resource to show (a delete, a conditional delete that matched nothing). */
  message?: string;
  /** Whether anything was written (false for a resend of what is held): the caches are dropped only then. */
  changed: boolean;
  /** The record as it was before a delete: what the access record names when nothing is left to show. */
  removed?: Stored<unknown>;
}

/**
 * The council's record types in the order their references need: what is named is written before
 * what names it (a transaction's entries, a file of resources), whatever order they were sent in.
 */
export const WRITE_ORDER = ['Organization', 'PractitionerRole', 'Practitioner', 'Patient', 'CareTeam', 'CarePlan', 'Flag', 'Procedure', 'RelatedPerson'];

/** A type's place in WRITE_ORDER; a type not in it comes last. */
export function writeRank(type: string | undefined): number {
  const i = WRITE_ORDER.indexOf(type ?? '');
  return i < 0 ? WRITE_ORDER.length : i;
}

/** How many records a conditional write's search may match before it is refused (412). */
const ONE = 1;

/** The id a conditional write's search picks out, if any: a transaction Bundle resolves its entries' ids with it. */
export async function conditionalMatch(tx: SqlExecutor, def: ResourceDefinition, ctx: WriteContext, query: Record<string, string[]>, where: string): Promise<string | undefined> {
  const matches = await matchingIds(tx, def, ctx, query, where);
  if (matches.length > ONE) throw tooManyMatches(def, matches.length, where);
  return matches[0];
}

/**
 * Runs writes in one transaction of the store, answering two writers that met (a unique key taken
 * at the same moment, a deadlock) with a 409 the sender may retry, never a 500.
 */
export async function inWriteTransaction<T>(store: Store, fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
  try {
    return await store.db.transaction(fn);
  } catch (err) {
    if (!isConcurrentWrite(err)) throw err;
    throw new FhirError(409, outcome('transient', 'Another request wrote the same record at the same moment: nothing of this one was applied; send it again'));
  }
}

/** Checks that the caller may make this write at all: the scope, the council's own client, a view that sees the whole record. */
export function requireCouncilWriter(def: ResourceDefinition, ctx: WriteContext, interaction: 'create' | 'update' | 'delete') {
  requireWrite(ctx, def.type, interaction);
  const caller = ctx.caller;
  if (caller && caller.organization !== ctx.council.odsCode) {
    throw forbidden(`Only the council's own systems may write its records; this client is of ${caller.organization ?? 'no organisation'}`);
  }
  // A client shown less than the whole record (the health view) would erase what it was not shown.
  if (!viewRules(ctx.view).councilFindings) {
    throw forbidden(`A client writing the council's records must have the social-care view (it sees the whole record); this client has the ${ctx.view} view`);
  }
}

/** Applies one write inside the transaction given; refusals are FhirErrors naming the element at fault. */
export async function applyCouncilWrite(tx: SqlExecutor, def: ResourceDefinition, req: WriteRequest, ctx: WriteContext): Promise<AppliedWrite> {
  try {
    switch (req.method) {
      case 'POST':
        return await create(tx, def, req, ctx);
      case 'PUT':
        return await update(tx, def, req, ctx);
      case 'PATCH':
        return await patch(tx, def, req, ctx);
      case 'DELETE':
        return await remove(tx, def, req, ctx);
    }
  } catch (err) {
    if (err instanceof RecordRefused) throw refusalOutcome(def, err.refusal, ctx);
    throw err;
  }
}

/**
 * A restricted person's records are written only by a client whose view shows restricted records
 * (the council's safeguarding and case-management systems). Another is refused as a read of them
 * would be, before anything about the record (its version, its content) is answered; nor may it
 * make a record restricted, and then no longer see what it wrote.
 */
async function guardRestricted(tx: SqlExecutor, def: ResourceDefinition, ctx: WriteContext, ...records: unknown[]): Promise<void> {
  if (viewRules(ctx.view).restrictedRecords || def.personField === undefined) return;
  const present = records.filter((r): r is Record<string, unknown> => !!r);
  const restricted =
    def.entity === 'person'
      ? present.filter((r) => (r as unknown as Person).restricted).map((r) => (r as unknown as Person).id)
      : await restrictedAmong(tx, present.map((r) => r[def.personField as string]).filter((id): id is string => typeof id === 'string'));
  if (restricted.length === 0) return;
  throw new WithheldRecord(
    outcome(
      'suppressed',
      `This is a restricted record (or would become one): only the council's clients with the social-care-restricted view write restricted records; this client has the ${ctx.view} view`,
    ),
    [...new Set(restricted)],
  );
}

async function create(tx: SqlExecutor, def: ResourceDefinition, req: WriteRequest, ctx: WriteContext): Promise<AppliedWrite> {
  requireCouncilWriter(def, ctx, 'create');
  const mapping = mappingOf(def);
  const body = resourceOf(def, req.body);
  if (req.ifNoneExist !== undefined) {
    const matches = await matchingIds(tx, def, ctx, queryOf(req.ifNoneExist, 'If-None-Exist'), 'If-None-Exist');
    if (matches.length > ONE) throw tooManyMatches(def, matches.length, 'If-None-Exist');
    if (matches.length === ONE) {
      const held = await heldRecord(tx, def.entity as CouncilKind, matches[0]);
      await guardRestricted(tx, def, ctx, held?.record);
      return { def, status: 200, id: matches[0], stored: held, changed: false };
    }
  }
  // A create's id is the facade's to give (or the council's own identifier's): one in the body is ignored, as FHIR says.
  const { id: _ignored, ...sent } = body;
  checkProfile(def, sent as Resource);
  const id = req.assignedId ?? createdId(mapping, sent as Resource);
  checkId(def, id);
  const held = await heldRecord(tx, mapping.entity as CouncilKind, id);
  await guardRestricted(tx, def, ctx, held?.record);
  if (mapping.needsCurrent && !held) throw new FhirError(422, outcome('business-rule', mapping.needsCurrent, 'error', [def.type]));
  const record = keptSource(mapping.toRecord(sent as Resource, id, held?.record as never) as EntityTypes[CouncilKind], held);
  await guardRestricted(tx, def, ctx, record);
  if (held && !mapping.needsCurrent) {
    // The council's own reference names a record already held: a resend of the same is answered as
    // the first was; anything else is a change, which is an update's to make.
    if (sameRecord(mapping.entity, record, held.record as never)) return { def, status: 200, id, stored: held, changed: false };
    throw new FhirError(
      409,
      outcome('duplicate', `${def.type}/${id} already exists (its identifier names it): change it with PUT ${def.type}/${id}, or send If-None-Exist`, 'error', [`${def.type}.identifier`]),
    );
  }
  const saved = await save(tx, def, mapping, record, held, undefined, ctx);
  // A view onto a record held already (a CareTeam is the person's allocation) is created when it was not there before.
  const status = mapping.needsCurrent && shownBefore(def, held) ? 200 : 201;
  return { def, status, id, stored: saved.stored, changed: saved.changed };
}

/** The id a create takes: the council's own reference in the resource, or one the facade makes. */
export function createdId(mapping: InboundMapping, body: Resource): string {
  return mapping.idFromResource?.(body) ?? randomUUID();
}

async function update(tx: SqlExecutor, def: ResourceDefinition, req: WriteRequest, ctx: WriteContext): Promise<AppliedWrite> {
  requireCouncilWriter(def, ctx, 'update');
  const mapping = mappingOf(def);
  const body = resourceOf(def, req.body);
  let id = req.id;
  if (id === undefined) {
    const matches = await matchingIds(tx, def, ctx, req.query ?? {}, 'the URL');
    if (matches.length > ONE) throw tooManyMatches(def, matches.length, 'the URL');
    id = matches[0] ?? (typeof body.id === 'string' ? body.id : undefined) ?? createdId(mapping, body);
    if (matches.length === ONE && body.id !== undefined && body.id !== id) {
      throw badRequest(`The ${def.type}'s id (${String(body.id)}) is not that of the ${def.type} the search found (${id})`, [`${def.type}.id`]);
    }
    if (matches.length === 0 && body.id !== undefined && ID.test(id) && (await heldRecord(tx, mapping.entity as CouncilKind, id))) {
      // The search found nothing, yet the id sent is a record's: writing it would change a record the search did not pick.
      throw new FhirError(409, outcome('conflict', `The search in the URL matches no ${def.type}, but ${def.type}/${id} exists: send its id only when the search finds it, or none`, 'error', [`${def.type}.id`]));
    }
  } else if (body.id !== id) {
    throw badRequest(`The ${def.type}'s id (${body.id === undefined ? 'none' : String(body.id)}) must match the id in the URL (${id})`, [`${def.type}.id`]);
  }
  checkId(def, id);
  const held = await heldRecord(tx, mapping.entity as CouncilKind, id);
  await guardRestricted(tx, def, ctx, held?.record);
  checkProfile(def, { ...body, id });
  if (mapping.needsCurrent && !held) throw new FhirError(422, outcome('business-rule', mapping.needsCurrent, 'error', [def.type]));
  if (!held) requireCouncilWriter(def, ctx, 'create');
  const record = keptSource(mapping.toRecord({ ...body, id }, id, held?.record as never) as EntityTypes[CouncilKind], held);
  await guardRestricted(tx, def, ctx, record);
  const saved = await save(tx, def, mapping, record, held, versionOf(req.ifMatch), ctx);
  const created = mapping.needsCurrent ? !shownBefore(def, held) : saved.created;
  return { def, status: created ? 201 : 200, id, stored: saved.stored, changed: saved.changed };
}

/**
 * JSON Patch, applied to the resource as this caller sees it and then written as an update of the
 * version it was read at: a change made in between is a 412, never overwritten.
 */
async function patch(tx: SqlExecutor, def: ResourceDefinition, req: WriteRequest, ctx: WriteContext): Promise<AppliedWrite> {
  requireCouncilWriter(def, ctx, 'update');
  const mapping = mappingOf(def);
  const id = req.id!;
  if (!Array.isArray(req.body)) {
    throw badRequest('PATCH takes a JSON Patch document (an array of operations), Content-Type application/json-patch+json');
  }
  const held = await heldRecord(tx, mapping.entity as CouncilKind, id);
  if (!held || !shownBefore(def, held)) throw notFound(`${def.type}/${id} does not exist`);
  await guardRestricted(tx, def, ctx, held.record);
  const expected = versionOf(req.ifMatch);
  if (expected !== undefined && expected !== held.version) throw refusalOutcome(def, { code: 'version-conflict', kind: mapping.entity as CouncilKind, id, expected, held: held.version }, ctx);
  const [current] = await render(def, held, readerIn(tx), ctx);
  let patched: Resource;
  try {
    patched = applyPatch(structuredClone(current), req.body as Operation[], true, false).newDocument;
  } catch (err) {
    const e = err as { name?: string; message: string };
    if (e.name === 'TEST_OPERATION_FAILED' || /Test operation failed/i.test(e.message)) {
      throw new FhirError(422, outcome('processing', `A test operation of the JSON Patch failed: ${e.message.split('\n')[0]}`));
    }
    throw badRequest(`The JSON Patch cannot be applied: ${e.message.split('\n')[0]}`);
  }
  return update(tx, def, { method: 'PUT', id, body: withoutMeta(patched), ifMatch: `W/"${held.version}"` }, ctx);
}

async function remove(tx: SqlExecutor, def: ResourceDefinition, req: WriteRequest, ctx: WriteContext): Promise<AppliedWrite> {
  requireCouncilWriter(def, ctx, 'delete');
  const deletion = def.councilRecord?.deletion;
  if (!deletion) throw new FhirError(405, outcome('not-supported', `${def.type} resources are never deleted`));
  const mapping = mappingOf(def);
  let id = req.id;
  if (id === undefined) {
    const matches = await matchingIds(tx, def, ctx, req.query ?? {}, 'the URL');
    if (matches.length > ONE) throw tooManyMatches(def, matches.length, 'the URL');
    if (matches.length === 0) return { def, status: 204, message: `No ${def.type} matched: nothing was deleted`, changed: false };
    id = matches[0];
  }
  const held = await heldRecord(tx, mapping.entity as CouncilKind, id);
  await guardRestricted(tx, def, ctx, held?.record);
  const expectedVersion = versionOf(req.ifMatch);
  const changedBy = changedByOf(ctx);
  if (deletion.effect === 'end-allocation') {
    // A person never allocated has no CareTeam to delete.
    if (!held || !shownBefore(def, held)) throw notFound(`${def.type}/${id} does not exist`);
    const person = held.record as Person;
    const { allocatedWorkerId: _w, responsibleTeamId: _t, ...unallocated } = person;
    await saveRecord(tx, 'person', unallocated as Person, { held: held as Stored<Person>, expectedVersion, references: [], changedBy });
    return { def, status: 204, id, message: `${def.type}/${id} deleted: the person's allocation has ended`, changed: true, removed: held };
  }
  const removed = await removeRecord(tx, mapping.entity as CouncilKind, id, { held, expectedVersion, changedBy });
  if (!removed) {
    const before = await tx.query('SELECT 1 FROM record_history WHERE entity = $1 AND id = $2 LIMIT 1', [mapping.entity, id]);
    // Deleting what is already deleted has no effect (FHIR); what never existed is not found.
    if (before.length === 0) throw notFound(`${def.type}/${id} does not exist`);
  }
  return { def, status: 204, id, message: `${def.type}/${id} deleted: its versions are kept in the record's history`, changed: removed, removed: removed ? held : undefined };
}

async function save(
  tx: SqlExecutor,
  def: ResourceDefinition,
  mapping: InboundMapping,
  record: EntityTypes[CouncilKind],
  held: Stored<unknown> | undefined,
  expectedVersion: number | undefined,
  ctx: WriteContext,
) {
  return saveRecord(tx, mapping.entity as CouncilKind, record, {
    held: held as never,
    expectedVersion,
    references: mapping.references(record as never),
    changedBy: changedByOf(ctx),
  });
}

/**
 * Where a record came from is where it was first brought in: a package the CLD return holds stays
 * the CLD return's (ended by the next return that no longer holds it) when the council's engine
 * also writes it. Only what FHIR creates is FHIR's.
 */
function keptSource<R extends EntityTypes[CouncilKind]>(record: R, held: Stored<unknown> | undefined): R {
  const before = (held?.record as { source?: unknown } | undefined)?.source;
  if (!held || !('source' in record)) return record;
  const { source: _written, ...rest } = record as R & { source?: unknown };
  return (before === undefined ? rest : { ...rest, source: before }) as R;
}

/**
 * The written record as the caller sees it (a restricted record is written only by a view that
 * shows it: guardRestricted), or words when there is none to show (a delete).
 */
export async function renderWrite(applied: AppliedWrite, reader: RecordReader, ctx: WriteContext): Promise<{ resource?: Resource; outcome?: OperationOutcome }> {
  if (!applied.stored) return { outcome: outcome('informational', applied.message ?? 'Done', 'information') };
  const [resource] = await render(applied.def, applied.stored, reader, ctx);
  return { resource };
}

/**
 * What a write touched, for its access record, whatever its answer shows: the record written (or,
 * for a delete, as it was), as the council's restricted view would see it.
 */
export async function auditedWrite(applied: AppliedWrite, reader: RecordReader): Promise<Resource | undefined> {
  const touched = applied.stored ?? applied.removed;
  if (!touched) return undefined;
  const [resource] = await materialise(applied.def, [touched as never], reader, 'social-care-restricted');
  return resource;
}

function render(def: ResourceDefinition, stored: Stored<unknown>, reader: RecordReader, ctx: WriteContext): Promise<Resource[]> {
  return materialise(def, [stored as never], reader, ctx.view);
}

/** A CareTeam exists while the person has an allocated worker or a responsible team; other types, while the record does. */
function shownBefore(def: ResourceDefinition, held: Stored<unknown> | undefined): boolean {
  if (!held) return false;
  if (def.type !== 'CareTeam') return true;
  const person = held.record as Person;
  return !!(person.allocatedWorkerId || person.responsibleTeamId);
}

/** The ids of the type's records a conditional write's search matches (at most two: one is all it may match). */
async function matchingIds(tx: SqlExecutor, def: ResourceDefinition, ctx: WriteContext, query: Record<string, string[]>, where: string): Promise<string[]> {
  const resultParameters = Object.keys(query).filter((name) => Object.hasOwn(RESULT_PARAMETERS, name));
  if (resultParameters.length) {
    throw badRequest(`${where} of a conditional ${def.type} write picks a record out by search parameters; ${resultParameters.join(', ')} picks out nothing`, [where]);
  }
  const q = parseSearchQuery(def, query, true, { defaultPageSize: ONE + 1, maxPageSize: ONE + 1 });
  if (q.applied.length === 0) {
    throw new FhirError(412, outcome('invalid', `A conditional ${def.type} write needs search parameters in ${where} that pick out one record, e.g. identifier=system|value`));
  }
  // Restricted records are not there for a client whose view does not show them.
  const found = await ctx.store.search(def.entity, [...q.criteria, ...restrictedCriteria(def, ctx.view)], { limit: ONE + 1, offset: 0 }, tx);
  return found.records.map((s) => (s.record as { id: string }).id);
}

function tooManyMatches(def: ResourceDefinition, n: number, where: string): FhirError {
  return new FhirError(412, outcome('multiple-matches', `The search in ${where} matches ${n > ONE + 1 ? 'several' : n} ${def.type} records: it must pick out one`));
}

/** If-None-Exist's value: the query part of a search URL. */
export function queryOf(text: string, header: string): Record<string, string[]> {
  const params = new URLSearchParams(text.replace(/^[^?]*\?/, ''));
  const out: Record<string, string[]> = Object.create(null);
  for (const [k, v] of params) (out[k] ??= []).push(v);
  if (Object.keys(out).length === 0) throw badRequest(`${header} must hold search parameters, e.g. identifier=system|value`, [header]);
  return out;
}

export function mappingOf(def: ResourceDefinition): InboundMapping {
  const mapping = (INBOUND_MAPPINGS as Record<string, InboundMapping | undefined>)[def.type];
  if (!mapping) throw new FhirError(405, outcome('not-supported', `${def.type} resources are not written through this API`));
  return mapping;
}

function resourceOf(def: ResourceDefinition, body: unknown): Resource & Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest(`The body must be a FHIR ${def.type}`, [def.type]);
  const resource = body as Resource & Record<string, unknown>;
  if (resource.resourceType !== def.type) {
    throw badRequest(`Expected a ${def.type}, got ${JSON.stringify(resource.resourceType ?? null)}`, [`${def.type}.resourceType`]);
  }
  return resource;
}

function checkId(def: ResourceDefinition, id: string) {
  if (!ID.test(id)) throw badRequest(`"${id}" is not a valid FHIR id (1-64 letters, digits, '-' or '.')`, [`${def.type}.id`], 'INVALID_RESOURCE_ID');
}

/** The type's profile: what the mapping's own checks do not cover (data types, cardinalities, bindings). */
function checkProfile(def: ResourceDefinition, resource: Resource) {
  const errors = profileValidator()
    .validate(resource, def.profile)
    .filter((i) => i.severity === 'error' || i.severity === 'fatal');
  if (errors.length) throw new FhirError(400, { resourceType: 'OperationOutcome', issue: errors });
}

/** A patched resource is written as sent, but its meta (version, time) is the facade's to set. */
function withoutMeta(resource: Resource): Resource {
  const { meta, ...rest } = resource;
  return meta?.security ? ({ ...rest, meta: { security: meta.security } } as Resource) : (rest as Resource);
}

function changedByOf(ctx: WriteContext): string {
  return ctx.changedBy ?? `fhir:${ctx.caller?.clientId ?? 'unauthenticated'}`;
}

/** Each refusal of the change path as the status and element a sender sees. */
function refusalOutcome(def: ResourceDefinition, r: RecordRefusal, ctx: WriteContext): FhirError {
  switch (r.code) {
    case 'version-conflict':
      return new FhirError(
        412,
        outcome(
          'conflict',
          r.held === undefined
            ? `${def.type}/${r.id} does not exist, so it is not at version ${r.expected} (If-Match)`
            : `${def.type}/${r.id} is at version ${r.held}, not ${r.expected} (If-Match): it changed since it was read; read it again`,
        ),
      );
    case 'unknown-reference':
      return new FhirError(
        422,
        outcome('business-rule', `${r.reference.expression} names ${typeOfKind(r.reference.kind)}/${r.reference.id}, which does not exist`, 'error', [r.reference.expression]),
      );
    case 'wrong-kind-of-organisation':
      return new FhirError(
        422,
        outcome(
          'business-rule',
          `${r.reference.expression} names Organization/${r.reference.id}, which is a ${r.actual}: it must be a ${r.reference.organisationKinds?.join(' or ')}`,
          'error',
          [r.reference.expression],
        ),
      );
    case 'nhs-number-in-use': {
      // Whose it is stays unsaid to a client that may not see that person.
      const holder = r.heldByRestricted && !viewRules(ctx.view).restrictedRecords ? 'another person' : `Patient/${r.heldBy}`;
      return new FhirError(409, outcome('duplicate', `NHS number ${r.nhsNumber} already belongs to ${holder}: one person, one record`, 'error', [`${def.type}.identifier`]));
    }
    case 'still-referred-to':
      return new FhirError(
        409,
        outcome('conflict', `${def.type}/${r.id} cannot be deleted while other records refer to it${r.by ? ` (${r.by})` : ''}: change those first`),
      );
  }
}

function typeOfKind(kind: 'person' | 'organisation' | 'worker'): string {
  return kind === 'person' ? 'Patient' : kind === 'organisation' ? 'Organization' : 'PractitionerRole';
}
