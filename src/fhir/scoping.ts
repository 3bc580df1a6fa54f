import { Criterion } from '../store/criteria';
import { AccessInteraction, AccessPolicy, Caller, View } from './context';
import { viewRules } from './views';
import { personRestricted } from './restricted';
import { ResourceDefinition } from './definition';
import { forbidden } from './outcome';

export interface ScopingContext {
  access: AccessPolicy;
  caller?: Caller;
  council?: { odsCode: string };
  view: View;
}

/** Restricted people are left out unless the caller's view may see them. */
export function restrictedCriteria(def: ResourceDefinition, view: View): Criterion[] {
  return viewRules(view).restrictedRecords ? [] : personRestricted(def, false);
}

/**
 * What the caller's view narrows: restricted people, and whatever the type's own rules say. With
 * `peopleAllowed`, the records are already known to be about people this view may see (they were
 * asked for by such people), so the restriction is not checked a second time.
 */
export function viewCriteria(def: ResourceDefinition, view: View, peopleAllowed = false): Criterion[] {
  return [...(peopleAllowed ? [] : restrictedCriteria(def, view)), ...(def.viewCriteria?.(viewRules(view)) ?? [])];
}

/**
 * Records that belong to an organisation (a hospital's notices, the contacts they raised) are seen
 * only by that organisation and by the council itself. Without authorisation (no caller) nothing is
 * narrowed.
 */
export function organisationCriteria(def: ResourceDefinition, ctx: ScopingContext): Criterion[] {
  if (!def.ownerOdsField || !ctx.caller) return [];
  const org = ctx.caller.organization;
  if (org && org === ctx.council?.odsCode) return [];
  return org ? [{ field: def.ownerOdsField, match: 'any-of', values: [org] }] : [{ match: 'nothing' }];
}

/** Everything that narrows what a caller may see of a type, or 'none' when it may see none of it. */
export function restrictionOrNone(
  def: ResourceDefinition,
  ctx: ScopingContext,
  interaction: AccessInteraction,
  peopleAllowed = false,
): Criterion[] | 'none' {
  const scopes = accessCriteria(def, ctx.access, interaction);
  return scopes === 'none' ? 'none' : [...scopes, ...organisationCriteria(def, ctx), ...viewCriteria(def, ctx.view, peopleAllowed)];
}

/** As restrictionOrNone, refusing with 403 when the caller may see none of the type. */
export function searchRestriction(def: ResourceDefinition, ctx: ScopingContext, interaction: AccessInteraction): Criterion[] {
  const restriction = restrictionOrNone(def, ctx, interaction);
  if (restriction === 'none') throw forbidden(`This client may not ${interaction} ${def.type} resources`);
  return restriction;
}

/**
 * The criteria a caller's access adds for a type: undefined for full access, a criterion for
 * granular access, and a refusal for none.
 */
export function accessCriteria(
  def: ResourceDefinition,
  access: AccessPolicy,
  interaction: AccessInteraction = 'read',
): Criterion[] | 'none' {
  const rule = interaction === 'search' && access.search ? access.search(def.type) : access.read(def.type);
  if (rule === 'all') return [];
  if (rule === 'none') return 'none';
  const groups = rule.map((params) =>
    Object.entries(params).map(([name, value]): Criterion => {
      const param = def.searchParams[name];
      if (!param) return { match: 'nothing' };
      try {
        return param.toCriterion({ name, prefix: 'eq', value });
      } catch {
        // A rule the parameter cannot read (a malformed value in a granular scope) grants nothing.
        return { match: 'nothing' };
      }
    }),
  );
  return [{ match: 'any', groups }];
}

