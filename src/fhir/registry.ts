import { EntityKind } from '../store/criteria';
import { ResourceDefinition, SearchParamDefinition } from './definition';
import { lastUpdatedParam } from './resources/common';
import { carePlanDefinition } from './resources/carePlan';
import { careTeamDefinition } from './resources/careTeam';
import { flagDefinition } from './resources/flag';
import { organizationDefinition } from './resources/organization';
import { patientDefinition } from './resources/patient';
import { practitionerDefinition } from './resources/practitioner';
import { practitionerRoleDefinition } from './resources/practitionerRole';
import { communicationDefinition } from './resources/communication';
import { taskDefinition } from './resources/task';
import { auditEventDefinition } from './resources/auditEvent';
import { relatedPersonDefinition } from './resources/relatedPerson';
import { procedureDefinition } from './resources/procedure';

/**
 * `_lastUpdated`, which every type has: every entity's table keeps the time of each record's last
 * change. Written for every kind at once, so an entity without a lastUpdated criteria field would
 * not compile.
 */
const LAST_UPDATED: SearchParamDefinition = lastUpdatedParam<EntityKind>();

/**
 * The one list of what the facade serves, each type whole in its own file under resources/ (mapping,
 * search, policy, writes). Routes (routes.ts), search-parameter checks, _include/_revinclude, the
 * access rules and the CapabilityStatement are all derived from it, so none of them can claim what
 * another lacks.
 */
export const RESOURCE_DEFINITIONS: ResourceDefinition[] = ([
  patientDefinition,
  carePlanDefinition,
  flagDefinition,
  careTeamDefinition,
  organizationDefinition,
  practitionerDefinition,
  practitionerRoleDefinition,
  // What the council's CLD return adds: carers and assessments.
  relatedPersonDefinition,
  procedureDefinition,
  // Hospital notices in, and the contacts they raise for the council.
  communicationDefinition,
  taskDefinition,
  // The audit trail: read-only through the API.
  auditEventDefinition,
  // Each is checked against its own entity's fields where it is written; the list serves any kind
  // (see anyKind in definition.ts for why this takes a cast).
] as ResourceDefinition[]).map(asServed);

/**
 * A definition as served: with the parameters every type has (_id first, as each file gives it,
 * then _lastUpdated), and its search parameters and includes looked up by names clients send: as
 * plain objects, a name like `constructor` or `toString` would find Object.prototype's member
 * instead of nothing.
 */
function asServed(def: ResourceDefinition): ResourceDefinition {
  const { _id, ...own } = def.searchParams;
  return {
    ...def,
    searchParams: Object.assign(Object.create(null), _id ? { _id } : {}, { _lastUpdated: LAST_UPDATED }, own),
    includes: Object.assign(Object.create(null), def.includes),
  };
}

/**
 * Every _include must follow a reference search parameter of the same name pointing at the same
 * types, so _include, _revinclude and the CapabilityStatement agree. Checked when the module loads.
 */
function assertConsistent(defs: ResourceDefinition[]) {
  for (const def of defs) {
    for (const [name, include] of Object.entries(def.includes)) {
      const param = def.searchParams[name];
      if (param?.type !== 'reference' || include.targets.some((t) => !param.targets?.includes(t))) {
        throw new Error(`${def.type}: _include ${name} has no reference search parameter covering ${include.targets.join(', ')}`);
      }
    }
  }
}
assertConsistent(RESOURCE_DEFINITIONS);

const byType = new Map<string, ResourceDefinition>(RESOURCE_DEFINITIONS.map((d) => [d.type, d]));

export function definitionOf(type: string): ResourceDefinition | undefined {
  return byType.get(type);
}

/** `_revinclude` values accepted for a type: every reference parameter of another type that points at it. */
export function revIncludesFor(type: string): string[] {
  const values: string[] = [];
  for (const def of RESOURCE_DEFINITIONS) {
    for (const [name, include] of Object.entries(def.includes)) {
      if (include.targets.includes(type)) values.push(`${def.type}:${name}`);
    }
  }
  return values;
}
