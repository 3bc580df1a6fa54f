/**
 * The route table: which method on which path below the FHIR base is served, by what, and whether
 * it needs a caller. Which routes a resource type has comes from its definition in the registry
 * (writes.create adds POST [type], writes.update PUT [type]/[id], writes.patch PATCH [type]/[id]),
 * so the 405 Allow lists, the routes and the CapabilityStatement cannot disagree. Every type has
 * vread and history (its versions are kept: store/recordHistory.ts). The conformance resources
 * (StructureDefinition, CodeSystem, ValueSet) are routes too: read and search, public, unversioned.
 */
import { CONFORMANCE_DEFINITIONS, ConformanceDefinition, conformanceDefinitionOf } from './conformance';
import { ResourceDefinition } from './definition';
import { badRequest, FhirError, notFound, outcome } from './outcome';
import { definitionOf, RESOURCE_DEFINITIONS } from './registry';
import { isFhirResourceType } from './resourceTypes';

/** Path shapes below the FHIR base, in the notation of the FHIR REST API. */
export type RoutePattern =
  | '[base]'
  | 'metadata'
  | '[type]'
  | '[type]/_search'
  | '[type]/$validate'
  | '[type]/_history'
  | '[type]/[id]'
  | '[type]/[id]/_history'
  | '[type]/[id]/_history/[vid]';

/** What answers a route: FhirRouter holds one function for each. */
export type RouteHandler =
  | 'capabilities'
  | 'search'
  | 'create'
  | 'validate'
  | 'read'
  | 'vread'
  | 'history-instance'
  | 'history-type'
  | 'update'
  | 'conditional-update'
  | 'patch'
  | 'delete'
  | 'conditional-delete'
  | 'bundle'
  | 'conformance-search'
  | 'conformance-read';

export interface Route {
  pattern: RoutePattern;
  method: string;
  handler: RouteHandler;
  /** Answered without a caller: the route holds no one's data. */
  public: boolean;
}

/** A route of the resource types, with the part of a definition it needs (absent: every type has it). */
type WritesOf = Pick<ResourceDefinition, 'writes' | 'councilRecord'>;

interface ResourceRoute extends Route {
  servedFor?(def: WritesOf): boolean;
}

const METADATA_ROUTE: Route = { pattern: 'metadata', method: 'GET', handler: 'capabilities', public: true };
/** POST [base]: a transaction or batch Bundle, each entry checked as if it came on its own. */
const BUNDLE_ROUTE: Route = { pattern: '[base]', method: 'POST', handler: 'bundle', public: false };

const councilRecord = (def: WritesOf) => !!def.councilRecord;
const deletable = (def: WritesOf) => !!def.councilRecord?.deletion;

// Within a pattern, the order here is the order of the Allow header.
const RESOURCE_ROUTES: ResourceRoute[] = [
  { pattern: '[type]', method: 'GET', handler: 'search', public: false },
  { pattern: '[type]', method: 'POST', handler: 'create', public: false, servedFor: (def) => !!def.writes?.create || councilRecord(def) },
  { pattern: '[type]', method: 'PUT', handler: 'conditional-update', public: false, servedFor: councilRecord },
  { pattern: '[type]', method: 'DELETE', handler: 'conditional-delete', public: false, servedFor: deletable },
  { pattern: '[type]/_search', method: 'POST', handler: 'search', public: false },
  { pattern: '[type]/_search', method: 'GET', handler: 'search', public: false },
  { pattern: '[type]/$validate', method: 'POST', handler: 'validate', public: false },
  { pattern: '[type]/_history', method: 'GET', handler: 'history-type', public: false },
  { pattern: '[type]/[id]', method: 'GET', handler: 'read', public: false },
  { pattern: '[type]/[id]', method: 'PUT', handler: 'update', public: false, servedFor: (def) => !!def.writes?.update || councilRecord(def) },
  { pattern: '[type]/[id]', method: 'PATCH', handler: 'patch', public: false, servedFor: (def) => !!def.writes?.patch || councilRecord(def) },
  { pattern: '[type]/[id]', method: 'DELETE', handler: 'delete', public: false, servedFor: deletable },
  { pattern: '[type]/[id]/_history', method: 'GET', handler: 'history-instance', public: false },
  { pattern: '[type]/[id]/_history/[vid]', method: 'GET', handler: 'vread', public: false },
];

/** Profiles, code systems and value sets hold no one's data: read and search with no caller. */
const CONFORMANCE_ROUTES: Route[] = [
  { pattern: '[type]', method: 'GET', handler: 'conformance-search', public: true },
  { pattern: '[type]/_search', method: 'POST', handler: 'conformance-search', public: true },
  { pattern: '[type]/_search', method: 'GET', handler: 'conformance-search', public: true },
  { pattern: '[type]/[id]', method: 'GET', handler: 'conformance-read', public: true },
];

/** The routes a resource type has, as its definition says (its writes). */
export function routesOfDefinition(def: WritesOf): Route[] {
  return RESOURCE_ROUTES.filter((r) => !r.servedFor || r.servedFor(def)).map(({ servedFor: _, ...route }) => route);
}

/** Every served type's routes, worked out once: the registry's types and the conformance types. */
const ROUTES_BY_TYPE = new Map<string, Route[]>([
  ...RESOURCE_DEFINITIONS.map((def): [string, Route[]] => [def.type, routesOfDefinition(def)]),
  ...CONFORMANCE_DEFINITIONS.map((def): [string, Route[]] => [def.type, CONFORMANCE_ROUTES]),
]);

/** The routes of a type named in a path; undefined when the facade serves no such type. */
export function routesOf(type: string): Route[] | undefined {
  return ROUTES_BY_TYPE.get(type);
}

/** Whether the facade serves the type (a registry type or a conformance type). */
export function isServedType(type: string): boolean {
  return ROUTES_BY_TYPE.has(type);
}

/** The methods a type allows on a pattern, in Allow-header order. */
export function allowedMethods(type: string, pattern: RoutePattern): string[] {
  return (routesOf(type) ?? []).filter((r) => r.pattern === pattern).map((r) => r.method);
}

/** What a request resolves to: the route, the type it names (its definition), the id and the version. */
export interface ResolvedRoute {
  route: Route;
  def?: ResourceDefinition;
  conformance?: ConformanceDefinition;
  id?: string;
  versionId?: string;
}

/**
 * The route a method and path (below the FHIR base) resolve to: the type's pattern of the same
 * shape, a literal segment (_search, $validate, _history) winning over [id]. Refusals are thrown
 * as FhirError, as FHIR R4's RESTful API page (http.html) has them:
 * - 405 Method Not Allowed, with Allow, for a method the path does not take ("If the server refuses
 *   to delete resources of that type on principle, then it should return the status code 405";
 *   update, patch and create likewise where a type's definition has no such write);
 * - 404 not-supported for a FHIR interaction the facade does not offer at all (history of the
 *   whole system or of the unversioned conformance resources, operations other than $validate) and
 *   for a FHIR type it does not serve
 *   (http.html: "404 Not Found - resource type not supported, or not a FHIR end-point");
 * - 404 not-found for what is not FHIR at all (an unknown type or path);
 * - 400 for a path segment that is not valid percent-encoding.
 * HEAD is answered as GET.
 */
export function resolveRoute(method: string, path: string): ResolvedRoute {
  const segments = path.split('/').filter(Boolean).map(decodeSegment);
  const asked = method === 'HEAD' ? 'GET' : method;
  if (segments.length === 1 && segments[0] === 'metadata') return { route: pick([METADATA_ROUTE], asked, path) };
  const [type] = segments;
  if (!type) {
    if (asked === 'POST') return { route: BUNDLE_ROUTE };
    throw notFound('Nothing here: name a resource type, e.g. /Patient?identifier=..., or POST a transaction or batch Bundle', 'UNSUPPORTED_SERVICE');
  }
  const unoffered = unofferedInteraction(segments);
  const routes = routesOf(type);
  if (!routes) {
    if (isFhirResourceType(type)) throw new FhirError(404, outcome('not-supported', `Resource type ${type} is not served by this facade`));
    if (unoffered) throw unsupportedInteraction(unoffered);
    throw notFound(`Unknown resource type "${type}"`, 'UNSUPPORTED_SERVICE');
  }
  const pattern = patternOf(routes, segments);
  if (!pattern) {
    // A versioned type's history is there: a path below it of another shape is no interaction at all.
    const versioned = routes.some((r) => r.pattern === '[type]/_history');
    if (unoffered && !(versioned && segments.includes('_history') && !segments.some((s) => s.startsWith('$')))) throw unsupportedInteraction(unoffered);
    throw notFound(`No such interaction: ${path}`, 'UNSUPPORTED_SERVICE');
  }
  const route = pick(routes.filter((r) => r.pattern === pattern), asked, path);
  const parts = pattern.split('/');
  return {
    route,
    def: definitionOf(type),
    conformance: conformanceDefinitionOf(type),
    id: parts[1] === '[id]' ? segments[1] : undefined,
    versionId: parts[3] === '[vid]' ? segments[3] : undefined,
  };
}

/** The pattern of a type's routes the path has the shape of, the one with most literal segments first. */
function patternOf(routes: Route[], segments: string[]): RoutePattern | undefined {
  const literals = (p: string) => p.split('/').filter((s) => !s.startsWith('[')).length;
  const patterns = [...new Set(routes.map((r) => r.pattern))].sort((a, b) => literals(b) - literals(a));
  return patterns.find((p) => {
    const parts = p.split('/');
    // An operation ($name) or _history is never an id or a version: it names an interaction.
    const placeholder = (s: string) => !s.startsWith('$') && s !== '_history';
    return parts.length === segments.length && parts.every((part, i) => (part.startsWith('[') ? placeholder(segments[i]) : part === segments[i]));
  });
}

/**
 * The FHIR interaction a path names that the facade does not offer, described for the refusal:
 * history of the whole system or of a type whose routes have none, vread likewise, and operations
 * ($name) the route table does not hold.
 */
function unofferedInteraction(segments: string[]): string | undefined {
  const history = segments.indexOf('_history');
  if (history === 0) return `history of the whole system is not supported: ask a type's history, [type]/_history`;
  if (history === 1 || (history === 2 && segments.length === 3)) return `history is not supported for ${segments[0]}: it is not versioned`;
  if (history === 2 && segments.length === 4) return `vread is not supported for ${segments[0]}: it is not versioned, read ${segments[0]}/${segments[1]}`;
  const operation = segments.find((s) => s.startsWith('$'));
  if (operation) return `the operation ${operation} is not supported here (CapabilityStatement at /metadata lists what is)`;
  return undefined;
}

function unsupportedInteraction(what: string): FhirError {
  return new FhirError(404, outcome('not-supported', what.charAt(0).toUpperCase() + what.slice(1), 'error', undefined, 'UNSUPPORTED_SERVICE'));
}

/**
 * The methods a path below the FHIR base takes, for an OPTIONS answer's Allow;
 * undefined for a path the route table does not hold. No route takes OPTIONS, so resolving it
 * answers with exactly the 405 and Allow any other method not taken would get.
 */
export function allowedOnPath(path: string): string[] | undefined {
  try {
    resolveRoute('OPTIONS', path);
  } catch (err) {
    if (err instanceof FhirError && err.status === 405) return err.headers.Allow.split(', ');
  }
  return undefined;
}

/**
 * Paths answered without resolving the caller: the CapabilityStatement, and anything below a type
 * all of whose routes are public (the conformance types: whatever is asked there, read, search, or
 * something refused with 404/405, reaches no one's data).
 */
export function isPublicPath(path: string): boolean {
  if (path === '/metadata') return METADATA_ROUTE.public;
  const type = /^\/([A-Za-z]+)(?:\/|$)/.exec(path)?.[1];
  const routes = type === undefined ? undefined : routesOf(type);
  return !!routes && routes.every((r) => r.public);
}

function pick(candidates: Route[], method: string, path: string): Route {
  const route = candidates.find((r) => r.method === method);
  if (route) return route;
  const allowed = candidates.map((r) => r.method);
  // Every GET route answers HEAD too (Express): Allow says so, as OPTIONS does.
  const allow = [...new Set(allowed.flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m])))];
  throw new FhirError(405, outcome('not-supported', `${method} is not supported on ${path}; use ${allowed.join(' or ')}`), {
    Allow: allow.join(', '),
  });
}

/** A path segment as written; percent-encoding that does not decode is the caller's mistake. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest(`The URL path segment "${segment}" is not valid percent-encoding`);
  }
}
