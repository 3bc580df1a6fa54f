import { outOfHoursNumber } from '../domain/organisation';
import { Criterion } from '../store/criteria';
import { Store } from '../store/store';
import { ResourceDefinition } from './definition';

/**
 * Restricted records (a sensitive record, an objection to sharing): never disclosed without the
 * dedicated view. A caller who looks one up is told whom to ring instead, and the attempt is
 * recorded and notified like any other access.
 */
export function restrictedOnlyCriteria(def: ResourceDefinition): Criterion[] {
  const restricted: Criterion = { field: 'restricted', match: 'any-of', values: ['true'] };
  return def.personField === 'id' && def.entity === 'person'
    ? [restricted]
    : [{ field: def.personField!, match: 'in', kind: 'person', where: [restricted] }];
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
