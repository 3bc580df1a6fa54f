import { CareRelationship } from '../../domain/carer';
import { Organisation } from '../../domain/organisation';
import { CldPerson, CldRowFacts, ImportReject, SourceLine } from '../../import/importTypes';
import { changeWhere, currentRecords, writeRecords } from '../../store/changePath';
import { ImportContext } from './importContext';
import { mergeCldAssessment, mergeCldPackage, mergeCldPerson } from './cldMerge';

/** Rows applied per round trip: large enough to amortise statements, small enough to stream. */
const ROWS_PER_BATCH = 5_000;

/** The statuses of a package or relationship a newer return can end. */
const OPEN_PACKAGE = "status IN ('planned', 'active', 'suspended')";

/**
 * Applies a CLD return, read row by row, inside the import's transaction: people, then their
 * packages (with providers found by CQC location id, or added from the return's name for them),
 * assessments and reviews, then carers (once everyone they link is known). The return is the
 * council's whole current picture: open packages and carer links an earlier CLD import brought in
 * that this one does not hold are ended, never deleted; past assessments stay as history.
 */
export async function applyCld(ctx: ImportContext, items: AsyncIterable<CldRowFacts | ImportReject>): Promise<void> {
  const state = new CldImportState();
  await ctx.tx.exec('CREATE TEMP TABLE IF NOT EXISTS import_seen (kind text NOT NULL, id text NOT NULL) ON COMMIT DROP');
  let batch: CldRowFacts[] = [];
  for await (const item of items) {
    if ('reason' in item) {
      ctx.refuse(item);
      continue;
    }
    batch.push(item);
    if (batch.length >= ROWS_PER_BATCH) {
      await applyBatch(ctx, state, batch);
      batch = [];
    }
  }
  await applyBatch(ctx, state, batch);
  await applyCareRelationships(ctx, state);
  if (ctx.rejectedRows === 0) await endWhatTheReturnNoLongerHolds(ctx);
  else {
    ctx.notes.push(
      'Packages and carer links that earlier returns brought in and this one does not hold were left as they were, because rows were ' +
        'rejected: a rejected row may be the one that holds them. Fix the rejected rows and import again to end them.',
    );
  }
}

/** What one import remembers across batches: small, one entry per person and provider. */
class CldImportState {
  /** People written by this import (each once: the reader has made sure every row says the same of them). */
  readonly peopleWritten = new Set<string>();
  /** NHS number -> the person id this import gave it, so two ids never share one number. */
  readonly nhsNumbers = new Map<string, string>();
  /** CQC location id -> our organisation id. */
  readonly providers = new Map<string, string>();
  /** Carer links, applied once every person of the return is in. */
  readonly careRelationships: { at: SourceLine; record: CareRelationship }[] = [];
}

async function applyBatch(ctx: ImportContext, state: CldImportState, rows: CldRowFacts[]): Promise<void> {
  if (rows.length === 0) return;
  const accepted = await applyPeople(ctx, state, rows);
  await applyPackages(ctx, state, accepted);
  await applyAssessments(ctx, accepted);
  for (const row of accepted) for (const record of row.careRelationships) state.careRelationships.push({ at: row.at, record });
}

/**
 * Writes the people of a batch and returns the rows whose person could be written: a row naming an
 * NHS number that another person holds is refused whole.
 */
async function applyPeople(ctx: ImportContext, state: CldImportState, rows: CldRowFacts[]): Promise<CldRowFacts[]> {
  const { tx } = ctx;
  const numbers = [...new Set(rows.map((r) => r.person.nhsNumber).filter((n): n is string => !!n))];
  const holders = new Map<string, string>();
  if (numbers.length) {
    for (const row of await tx.query<{ id: string; nhs_number: string }>('SELECT id, nhs_number FROM people WHERE nhs_number = ANY($1)', [numbers])) {
      holders.set(row.nhs_number, row.id);
    }
  }
  const accepted: CldRowFacts[] = [];
  const incoming = new Map<string, CldPerson>();
  for (const row of rows) {
    const { id, nhsNumber } = row.person;
    const holder = nhsNumber ? (state.nhsNumbers.get(nhsNumber) ?? holders.get(nhsNumber)) : undefined;
    if (nhsNumber && holder && holder !== id) {
      ctx.refuse({
        ...row.at,
        column: 'NHS Number',
        value: nhsNumber,
        reason: `the NHS number belongs to another person the council's data holds (${holder}): one NHS number, one person`,
      });
      continue;
    }
    if (nhsNumber) state.nhsNumbers.set(nhsNumber, id);
    accepted.push(row);
    if (!state.peopleWritten.has(id) && !incoming.has(id)) incoming.set(id, row.person);
  }
  if (incoming.size) {
    const current = await currentRecords(tx, 'person', [...incoming.keys()]);
    const merged = [...incoming.values()].map((p) => mergeCldPerson(current.get(p.id)?.record, p));
    ctx.count('people', await writeRecords(tx, 'person', merged, { changedBy: ctx.importId, current }));
    for (const id of incoming.keys()) state.peopleWritten.add(id);
  }
  return accepted;
}

async function applyPackages(ctx: ImportContext, state: CldImportState, rows: CldRowFacts[]): Promise<void> {
  const { tx } = ctx;
  const packages = rows.filter((r) => r.carePackage);
  if (packages.length === 0) return;
  await resolveProviders(ctx, state, packages);
  const current = await currentRecords(tx, 'carePackage', packages.map((r) => r.carePackage!.id));
  const merged = new Map<string, ReturnType<typeof mergeCldPackage>>();
  for (const row of packages) {
    const pkg = row.carePackage!;
    const before = current.get(pkg.id)?.record;
    if (before && before.personId !== pkg.personId) {
      ctx.refuse({ ...row.at, column: 'Event Reference', value: pkg.id, reason: `the event is a package of another person (${before.personId})` });
      continue;
    }
    const providerId = pkg.provider?.cqcLocationId ? state.providers.get(pkg.provider.cqcLocationId) : undefined;
    merged.set(pkg.id, mergeCldPackage(before, pkg, providerId));
  }
  ctx.count('carePackages', await writeRecords(tx, 'carePackage', [...merged.values()], { changedBy: ctx.importId, current }));
  await markSeen(ctx, 'carePackage', [...merged.keys()]);
}

/**
 * Finds each package's provider by CQC location id. A location no organisation has yet is added
 * as a provider under the return's name for it (id CQC-<location id>); importing CQC's directory
 * then gives it an address and phone number.
 */
async function resolveProviders(ctx: ImportContext, state: CldImportState, rows: CldRowFacts[]): Promise<void> {
  const named = new Map<string, string | undefined>();
  for (const row of rows) {
    const provider = row.carePackage!.provider;
    if (provider?.cqcLocationId && !state.providers.has(provider.cqcLocationId)) named.set(provider.cqcLocationId, provider.name);
  }
  if (named.size === 0) return;
  const found = await ctx.tx.query<{ id: string; cqc_location_id: string }>(
    'SELECT id, cqc_location_id FROM organisations WHERE cqc_location_id = ANY($1) ORDER BY id',
    [[...named.keys()]],
  );
  for (const row of found) if (!state.providers.has(row.cqc_location_id)) state.providers.set(row.cqc_location_id, row.id);
  const added: Organisation[] = [];
  for (const [location, name] of named) {
    if (state.providers.has(location)) continue;
    const id = `CQC-${location}`;
    added.push({ id, kind: 'provider', name: name || `CQC location ${location}`, cqcLocationId: location, telecom: [] });
    state.providers.set(location, id);
  }
  ctx.count('providers', await writeRecords(ctx.tx, 'organisation', added, { changedBy: ctx.importId }));
}

async function applyAssessments(ctx: ImportContext, rows: CldRowFacts[]): Promise<void> {
  const events = rows.filter((r) => r.assessment);
  if (events.length === 0) return;
  const current = await currentRecords(ctx.tx, 'assessment', events.map((r) => r.assessment!.id));
  const merged = new Map<string, ReturnType<typeof mergeCldAssessment>>();
  for (const row of events) {
    const assessment = row.assessment!;
    const before = current.get(assessment.id)?.record;
    if (before && before.personId !== assessment.personId) {
      ctx.refuse({ ...row.at, column: 'Event Reference', value: assessment.id, reason: `the event is an assessment of another person (${before.personId})` });
      continue;
    }
    merged.set(assessment.id, mergeCldAssessment(before, assessment));
  }
  ctx.count('assessments', await writeRecords(ctx.tx, 'assessment', [...merged.values()], { changedBy: ctx.importId, current }));
}

/** Carer links, once every person of the return is written: each end must be a person the council knows. */
async function applyCareRelationships(ctx: ImportContext, state: CldImportState): Promise<void> {
  const links = state.careRelationships;
  if (links.length === 0) return;
  const ids = [...new Set(links.flatMap((l) => [l.record.carerId, l.record.caredForId]))];
  const known = new Set<string>();
  for (let i = 0; i < ids.length; i += ROWS_PER_BATCH) {
    for (const row of await ctx.tx.query<{ id: string }>('SELECT id FROM people WHERE id = ANY($1)', [ids.slice(i, i + ROWS_PER_BATCH)])) known.add(row.id);
  }
  const accepted = new Map<string, CareRelationship>();
  for (const { at, record } of links) {
    if (!known.has(record.caredForId)) {
      ctx.refuse({ ...at, column: 'Adult Linked Person_ID', value: record.caredForId, reason: 'the adult cared for is not a person in the return or already held' });
      continue;
    }
    if (record.carerId === record.caredForId) {
      ctx.refuse({ ...at, column: 'Adult Linked Person_ID', value: record.caredForId, reason: 'a carer cannot be linked to themselves' });
      continue;
    }
    if (!accepted.has(record.id)) accepted.set(record.id, record);
  }
  const records = [...accepted.values()];
  for (let i = 0; i < records.length; i += ROWS_PER_BATCH) {
    const slice = records.slice(i, i + ROWS_PER_BATCH);
    const current = await currentRecords(ctx.tx, 'careRelationship', slice.map((r) => r.id));
    const merged = slice.map((r) => ({ ...current.get(r.id)?.record, ...r, endedBy: undefined, source: current.get(r.id)?.record.source ?? r.source }));
    ctx.count('careRelationships', await writeRecords(ctx.tx, 'careRelationship', merged, { changedBy: ctx.importId, current }));
  }
  await markSeen(ctx, 'careRelationship', records.map((r) => r.id));
}

async function markSeen(ctx: ImportContext, kind: string, ids: string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += ROWS_PER_BATCH) {
    await ctx.tx.query('INSERT INTO import_seen (kind, id) SELECT $1, unnest($2::text[])', [kind, ids.slice(i, i + ROWS_PER_BATCH)]);
  }
}

/** Ends the open packages and carer links earlier CLD imports brought in that this return does not hold. */
async function endWhatTheReturnNoLongerHolds(ctx: ImportContext): Promise<void> {
  const packages = await changeWhere(ctx.tx, 'carePackage', {
    set: { status: 'ended', status_reason: "No longer in the council's CLD return", ended_by: ctx.importId },
    where: `t.source = 'cld' AND t.${OPEN_PACKAGE} AND NOT EXISTS (SELECT 1 FROM import_seen s WHERE s.kind = 'carePackage' AND s.id = t.id)`,
    changedBy: ctx.importId,
  });
  ctx.count('carePackages', { ended: packages });
  const links = await changeWhere(ctx.tx, 'careRelationship', {
    set: { status: 'ended', ended_by: ctx.importId },
    where: `t.source = 'cld' AND t.status = 'active' AND NOT EXISTS (SELECT 1 FROM import_seen s WHERE s.kind = 'careRelationship' AND s.id = t.id)`,
    changedBy: ctx.importId,
  });
  ctx.count('careRelationships', { ended: links });
}
