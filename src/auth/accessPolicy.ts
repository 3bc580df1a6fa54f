import { AccessInteraction, AccessPolicy, ReadAccess, WriteInteraction } from '../access/context';
import { definitionOf } from '../fhir/registry';
import { mergeQueries, Permission, ResourceScope } from './scopes';

/**
 * The one place scopes become access: the AccessPolicy the search and read layers apply (to
 * matches, reads, _include and _revinclude alike).
 *
 * - `r` allows read by id (and inclusion through _include/_revinclude); `s` allows search;
 *   `c`, `u` and `d` allow create, update and delete (whole-type system/ or user/ scopes only).
 * - system/ and user/ scopes reach every resource of the type (user/: the facade has no per-user
 *   rules of its own; the calling system applies them and the audit names the user).
 * - A granular scope (`?category=...`) reaches only resources matching all of its parameters;
 *   several scopes for one type add up.
 * - patient/ scopes are confined to the token's patient, by the search parameters each type's
 *   definition names (Patient?_id=<patient>; CarePlan, Flag, CareTeam ?patient=Patient/<patient>).
 *   Directory types (Organization, Practitioner, PractitionerRole) hold data about services and
 *   staff, nothing about the person, and are reachable as written. Without a patient in the token
 *   a patient/ scope reaches nothing.
 */
export function accessPolicyFromScopes(scopes: ResourceScope[], patientId?: string): AccessPolicy {
  const memo = new Map<string, ReadAccess>();
  const rule = (type: string, interaction: AccessInteraction): ReadAccess => {
    const key = `${interaction} ${type}`;
    let found = memo.get(key);
    if (!found) {
      found = compute(scopes, type, interaction === 'read' ? 'r' : 's', patientId);
      memo.set(key, found);
    }
    return found;
  };
  return {
    read: (type) => rule(type, 'read'),
    search: (type) => rule(type, 'search'),
    write: (type, interaction) => mayWrite(scopes, type, WRITE_PERMISSIONS[interaction]),
  };
}

const WRITE_PERMISSIONS: Record<WriteInteraction, Permission> = { create: 'c', update: 'u', delete: 'd' };

/**
 * Create (c), update (u) and delete (d) need a whole-type system/ or user/ scope: a granular or patient/ scope
 * would need the written resource checked against its constraint, which the facade does not do,
 * so it grants no writes (never more than written).
 */
function mayWrite(scopes: ResourceScope[], type: string, permission: Permission): boolean {
  return scopes.some(
    (s) =>
      (s.type === '*' || s.type === type) &&
      s.permissions.includes(permission) &&
      s.context !== 'patient' &&
      Object.keys(s.query).length === 0,
  );
}

function compute(scopes: ResourceScope[], type: string, permission: Permission, patientId: string | undefined): ReadAccess {
  const sets: Record<string, string>[] = [];
  for (const s of scopes) {
    if ((s.type !== '*' && s.type !== type) || !s.permissions.includes(permission)) continue;
    let params: Record<string, string> | undefined = s.query;
    if (s.context === 'patient') {
      if (!patientId) continue;
      const confinement = patientCompartment(type, patientId);
      params = confinement && mergeQueries(params, confinement);
      if (!params) continue;
    }
    if (Object.keys(params).length === 0) return 'all';
    sets.push(params);
  }
  if (sets.length === 0) return 'none';
  const unique = new Map(sets.map((p) => [JSON.stringify(Object.entries(p).sort()), p]));
  return [...unique.values()];
}

/**
 * The search parameters that confine a type to one person, as its definition says
 * (ResourcePolicy.patientCompartment); undefined for a type that is not served: unreachable by
 * patient/ scopes rather than open by default.
 */
function patientCompartment(type: string, patientId: string): Record<string, string> | undefined {
  return definitionOf(type)?.patientCompartment(patientId);
}
