import { Organisation } from '../../domain/organisation';
import { ContactPoint } from '../../domain/person';
import { withoutUndefined } from '../../domain/objects';
import { CqcLocation, ImportReject, Located } from '../../import/importTypes';
import { currentRecords, writeRecords } from '../../store/changePath';
import { ImportContext } from './importContext';

const LOCATIONS_PER_BATCH = 5_000;

/**
 * Applies CQC's directory: each location becomes (or updates) the provider organisation with that
 * CQC location id, so the packages that name it show its address and main phone number. A location
 * no organisation has yet is added as CQC-<location id>. Numbers CQC does not hold (out of hours,
 * from the council's allocations extract) and e-mail addresses are kept.
 */
export async function applyCqc(ctx: ImportContext, items: AsyncIterable<Located<CqcLocation> | ImportReject>): Promise<void> {
  await ctx.inBatches(items, LOCATIONS_PER_BATCH, (batch) => applyLocations(ctx, batch));
}

async function applyLocations(ctx: ImportContext, batch: Located<CqcLocation>[]): Promise<void> {
  if (batch.length === 0) return;
  const byLocation = await providersByLocation(ctx, batch.map((b) => b.record.cqcLocationId));
  const current = await currentRecords(ctx.tx, 'organisation', [...byLocation.values()]);
  const merged = new Map<string, Organisation>();
  for (const { at, record } of batch) {
    const id = byLocation.get(record.cqcLocationId) ?? `CQC-${record.cqcLocationId}`;
    const before = current.get(id)?.record;
    if (before && before.kind !== 'provider') {
      ctx.refuse({ ...at, column: 'Location ID', value: record.cqcLocationId, reason: `the location id is held by ${before.id}, which is not a care provider` });
      continue;
    }
    merged.set(
      id,
      withoutUndefined<Organisation>({
        ...before,
        id,
        kind: 'provider',
        name: record.name,
        cqcLocationId: record.cqcLocationId,
        address: record.address ?? before?.address,
        telecom: withMainNumber(before?.telecom ?? [], record.telecom),
      }),
    );
  }
  ctx.count('providers', await writeRecords(ctx.tx, 'organisation', [...merged.values()], { changedBy: ctx.importId, current }));
}

/** The organisations already holding these CQC location ids, by location id. */
export async function providersByLocation(ctx: ImportContext, locations: string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const rows = await ctx.tx.query<{ id: string; cqc_location_id: string }>(
    'SELECT id, cqc_location_id FROM organisations WHERE cqc_location_id = ANY($1) ORDER BY id',
    [[...new Set(locations)]],
  );
  for (const row of rows) if (!found.has(row.cqc_location_id)) found.set(row.cqc_location_id, row.id);
  return found;
}

/** CQC's number as the office number; every other number and address kept. */
function withMainNumber(current: ContactPoint[], fromCqc: ContactPoint[]): ContactPoint[] {
  const phones = fromCqc.filter((t) => t.system === 'phone');
  if (phones.length === 0) return current;
  const kept = current.filter((t) => !(t.system === 'phone' && (t.use === 'work' || t.use === undefined)));
  return [...phones.map((t) => ({ ...t, use: 'work' as const })), ...kept];
}
