import { isFhirResourceType } from './resourceTypes';
import { Resource } from '@medplum/fhirtypes';
import { Store } from '../store/store';
import { capabilityStatement, CapabilityOptions } from './capability';
import { RequestContext } from '../access/context';
import { badRequest, FhirError, notFound, outcome } from './outcome';
import { read } from './read';
import { definitionOf } from './registry';
import { ResourceDefinition, WriteResult } from './definition';
import { CachedLookup, LookupCache } from './lookupCache';
import { search } from './search';
import { conformanceDefinitionOf, ConformanceDefinition, ConformanceResources, conformanceResources, isConformancePath } from './conformance';
import { searchRestriction } from './scoping';
import { validateOperation } from './validate';
import { PagingLimits } from './searchQuery';
import { AuditFacts } from '../audit/auditFacts';

/** A FHIR request as plain data, so handlers can be exercised without HTTP. */
export interface FhirRequest {
  method: string;
  /** The path below the FHIR base, e.g. "/Patient/123". */
  path: string;
  query: Record<string, string[]>;
  /** For POST [type]/_search: the form parameters. */
  form?: Record<string, string[]>;
  /** Prefer: handling=strict refuses unknown search parameters. */
  strict: boolean;
  context: RequestContext;
  /** The parsed JSON body of a create, update, patch or $validate. */
  body?: unknown;
  ifMatch?: string;
  ifNoneExist?: string;
  preferReturn?: 'minimal' | 'representation' | 'OperationOutcome';
}

export interface FhirResult {
  status: number;
  /** Absent for Prefer: return=minimal. */
  resource?: Resource;
  /** The resource already serialised (a cached lookup), to send as it is. */
  json?: string;
  /**
   * For the audit trail, what the response itself does not show: what was written when the
   * response carries less (return=minimal), and the restricted people the request reached but was
   * not shown (audited and notified all the same).
   */
  audit?: AuditFacts;
  /** For 201 Created: where the new resource lives. */
  location?: string;
  /** For reads: the version and time of the last change, for ETag and Last-Modified. */
  version?: { versionId: string; lastUpdated: string };
}

export interface FhirRouterOptions extends PagingLimits {
  /** Recent answers to lookups; without one, every request is computed. */
  lookupCache?: LookupCache;
  store: Store;
  baseUrl: string;
  council: { odsCode: string; intakeTeamId: string };
  capability: Omit<CapabilityOptions, 'baseUrl'>;
}

/**
 * Routes a FhirRequest to the read, search or metadata handler. Errors are thrown as FhirError
 * values carrying their OperationOutcome.
 */
export class FhirRouter {
  private readonly capability: Resource;
  /** profiles/, read once: served as StructureDefinition, CodeSystem and ValueSet. */
  private readonly conformance: ConformanceResources;

  constructor(private readonly opts: FhirRouterOptions) {
    this.capability = capabilityStatement({ ...opts.capability, baseUrl: opts.baseUrl });
    this.conformance = conformanceResources();
  }

  /** Paths answered without a caller: the CapabilityStatement and the conformance resources. */
  isPublicPath(path: string): boolean {
    return path === '/metadata' || isConformancePath(path);
  }

  /** Read and search of the conformance resources (profiles, code systems, value sets). */
  private handleConformance(def: ConformanceDefinition, method: string, req: FhirRequest, id?: string, extra?: string): FhirResult {
    if (id === undefined || (id === '_search' && extra === undefined)) {
      requireMethod(method, id === '_search' ? ['POST', 'GET'] : ['GET'], req.path);
      const query = mergeParams(req.query, req.form);
      return { status: 200, resource: this.conformance.search(def, query, { baseUrl: this.opts.baseUrl, strict: req.strict, limits: this.opts }) };
    }
    if (extra !== undefined) throw notFound(`No such interaction: ${req.path}`);
    requireMethod(method, ['GET'], req.path);
    return { status: 200, resource: this.conformance.read(def.type, id) };
  }

  /**
   * Serves a lookup from the cache when the same caller asked the same question moments ago. Only
   * for types nothing writes through the API (the write-side types and the growing audit trail are
   * always computed). Refusals are never cached: they are thrown, not returned.
   */
  private async cached(
    def: ResourceDefinition,
    req: FhirRequest,
    query: Record<string, string[]>,
    compute: () => Promise<CachedLookup>,
  ): Promise<FhirResult> {
    const cache = this.opts.lookupCache;
    const caller = req.context.caller;
    const cacheable = cache?.enabled && caller && !def.writes && !def.newestFirstBy;
    const key = cacheable
      ? JSON.stringify([req.path, Object.entries(query).sort(), req.strict, req.context.view, caller.scope, caller.organization, caller.patient])
      : '';
    const hit = cacheable ? cache!.get(key) : undefined;
    if (hit) return { status: 200, resource: hit.resource, json: hit.json, audit: { withheld: hit.withheld }, version: hit.version };
    const generation = this.opts.store.dataGeneration;
    const answer = await compute();
    // Serialised once and kept: a cached answer, Bundle.timestamp included, is sent as it was assembled.
    const json = cacheable ? JSON.stringify(answer.resource) : undefined;
    // An answer computed across a data change may hold rows from before it: sent, but not kept.
    if (cacheable && generation === this.opts.store.dataGeneration) cache!.set(key, { ...answer, json });
    return { status: 200, resource: answer.resource, json, audit: { withheld: answer.withheld }, version: answer.version };
  }

  /** A write's response, shaped by Prefer: return (representation by default). */
  private written(type: string, result: WriteResult, preferReturn: FhirRequest['preferReturn']): FhirResult {
    const location = result.createdId
      ? `${this.opts.baseUrl}/${type}/${result.createdId}/_history/${result.version?.versionId}`
      : undefined;
    const resource =
      preferReturn === 'minimal'
        ? undefined
        : preferReturn === 'OperationOutcome'
          ? outcome('informational', result.status === 201 ? `Created ${type}/${result.createdId}` : 'Done', 'information')
          : result.resource;
    return { status: result.status, resource, audit: { resource: result.resource }, location, version: result.version };
  }

  async handle(req: FhirRequest): Promise<FhirResult> {
    const segments = req.path.split('/').filter(Boolean).map(decodeSegment);
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    if (segments.length === 1 && segments[0] === 'metadata') {
      requireMethod(method, ['GET'], req.path);
      return { status: 200, resource: this.capability };
    }
    const [type, id, extra] = segments;
    if (!type) throw notFound('Nothing here: name a resource type, e.g. /Patient?identifier=...');
    const conformanceDef = conformanceDefinitionOf(type);
    if (conformanceDef) return this.handleConformance(conformanceDef, method, req, id, extra);
    const def = definitionOf(type);
    if (!def) {
      throw isFhirResourceType(type)
        ? new FhirError(404, outcome('not-supported', `Resource type ${type} is not served by this facade`))
        : notFound(`Unknown resource type "${type}"`);
    }
    const common = {
      store: this.opts.store,
      view: req.context.view,
      access: req.context.access,
      caller: req.context.caller,
      council: this.opts.council,
    };
    const writes = def.writes;
    if (id === undefined && method === 'POST' && writes?.create) {
      const result = await writes.create(req.body, { ...common, preferReturn: req.preferReturn }, req.ifNoneExist);
      return this.written(def.type, result, req.preferReturn);
    }
    if (id === '$validate' && extra === undefined) {
      requireMethod(method, ['POST'], req.path);
      // Validating shows what the facade makes of a resource of the type: it needs read access to it.
      searchRestriction(def, common, 'read');
      return { status: 200, resource: validateOperation(def, req.query, req.body) };
    }
    if (id !== undefined && id !== '_search' && extra === undefined && (method === 'PUT' || method === 'PATCH')) {
      const handler = method === 'PUT' ? writes?.update : writes?.patch;
      if (!handler) requireMethod(method, ['GET', ...(writes?.update ? ['PUT'] : []), ...(writes?.patch ? ['PATCH'] : [])], req.path);
      const result = await handler!(id, req.body, { ...common, preferReturn: req.preferReturn }, req.ifMatch);
      return this.written(def.type, result, req.preferReturn);
    }
    if (id === undefined || (id === '_search' && extra === undefined)) {
      const allowed = id === '_search' ? ['POST', 'GET'] : ['GET', ...(writes?.create ? ['POST'] : [])];
      requireMethod(method, allowed, req.path);
      const query = mergeParams(req.query, req.form);
      return this.cached(def, req, query, async () => {
        const { bundle, withheld } = await search(def, query, {
          ...common,
          baseUrl: this.opts.baseUrl,
          strict: req.strict,
          limits: this.opts,
        });
        return { resource: bundle, withheld };
      });
    }
    if (extra === undefined) {
      requireMethod(method, ['GET', ...(writes?.update ? ['PUT'] : []), ...(writes?.patch ? ['PATCH'] : [])], req.path);
      return this.cached(def, req, {}, async () => {
        const resource = await read(def, id, common);
        return { resource, version: { versionId: resource.meta!.versionId!, lastUpdated: resource.meta!.lastUpdated! } };
      });
    }
    throw notFound(`No such interaction: ${req.path}`);
  }
}

/** A path segment as written; percent-encoding that does not decode is the caller's mistake. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest(`The URL path segment "${segment}" is not valid percent-encoding`);
  }
}

function requireMethod(method: string, allowed: string[], path: string) {
  if (!allowed.includes(method)) {
    throw new FhirError(405, outcome('not-supported', `${method} is not supported on ${path}; use ${allowed.join(' or ')}`), {
      Allow: allowed.join(', '),
    });
  }
}

function mergeParams(a: Record<string, string[]>, b: Record<string, string[]> | undefined): Record<string, string[]> {
  if (!b) return a;
  const out: Record<string, string[]> = Object.assign(Object.create(null), a);
  for (const [k, v] of Object.entries(b)) out[k] = [...(out[k] ?? []), ...v];
  return out;
}
