import { Resource, ResourceType } from '@medplum/fhirtypes';
import { Criterion, EntityKind } from '../store/criteria';
import { Store, Stored } from '../store/store';
import { EntityTypes } from '../store/tables';
import { AccessPolicy, Caller, View } from '../access/context';
import { MappingContext } from './context';
import { ViewRules } from '../access/views';

export type SearchParamType = 'token' | 'string' | 'date' | 'reference' | 'uri';

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
  /**
   * Other profiles some resources of this type carry in meta.profile (e.g. Communications that are
   * access notifications, not hospital notices): declared as supportedProfile, and published.
   */
  otherProfiles?: string[];
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
  /** The field holding the person a record is about ('id' for Patient): restricted records are withheld by it. */
  personField?: string;
  /** Criteria a view adds (e.g. the health view sees only open safeguarding concerns). */
  viewCriteria?(rules: ViewRules): Criterion[];
  /**
   * For types listed newest first and growing (the audit trail): the date parameter that pins paging,
   * and the value of it a resource carries.
   */
  newestFirstBy?: { param: string; valueOf(resource: Resource): string | undefined };
  /** The field naming the organisation (ODS code) a record belongs to, when only it and the council may see it. */
  ownerOdsField?: string;
  /** Interactions beyond read and search-type, with their handlers (hospital notices, contacts). */
  writes?: WriteHandlers;
}

/** What a write handler is given: the store, the caller, and the council it acts for. */
export interface WriteContext {
  store: Store;
  access: AccessPolicy;
  caller?: Caller;
  view: View;
  council: { odsCode: string; intakeTeamId: string };
  /** The Prefer header's return preference. */
  preferReturn?: 'minimal' | 'representation' | 'OperationOutcome';
}

export interface WriteResult {
  status: number;
  resource?: Resource;
  version?: { versionId: string; lastUpdated: string };
  /** For 201 Created: the new resource's id (Location is built from it). */
  createdId?: string;
}

export interface WriteHandlers {
  create?(body: unknown, ctx: WriteContext, ifNoneExist?: string): Promise<WriteResult>;
  update?(id: string, body: unknown, ctx: WriteContext, ifMatch?: string): Promise<WriteResult>;
  patch?(id: string, patch: unknown, ctx: WriteContext, ifMatch?: string): Promise<WriteResult>;
  /** The type's own checks for $validate, beyond its profile: the same checks create makes. */
  check?(body: unknown): { expression: string; message: string }[];
}
