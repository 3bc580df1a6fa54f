import { Bundle, BundleLink, Resource } from '@medplum/fhirtypes';
import { Criterion, EntityKind } from '../store/criteria';
import { Person } from '../domain/person';
import { Store, Stored } from '../store/store';
import { EntityTypes } from '../store/tables';
import { searchBundle, searchUrl } from './bundle';
import { View } from '../access/context';
import { linkedRestriction, restrictedRecordMessage, restrictionOrNone, ScopingContext, searchRestriction, withheldPeople } from './scoping';
import { ResourceDefinition } from './definition';
import { materialise } from './materialise';
import { requireNamedPerson } from './searchPolicy';
import { outcome } from './outcome';
import { definitionOf } from './registry';
import { IncludeUse, own, PagingLimits, parseSearchQuery, RevIncludeUse, SearchQuery } from './searchQuery';

export interface SearchOptions extends ScopingContext {
  store: Store;
  baseUrl: string;
  view: View;
  strict: boolean;
  limits: PagingLimits;
}

/** At most this many resources are added by one _revinclude: a guard, far above any real person's records. */
const REVINCLUDE_CAP = 500;

export interface SearchOutcome {
  bundle: Bundle;
  /** Restricted people the search found but did not disclose: for the audit trail and the notification. */
  withheld: string[];
}

export async function search(def: ResourceDefinition, query: Record<string, string[]>, opts: SearchOptions): Promise<SearchOutcome> {
  const q = parseSearchQuery(def, query, opts.strict, opts.limits, (linked) => linkedRestriction(linked, opts));
  const restriction = searchRestriction(def, opts, 'search');
  requireNamedPerson(def, q, opts);
  const criteria = [...q.criteria, ...restriction];
  let warning = q.ignored.length
    ? outcome('not-supported', `Ignored unknown search parameter(s): ${q.ignored.join(', ')}`, 'warning', q.ignored)
    : undefined;

  if (q.summaryCount) {
    const total = await opts.store.count(def.entity, criteria);
    const bundle = searchBundle({
      baseUrl: opts.baseUrl,
      type: def.type,
      matches: [],
      included: [],
      total,
      outcome: warning,
      links: [{ relation: 'self', url: searchUrl(opts.baseUrl, def.type, [...q.applied, ['_count', String(q.count)]]) }],
    });
    return { bundle, withheld: [] };
  }

  const page = await opts.store.search(def.entity, criteria, { limit: q.count, offset: q.offset, sort: q.sort });
  // A search that found nothing may have found only restricted people: asked only then, so a
  // normal lookup costs nothing extra.
  const withheld = page.records.length === 0 && q.offset === 0 ? await withheldPeople(def, q.criteria, opts, 'search') : [];
  if (withheld.length) {
    warning = outcome('suppressed', await restrictedRecordMessage(opts.store, opts.council?.odsCode), 'warning');
  }
  let matches = await materialise(def, page.records, opts.store, opts.view);
  const knownPeople = new Map(def.entity === 'person' ? page.records.map((r) => [(r.record as Person).id, r.record as Person]) : []);
  const included = await includes(def, q, matches, opts, knownPeople);
  if (q.elements) matches = matches.map((r) => subset(r, q.elements!));
  // Without a next page the total is known for free (with one, counting would cost a query per
  // page), except past the last page: an empty page deeper than the matches says nothing of how
  // many there are. _total=accurate counts whenever it is not known; _total=none gives none.
  const known = !page.more && (page.records.length > 0 || q.offset === 0) ? q.offset + page.records.length : undefined;
  const total =
    q.total === 'none' ? undefined : (known ?? (q.total === 'accurate' || !page.more ? await opts.store.count(def.entity, criteria) : undefined));
  const bundle = searchBundle({
    baseUrl: opts.baseUrl,
    type: def.type,
    matches,
    included,
    total,
    outcome: warning,
    links: pageLinks(opts.baseUrl, def.type, q, page.more, pinFor(def, q, matches)),
  });
  return { bundle, withheld };
}


export function pageLinks(baseUrl: string, type: string, q: SearchQuery, more: boolean, pin: [string, string][] = []): BundleLink[] {
  const url = (offset: number, extra: [string, string][]): string =>
    searchUrl(baseUrl, type, [...q.applied, ...extra, ['_count', String(q.count)], ...(offset ? [['_offset', String(offset)] as [string, string]] : [])]);
  const at = (offset: number) => url(offset, pin);
  const links: BundleLink[] = [{ relation: 'self', url: url(q.offset, []) }];
  if (q.offset > 0) {
    links.push({ relation: 'first', url: at(0) });
    links.push({ relation: 'previous', url: at(Math.max(0, q.offset - q.count)) });
  }
  if (more) links.push({ relation: 'next', url: at(q.offset + q.count) });
  return links;
}

/**
 * For a type that grows at the top (the audit trail, newest first), the paging links carry an upper
 * bound on the date, so records added while a client pages do not shift the pages it has not read.
 */
function pinFor(def: ResourceDefinition, q: SearchQuery, matches: Resource[]): [string, string][] {
  const by = def.newestFirstBy;
  // Only the type's own order (newest first) is pinned: a sorted search pages by its own keys.
  if (!by || q.sort.length || q.offset > 0 || q.applied.some(([k, v]) => k === by.param && v.startsWith('le'))) return [];
  // The newest record on the first page bounds every later page.
  const newest = matches[0] && by.valueOf(matches[0]);
  return newest ? [[by.param, `le${newest}`]] : [];
}

/** How many times _include:iterate and _revinclude:iterate go round: far more than any real chain (person, package, provider). */
const ITERATE_ROUNDS = 4;

/**
 * _include and _revinclude, each limited to the types (and granular subsets) the caller may read.
 * The plain ones start from the matches; then the :iterate ones go round the whole answer, included
 * resources too (a person's packages, then their providers), until a round adds nothing.
 */
async function includes(
  def: ResourceDefinition,
  q: SearchQuery,
  matches: Resource[],
  opts: SearchOptions,
  knownPeople: Map<string, Person>,
): Promise<Resource[]> {
  if (matches.length === 0) return [];
  const out: Resource[] = [];
  const seen = new Set(matches.map((r) => `${r.resourceType}/${r.id}`));
  const keep = (resources: Resource[]): Resource[] => {
    const added: Resource[] = [];
    for (const r of resources) {
      const key = `${r.resourceType}/${r.id}`;
      if (!seen.has(key)) {
        seen.add(key);
        out.push(r);
        added.push(r);
      }
    }
    return added;
  };

  keep(await included(q.includes.filter((i) => !i.iterate), matches, seen, opts, knownPeople));
  keep(await revIncluded(def, q.revIncludes.filter((r) => !r.iterate), matches, opts, knownPeople, true));

  const iterating = q.includes.filter((i) => i.iterate);
  const revIterating = q.revIncludes.filter((r) => r.iterate);
  let fresh = [...matches, ...out];
  for (let round = 0; round < ITERATE_ROUNDS && fresh.length && (iterating.length || revIterating.length); round++) {
    const added = [
      ...keep(await included(iterating, fresh, seen, opts, knownPeople)),
      ...keep(await revIncluded(def, revIterating, fresh, opts, knownPeople, false)),
    ];
    fresh = added;
  }
  return out;
}

/** The resources the given resources refer to through the includes, that the caller may read and that are not in hand. */
async function included(uses: IncludeUse[], from: Resource[], seen: Set<string>, opts: SearchOptions, knownPeople: Map<string, Person>): Promise<Resource[]> {
  const wanted = new Map<string, Set<string>>();
  for (const inc of uses) {
    const source = definitionOf(inc.sourceType)!;
    for (const resource of from) {
      if (resource.resourceType !== inc.sourceType) continue;
      for (const ref of own(source.includes, inc.param)!.references(resource)) {
        const [type, id] = ref.split('/');
        if ((inc.targetType && type !== inc.targetType) || seen.has(ref)) continue;
        if (!wanted.has(type)) wanted.set(type, new Set());
        wanted.get(type)!.add(id);
      }
    }
  }
  const found: Resource[] = [];
  for (const [type, ids] of wanted) {
    const target = definitionOf(type);
    const restriction = target && restrictionOrNone(target, opts, 'read');
    if (!target || restriction === 'none' || !restriction) continue;
    const criteria: Criterion[] = [{ field: 'id', match: 'any-of', values: [...ids] }, ...(target.baseCriteria ?? []), ...restriction];
    const records = await opts.store.search(target.entity, criteria, { limit: ids.size, offset: 0 });
    found.push(...(await materialise(target, records.records, opts.store, opts.view, knownPeople)));
  }
  return found;
}

/**
 * The resources that refer to the given ones through the revincludes, all in one trip to the store.
 * `fromMatches`: the given resources are the search's matches, whose people it already let through.
 */
async function revIncluded(
  def: ResourceDefinition,
  uses: RevIncludeUse[],
  to: Resource[],
  opts: SearchOptions,
  knownPeople: Map<string, Person>,
  fromMatches: boolean,
): Promise<Resource[]> {
  const revs: { def: ResourceDefinition; criteria: Criterion[] }[] = [];
  for (const rev of uses) {
    const param = own(rev.def.searchParams, rev.param)!;
    const targets = to.filter((r) => param.targets?.includes(r.resourceType)).map((r) => `${r.resourceType}/${r.id}`);
    if (targets.length === 0) continue;
    const byReference = param.toCriterion({ name: rev.param, prefix: 'eq', value: targets.join(',') });
    // Records that point at the matched people are about people this search already let through.
    const aboutMatchedPeople = fromMatches && def.entity === 'person' && 'field' in byReference && byReference.field === rev.def.personField;
    const restriction = restrictionOrNone(rev.def, opts, 'read', aboutMatchedPeople);
    if (restriction === 'none') continue;
    revs.push({ def: rev.def, criteria: [byReference, ...(rev.def.baseCriteria ?? []), ...restriction] });
  }
  if (revs.length === 0) return [];
  const found = await opts.store.searchEach(revs.map((r) => ({ kind: r.def.entity, criteria: r.criteria, limit: REVINCLUDE_CAP })));
  const resources: Resource[] = [];
  for (const [i, rev] of revs.entries()) {
    resources.push(...(await materialise(rev.def, found[i] as Stored<EntityTypes[EntityKind]>[], opts.store, opts.view, knownPeople)));
  }
  return resources;
}

/** _elements: keep the named top-level elements and mark the resource as a subset. */
export function subset(resource: Resource, elements: string[]): Resource {
  const keepKeys = new Set(['resourceType', 'id', 'meta', ...elements]);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(resource)) if (keepKeys.has(k)) out[k] = v;
  const meta = { ...(resource.meta ?? {}) };
  meta.tag = [...(meta.tag ?? []), { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' }];
  out.meta = meta;
  return out as unknown as Resource;
}
