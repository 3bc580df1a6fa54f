import { outOfHoursNumber } from '../domain/organisation';
import { Criterion } from '../store/criteria';
import { Store } from '../store/store';
import { AccessInteraction, AccessPolicy, Caller, View } from '../access/context';
import { viewRules } from '../access/views';
import { ResourceDefinition } from './definition';
import { insufficientScope } from './outcome';

/**
 * What a caller may see of each type, as store criteria: its scopes, its organisation, its view,
 * and the restricted records that no view but the restricted one discloses.
 */
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
  if (restriction === 'none') {
    throw insufficientScope(`This client may not ${interaction} ${def.type} resources`, def.type, interaction === 'read' ? 'r' : 's', ctx.caller?.scope);
  }
  return restriction;
}

/**
 * What a caller may see of a type that a search looks into through a chain or _has (its scopes, its
 * organisation, its view's rules for the type), refusing with 403 when it may not search the type at
 * all: no client learns through CarePlan?... or Patient?_has:... what it could not search for itself.
 * Restricted people are left to the searched type's own rule, which withholds them (and says so).
 */
export function linkedRestriction(def: ResourceDefinition, ctx: ScopingContext): Criterion[] {
  // Restricted people stay out of what a chain or _has looks at: from a directory type, nothing
  // else would withhold them (an Organization has no person whose restriction hides it).
  const restriction = restrictionOrNone(def, ctx, 'search', false);
  if (restriction === 'none') {
    throw insufficientScope(`This client may not search ${def.type} resources, so it may not search through them (a chain or _has)`, def.type, 's', ctx.caller?.scope);
  }
  return restriction;
}

/**
 * The criteria a caller's access adds for a type: none for full access, one criterion (any of the
 * granted parameter sets) for granular access, and 'none' when it may see nothing of the type.
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

/**
 * Restricted records (a sensitive record, an objection to sharing): never disclosed without the
 * dedicated view. A caller who looks one up is told whom to ring instead, and the attempt is
 * recorded and notified like any other access.
 */
export function personRestricted(def: ResourceDefinition, restricted: boolean): Criterion[] {
  if (!def.personField) return [];
  const flag: Criterion<'person'> = { field: 'restricted', match: 'any-of', values: [String(restricted)] };
  return def.personField === 'id' && def.entity === 'person'
    ? [flag]
    : [{ field: def.personField, match: 'in', kind: 'person', where: [flag] }];
}

/**
 * The restricted people the criteria would have reached had the caller's view allowed it (the
 * caller's scopes and organisation still apply). Asked only after a search or read found nothing.
 */
export async function withheldPeople(
  def: ResourceDefinition,
  criteria: Criterion[],
  ctx: ScopingContext & { store: Store },
  interaction: AccessInteraction,
): Promise<string[]> {
  if (restrictedCriteria(def, ctx.view).length === 0) return [];
  const unrestricted = restrictionOrNone(def, { ...ctx, view: 'social-care-restricted' }, interaction);
  if (unrestricted === 'none') return [];
  const found = await ctx.store.search(def.entity, [...criteria, ...unrestricted, ...personRestricted(def, true)], { limit: 10, offset: 0 });
  return peopleOf(def, found.records);
}

/** What a clinician is told instead of the record: call the council, with its numbers. */
export async function restrictedRecordMessage(store: Store, councilOds: string | undefined): Promise<string> {
  const { records } = await store.search(
    'organisation',
    [
      { field: 'kind', match: 'any-of', values: ['council'] },
      ...(councilOds ? [{ field: 'odsCode' as const, match: 'any-of' as const, values: [councilOds] }] : []),
    ],
    { limit: 1, offset: 0 },
  );
  const council = records[0]?.record;
  const office = council?.telecom.find((t) => t.system === 'phone' && t.use !== 'out-of-hours')?.value;
  const duty = council && outOfHoursNumber(council);
  const numbers = [office && `${office} (office hours)`, duty && `${duty} (out of hours, emergency duty team)`].filter(Boolean).join(' or ');
  return (
    `This person's social care record is restricted and cannot be shared through this service. ` +
    `To discuss their care, call ${council?.name ?? 'the council'}${numbers ? ` on ${numbers}` : ''}.`
  );
}

/** The people a set of stored records is about, by the definition's person field. */
export function peopleOf(def: ResourceDefinition, records: { record: unknown }[]): string[] {
  if (!def.personField) return [];
  return [...new Set(records.map((r) => (r.record as Record<string, string>)[def.personField!]).filter(Boolean))];
}
