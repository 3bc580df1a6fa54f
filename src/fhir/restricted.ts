import { outOfHoursNumber } from '../domain/organisation';
import { Criterion } from '../store/criteria';
import { Store } from '../store/store';
import { AccessInteraction } from './context';
import { ResourceDefinition } from './definition';
import { restrictedCriteria, restrictionOrNone, ScopingContext } from './scoping';

/**
 * Restricted records (a sensitive record, an objection to sharing): never disclosed without the
 * dedicated view. A caller who looks one up is told whom to ring instead, and the attempt is
 * recorded and notified like any other access.
 */
export function personRestricted(def: ResourceDefinition, restricted: boolean): Criterion[] {
  if (!def.personField) return [];
  const flag: Criterion = { field: 'restricted', match: 'any-of', values: [String(restricted)] };
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
      ...(councilOds ? [{ field: 'odsCode', match: 'any-of' as const, values: [councilOds] }] : []),
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
