import stringify from 'safe-stable-stringify';
import { EntityKind } from './criteria';
import { insertRecords } from './bulkLoad';
import { SqlExecutor } from './sqlDriver';
import { RecordReader, storedRow, Stored } from './store';
import { EntityTable, EntityTypes, TABLES } from './tables';

/**
 * The one change path for the council's records (imports and FHIR writes go through it): a new record is version 1; a changed one gets the next version and a new lastUpdated,
 * and the version it replaces is kept in record_history; a record written again unchanged is left
 * alone (no version moves). It runs inside the caller's transaction; the caller tells every
 * instance once it has committed (Store.dataChanged), so that caches are dropped everywhere.
 */

export interface ChangeCounts {
  added: number;
  changed: number;
  unchanged: number;
}

/** Ids per statement: one jsonb_to_recordset message of a few megabytes. */
const BATCH = 5_000;

/**
 * The stored records with these ids, locked until the transaction ends: what a change is merged
 * into cannot change under it. FOR NO KEY UPDATE, not FOR UPDATE: a hospital notice about one of
 * these people (a row referring to them) goes on meanwhile instead of waiting for the commit.
 */
export async function currentRecords<K extends EntityKind>(tx: SqlExecutor, kind: K, ids: string[]): Promise<Map<string, Stored<EntityTypes[K]>>> {
  const table = TABLES[kind];
  const found = new Map<string, Stored<EntityTypes[K]>>();
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += BATCH) {
    const rows = await tx.query<Record<string, unknown>>(`SELECT ${table.select} FROM ${table.table} WHERE id = ANY($1) FOR NO KEY UPDATE`, [
      unique.slice(i, i + BATCH),
    ]);
    for (const row of rows) {
      const stored = storedRow(kind, row);
      found.set(row.id as string, stored);
    }
  }
  return found;
}

/** Whether two versions of a record would be written the same (compared as rows, keys sorted). */
export function sameRecord<K extends EntityKind>(kind: K, a: EntityTypes[K], b: EntityTypes[K]): boolean {
  const table = TABLES[kind] as EntityTable<EntityTypes[K]>;
  return stringify(table.toRow(a)) === stringify(table.toRow(b));
}

/**
 * Writes whole records (each replaces what is stored under its id) through the change path.
 * `current` is what currentRecords returned for these ids, when the caller has merged into it
 * already; otherwise it is read here. Ids must be unique within one call.
 */
export async function writeRecords<K extends EntityKind>(
  tx: SqlExecutor,
  kind: K,
  records: EntityTypes[K][],
  opts: { changedBy: string; current?: Map<string, Stored<EntityTypes[K]>> },
): Promise<ChangeCounts> {
  if (records.length === 0) return { added: 0, changed: 0, unchanged: 0 };
  const table = TABLES[kind] as EntityTable<EntityTypes[K]>;
  const idOf = (r: EntityTypes[K]) => (r as { id: string }).id;
  const current = opts.current ?? (await currentRecords(tx, kind, records.map(idOf)));
  const added: EntityTypes[K][] = [];
  const changed: EntityTypes[K][] = [];
  for (const record of records) {
    const before = current.get(idOf(record));
    if (!before) added.push(record);
    // Compared as rows (what would be written), keys sorted: jsonb keeps its own key order.
    else if (!sameRecord(kind, record, before.record)) changed.push(record);
  }
  await insertRecords(tx, kind, added);
  await continueVersions(tx, kind, added.map(idOf));
  for (let i = 0; i < changed.length; i += BATCH) {
    const slice = changed.slice(i, i + BATCH);
    await keepHistory(tx, kind, slice.map(idOf), opts.changedBy);
    const columns = table.insertColumnNames.split(', ').filter((c) => c !== 'id');
    await tx.query(
      `UPDATE ${table.table} AS t SET ${columns.map((c) => `${c} = r.${c}`).join(', ')}, version = t.version + 1, last_updated = now()
       FROM jsonb_to_recordset($1::jsonb) AS r(${table.insertColumns}) WHERE t.id = r.id`,
      [JSON.stringify(slice.map((r) => table.toRow(r)))],
    );
  }
  return { added: added.length, changed: changed.length, unchanged: records.length - added.length - changed.length };
}

/**
 * Changes some columns of the records matching a condition (ending the packages a new CLD return no
 * longer holds, say), through the same path: each gets its next version, its previous one kept.
 * `set` gives each column's new value; `where` is SQL over the table (as t) without parameters,
 * `ids` confines the change to those records. Returns the ids of those changed.
 */
export async function changeWhere(
  tx: SqlExecutor,
  kind: EntityKind,
  change: { set: Record<string, string | null>; where?: string; ids?: string[]; changedBy: string },
): Promise<string[]> {
  if (change.ids?.length === 0) return [];
  const table = TABLES[kind];
  const condition = (idParam: number) => [change.where, change.ids ? `t.id = ANY($${idParam})` : undefined].filter(Boolean).join(' AND ') || 'true';
  await tx.query(
    `INSERT INTO record_history (entity, id, version, last_updated, record, replaced_by)
     SELECT $1, id, version, last_updated, to_jsonb(t) - 'version' - 'last_updated', $2 FROM ${table.table} AS t WHERE ${condition(3)}`,
    [kind, change.changedBy, ...(change.ids ? [change.ids] : [])],
  );
  const columns = Object.keys(change.set);
  const rows = await tx.query<{ id: string }>(
    `UPDATE ${table.table} AS t SET ${columns.map((c, i) => `${c} = $${i + 1}`).join(', ')}, version = t.version + 1,
       last_updated = now() WHERE ${condition(columns.length + 1)} RETURNING t.id`,
    [...Object.values(change.set), ...(change.ids ? [change.ids] : [])],
  );
  return rows.map((r) => r.id).sort();
}

/**
 * Points what referred to one record at another instead (a person taken over by another id): each
 * record moved gets its next version, its previous one kept.
 */
export async function moveReferences(tx: SqlExecutor, kind: EntityKind, column: string, moves: { from: string; to: string }[], changedBy: string): Promise<void> {
  if (moves.length === 0) return;
  const table = TABLES[kind].table;
  const from = moves.map((m) => m.from);
  await tx.query(
    `INSERT INTO record_history (entity, id, version, last_updated, record, replaced_by)
     SELECT $1, id, version, last_updated, to_jsonb(t) - 'version' - 'last_updated', $2 FROM ${table} AS t WHERE t.${column} = ANY($3)`,
    [kind, changedBy, from],
  );
  await tx.query(
    `UPDATE ${table} AS t SET ${column} = m.to_id, version = t.version + 1, last_updated = now()
     FROM unnest($1::text[], $2::text[]) AS m(from_id, to_id) WHERE t.${column} = m.from_id`,
    [from, moves.map((m) => m.to)],
  );
}

/**
 * Removes records (a care package entered in error, say) through the same path: the version
 * removed is kept in record_history, so the record's history outlives it. A record something else
 * still refers to is not removed: the database refuses (a foreign key), and the caller says why.
 */
export async function deleteRecords(tx: SqlExecutor, kind: EntityKind, ids: string[], changedBy: string): Promise<string[]> {
  if (ids.length === 0) return [];
  await keepHistory(tx, kind, ids, changedBy);
  const rows = await tx.query<{ id: string }>(`DELETE FROM ${TABLES[kind].table} WHERE id = ANY($1) RETURNING id`, [ids]);
  return rows.map((r) => r.id).sort();
}

/** A transaction's view of the records, for rendering what it has written before it commits (nothing locked). */
export function readerIn(tx: SqlExecutor): RecordReader {
  return {
    async getMany<K extends EntityKind>(kind: K, ids: string[]) {
      if (ids.length === 0) return [];
      const table = TABLES[kind];
      const rows = await tx.query<Record<string, unknown>>(`SELECT ${table.select} FROM ${table.table} WHERE id = ANY($1)`, [[...new Set(ids)]]);
      return rows.map((row) => storedRow(kind, row));
    },
  };
}

/**
 * A record written again under the id of one removed earlier carries on from the removed one's
 * versions, so its history stays one sequence (and record_history one row per version).
 */
async function continueVersions(tx: SqlExecutor, kind: EntityKind, ids: string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += BATCH) {
    await tx.query(
      `UPDATE ${TABLES[kind].table} AS t SET version = h.version + 1
       FROM (SELECT id, max(version) AS version FROM record_history WHERE entity = $1 AND id = ANY($2) GROUP BY id) AS h WHERE t.id = h.id`,
      [kind, ids.slice(i, i + BATCH)],
    );
  }
}

/**
 * Keeps the current version of these records in record_history before they change or go: the one
 * statement every writer of a record's versions uses (the change path, and the contacts notices
 * and answers change in noticeRepository.ts), so vread and _history see one sequence.
 */
export async function keepHistory(tx: SqlExecutor, kind: EntityKind, ids: string[], changedBy: string | null): Promise<void> {
  await tx.query(
    `INSERT INTO record_history (entity, id, version, last_updated, record, replaced_by)
     SELECT $1, id, version, last_updated, to_jsonb(t) - 'version' - 'last_updated', $3 FROM ${TABLES[kind].table} AS t WHERE id = ANY($2)`,
    [kind, ids, changedBy],
  );
}
