import { OperationOutcomeError, parseSearchRequest } from '@medplum/core';
import { Criterion, SortKey } from '../store/criteria';
import { ParamUse, ResourceDefinition } from './definition';
import { badRequest, notSupported } from './outcome';
import { definitionOf } from './registry';
import { chainUse, hasUse, isLink, KeyUse, LinkedScope } from './searchChains';

/** A search request, checked against the registry and translated into store criteria. */
export interface SearchQuery {
  criteria: Criterion[];
  /** The parameters actually applied, for the Bundle's self link. */
  applied: [string, string][];
  /** Parameters the facade does not know, ignored under lenient handling. */
  ignored: string[];
  count: number;
  offset: number;
  summaryCount: boolean;
  elements?: string[];
  /** _include: the references of `param` on resources of `sourceType` (the matched type, unless `iterate`). */
  includes: IncludeUse[];
  /** _revinclude: resources of `def` whose `param` points at a match (or, with `iterate`, at any resource included). */
  revIncludes: RevIncludeUse[];
  /** _sort: the keys in order (empty: the type's own order). */
  sort: SortKey[];
  /** _total: none (never given), estimate (the default: given when known without counting) or accurate (always counted). */
  total: TotalMode;
}

export interface IncludeUse {
  sourceType: string;
  param: string;
  targetType?: string;
  /** `_include:iterate`: followed from every resource of sourceType in the answer, repeatedly. */
  iterate: boolean;
}

export interface RevIncludeUse {
  def: ResourceDefinition;
  param: string;
  /** `_revinclude:iterate`: resources pointing at any resource of the answer, repeatedly. */
  iterate: boolean;
}

export type TotalMode = 'none' | 'estimate' | 'accurate';
const TOTAL_MODES: readonly string[] = ['none', 'estimate', 'accurate'];

/** What parsing a search needs of a type: the registry's types, and the conformance types (conformance.ts). */
export type SearchableDefinition = Pick<ResourceDefinition, 'type' | 'searchParams' | 'includes' | 'baseCriteria'>;

export interface PagingLimits {
  defaultPageSize: number;
  maxPageSize: number;
}

/**
 * The search-result parameters every type honours, with what they do: a search never reads them as
 * criteria, and the CapabilityStatement lists each one that has a description. _pretty is accepted
 * and ignored (the JSON is the same either way), so it is not advertised.
 */
export const RESULT_PARAMETERS: Readonly<Record<string, string | undefined>> = {
  _count: 'Page size (default 20, at most 100); next/previous links page through the rest.',
  _sort:
    'Order by _lastUpdated or any of the type\'s date parameters, comma-separated, - for descending (e.g. _sort=-_lastUpdated,date); ' +
    'a period sorts by its start ascending and its end descending, an open end as the furthest out; ties are broken by id, so paging is stable. ' +
    'Any other key is refused with 400. Without _sort, the type\'s own order (by id; AuditEvent newest first).',
  _total:
    'accurate: Bundle.total always counted; estimate (the default): total given when the page reaches the last match (no count needed), ' +
    'and counted for a page past the last match; none: never given. _summary=count always counts.',
  _offset: 'Where the page starts (at most 10,000); used by the next/previous links.',
  _summary: '_summary=count returns only the total. Other _summary values are not supported.',
  _elements: 'Only these top-level elements (plus id and meta) in each matched resource.',
  _include: 'Add the resources a match refers to (see searchInclude).',
  _revinclude: 'Add resources that refer to a match (see searchRevInclude).',
  '_include:iterate':
    "Follow an _include of any type from every resource in the answer, included ones too, until nothing new is found (e.g. _include:iterate=CarePlan:performer after _revinclude=CarePlan:subject: the packages' providers).",
  '_revinclude:iterate': 'Add resources that refer to any resource in the answer, included ones too, repeatedly.',
  _format: 'json, application/json or application/fhir+json (overrides Accept). XML is not supported.',
  _pretty: undefined,
};
const RESULT_PARAMETER_NAMES = new Set(Object.keys(RESULT_PARAMETERS));

/** Paging reaches this far at most: deeper, every page costs the store a scan of everything before it. */
const MAX_OFFSET = 10_000;
const DATE_PREFIX = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)(?=\d)/;

/**
 * `scope` says what the caller may see of a type that a chain or _has looks into (searchChains.ts);
 * without it, only that type's base criteria narrow it.
 */
export function parseSearchQuery(
  def: SearchableDefinition,
  query: Record<string, string[]>,
  strict: boolean,
  limits: PagingLimits,
  scope?: LinkedScope,
): SearchQuery {
  const criteria: Criterion[] = [...(def.baseCriteria ?? [])];
  const applied: [string, string][] = [];
  const ignored: string[] = [];

  for (const [key, values] of Object.entries(query)) {
    if (RESULT_PARAMETER_NAMES.has(key)) continue;
    // A chain or _has is never ignored: ignoring it would answer with every record.
    const use = isLink(key) ? (key.startsWith('_has') ? hasUse(def, key, scope) : chainUse(def, key, scope)) : parseKey(def, key);
    if (!use) {
      ignored.push(key);
      continue;
    }
    for (const value of values) {
      let prefix = 'eq';
      let rest = value;
      const m = use.valueType === 'date' ? DATE_PREFIX.exec(value) : null;
      if (m) {
        prefix = m[1];
        rest = value.slice(2);
      }
      if (rest === '') throw badRequest(`${key}: a value is required`, [key]);
      criteria.push(ofStrings(use.criterion(prefix, rest)));
      applied.push([key, value]);
    }
  }
  if (strict && ignored.length) {
    throw badRequest(
      `Unknown search parameter${ignored.length > 1 ? 's' : ''} for ${def.type}: ${ignored.join(', ')} ` +
        `(Prefer: handling=strict). Supported: ${Object.keys(def.searchParams).join(', ')}`,
      ignored,
    );
  }

  const single = (name: string) => {
    const v = query[name];
    if (v && v.length > 1) throw badRequest(`${name} may be given only once`, [name]);
    return v?.[0];
  };
  const count = wholeNumber(single('_count'), '_count', limits.defaultPageSize);
  const offset = wholeNumber(single('_offset'), '_offset', 0);
  if (offset > MAX_OFFSET) {
    throw badRequest(`_offset may be at most ${MAX_OFFSET.toLocaleString('en-GB')}: narrow the search (by date, for the audit trail) to reach older matches`, ['_offset']);
  }
  const sortValue = single('_sort');
  const sort = sortValue === undefined ? [] : parseSort(def, sortValue);
  const total = single('_total') ?? 'estimate';
  if (!TOTAL_MODES.includes(total)) throw badRequest(`_total must be none, estimate or accurate, not "${total}"`, ['_total']);
  const summary = single('_summary');
  if (summary !== undefined && summary !== 'count' && summary !== 'false') {
    throw notSupported(`_summary=${summary} is not supported; _summary=count is`, ['_summary']);
  }
  // Medplum's parser reads the result parameters (_include targets, _elements lists) the standard way.
  const parsed = parseResultParams(def.type, pick(query, ['_include', '_revinclude', '_include:iterate', '_revinclude:iterate', '_elements']));
  const includes = (parsed.include ?? []).map((inc) => checkInclude(def, inc));
  const revIncludes = (parsed.revInclude ?? []).map((inc) => checkRevInclude(def, inc));
  for (const name of ['_include', '_revinclude', '_include:iterate', '_revinclude:iterate', '_elements', '_summary', '_sort', '_total']) {
    for (const v of query[name] ?? []) applied.push([name, v]);
  }

  return {
    criteria,
    applied,
    ignored,
    count: Math.min(count, limits.maxPageSize),
    offset,
    summaryCount: summary === 'count' || count === 0,
    elements: parsed.fields,
    includes,
    revIncludes,
    sort,
    total: total as TotalMode,
  };
}

/** `name` or `name:modifier` (chains and _has are searchChains.ts's); undefined when the name is unknown. */
function parseKey(def: SearchableDefinition, key: string): KeyUse | undefined {
  const m = /^([A-Za-z0-9_-]+)(?::([A-Za-z-]+))?$/.exec(key);
  if (!m) return undefined;
  const [, name, modifier] = m;
  const param = own(def.searchParams, name);
  if (!param) return undefined;
  if (modifier && !param.modifiers?.includes(modifier)) {
    throw notSupported(
      `${key}: the modifier :${modifier} is not supported on ${def.type}.${name}` +
        (param.modifiers?.length ? ` (supported: ${param.modifiers.map((x) => `:${x}`).join(', ')})` : ''),
      [key],
    );
  }
  // A type modifier (subject:Patient) just restates the target.
  const use: Omit<ParamUse, 'prefix' | 'value'> = { name, modifier: modifier && param.targets?.includes(modifier) ? undefined : modifier };
  return { valueType: param.type, criterion: (prefix, value) => param.toCriterion({ ...use, prefix, value }) };
}

/**
 * `_sort`: comma-separated keys, each `_lastUpdated` or a date parameter of the type, `-` first for
 * descending. A date parameter sorts by the field it compares (what its criterion names).
 */
function parseSort(def: SearchableDefinition, raw: string): SortKey[] {
  const sortable = Object.entries(def.searchParams)
    .filter(([, p]) => p.type === 'date')
    .map(([n]) => n);
  const refuse = (why: string) => badRequest(`_sort: ${why} (sortable for ${def.type}: ${sortable.join(', ') || 'none'})`, ['_sort']);
  const keys: SortKey[] = [];
  const seen = new Set<string>();
  for (const part of raw.split(',')) {
    const descending = part.startsWith('-');
    const name = descending ? part.slice(1) : part;
    if (name === '') throw refuse('an empty key');
    const param = own(def.searchParams, name);
    if (!param || param.type !== 'date') throw refuse(`${name} cannot be sorted by`);
    if (seen.has(name)) throw refuse(`${name} is given twice`);
    seen.add(name);
    const c = param.toCriterion({ name, prefix: 'eq', value: '2000-01-01' });
    if (c.match !== 'range') throw refuse(`${name} cannot be sorted by`);
    keys.push({ field: c.field, descending });
  }
  return keys;
}

/**
 * An _include: of the searched type's own includes; with :iterate, of any served type's (it is
 * followed from whatever resources of that type the answer holds).
 */
function checkInclude(def: SearchableDefinition, inc: { resourceType: string; searchParam: string; targetType?: string; modifier?: string }): IncludeUse {
  const iterate = inc.modifier === 'iterate';
  const name = iterate ? '_include:iterate' : '_include';
  const source = iterate ? definitionOf(inc.resourceType) : inc.resourceType === def.type ? def : undefined;
  const include = source && own(source.includes, inc.searchParam);
  if (!source || !include) {
    throw notSupported(
      `${name}=${inc.resourceType}:${inc.searchParam} is not supported` +
        (iterate ? '' : ` (supported: ${Object.keys(def.includes).map((p) => `${def.type}:${p}`).join(', ') || 'none'}; another type's with _include:iterate)`),
      [name],
    );
  }
  if (inc.targetType && !include.targets.includes(inc.targetType)) {
    throw notSupported(`${name}=${inc.resourceType}:${inc.searchParam}:${inc.targetType}: ${inc.searchParam} does not point at ${inc.targetType}`, [name]);
  }
  return { sourceType: source.type, param: inc.searchParam, targetType: inc.targetType, iterate };
}

/** A _revinclude of records pointing at the searched type; with :iterate, at any served type. */
function checkRevInclude(def: SearchableDefinition, inc: { resourceType: string; searchParam: string; modifier?: string }): RevIncludeUse {
  const iterate = inc.modifier === 'iterate';
  const source = definitionOf(inc.resourceType);
  const param = source && own(source.searchParams, inc.searchParam);
  const pointsAtSearched = !!param?.targets?.includes(def.type);
  // :iterate follows only references to people already in the answer (their carers, their
  // assessments): from a provider or a team it would list everyone they serve.
  const pointsAtPeople = !!param?.targets?.includes('Patient');
  if (!source || !param || param.type !== 'reference' || !own(source.includes, inc.searchParam) || (iterate ? !pointsAtPeople : !pointsAtSearched)) {
    throw notSupported(`${iterate ? '_revinclude:iterate' : '_revinclude'}=${inc.resourceType}:${inc.searchParam} is not supported for ${def.type}`, [iterate ? '_revinclude:iterate' : '_revinclude']);
  }
  return { def: source, param: inc.searchParam, iterate };
}

/** Medplum's reading of _include, _revinclude and _elements; what it cannot read is the client's 400. */
function parseResultParams(type: string, params: Record<string, string[]>) {
  try {
    return parseSearchRequest(type, params);
  } catch (err) {
    if (!(err instanceof OperationOutcomeError)) throw err;
    throw badRequest(err.outcome.issue?.[0]?.details?.text ?? err.message, Object.keys(params));
  }
}

function wholeNumber(raw: string | undefined, name: string, fallback: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw badRequest(`${name} must be a whole number, not "${raw}"`, [name]);
  return Number(raw);
}

/**
 * A parameter or include by the name a client sent. Only the table's own entries count: on a plain
 * object, `constructor`, `toString` or `__proto__` would find Object.prototype's members.
 */
export function own<T>(table: Record<string, T>, name: string): T | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

/**
 * A criterion with only strings among its values. A parameter that maps client codes through a
 * lookup table may pick up something else for a code such as `constructor`: such a value names
 * nothing the store holds, so it is dropped, and a criterion left without values matches nothing.
 */
export function ofStrings(c: Criterion): Criterion {
  switch (c.match) {
    case 'any-of':
    case 'text': {
      const values = c.values.filter((v) => typeof v === 'string');
      return values.length === c.values.length ? c : values.length ? { ...c, values } : { match: 'nothing' };
    }
    case 'in':
    case 'referenced-by':
      return { ...c, where: c.where.map(ofStrings) };
    case 'any':
      return { ...c, groups: c.groups.map((g) => g.map(ofStrings)) };
    default:
      return c;
  }
}

function pick(query: Record<string, string[]>, names: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const n of names) if (query[n]) out[n] = query[n];
  return out;
}
