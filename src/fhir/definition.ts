import { Resource, ResourceType } from '@medplum/fhirtypes';
import { Criterion, CriterionField, EntityKind } from '../store/criteria';
import { Store, Stored } from '../store/store';
import { EntityTypes } from '../store/tables';
import { AccessPolicy, Caller, View } from '../access/context';
import { MappingContext } from './context';
import { ViewRules } from '../access/views';

export type SearchParamType = 'token' | 'string' | 'date' | 'reference' | 'uri';

/**
 * One parsed use of a search parameter: `name[:modifier]=value`. A chained or reverse-chained use
 * (patient.name, _has:CarePlan:patient:status) reaches the other type's parameter with the whole
 * key as its name, so refusals name what the client sent.
 */
export interface ParamUse {
  name: string;
  modifier?: string;
  /** The prefix of a date or number value (eq, ge, ...), already split from the value. */
  prefix: string;
  value: string;
}

/**
 * A search parameter of a type whose records are entities of kind K: the criterion it yields may
 * name only that entity's fields, so a misspelt field fails to compile. The default (any kind) is
 * what code serving every type alike sees, and takes any field.
 */
export interface SearchParamDefinition<K extends EntityKind = EntityKind> {
  type: SearchParamType;
  documentation: string;
  /** Modifiers this parameter honours; any other is refused with 400. */
  modifiers?: string[];
  /** Reference parameters: the resource types they point at. */
  targets?: string[];
  /** FHIRPath of what the parameter searches, for the CapabilityStatement and SearchParameter docs. */
  expression: string;
  /** The standard SearchParameter this one implements, when it is one. */
  definition?: string;
  toCriterion(use: ParamUse): Criterion<K>;
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
 * One FHIR resource type served by the facade, whole, in one file of src/fhir/resources: what it is,
 * how it maps from the store, how it is searched, who may see what of it, and the writes it takes.
 * The registry of these drives the routes, the search layer, the access rules and the
 * CapabilityStatement. The members stay flat (def.searchParams, def.personField, def.writes); the
 * parts below only group them by concern. Written for its entity (ResourceDefinition<'person'>), every
 * criterion field it names (search parameters, base and view criteria, personField, ownerOdsField)
 * must be one of that entity's, or it does not compile.
 */
export type ResourceDefinition<K extends EntityKind = EntityKind> = ResourceIdentity<K> &
  ResourceMapping<K> &
  ResourceSearch<K> &
  ResourcePolicy<K> & {
    /** Interactions beyond read and search-type, with their handlers (hospital notices, contacts). */
    writes?: WriteHandlers;
    /**
     * The council's own records (people, packages, concerns, allocations, providers, staff,
     * assessments, carers): written by the council's systems through councilWrites.ts (create,
     * update, conditional create and update, JSON Patch, transaction and batch Bundles).
     */
    councilRecord?: CouncilRecordWrites;
  };

/** What DELETE means for one of the council's record types; a type without `deletion` is never deleted (405). */
export interface CouncilRecordWrites {
  deletion?: {
    /** remove: the record goes (its versions kept in the history); end-allocation: the person's allocation is ended (CareTeam). */
    effect: 'remove' | 'end-allocation';
    /** What a client is told it means (CapabilityStatement, docs). */
    documentation: string;
  };
}

/**
 * A definition over one kind as code serving every type sees it (the registry's list, the access
 * rules). It is one: each criterion over a kind is a criterion over any kind. But the compiler cannot
 * show it through the field-name types of Criterion<K>, and treats K as if it were invariant; hence
 * the cast, here only.
 */
export function anyKind<K extends EntityKind>(def: ResourceDefinition<K>): ResourceDefinition {
  return def as unknown as ResourceDefinition;
}

/** What the type is: its name, its profiles, its meaning, and the store entity behind it. */
export interface ResourceIdentity<K extends EntityKind = EntityKind> {
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
}

/** From the store to FHIR: what a record needs loaded alongside it, and the mapping itself. */
export interface ResourceMapping<K extends EntityKind = EntityKind> {
  /**
   * Organisations, workers and people the mapping needs (to name them and give their numbers).
   * People's allocated workers and responsible teams are loaded with them.
   */
  related(record: EntityTypes[K]): RelatedIds;
  toFhir(stored: Stored<EntityTypes[K]>, ctx: MappingContext): Resource;
}

/** How the type is searched: its parameters, includes, fixed criteria and order. */
export interface ResourceSearch<K extends EntityKind = EntityKind> {
  /** Criteria every search of this type carries (e.g. CareTeams exist only for people with a team). */
  baseCriteria?: Criterion<K>[];
  searchParams: Record<string, SearchParamDefinition<K>>;
  /** _include targets, by search parameter name. */
  includes: Record<string, IncludeDefinition>;
  /**
   * For types listed newest first and growing (the audit trail): the date parameter that pins paging,
   * and the value of it a resource carries.
   */
  newestFirstBy?: { param: string; valueOf(resource: Resource): string | undefined };
}

/**
 * Who may see what of the type: the facts about it that the access rules (scoping.ts, and the
 * scope rules of auth/accessPolicy.ts) apply. Each is optional: a type without one is not narrowed by it.
 */
export interface ResourcePolicy<K extends EntityKind = EntityKind> {
  /** The field holding the person a record is about ('id' for Patient): restricted records are withheld by it. */
  personField?: CriterionField<K>;
  /** Criteria a view adds (e.g. the health view sees only open safeguarding concerns). */
  viewCriteria?(rules: ViewRules): Criterion<K>[];
  /** The field naming the organisation (ODS code) a record belongs to, when only it and the council may see it. */
  ownerOdsField?: CriterionField<K>;
  /**
   * How a patient/ scope confines the type to one person: the search parameters that do it
   * (Patient: _id; records about a person: patient), or {} for directory data (services and staff)
   * that holds nothing about a person. Every type must say: a patient/ scope is never open by
   * default, and a type that forgot would be either unreachable or, worse, open.
   */
  patientCompartment(patientId: string): Record<string, string>;
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
  /** Who a change is recorded as made by in the records' history: an import's id; the client otherwise. */
  changedBy?: string;
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
