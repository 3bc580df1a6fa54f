import { Bundle, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { Store } from '../store/store';
import { capabilityStatement, CapabilityOptions } from './capability';
import { RequestContext } from '../access/context';
import { bearerChallenge, FhirError, InsufficientScope, outcome } from './outcome';
import { recodeSpine, SpineCode, withSpineCodes } from './spineCodes';
import { read } from './read';
import { HistoryOptions, instanceHistory, typeHistory, vread } from './history';
import { ResourceDefinition, WriteContext, WriteResult } from './definition';
import { CachedLookup, LookupCache } from './lookupCache';
import { isPublicPath, resolveRoute, ResolvedRoute, RouteHandler } from './routes';
import { search } from './search';
import { ConformanceResources, conformanceResources } from './conformance';
import { searchRestriction } from './scoping';
import { validateOperation } from './validate';
import { PagingLimits } from './searchQuery';
import { AuditFacts } from '../audit/auditFacts';
import { applyCouncilWrite, auditedWrite, inWriteTransaction, renderWrite, WriteRequest } from './councilWrites';
import { processBundle } from './bundleRequests';

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

/** A route's handler: given the request and what its path resolved to. */
type Handler = (req: FhirRequest, to: ResolvedRoute) => FhirResult | Promise<FhirResult>;

/**
 * Serves a FhirRequest: resolves it through the route table (routes.ts) and calls the route's
 * handler (capabilities, search, read, create, update, patch, $validate, and the conformance
 * resources). Errors are thrown as FhirError values carrying their OperationOutcome.
 */
export class FhirRouter {
  private readonly capability: Resource;
  /** profiles/, read once: served as StructureDefinition, CodeSystem and ValueSet. */
  private readonly conformance: ConformanceResources;
  private readonly handlers: Record<RouteHandler, Handler>;

  constructor(private readonly opts: FhirRouterOptions) {
    this.capability = capabilityStatement({ ...opts.capability, baseUrl: opts.baseUrl });
    this.conformance = conformanceResources();
    this.handlers = {
      capabilities: () => ({ status: 200, resource: this.capability }),
      'conformance-search': (req, to) => ({
        status: 200,
        resource: withBundleSpineCodes(
          this.conformance.search(to.conformance!, mergeParams(req.query, req.form), {
            baseUrl: this.opts.baseUrl,
            strict: req.strict,
            limits: this.opts,
          }),
        ),
      }),
      'conformance-read': (_req, to) => ({ status: 200, resource: this.conformance.read(to.conformance!.type, to.id!) }),
      search: (req, to) => {
        const query = mergeParams(req.query, req.form);
        return this.cached(to.def!, req, query, async () => {
          const { bundle, withheld } = await search(to.def!, query, {
            ...this.common(req),
            baseUrl: this.opts.baseUrl,
            strict: req.strict,
            limits: this.opts,
          });
          return { resource: withBundleSpineCodes(bundle), withheld };
        });
      },
      read: (req, to) =>
        this.cached(to.def!, req, {}, async () => {
          const resource = await read(to.def!, to.id!, this.common(req));
          return { resource, version: { versionId: resource.meta!.versionId!, lastUpdated: resource.meta!.lastUpdated! } };
        }),
      vread: async (req, to) => {
        const { resource, version } = await vread(to.def!, to.id!, to.versionId!, this.historyOptions(req));
        return { status: 200, resource, version };
      },
      'history-instance': async (req, to) => ({ status: 200, resource: await instanceHistory(to.def!, to.id!, req.query, this.historyOptions(req)) }),
      'history-type': async (req, to) => ({ status: 200, resource: await typeHistory(to.def!, req.query, this.historyOptions(req)) }),
      validate: (req, to) => {
        // Validating shows what the facade makes of a resource of the type: it needs read access to it.
        searchRestriction(to.def!, this.common(req), 'read');
        return { status: 200, resource: validateOperation(to.def!, req.query, req.body) };
      },
      create: async (req, to) =>
        to.def!.councilRecord
          ? this.councilWrite(req, to.def!, { method: 'POST', body: req.body, ifNoneExist: req.ifNoneExist })
          : this.writeResponse(to.def!.type, await to.def!.writes!.create!(req.body, this.writeContext(req), req.ifNoneExist), req.preferReturn),
      update: async (req, to) =>
        to.def!.councilRecord
          ? this.councilWrite(req, to.def!, { method: 'PUT', id: to.id, body: req.body, ifMatch: req.ifMatch })
          : this.writeResponse(to.def!.type, await to.def!.writes!.update!(to.id!, req.body, this.writeContext(req), req.ifMatch), req.preferReturn),
      'conditional-update': (req, to) => this.councilWrite(req, to.def!, { method: 'PUT', query: req.query, body: req.body, ifMatch: req.ifMatch }),
      patch: async (req, to) =>
        to.def!.councilRecord
          ? this.councilWrite(req, to.def!, { method: 'PATCH', id: to.id, body: req.body, ifMatch: req.ifMatch })
          : this.writeResponse(to.def!.type, await to.def!.writes!.patch!(to.id!, req.body, this.writeContext(req), req.ifMatch), req.preferReturn),
      delete: (req, to) => this.councilWrite(req, to.def!, { method: 'DELETE', id: to.id, ifMatch: req.ifMatch }),
      'conditional-delete': (req, to) => this.councilWrite(req, to.def!, { method: 'DELETE', query: req.query, ifMatch: req.ifMatch }),
      bundle: async (req) => {
        const { bundle, entries } = await processBundle(req.body, {
          store: this.opts.store,
          baseUrl: this.opts.baseUrl,
          context: req.context,
          writeContext: this.writeContext(req),
          preferReturn: req.preferReturn,
          handle: (entry) => this.handle({ ...req, ...entry, form: undefined, strict: req.strict, preferReturn: undefined }),
        });
        const interaction = bundle.type === 'batch-response' ? ('batch' as const) : undefined;
        return { status: 200, resource: bundle, audit: { interaction, entries } };
      },
    };
  }

  /** Paths answered without a caller, as the route table marks them: metadata and the conformance resources. */
  isPublicPath(path: string): boolean {
    return isPublicPath(path);
  }

  async handle(req: FhirRequest): Promise<FhirResult> {
    const to = resolveRoute(req.method, req.path);
    try {
      return await this.handlers[to.route.handler](req, to);
    } catch (err) {
      throw err instanceof FhirError ? this.refined(err, to.route.handler) : err;
    }
  }

  /**
   * A refusal as the interaction knows it: the Spine code refined by what was being done (a value
   * refused in a search is INVALID_SEARCH_DATA; in an update or patch, INVALID_UPDATE; a 403 on a
   * change for any reason but scope, FORBIDDEN_UPDATE), and a refusal for scope with its RFC 6750
   * challenge, whose realm is the FHIR base.
   */
  private refined(err: FhirError, handler: RouteHandler): FhirError {
    if (err instanceof InsufficientScope) {
      err.headers['WWW-Authenticate'] = bearerChallenge(this.opts.baseUrl, {
        error: 'insufficient_scope',
        error_description: err.message,
        scope: err.scope,
      });
      return err;
    }
    const refinement = REFINEMENTS[handler]?.find((r) => r.status === err.status);
    if (!refinement) return err;
    const refinedError = new FhirError(err.status, recodeSpine(err.outcome, refinement.from, refinement.to), err.headers);
    if (err.audit) Object.defineProperty(refinedError, 'audit', { value: err.audit });
    return refinedError;
  }

  /** What the search, read and write layers need to know of the request: the store, the caller and its access. */
  private common(req: FhirRequest) {
    return {
      store: this.opts.store,
      view: req.context.view,
      access: req.context.access,
      caller: req.context.caller,
      council: this.opts.council,
    };
  }

  /** What vread and _history need: a read's, with the paging of a search. */
  private historyOptions(req: FhirRequest): HistoryOptions {
    return { ...this.common(req), baseUrl: this.opts.baseUrl, strict: req.strict, limits: this.opts };
  }

  private writeContext(req: FhirRequest): WriteContext {
    return { ...this.common(req), preferReturn: req.preferReturn };
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

  /**
   * One write of the council's records, in a transaction of its own: applied, committed, every
   * instance told (when anything changed), then rendered for the caller.
   */
  private async councilWrite(req: FhirRequest, def: ResourceDefinition, write: WriteRequest): Promise<FhirResult> {
    const ctx = this.writeContext(req);
    const applied = await inWriteTransaction(this.opts.store, (tx) => applyCouncilWrite(tx, def, write, ctx));
    if (applied.changed) await this.opts.store.dataChanged();
    const shown = await renderWrite(applied, this.opts.store, ctx);
    const stored = applied.stored;
    const response = this.writeResponse(
      def.type,
      {
        status: applied.status,
        resource: applied.status === 204 ? undefined : (shown.resource ?? shown.outcome),
        version: stored ? { versionId: String(stored.version), lastUpdated: stored.lastUpdated } : undefined,
        createdId: applied.status === 201 ? applied.id : undefined,
      },
      req.preferReturn,
    );
    // The access record names what was written (or deleted) even when the answer shows less.
    return { ...response, audit: { resource: (await auditedWrite(applied, this.opts.store)) ?? response.audit?.resource } };
  }

  /** The response to a write, shaped by Prefer: return (the representation by default), with Location for 201. */
  private writeResponse(type: string, result: WriteResult, preferReturn: FhirRequest['preferReturn']): FhirResult {
    const location = result.createdId
      ? `${this.opts.baseUrl}/${type}/${result.createdId}/_history/${result.version?.versionId}`
      : undefined;
    const resource =
      preferReturn === 'minimal'
        ? undefined
        : preferReturn === 'OperationOutcome'
          ? outcome('informational', result.status === 201 ? `Created ${type}/${result.createdId}` : 'Done', 'information')
          : result.resource;
    return { status: result.status, resource: result.status === 204 ? undefined : resource, audit: { resource: result.resource }, location, version: result.version };
  }
}

interface Refinement {
  status: number;
  from: SpineCode[];
  to: SpineCode;
}

const VALUE_CODES: SpineCode[] = ['INVALID_VALUE', 'UNSUPPORTED_VALUE', 'MISSING_VALUE', 'TOO_MANY_VALUES_SUBMITTED', 'TOO_FEW_VALUES_SUBMITTED'];
const SEARCH_REFINEMENTS: Refinement[] = [{ status: 400, from: VALUE_CODES, to: 'INVALID_SEARCH_DATA' }];
const CHANGE_REFINEMENTS: Refinement[] = [
  { status: 400, from: ['INVALID_VALUE', 'UNSUPPORTED_VALUE'], to: 'INVALID_UPDATE' },
  { status: 403, from: ['ACCESS_DENIED'], to: 'FORBIDDEN_UPDATE' },
];

/** How an interaction refines the Spine code of its refusals (spineCodes.ts maps the rest). */
const REFINEMENTS: Partial<Record<RouteHandler, Refinement[]>> = {
  search: SEARCH_REFINEMENTS,
  'conformance-search': SEARCH_REFINEMENTS,
  // A history's _since, _count and _offset are refused as a search's are.
  'history-instance': SEARCH_REFINEMENTS,
  'history-type': SEARCH_REFINEMENTS,
  update: CHANGE_REFINEMENTS,
  'conditional-update': CHANGE_REFINEMENTS,
  patch: CHANGE_REFINEMENTS,
  delete: CHANGE_REFINEMENTS,
  'conditional-delete': CHANGE_REFINEMENTS,
};

/** A search's warnings (parameters ignored, people withheld) carry their Spine codes like any refusal. */
function withBundleSpineCodes(bundle: Bundle): Bundle {
  if (!bundle.entry?.some((e) => e.search?.mode === 'outcome')) return bundle;
  return {
    ...bundle,
    entry: bundle.entry.map((e) => {
      if (e.search?.mode !== 'outcome') return e;
      const coded = recodeSpine(withSpineCodes(e.resource as OperationOutcome, 200), ['UNSUPPORTED_VALUE'], 'INVALID_SEARCH_DATA');
      return { ...e, resource: coded };
    }),
  };
}

function mergeParams(a: Record<string, string[]>, b: Record<string, string[]> | undefined): Record<string, string[]> {
  if (!b) return a;
  const out: Record<string, string[]> = Object.assign(Object.create(null), a);
  for (const [k, v] of Object.entries(b)) out[k] = [...(out[k] ?? []), ...v];
  return out;
}
