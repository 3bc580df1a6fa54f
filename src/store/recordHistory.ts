import { Criterion, EntityKind } from './criteria';
import { WhereBuilder } from './sqlCriteria';
import { SqlExecutor } from './sqlDriver';
import { Stored, storedRow } from './store';
import { EntityTypes, TABLES } from './tables';

/**
 * A record's versions as the store keeps them: the current one in its own table, the ones it
 * replaced in record_history (each the table's columns as they were, written by the change path's
 * keepHistory). Every version is read back through jsonb_populate_record into a row of the table's
 * own type, so it is selected, mapped and searched exactly as a current row is: the same criteria
 * (the caller's access rules) apply to what a version held.
 *
 * A delete leaves no version of its own: the record's last version is kept and its row goes. Since
 * a version kept by a change has replaced_at equal to the next version's last_updated (both are the
 * transaction's now()), a kept version with no such successor was deleted; the deletion is dated
 * by its replaced_at and numbered as the version after it (the number a record written again under
 * that id then takes, changePath.ts continueVersions).
 */

/** One event in a record's history: a version written (created or changed), or the record deleted. */
export interface RecordVersion<T> {
  /** For a deletion: what the record held when it went, numbered and dated as the deletion. */
  stored: Stored<T>;
  id: string;
  event: 'created' | 'updated' | 'deleted';
  /** The version the record is at now (its row in its table). */
  current: boolean;
  /** A deletion the record has not been written again since: the record is gone. */
  gone: boolean;
}

export interface VersionQuery {
  /** One record's history; every record of the kind without. */
  id?: string;
  /** One version only. */
  version?: number;
  /** Events at or after this instant (_since). */
  since?: string;
  /** Events at or before this instant: pins the pages of a history while it grows. */
  until?: string;
  limit: number;
  offset: number;
}

/**
 * Events of a kind's records, newest first, that match the criteria as they were at the time (the
 * deletion's as the record was when it went). Reads one row beyond the page to tell whether there is more.
 */
export async function recordVersions<K extends EntityKind>(
  db: SqlExecutor,
  kind: K,
  criteria: Criterion[],
  q: VersionQuery,
): Promise<{ versions: RecordVersion<EntityTypes[K]>[]; more: boolean }> {
  const table = TABLES[kind];
  const builder = new WhereBuilder();
  const where = builder.where(kind, criteria);
  const param = (value: string) => {
    builder.params.push(value);
    return `$${builder.params.length}`;
  };
  const entity = param(kind);
  const id = q.id === undefined ? undefined : param(q.id);
  const outer = [
    q.version === undefined ? undefined : `version = ${param(String(q.version))}::integer`,
    q.since === undefined ? undefined : `last_updated >= ${param(q.since)}::timestamptz`,
    q.until === undefined ? undefined : `last_updated <= ${param(q.until)}::timestamptz`,
  ].filter(Boolean);
  const asRow = (version: string, lastUpdated: string) =>
    `jsonb_populate_record(NULL::${table.table}, h.record || jsonb_build_object('version', ${version}, 'last_updated', ${lastUpdated}))`;
  const sql = `
    WITH h AS (SELECT * FROM record_history WHERE entity = ${entity}${id ? ` AND id = ${id}` : ''}),
    events AS (
      SELECT c.*, 'current'::text AS event_kind FROM ${table.table} AS c${id ? ` WHERE c.id = ${id}` : ''}
      UNION ALL
      SELECT r.*, 'kept' FROM h CROSS JOIN LATERAL ${asRow('h.version', 'h.last_updated')} AS r
      UNION ALL
      SELECT r.*, 'deleted' FROM h CROSS JOIN LATERAL ${asRow('h.version + 1', 'h.replaced_at')} AS r
      WHERE NOT EXISTS (SELECT 1 FROM h AS n WHERE n.id = h.id AND n.version = h.version + 1 AND n.last_updated = h.replaced_at)
        AND NOT EXISTS (SELECT 1 FROM ${table.table} AS n WHERE n.id = h.id AND n.version = h.version + 1 AND n.last_updated = h.replaced_at)
    )
    SELECT ${table.select}, event_kind,
      -- Written new: the first version, or the first after a delete (its predecessor was not replaced by it).
      (version = 1 OR EXISTS (SELECT 1 FROM h AS p WHERE p.id = e.id AND p.version = e.version - 1 AND p.replaced_at <> e.last_updated)) AS created,
      NOT EXISTS (SELECT 1 FROM h AS n WHERE n.id = e.id AND n.version = e.version)
        AND NOT EXISTS (SELECT 1 FROM ${table.table} AS n WHERE n.id = e.id AND n.version = e.version) AS gone
    FROM events AS e
    WHERE ${[where, ...outer].join(' AND ')}
    ORDER BY e.last_updated DESC, e.id, e.version DESC, e.event_kind
    LIMIT ${q.limit + 1} OFFSET ${q.offset}`;
  const rows = await db.query<Record<string, unknown>>(sql, builder.params);
  const versions = rows.slice(0, q.limit).map((row): RecordVersion<EntityTypes[K]> => {
    const stored = storedRow(kind, row);
    const deleted = row.event_kind === 'deleted';
    return {
      stored,
      id: row.id as string,
      event: deleted ? 'deleted' : row.created ? 'created' : 'updated',
      current: row.event_kind === 'current',
      gone: deleted && row.gone === true,
    };
  });
  return { versions, more: rows.length > q.limit };
}
