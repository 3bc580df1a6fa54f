import { Resource, ResourceType } from '@medplum/fhirtypes';
import { Criterion, EntityKind } from '../store/criteria';
import { Stored } from '../store/store';
import { EntityTypes } from '../store/tables';
import { MappingContext } from './context';

export type SearchParamType = 'token' | 'string' | 'date' | 'reference';

/** One parsed use of a search parameter: `name[:modifier][.chain]=value`. */
export interface ParamUse {
  name: string;
  modifier?: string;
  /** For chained searches (patient.identifier): the parameter on the target type. */
  chain?: string;
  /** The prefix of a date or number value (eq, ge, ...), already split from the value. */
  prefix: string;
  value: string;
}

export interface SearchParamDefinition {
  type: SearchParamType;
  documentation: string;
  /** Modifiers this parameter honours; any other is refused with 400. */
  modifiers?: string[];
  /** Reference parameters: the resource types they point at. */
  targets?: string[];
  /** Reference parameters: parameters of the target type that may be chained (patient.identifier). */
  chains?: string[];
  /** FHIRPath of what the parameter searches, for the CapabilityStatement and SearchParameter docs. */
  expression: string;
  /** The standard SearchParameter this one implements, when it is one. */
  definition?: string;
  toCriterion(use: ParamUse): Criterion;
}

export interface RelatedIds {
  organisations?: (string | undefined)[];
  workers?: (string | undefined)[];
  people?: (string | undefined)[];
}

export interface IncludeDefinition {
  targets: string[];
  /** The references the include follows, read off the emitted resource. */
  references(resource: Resource): string[];
}

/**
 * One FHIR resource type served by the facade: how it maps from the store, what can be searched
 * and included. The registry of these drives the routes, the search layer and the CapabilityStatement.
 */
export interface ResourceDefinition<K extends EntityKind = EntityKind> {
  type: ResourceType;
  profile: string;
  /** What this resource means in social-care terms (CapabilityStatement documentation). */
  documentation: string;
  entity: K;
  /** Criteria every search of this type carries (e.g. CareTeams exist only for people with a team). */
  baseCriteria?: Criterion[];
  searchParams: Record<string, SearchParamDefinition>;
  /** _include targets, by search parameter name. */
  includes: Record<string, IncludeDefinition>;
  /**
   * Organisations, workers and people the mapping needs (to name them and give their numbers).
   * People's allocated workers and responsible teams are loaded with them.
   */
  related(record: EntityTypes[K]): RelatedIds;
  toFhir(stored: Stored<EntityTypes[K]>, ctx: MappingContext): Resource;
}
