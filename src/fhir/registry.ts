import { ResourceDefinition } from './definition';
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
import { PROFILES } from './systems';

/**
 * The one list of what the facade serves. Routes, search-parameter checks, _include/_revinclude
 * and the CapabilityStatement are all derived from it, so none of them can claim what another lacks.
 */
export const RESOURCE_DEFINITIONS: ResourceDefinition[] = ([
  // Records about a person carry the field that names them, so restricted people can be withheld.
  { ...patientDefinition, personField: 'id' },
  { ...carePlanDefinition, personField: 'personId' },
  {
    ...flagDefinition,
    personField: 'personId',
    // Health staff need to know a concern is open, not the history of closed ones.
    viewCriteria: (rules) => (rules.closedConcerns ? [] : [{ field: 'status', match: 'any-of', values: ['open'] }]),
  },
  { ...careTeamDefinition, personField: 'id' },
  organizationDefinition,
  practitionerDefinition,
  practitionerRoleDefinition,
  // Hospital notices and the contacts they raise belong to the sending hospital and the council.
  // Access notifications to other councils are Communications too, with a profile of their own.
  { ...communicationDefinition, ownerOdsField: 'senderOds', otherProfiles: [PROFILES.AccessNotification] },
  { ...taskDefinition, ownerOdsField: 'requesterOds' },
  // The audit trail: read-only through the API.
  auditEventDefinition,
] as ResourceDefinition[]).map(withOwnNamesOnly);

/**
 * Search parameters and includes are looked up by names clients send: as plain objects, a name like
 * `constructor` or `toString` would find Object.prototype's member instead of nothing.
 */
function withOwnNamesOnly(def: ResourceDefinition): ResourceDefinition {
  return {
    ...def,
    searchParams: Object.assign(Object.create(null), def.searchParams),
    includes: Object.assign(Object.create(null), def.includes),
  };
}

/** Search-result parameters every type honours, with what they do (for the CapabilityStatement). */
export const RESULT_PARAMETERS: Record<string, string> = {
  _count: 'Page size (default 20, at most 100); next/previous links page through the rest.',
  _offset: 'Where the page starts (at most 10,000); used by the next/previous links.',
  _summary: '_summary=count returns only the total. Other _summary values are not supported.',
  _elements: 'Only these top-level elements (plus id and meta) in each matched resource.',
  _include: 'Add the resources a match refers to (see searchInclude).',
  _revinclude: 'Add resources that refer to a match (see searchRevInclude).',
  _format: 'json, application/json or application/fhir+json (overrides Accept). XML is not supported.',
};

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
