import { isFhirResourceType } from './resourceTypes';
import { Resource } from '@medplum/fhirtypes';
import { Store } from '../store/store';
import { capabilityStatement, CapabilityOptions } from './capability';
import { AccessPolicy, View } from './context';
import { FhirError, notFound, outcome } from './outcome';
import { read } from './read';
import { definitionOf } from './registry';
import { search } from './search';
import { PagingLimits } from './searchQuery';

/** Who is asking and what they may see; set at the HTTP edge (by the authorisation layer). */
export interface RequestContext {
  view: View;
  access: AccessPolicy;
}

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
}

export interface FhirResult {
  status: number;
  resource: Resource;
  /** For reads: the version and time of the last change, for ETag and Last-Modified. */
  version?: { versionId: string; lastUpdated: string };
}

export interface FhirRouterOptions extends PagingLimits {
  store: Store;
  baseUrl: string;
  capability: Omit<CapabilityOptions, 'baseUrl'>;
}

/**
 * Routes a FhirRequest to the read, search or metadata handler. Errors are thrown as FhirError
 * values carrying their OperationOutcome.
 */
export class FhirRouter {
  private readonly capability: Resource;

  constructor(private readonly opts: FhirRouterOptions) {
    this.capability = capabilityStatement({ ...opts.capability, baseUrl: opts.baseUrl });
  }

  async handle(req: FhirRequest): Promise<FhirResult> {
    const segments = req.path.split('/').filter(Boolean).map(decodeURIComponent);
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    if (segments.length === 1 && segments[0] === 'metadata') {
      requireMethod(method, ['GET'], req.path);
      return { status: 200, resource: this.capability };
    }
    const [type, id, extra] = segments;
    if (!type) throw notFound('Nothing here: name a resource type, e.g. /Patient?identifier=...');
    const def = definitionOf(type);
    if (!def) {
      throw isFhirResourceType(type)
        ? new FhirError(404, outcome('not-supported', `Resource type ${type} is not served by this facade`))
        : notFound(`Unknown resource type "${type}"`);
    }
    const common = { store: this.opts.store, view: req.context.view, access: req.context.access };
    if (id === undefined || (id === '_search' && extra === undefined)) {
      requireMethod(method, id === '_search' ? ['POST', 'GET'] : ['GET'], req.path);
      const query = mergeParams(req.query, req.form);
      const bundle = await search(def, query, {
        ...common,
        baseUrl: this.opts.baseUrl,
        strict: req.strict,
        limits: this.opts,
      });
      return { status: 200, resource: bundle };
    }
    if (extra === undefined) {
      requireMethod(method, ['GET'], req.path);
      const resource = await read(def, id, common);
      return {
        status: 200,
        resource,
        version: { versionId: resource.meta!.versionId!, lastUpdated: resource.meta!.lastUpdated! },
      };
    }
    throw notFound(`No such interaction: ${req.path}`);
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
  const out: Record<string, string[]> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = [...(out[k] ?? []), ...v];
  return out;
}
