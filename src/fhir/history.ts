import { requireTypeHistoryAllowed } from './searchPolicy';
import { isInstant } from '../domain/dates';
import { Bundle, BundleEntry, BundleLink, Resource } from '@medplum/fhirtypes';
import { View } from '../access/context';
import { ID } from '../domain/ids';
import { Criterion, EntityKind } from '../store/criteria';
import { EntityTypes } from '../store/tables';
import { RecordVersion, recordVersions, VersionQuery } from '../store/recordHistory';
import { Store } from '../store/store';
import { ResourceDefinition } from './definition';
import { materialise } from './materialise';
import { badRequest, FhirError, forbidden, notFound, outcome, WithheldRecord } from './outcome';
import { read } from './read';
import { peopleOf, personRestricted, restrictedRecordMessage, ScopingContext, searchRestriction } from './scoping';
import { PagingLimits } from './searchQuery';

/**
 * vread and _history (FHIR R4 http.html#vread, #history) over the versions the store keeps
 * (store/recordHistory.ts). The access rules are a read's, applied twice: to the record as it is
 * now (a version is never shown of a record its current read would refuse: a restricted person's,
 * another hospital's contact, a safeguarding concern closed since), and to each version as it was
 * (a version whose content then would be withheld, say a concern while it was closed, is left out
 * of a history and refused to a vread, as a read of such a record would be).
 */

export interface HistoryOptions extends ScopingContext {
  store: Store;
  view: View;
  baseUrl: string;
  strict: boolean;
  limits: PagingLimits;
}

/** Paging reaches this far at most, as a search's does. */
const MAX_OFFSET = 10_000;
const HISTORY_PARAMETERS = new Set(['_since', '_until', '_count', '_offset', '_format', '_pretty']);
/** A FHIR instant: to the second at least, with a time zone. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** One version of a record: the current one, or one it replaced; 410 Gone for the version its deletion would have been. */
export async function vread(
  def: ResourceDefinition,
  id: string,
  versionId: string,
  opts: HistoryOptions,
): Promise<{ resource: Resource; version: { versionId: string; lastUpdated: string } }> {
  await checkRecord(def, id, opts);
  // Versions are whole numbers from 1: any other version id names a version that never was.
  const version = /^[1-9]\d{0,8}$/.test(versionId) ? Number(versionId) : undefined;
  if (version === undefined) throw notFound(`${def.type}/${id} has no version "${versionId}": versions are numbered 1, 2, 3...`);
  const criteria = [...baseOf(def), ...versionRestriction(def, opts, 'read')];
  const [found] = (await recordVersions(opts.store.db, def.entity, criteria, { id, version, limit: 1, offset: 0 })).versions;
  if (!found) {
    const [held] = (await recordVersions(opts.store.db, def.entity, baseOf(def), { id, version, limit: 1, offset: 0 })).versions;
    if (!held) throw notFound(`${def.type}/${id} has no version ${version}`);
    throw await versionWithheld(def, id, held, opts);
  }
  if (found.event === 'deleted') {
    throw new FhirError(410, outcome('deleted', `${def.type}/${id} was deleted at ${found.stored.lastUpdated}: version ${version} is its deletion`));
  }
  const [resource] = await materialise(def, [found.stored], opts.store, opts.view);
  return { resource, version: { versionId: String(found.stored.version), lastUpdated: found.stored.lastUpdated } };
}

/** GET [type]/[id]/_history: the record's versions and its deletion, newest first. */
export async function instanceHistory(def: ResourceDefinition, id: string, query: Record<string, string[]>, opts: HistoryOptions): Promise<Bundle> {
  const paging = parseHistoryQuery(query, opts);
  await checkRecord(def, id, opts);
  const criteria = [...baseOf(def), ...versionRestriction(def, opts, 'read')];
  const page = await recordVersions(opts.store.db, def.entity, criteria, { ...paging.query, id });
  return historyBundle(def, page.versions, page.more, `${def.type}/${encodeURIComponent(id)}/_history`, paging, opts);
}

/** GET [type]/_history: every version of every record of the type the caller may see, newest first. */
export async function typeHistory(def: ResourceDefinition, query: Record<string, string[]>, opts: HistoryOptions): Promise<Bundle> {
  requireTypeHistoryAllowed(def, opts);
  const paging = parseHistoryQuery(query, opts);
  const restriction = versionRestriction(def, opts, 'search');
  const page = await recordVersions(opts.store.db, def.entity, [...baseOf(def), ...restriction], paging.query);
  // A version is shown only of a record the caller may see now too (or one deleted since).
  const ids = [...new Set(page.versions.map((v) => v.id))];
  const byIds: Criterion[] = [{ field: 'id', match: 'any-of', values: ids }, ...baseOf(def)];
  const limit = { limit: Math.max(ids.length, 1), offset: 0 };
  const heldNow = ids.length ? await opts.store.search(def.entity, byIds, limit) : { records: [] };
  const seenNow = ids.length ? await opts.store.search(def.entity, [...byIds, ...restriction], limit) : { records: [] };
  const idOf = (r: { record: unknown }) => (r.record as { id: string }).id;
  const hidden = new Set(heldNow.records.map(idOf));
  for (const r of seenNow.records) hidden.delete(idOf(r));
  const shown = page.versions.filter((v) => !hidden.has(v.id));
  return historyBundle(def, shown, page.more, `${def.type}/_history`, paging, opts);
}

/**
 * The record as a read sees it: a read's refusal (403 for another's or a restricted record, 404
 * for none) is the refusal of its history too. A record deleted since is judged by its last version.
 */
async function checkRecord(def: ResourceDefinition, id: string, opts: HistoryOptions): Promise<void> {
  try {
    await read(def, id, opts);
    return;
  } catch (err) {
    if (!(err instanceof FhirError) || err.status !== 404) throw err;
    if (!ID.test(id)) throw err;
    const [last] = (await recordVersions(opts.store.db, def.entity, baseOf(def), { id, limit: 1, offset: 0 })).versions;
    if (!last || !last.gone) throw err;
    const criteria = [...baseOf(def), ...versionRestriction(def, opts, 'read')];
    const seen = await recordVersions(opts.store.db, def.entity, criteria, { id, version: last.stored.version, limit: 1, offset: 0 });
    if (seen.versions.length === 0) throw await versionWithheld(def, id, last, opts);
  }
}

/**
 * The refusal of a version the caller may not see as it was: a restricted person's is withheld as
 * a read withholds it (403 suppressed, the attempt audited and notified); any other, 403.
 */
async function versionWithheld(def: ResourceDefinition, id: string, held: RecordVersion<unknown>, opts: HistoryOptions): Promise<FhirError> {
  const restricted = asPersonNow(def, personRestricted(def, true));
  if (restricted.length) {
    const about = await recordVersions(opts.store.db, def.entity, [...baseOf(def), ...restricted], { id, version: held.stored.version, limit: 1, offset: 0 });
    if (about.versions.length) {
      return new WithheldRecord(outcome('suppressed', await restrictedRecordMessage(opts.store, opts.council?.odsCode)), peopleOf(def, [held.stored]));
    }
  }
  return forbidden(`Version ${held.stored.version} of ${def.type}/${id} is outside what this client may read`);
}

/**
 * What a caller may see of a type's versions: as of a read, but a person's restriction is the
 * person's now, not what an old version said (a person a CLD import held back until the
 * allocations extract covered them is not restricted in their first version for that).
 */
function versionRestriction(def: ResourceDefinition, opts: HistoryOptions, interaction: 'read' | 'search'): Criterion[] {
  return asPersonNow(def, searchRestriction(def, opts, interaction));
}

/** A person's own restriction flag, in criteria over their versions, read from their record as it is now. */
function asPersonNow(def: ResourceDefinition, criteria: Criterion[]): Criterion[] {
  if (def.entity !== 'person') return criteria;
  return criteria.map((c) =>
    'field' in c && c.field === 'restricted' && c.match === 'any-of' ? ({ field: 'id', match: 'in', kind: 'person', where: [c] } as Criterion) : c,
  );
}

interface HistoryPaging {
  query: VersionQuery;
  /** The parameters a link repeats, in order (paging aside). */
  applied: [string, string][];
}

/** _since, _count, _offset and the pin of later pages (_until); anything else is ignored, or refused under Prefer: handling=strict. */
function parseHistoryQuery(query: Record<string, string[]>, opts: HistoryOptions): HistoryPaging {
  const unknown = Object.keys(query).filter((k) => !HISTORY_PARAMETERS.has(k));
  if (unknown.length && opts.strict) {
    throw badRequest(`Unknown parameter${unknown.length > 1 ? 's' : ''} for a history: ${unknown.join(', ')} (Prefer: handling=strict). Supported: _since, _count`, unknown);
  }
  const single = (name: string) => {
    const v = query[name];
    if (v && v.length > 1) throw badRequest(`${name} may be given only once`, [name]);
    return v?.[0];
  };
  const instant = (name: string) => {
    const v = single(name);
    if (v === undefined) return undefined;
    if (!INSTANT.test(v) || !isInstant(v)) {
      throw badRequest(`${name} must be an instant with a time zone, e.g. 2026-11-20T09:00:00Z; got "${v}"`, [name]);
    }
    return v;
  };
  const whole = (name: string, fallback: number) => {
    const v = single(name);
    if (v === undefined) return fallback;
    if (!/^\d{1,9}$/.test(v)) throw badRequest(`${name} must be a whole number; got "${v}"`, [name]);
    return Number(v);
  };
  const since = instant('_since');
  // Later pages keep to the versions there were when the first was served: newer ones would shift them.
  const until = instant('_until') ?? new Date().toISOString();
  const limit = Math.min(whole('_count', opts.limits.defaultPageSize), opts.limits.maxPageSize);
  // A page of nothing would link to itself for ever.
  if (limit === 0) throw badRequest('_count of a history must be at least 1', ['_count']);
  const offset = whole('_offset', 0);
  if (offset > MAX_OFFSET) throw badRequest(`_offset may be at most ${MAX_OFFSET.toLocaleString('en-GB')}: narrow the history with _since`, ['_offset']);
  const applied: [string, string][] = since ? [['_since', since]] : [];
  return { query: { since, until, limit, offset }, applied: [...applied, ['_until', until]] };
}

async function historyBundle(
  def: ResourceDefinition,
  versions: RecordVersion<EntityTypes[EntityKind]>[],
  more: boolean,
  path: string,
  paging: HistoryPaging,
  opts: HistoryOptions,
): Promise<Bundle> {
  const written = versions.filter((v) => v.event !== 'deleted');
  const resources = await materialise(def, written.map((v) => v.stored), opts.store, opts.view);
  const resourceOf = new Map(written.map((v, i) => [v, resources[i]]));
  const entry = versions.map((v) => historyEntry(def, v, resourceOf.get(v), opts.baseUrl));
  const { limit, offset } = paging.query;
  const link = (relation: string, at: number): BundleLink => {
    const params: [string, string][] = [...paging.applied, ['_count', String(limit)], ...(at ? ([['_offset', String(at)]] as [string, string][]) : [])];
    const qs = new URLSearchParams(params);
    return { relation, url: `${opts.baseUrl}/${path}?${qs}` };
  };
  const links = [link('self', offset)];
  if (more) links.push(link('next', offset + limit));
  if (offset > 0) links.push(link('previous', Math.max(0, offset - limit)));
  return {
    resourceType: 'Bundle',
    type: 'history',
    timestamp: new Date().toISOString(),
    link: links,
    ...(entry.length ? { entry } : {}),
  };
}

/**
 * One event as http.html#history has it. The store keeps what each version held, not the request
 * that wrote it: a version written new is shown as a POST, a change as a PUT (a JSON Patch or an
 * import is one too), a deletion as a DELETE (no resource; its version id only while the record is gone).
 */
function historyEntry(def: ResourceDefinition, v: RecordVersion<unknown>, resource: Resource | undefined, baseUrl: string): BundleEntry {
  const lastModified = v.stored.lastUpdated;
  const fullUrl = `${baseUrl}/${def.type}/${v.id}`;
  if (v.event === 'deleted') {
    return {
      fullUrl,
      request: { method: 'DELETE', url: `${def.type}/${v.id}` },
      response: { status: '204 No Content', lastModified, ...(v.gone ? { etag: `W/"${v.stored.version}"` } : {}) },
    };
  }
  const created = v.event === 'created';
  return {
    fullUrl,
    resource,
    request: created ? { method: 'POST', url: def.type } : { method: 'PUT', url: `${def.type}/${v.id}` },
    response: { status: created ? '201 Created' : '200 OK', etag: `W/"${v.stored.version}"`, lastModified },
  };
}

function baseOf(def: ResourceDefinition): Criterion[] {
  return def.baseCriteria ?? [];
}
