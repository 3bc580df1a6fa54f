import { Binary, Bundle, BundleEntry, BundleEntryResponse, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { RequestContext } from '../access/context';
import { SqlExecutor } from '../store/sqlDriver';
import { Store } from '../store/store';
import { AppliedWrite, applyCouncilWrite, auditedWrite, conditionalMatch, createdId, inWriteTransaction, mappingOf, queryOf, renderWrite, requireCouncilWriter, writeRank, WriteRequest } from './councilWrites';
import { AuditFacts, EntryFacts } from '../audit/auditFacts';
import { ResourceDefinition, WriteContext } from './definition';
import { badRequest, FhirError, outcome } from './outcome';
import { definitionOf } from './registry';

/**
 * POST [base] with a Bundle (FHIR R4 http.html#transaction):
 * - `transaction`: every entry in one database transaction, all or nothing. Entries are applied in
 *   FHIR's order (DELETE, POST, PUT and PATCH, then GET after the commit); `urn:uuid:` full URLs are
 *   given their ids first (a conditional create's is the record it found) and every reference to
 *   them, and every conditional reference (`Patient?identifier=...`), is rewritten before any entry
 *   is written. Only the council's record types may be written in one. The first entry refused
 *   refuses the Bundle: its status, with the entry named, and nothing is applied.
 * - `batch`: each entry on its own, exactly as if it had been sent alone (the same routes, checks
 *   and refusals); one failing does not stop the others.
 * Either answers a `transaction-response` / `batch-response` with a status, location, ETag and
 * (unless Prefer: return=minimal) the resource or an OperationOutcome for every entry.
 */

/** What the Bundle processor needs of the router: one request served as if sent alone, and the write context. */
export interface BundleDeps {
  store: Store;
  baseUrl: string;
  context: RequestContext;
  writeContext: WriteContext;
  preferReturn?: 'minimal' | 'representation' | 'OperationOutcome';
  /** Serves one entry of a batch (or a transaction's GET) as the router would serve it alone. */
  handle(req: EntryRequest): Promise<{
    status: number;
    resource?: Resource;
    location?: string;
    version?: { versionId: string; lastUpdated: string };
    audit?: AuditFacts;
  }>;
}

/** One entry as a request to the router. */
export interface EntryRequest {
  method: string;
  path: string;
  query: Record<string, string[]>;
  body?: unknown;
  ifMatch?: string;
  ifNoneExist?: string;
}

/** The most entries one Bundle may hold: a bigger load is a file for $import, not a request. */
export const MAX_BUNDLE_ENTRIES = 1000;

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
type Method = (typeof METHODS)[number];
/** FHIR's processing order within a transaction (http.html#trules). */
const ORDER: Record<Method, number> = { DELETE: 0, POST: 1, PUT: 2, PATCH: 2, GET: 3 };

interface ParsedEntry {
  index: number;
  method: Method;
  /** The request URL as sent (relative to the base). */
  url: string;
  type: string;
  id?: string;
  query: Record<string, string[]>;
  fullUrl?: string;
  body?: unknown;
  ifMatch?: string;
  ifNoneExist?: string;
}

export interface BundleAnswer {
  bundle: Bundle;
  /** Each entry as its own access record sees it, in the order of the Bundle. */
  entries: EntryFacts[];
}

export async function processBundle(body: unknown, deps: BundleDeps): Promise<BundleAnswer> {
  const bundle = bundleOf(body);
  const entries = (bundle.entry ?? []).map((e, i) => parseEntry(e, i, deps.baseUrl));
  return bundle.type === 'batch' ? batch(entries, deps) : transaction(entries, deps);
}

async function batch(entries: ParsedEntry[], deps: BundleDeps): Promise<BundleAnswer> {
  const answered: BundleEntry[] = [];
  const audits: EntryFacts[] = [];
  for (const e of entries) {
    const { entry, audit } = await served(e, deps);
    answered.push(entry);
    audits.push(audit);
  }
  return answers('batch-response', answered, audits, deps);
}

/**
 * One entry served as if sent alone: its answer, and its access record's facts. An error that is
 * not a refusal is that entry's 500, not the Bundle's: the entries before it stand.
 */
async function served(e: ParsedEntry, deps: BundleDeps): Promise<{ entry: BundleEntry; audit: EntryFacts }> {
  const path = `/${e.url.split('?')[0]}`;
  const query = e.url.includes('?') ? e.url.slice(e.url.indexOf('?') + 1) : undefined;
  try {
    const result = await deps.handle({ method: e.method, path, query: e.query, body: e.body, ifMatch: e.ifMatch, ifNoneExist: e.ifNoneExist });
    return {
      entry: entryOf(result.status, result.resource, result.location, result.version),
      audit: { method: e.method, path, query, status: result.status, returned: result.audit?.resource ?? result.resource, facts: result.audit },
    };
  } catch (err) {
    const refusal = err instanceof FhirError ? err : new FhirError(500, outcome('exception', 'This entry could not be done; the entries before it stand'));
    return {
      entry: { response: { status: statusLine(refusal.status), outcome: refusal.outcome } },
      audit: { method: e.method, path, query, status: refusal.status, facts: refusal.audit, error: refusal.outcome.issue?.[0]?.diagnostics ?? (err as Error).message },
    };
  }
}

async function transaction(entries: ParsedEntry[], deps: BundleDeps): Promise<BundleAnswer> {
  checkFullUrls(entries);
  for (const e of entries) {
    if (e.method === 'GET') continue;
    const def = definitionOf(e.type);
    if (!def?.councilRecord) {
      throw entryRefused(e, new FhirError(400, outcome('not-supported', `${e.type} is not written in a transaction: only the council's records are (send notices on their own, or in a batch)`)));
    }
    // Who may write is settled before anything is looked up: a search in an entry tells nothing to a client that may not write.
    try {
      requireCouncilWriter(def, deps.writeContext, WRITE_INTERACTION[e.method]);
    } catch (err) {
      throw err instanceof FhirError ? entryRefused(e, err) : err;
    }
  }
  // FHIR's order of methods; within one, what is named before what names it (a person before their package).
  const ordered = [...entries].sort((a, b) => ORDER[a.method] - ORDER[b.method] || writeRank(a.type) - writeRank(b.type) || a.index - b.index);
  const applied = new Map<number, AppliedWrite>();
  await inWriteTransaction(deps.store, async (tx) => {
    const ids = await resolveFullUrls(tx, entries, deps);
    checkOverlaps(entries);
    for (const e of ordered) {
      if (e.method === 'GET') continue;
      const def = definitionOf(e.type)!;
      const request = writeRequestOf(e, ids, def);
      try {
        applied.set(e.index, await applyCouncilWrite(tx, def, request, deps.writeContext));
      } catch (err) {
        throw err instanceof FhirError ? entryRefused(e, err) : err;
      }
    }
  });
  if ([...applied.values()].some((a) => a.changed)) await deps.store.dataChanged();
  const answered: BundleEntry[] = [];
  const audits: EntryFacts[] = [];
  for (const e of entries) {
    if (e.method === 'GET') {
      const { entry, audit } = await served(e, deps);
      answered.push(entry);
      audits.push(audit);
      continue;
    }
    const write = applied.get(e.index)!;
    const shown = await renderWrite(write, deps.store, deps.writeContext);
    const version = write.stored ? { versionId: String(write.stored.version), lastUpdated: write.stored.lastUpdated } : undefined;
    const location = write.id && write.status === 201 ? `${deps.baseUrl}/${write.def.type}/${write.id}/_history/${version?.versionId}` : undefined;
    answered.push(entryOf(write.status, shown.resource ?? shown.outcome, location, version));
    const path = `/${e.url.split('?')[0]}`;
    const query = e.url.includes('?') ? e.url.slice(e.url.indexOf('?') + 1) : undefined;
    audits.push({ method: e.method, path, query, status: write.status, returned: await auditedWrite(write, deps.store) });
  }
  return answers('transaction-response', answered, audits, deps);
}

const WRITE_INTERACTION = { POST: 'create', PUT: 'update', PATCH: 'update', DELETE: 'delete' } as const;

/** A transaction's full URLs name one entry each, as urn:uuid:/urn:oid: or an absolute URL. */
function checkFullUrls(entries: ParsedEntry[]): void {
  const seen = new Map<string, number>();
  for (const e of entries) {
    if (e.fullUrl === undefined) continue;
    if (!/^(urn:uuid:|urn:oid:|https?:\/\/)/.test(e.fullUrl)) {
      throw entryRefused(e, badRequest(`fullUrl must be urn:uuid:..., urn:oid:... or an absolute URL, not ${e.fullUrl}`, ['fullUrl']));
    }
    const first = seen.get(e.fullUrl);
    if (first !== undefined) throw entryRefused(e, badRequest(`fullUrl ${e.fullUrl} is Bundle.entry[${first}]'s too: each entry has its own`, ['fullUrl']));
    seen.set(e.fullUrl, e.index);
  }
}

/** No two writes in one transaction may be of the same resource (FHIR: overlapping identities fail). */
function checkOverlaps(entries: ParsedEntry[]): void {
  const seen = new Map<string, number>();
  for (const e of entries) {
    if (e.method === 'GET' || e.id === undefined) continue;
    const key = `${e.type}/${e.id}`;
    const first = seen.get(key);
    if (first !== undefined) {
      throw entryRefused(e, badRequest(`${key} is written by Bundle.entry[${first}] too: a transaction writes each resource once`));
    }
    seen.set(key, e.index);
  }
}


/**
 * The id of every entry other entries may refer to by its full URL (urn:uuid:...), and of every
 * conditional reference, found before anything is written: a POST's is the record its
 * If-None-Exist finds, or its own reference, or a new one; a PUT's is its URL's id or what its
 * search finds. Every reference to them in every entry is then rewritten to Type/id.
 */
async function resolveFullUrls(tx: SqlExecutor, entries: ParsedEntry[], deps: BundleDeps): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  const conditions = new Map<string, number>();
  for (const e of entries) {
    const condition = e.method === 'POST' ? e.ifNoneExist : e.method === 'PUT' && e.id === undefined ? e.url.slice(e.url.indexOf('?') + 1) : undefined;
    if (condition !== undefined) {
      const key = `${e.type}?${condition}`;
      const first = conditions.get(key);
      if (first !== undefined) throw entryRefused(e, badRequest(`Bundle.entry[${first}] has the same condition (${key}): a transaction writes each resource once`));
      conditions.set(key, e.index);
    }
    if (e.method === 'GET' || e.method === 'DELETE') continue;
    const def = definitionOf(e.type)!;
    let id = e.id;
    // A body that is not a resource at all is refused when its entry is applied.
    if (!isObject(e.body)) continue;
    try {
      if (e.method === 'POST') {
        const found = e.ifNoneExist === undefined ? undefined : await conditionalMatch(tx, def, deps.writeContext, queryOf(e.ifNoneExist, 'ifNoneExist'), 'request.ifNoneExist');
        id = found ?? createdId(mappingOf(def), e.body as unknown as Resource);
      } else if (e.method === 'PUT' && id === undefined) {
        const body = e.body as { id?: unknown };
        id = (await conditionalMatch(tx, def, deps.writeContext, e.query, 'request.url')) ?? (typeof body?.id === 'string' ? body.id : undefined) ?? createdId(mappingOf(def), e.body as unknown as Resource);
      }
    } catch (err) {
      throw err instanceof FhirError ? entryRefused(e, err) : err;
    }
    if (id === undefined) continue;
    e.id = id;
    if (e.fullUrl) ids.set(e.fullUrl, `${e.type}/${id}`);
  }
  for (const e of entries) {
    if (e.body === undefined) continue;
    try {
      e.body = await rewriteReferences(e.body, ids, tx, deps);
    } catch (err) {
      throw err instanceof FhirError ? entryRefused(e, err) : err;
    }
  }
  return ids;
}

/** Every `reference` naming an entry's full URL, or a search (Patient?identifier=...), as Type/id. */
async function rewriteReferences(value: unknown, ids: Map<string, string>, tx: SqlExecutor, deps: BundleDeps): Promise<unknown> {
  if (Array.isArray(value)) return Promise.all(value.map((v) => rewriteReferences(v, ids, tx, deps)));
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'reference' && typeof v === 'string') out[k] = await resolvedReference(v, ids, tx, deps);
    else out[k] = await rewriteReferences(v, ids, tx, deps);
  }
  return out;
}

async function resolvedReference(reference: string, ids: Map<string, string>, tx: SqlExecutor, deps: BundleDeps): Promise<string> {
  const local = ids.get(reference);
  if (local) return local;
  if (reference.startsWith('urn:uuid:')) {
    throw badRequest(`The reference ${reference} names no entry of this Bundle (no entry has it as its fullUrl)`);
  }
  const conditional = /^([A-Z][A-Za-z]+)\?(.+)$/.exec(reference);
  if (!conditional) return reference;
  const def = definitionOf(conditional[1]);
  if (!def?.councilRecord) throw badRequest(`The conditional reference ${reference} names a type that is not one of the council's records`);
  const found = await conditionalMatch(tx, def, deps.writeContext, queryOf(conditional[2], 'the reference'), `the reference ${reference}`);
  if (!found) throw new FhirError(412, outcome('not-found', `The conditional reference ${reference} matches no ${def.type}`));
  return `${def.type}/${found}`;
}

function writeRequestOf(e: ParsedEntry, _ids: Map<string, string>, def: ResourceDefinition): WriteRequest {
  const method = e.method as WriteRequest['method'];
  if (method === 'POST') return { method, body: e.body, ifNoneExist: e.ifNoneExist, assignedId: e.id };
  if (method === 'PATCH') return { method, id: e.id, body: patchBody(e, def), ifMatch: e.ifMatch };
  // A conditional update's id was found before anything was written: its body is sent under it.
  const body = method === 'PUT' && Object.keys(e.query).length && isObject(e.body) && e.body.id === undefined ? { ...e.body, id: e.id } : e.body;
  return { method, id: e.id, query: e.id === undefined ? e.query : undefined, body, ifMatch: e.ifMatch };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

/** A PATCH entry carries its JSON Patch as a Binary (FHIR R4 has no other way to put one in a Bundle). */
function patchBody(e: ParsedEntry, def: ResourceDefinition): unknown {
  const binary = e.body as Binary | undefined;
  if (binary?.resourceType !== 'Binary' || !/json-patch\+json/.test(binary.contentType ?? '') || typeof binary.data !== 'string') {
    throw entryRefused(e, badRequest(`A PATCH entry of ${def.type} carries a Binary with contentType application/json-patch+json and the patch in data (base64)`));
  }
  try {
    return JSON.parse(Buffer.from(binary.data, 'base64').toString('utf8'));
  } catch {
    throw entryRefused(e, badRequest('The Binary of a PATCH entry does not hold a JSON Patch document (base64 of a JSON array)'));
  }
}

function bundleOf(body: unknown): Bundle {
  if (!body || typeof body !== 'object' || Array.isArray(body) || (body as Resource).resourceType !== 'Bundle') {
    throw badRequest('POST [base] takes a Bundle of type transaction or batch', ['Bundle']);
  }
  const bundle = body as Bundle;
  if (bundle.type !== 'transaction' && bundle.type !== 'batch') {
    throw badRequest(`Bundle.type must be transaction or batch, not ${JSON.stringify(bundle.type ?? null)}`, ['Bundle.type']);
  }
  if (bundle.entry !== undefined && !Array.isArray(bundle.entry)) throw badRequest('Bundle.entry must be a list', ['Bundle.entry']);
  if ((bundle.entry?.length ?? 0) > MAX_BUNDLE_ENTRIES) {
    throw new FhirError(413, outcome('too-costly', `A Bundle may hold at most ${MAX_BUNDLE_ENTRIES} entries (this one holds ${bundle.entry!.length}): load more with $import`));
  }
  return bundle;
}

function parseEntry(entry: BundleEntry, index: number, baseUrl: string): ParsedEntry {
  const at = `Bundle.entry[${index}]`;
  const request = entry?.request;
  if (!request || typeof request !== 'object') throw badRequest(`${at} has no request (method and url)`, [`${at}.request`]);
  const method = request.method as Method;
  if (!METHODS.includes(method)) throw badRequest(`${at}.request.method must be one of ${METHODS.join(', ')}`, [`${at}.request.method`]);
  if (typeof request.url !== 'string' || !request.url) throw badRequest(`${at}.request.url is required`, [`${at}.request.url`]);
  for (const name of ['ifMatch', 'ifNoneExist', 'ifNoneMatch', 'ifModifiedSince'] as const) {
    if (request[name] !== undefined && typeof request[name] !== 'string') throw badRequest(`${at}.request.${name} must be a string`, [`${at}.request.${name}`]);
  }
  if (entry.fullUrl !== undefined && typeof entry.fullUrl !== 'string') throw badRequest(`${at}.fullUrl must be a string`, [`${at}.fullUrl`]);
  const url = request.url.startsWith(`${baseUrl}/`) ? request.url.slice(baseUrl.length + 1) : request.url.replace(/^\//, '');
  const [path, search] = splitOnce(url, '?');
  const [type, id, extra] = path.split('/');
  if (!type || extra !== undefined || !definitionOf(type)) {
    if (method !== 'GET' || !type) throw badRequest(`${at}.request.url must be [type], [type]/[id] or [type]?search of a type this facade serves, not ${request.url}`, [`${at}.request.url`]);
  }
  if ((method === 'PUT' || method === 'DELETE') && id === undefined && !search) {
    throw badRequest(`${at}: ${method} needs an id or a search in request.url`, [`${at}.request.url`]);
  }
  if (method === 'PATCH' && id === undefined) throw badRequest(`${at}: PATCH needs an id in request.url`, [`${at}.request.url`]);
  if ((method === 'POST' || method === 'PUT' || method === 'PATCH') && !entry.resource) throw badRequest(`${at} has no resource`, [`${at}.resource`]);
  return {
    index,
    method,
    url,
    type,
    id: id || undefined,
    query: search ? queryOf(search, `${at}.request.url`) : {},
    fullUrl: typeof entry.fullUrl === 'string' ? entry.fullUrl : undefined,
    body: entry.resource,
    ifMatch: request.ifMatch,
    ifNoneExist: request.ifNoneExist,
  };
}

/** A transaction's refusal: the entry's own, with the entry named so the sender can find it. */
function entryRefused(e: ParsedEntry, err: FhirError): FhirError {
  const named: OperationOutcome = {
    ...err.outcome,
    issue: (err.outcome.issue ?? []).map((issue) => ({
      ...issue,
      diagnostics: `Bundle.entry[${e.index}] (${e.method} ${e.url}): ${issue.diagnostics ?? issue.details?.text ?? ''}`.trim(),
      expression: [`Bundle.entry[${e.index}]`, ...(issue.expression ?? [])],
    })),
  };
  const refused = new FhirError(err.status, named, err.headers);
  // The people a refusal withheld are recorded all the same.
  if (err.audit) Object.defineProperty(refused, 'audit', { value: err.audit });
  return refused;
}

function entryOf(status: number, resource: Resource | undefined, location: string | undefined, version: { versionId: string; lastUpdated: string } | undefined): BundleEntry {
  const response: BundleEntryResponse = { status: statusLine(status) };
  if (location) response.location = location;
  if (version) {
    response.etag = `W/"${version.versionId}"`;
    response.lastModified = version.lastUpdated;
  }
  if (resource?.resourceType === 'OperationOutcome') return { response: { ...response, outcome: resource } };
  return resource ? { resource, response } : { response };
}

/** The response Bundle, shaped by Prefer: return (resources by default; only statuses; or an outcome each). */
function answers(type: 'batch-response' | 'transaction-response', entries: BundleEntry[], audits: EntryFacts[], deps: BundleDeps): BundleAnswer {
  const shaped =
    deps.preferReturn === 'minimal'
      ? entries.map((e) => ({ response: e.response }))
      : deps.preferReturn === 'OperationOutcome'
        ? entries.map((e) => ({ response: { ...e.response!, outcome: e.response?.outcome ?? outcome('informational', e.response!.status, 'information') } }))
        : entries;
  return { bundle: { resourceType: 'Bundle', type, entry: shaped }, entries: audits };
}

const REASONS: Record<number, string> = {
  200: 'OK', 201: 'Created', 204: 'No Content', 304: 'Not Modified', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden',
  404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict', 410: 'Gone', 412: 'Precondition Failed', 413: 'Payload Too Large',
  422: 'Unprocessable Entity', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable',
};

function statusLine(status: number): string {
  return REASONS[status] ? `${status} ${REASONS[status]}` : String(status);
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const i = text.indexOf(separator);
  return i < 0 ? [text, undefined] : [text.slice(0, i), text.slice(i + 1)];
}
