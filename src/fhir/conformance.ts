/**
 * The conformance resources the facade publishes: our profiles, extension, code systems and value
 * sets, and the UK Core ones they build on (everything under profiles/), read once at start-up and
 * served read-only, without a token, so integrators can fetch what the CapabilityStatement and
 * every resource's meta.profile name. This table drives those routes and their part of the
 * CapabilityStatement, as the registry does for the social-care resources.
 */
import { Bundle, Resource } from '@medplum/fhirtypes';
import { readAllConformanceFiles } from '../conformance/profileFiles';
import { Criterion } from '../store/criteria';
import { searchBundle, searchUrl } from './bundle';
import { SearchParamDefinition } from './definition';
import { FhirError, notFound, outcome } from './outcome';
import { pageLinks, subset } from './search';
import { PagingLimits, parseSearchQuery, SearchableDefinition } from './searchQuery';
import { alternatives } from './searchValues';

export const CONFORMANCE_TYPES = ['StructureDefinition', 'CodeSystem', 'ValueSet'] as const;
export type ConformanceType = (typeof CONFORMANCE_TYPES)[number];

export interface ConformanceDefinition extends SearchableDefinition {
  type: ConformanceType;
  documentation: string;
}

const idParam: SearchParamDefinition = {
  type: 'token',
  documentation: 'The logical id (e.g. SocialCare-Patient, care-package-service-type).',
  expression: 'Resource.id',
  definition: 'http://hl7.org/fhir/SearchParameter/Resource-id',
  toCriterion: (use) => ({ field: 'id', match: 'any-of', values: alternatives(use.value) }),
};

function urlParam(type: ConformanceType): SearchParamDefinition {
  return {
    type: 'uri',
    documentation: `The canonical URL, exactly (url|version also accepted), e.g. the URL in a resource's meta.profile or a coding's system.`,
    expression: `${type}.url`,
    definition: `http://hl7.org/fhir/SearchParameter/${type === 'StructureDefinition' ? 'StructureDefinition' : 'conformance'}-url`,
    toCriterion: (use) => ({
      match: 'any',
      groups: alternatives(use.value).map((canonical) => {
        const bar = canonical.indexOf('|');
        if (bar < 0) return [{ field: 'url', match: 'any-of', values: [canonical] }];
        return [
          { field: 'url', match: 'any-of', values: [canonical.slice(0, bar)] },
          { field: 'version', match: 'any-of', values: [canonical.slice(bar + 1)] },
        ];
      }),
    }),
  };
}

const definition = (type: ConformanceType, documentation: string): ConformanceDefinition => ({
  type,
  documentation,
  // Looked up by names clients send: without a prototype, `constructor` finds nothing (as in registry.ts).
  searchParams: Object.assign(Object.create(null), { _id: idParam, url: urlParam(type) }),
  includes: Object.create(null),
});

export const CONFORMANCE_DEFINITIONS: ConformanceDefinition[] = [
  definition(
    'StructureDefinition',
    'The profiles every resource here conforms to (each names its own in meta.profile), our extension, and the UK Core profiles and ' +
      'extensions they build on; each with its differential and generated snapshot. No token needed.',
  ),
  definition(
    'CodeSystem',
    'Our code systems (care package service types and funding, safeguarding concern types, contact outcomes) and the UK Core ones ' +
      'our profiles use (record headings, NHS number verification status). No token needed.',
  ),
  definition(
    'ValueSet',
    'The value sets our profiles bind to: ours (including the SNOMED CT hospital notice kinds) and UK Core\'s. No token needed.',
  ),
];

const byType = new Map<string, ConformanceDefinition>(CONFORMANCE_DEFINITIONS.map((d) => [d.type, d]));

export function conformanceDefinitionOf(type: string): ConformanceDefinition | undefined {
  return byType.get(type);
}

/** The resources, by type and id, as read from profiles/. */
export class ConformanceResources {
  private readonly byKey = new Map<string, Resource>();

  constructor(resources: Resource[]) {
    for (const r of resources) {
      if (!byType.has(r.resourceType) || !r.id) continue;
      const key = `${r.resourceType}/${r.id}`;
      if (this.byKey.has(key)) throw new Error(`Two conformance resources are ${key}`);
      this.byKey.set(key, r);
    }
  }

  all(type?: ConformanceType): Resource[] {
    return [...this.byKey.values()].filter((r) => !type || r.resourceType === type);
  }

  read(type: ConformanceType, id: string): Resource {
    const resource = this.byKey.get(`${type}/${id}`);
    if (!resource) throw notFound(`${type}/${id} does not exist`);
    return resource;
  }

  /** The same search rules as every other type: strict/lenient, _count caps, _summary=count, _elements, paging. */
  search(def: ConformanceDefinition, query: Record<string, string[]>, opts: { baseUrl: string; strict: boolean; limits: PagingLimits }): Bundle {
    const q = parseSearchQuery(def, query, opts.strict, opts.limits);
    const matching = this.all(def.type).filter((r) => q.criteria.every((c) => matches(r, c)));
    const warning = q.ignored.length
      ? outcome('not-supported', `Ignored unknown search parameter(s): ${q.ignored.join(', ')}`, 'warning', q.ignored)
      : undefined;
    if (q.summaryCount) {
      return searchBundle({
        baseUrl: opts.baseUrl,
        type: def.type,
        matches: [],
        included: [],
        total: matching.length,
        outcome: warning,
        links: [{ relation: 'self', url: searchUrl(opts.baseUrl, def.type, [...q.applied, ['_count', String(q.count)]]) }],
      });
    }
    const page = matching.slice(q.offset, q.offset + q.count);
    return searchBundle({
      baseUrl: opts.baseUrl,
      type: def.type,
      matches: q.elements ? page.map((r) => subset(r, q.elements!)) : page,
      included: [],
      total: matching.length,
      outcome: warning,
      links: pageLinks(opts.baseUrl, def.type, q, q.offset + q.count < matching.length),
    });
  }
}

/** The criteria the conformance search parameters produce, evaluated over a resource's top-level fields. */
function matches(resource: Resource, c: Criterion): boolean {
  switch (c.match) {
    case 'any-of':
      return c.values.includes(String((resource as unknown as Record<string, unknown>)[c.field] ?? ''));
    case 'any':
      return c.groups.some((group) => group.every((g) => matches(resource, g)));
    case 'nothing':
      return false;
    default:
      throw new FhirError(500, outcome('exception', `Criterion ${c.match} cannot be applied to conformance resources`));
  }
}

let loaded: ConformanceResources | undefined;

/** Everything under profiles/, read once per process. */
export function conformanceResources(): ConformanceResources {
  loaded ??= new ConformanceResources(readAllConformanceFiles().map((f) => f.resource));
  return loaded;
}
