/// <reference lib="es2024.string" />
import { AccessRecord } from '../domain/audit';
import { SqlExecutor } from './sqlDriver';
import { TABLES } from './tables';

const COLUMNS = TABLES.audit.insertColumnNames;
/** Each column as inserted: as given, but for NHS numbers, completed from the people touched. */
const SELECTED = COLUMNS.split(', ')
  .map((c) =>
    c === 'nhs_numbers'
      ? `CASE WHEN r.nhs_numbers_complete THEN r.nhs_numbers ELSE ARRAY(SELECT DISTINCT n FROM unnest(r.nhs_numbers || ARRAY(
           SELECT p.nhs_number FROM people p WHERE p.id = ANY(r.person_ids) AND p.nhs_number IS NOT NULL)) AS n) END`
      : `r.${c}`,
  )
  .join(', ');
/** The statement is the same for every batch: built once. */
const INSERT = `INSERT INTO audit_events (${COLUMNS}) SELECT ${SELECTED}
  FROM json_to_recordset($1::json) AS r(${TABLES.audit.insertColumns}, nhs_numbers_complete boolean)`;

/** The audit trail's table: append records, purge old ones. Nothing else writes it. */
export class AccessRecordStore {
  constructor(private readonly db: SqlExecutor) {}

  /**
   * Appends access records in one statement. The NHS numbers of the people touched are looked up in
   * the same statement, so a record names each person by NHS number even when the request used ids;
   * records whose numbers are already complete (every person came back as a Patient) skip the lookup.
   * The batch travels as json, not jsonb: it is read once, and json is cheaper to read.
   */
  async insert(records: AccessRecord[]): Promise<void> {
    if (records.length === 0) return;
    // A record quotes what callers sent: text PostgreSQL cannot hold must not cost the record, nor its batch.
    const rows = records.map((r) => ({ ...bounded(TABLES.audit.toRow(r)), nhs_numbers_complete: r.nhsNumbersComplete === true }));
    await this.db.query(INSERT, [JSON.stringify(rows, storable)]);
  }

  /** Removes records older than the cutoff; returns how many. The caller audits the purge itself. */
  async purge(before: string): Promise<number> {
    const rows = await this.db.query<{ n: string | number }>(
      `WITH gone AS (DELETE FROM audit_events WHERE recorded < $1::timestamptz RETURNING 1) SELECT count(*) AS n FROM gone`,
      [before],
    );
    return Number(rows[0].n);
  }
}

/**
 * Characters kept of the short text in a record: client_id (in a btree index with recorded), each
 * element of person_ids and nhs_numbers (GIN indexes), and the other names (organisation, user,
 * request id, method, entities). At most 4 bytes a character, 256 stay well under the ~2.7 kB
 * PostgreSQL allows an index entry, which a longer value (a 12 kB client_id in a refused token
 * request) would exceed: the INSERT would fail and the refusal go unrecorded.
 */
export const SHORT_TEXT = 256;
/** Characters kept of the long text (path, query, outcome description): not indexed, but bounded all the same. */
export const LONG_TEXT = 4096;
const LONG_COLUMNS = new Set(['path', 'query', 'outcome_description']);

/** Text cut to `max` characters, with a mark saying so; never half a surrogate pair. */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = /[\uD800-\uDBFF]/.test(text[max - 1]) ? max - 1 : max;
  return `${text.slice(0, end)}... (${text.length - end} more characters cut)`;
}

/** A record's row with every caller-supplied text bounded: what the row can always hold. */
function bounded(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) {
    const max = LONG_COLUMNS.has(column) ? LONG_TEXT : SHORT_TEXT;
    if (typeof value === 'string') out[column] = cut(value, max);
    else if (Array.isArray(value)) out[column] = value.map((v) => (typeof v === 'string' ? cut(v, SHORT_TEXT) : v));
    else if (value && typeof value === 'object') out[column] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typeof v === 'string' ? cut(v, SHORT_TEXT) : v]));
    else out[column] = value;
  }
  return out;
}


/**
 * Text as PostgreSQL can keep it: NUL and unpaired surrogates (which a JSON escape such as \ud800
 * in a request can produce, and which json_to_recordset refuses) become U+FFFD. The audit record
 * of a refused request must always be writable, or the refusal would go unrecorded.
 */
function storable(_key: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.isWellFormed() ? value : value.toWellFormed();
  return text.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text;
}
