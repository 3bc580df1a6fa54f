/**
 * The kit an entity's one column list is written with. Each column says once its SQL name and type,
 * how it is selected, and which record field it holds and how (or what it is derived from); the
 * SELECT list, the jsonb_to_recordset column definitions, fromRow, toRow and the criteria fields
 * are all read off that list (entityTable), so they cannot drift apart.
 */

/** The SQL types columns have: as in the migrations, and as named in jsonb_to_recordset. */
export type SqlType = 'text' | 'text[]' | 'jsonb' | 'date' | 'timestamptz' | 'boolean' | 'integer';

export interface Column<T, N extends string = string> {
  name: N;
  type: SqlType;
  /** The SELECT expression, aliased to the column's name; absent when the column is not read back. */
  select?: string;
  /** Puts the selected value into the record being built. */
  read?(value: unknown, record: Partial<T>): void;
  /** The value to insert for a record; absent when the database fills the column (defaults). */
  write?(record: T): unknown;
}

/**
 * How a criteria field maps to SQL. A column's name stands for the field kind its type implies
 * (boolean -> bool, timestamptz -> instant, text[] -> array, otherwise value).
 */
export type FieldSpec =
  | { kind: 'value'; sql: string }
  | { kind: 'bool'; sql: string }
  /** lower: the lower-cased text (or text[] of parts); exact: the text (or text[] of parts) as written. */
  | { kind: 'text'; lower: string; exact: string; array: boolean }
  | { kind: 'range'; start: string; end: string }
  /** A point in time (timestamptz), compared with an instant range [start, end). */
  | { kind: 'instant'; sql: string }
  /** A text[] column: any-of matches when the array holds any of the values. */
  | { kind: 'array'; sql: string };

/** A criteria field as an entity declares it: a column of its own by name, or a full spec over columns. */
export type FieldDeclaration<N extends string> =
  | N
  | Exclude<FieldSpec, { kind: 'range' }>
  /** A range's ends are columns of the entity (a point range names the same column twice). */
  | { kind: 'range'; start: N; end: N };

/** An instant as an ISO-8601 UTC text with milliseconds, the same from both drivers. */
const isoInstant = (sql: string) => `to_char(${sql} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** How a column of a type is selected: dates and instants as text, so both drivers return the same thing. */
function selectOf(name: string, type: SqlType): string {
  if (type === 'date') return `${name}::text AS ${name}`;
  if (type === 'timestamptz') return `${isoInstant(name)} AS ${name}`;
  return name;
}

export interface FieldColumnOptions<T> {
  /** Written when the record leaves the field out (default null: the column's own default is not used). */
  ifAbsent?: unknown;
  /** Selected but never written: the database fills it (created_at). */
  readOnly?: boolean;
  /** A write other than the field as it is. */
  write?(record: T): unknown;
}

/** The column helpers for one record type T: field names are checked against T. */
export function columnsOf<T>() {
  return {
    /** A column holding a record field as it is. */
    field<const N extends string>(name: N, type: SqlType, field: keyof T & string, opts: FieldColumnOptions<T> = {}): Column<T, N> {
      return {
        name,
        type,
        select: selectOf(name, type),
        read: (value, record) => {
          (record as Record<string, unknown>)[field] = value;
        },
        write: opts.readOnly ? undefined : (opts.write ?? ((r) => (r[field] as unknown) ?? opts.ifAbsent ?? null)),
      };
    },
    /** A column written from the record but never read back (lower-cased search columns). */
    derived<const N extends string>(name: N, type: SqlType, write: (record: T) => unknown): Column<T, N> {
      return { name, type, write };
    },
    /** A column only criteria read (e.g. the recipient of access notifications, written elsewhere). */
    searchOnly<const N extends string>(name: N, type: SqlType): Column<T, N> {
      return { name, type };
    },
    /** A column with its own read and write (e.g. one part of a field held in two columns). */
    custom<const N extends string>(name: N, type: SqlType, read: Column<T>['read'], write: Column<T>['write']): Column<T, N> {
      return { name, type, select: selectOf(name, type), read, write };
    },
    /** The version and time of last change every entity table has: selected last, filled by the database. */
    meta(): [Column<T, 'version'>, Column<T, 'last_updated'>] {
      return [
        { name: 'version', type: 'integer', select: 'version' },
        { name: 'last_updated', type: 'timestamptz', select: selectOf('last_updated', 'timestamptz') },
      ];
    },
  };
}

/** Drops undefined and null so domain records carry only what is known. */
function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) {
    if (o[k] === undefined || o[k] === null) delete o[k];
  }
  return o;
}

export interface EntityTable<T> {
  table: string;
  /** Column list for SELECT, with dates cast to text so both drivers return the same thing. */
  select: string;
  /** ORDER BY for searches (default: id, for stable paging). */
  orderBy?: string;
  fields: Record<string, FieldSpec>;
  fromRow(row: Record<string, unknown>): T;
  /** Column definitions for jsonb_to_recordset, in insert order, and a record -> row-object mapping. */
  insertColumns: string;
  toRow(record: T): Record<string, unknown>;
}

/** An entity's table with the one column list it is derived from, and its criteria field names as a type. */
export interface DescribedTable<T, F extends string = string> extends EntityTable<T> {
  columns: readonly Column<T>[];
  /** The tables this table's rows point at by foreign key (itself aside): they load first, empty last. */
  refersTo: readonly string[];
  fields: Record<F, FieldSpec>;
}

export interface EntityDescription<T, N extends string, F extends string> {
  table: string;
  /**
   * The tables this table's rows point at by foreign key, itself aside (loadOrder.ts orders loads
   * and resets by them; test/store/schemaMatchesColumns.test.ts checks them against the migrations).
   */
  refersTo: readonly string[];
  columns: readonly Column<T, N>[];
  /** Criteria fields: the social-care names the store can be asked about (criteria.ts). */
  fields: Record<F, FieldDeclaration<N>>;
  orderBy?: string;
}

function fieldSpec(columns: readonly Column<unknown>[], table: string, declared: FieldDeclaration<string>): FieldSpec {
  if (typeof declared !== 'string') return declared;
  const column = columns.find((c) => c.name === declared);
  if (!column) throw new Error(`${table} has no column ${declared}`);
  const kind = column.type === 'boolean' ? 'bool' : column.type === 'timestamptz' ? 'instant' : column.type === 'text[]' ? 'array' : 'value';
  return { kind, sql: column.name };
}

/** Everything the store's generic code needs of an entity, read off its one column list. */
export function entityTable<T, const N extends string, const F extends string>(d: EntityDescription<T, N, F>): DescribedTable<T, F> {
  const columns = d.columns as readonly Column<T>[];
  const selected = columns.filter((c) => c.select !== undefined);
  const written = columns.filter((c) => c.write !== undefined);
  const fields = Object.fromEntries(
    Object.entries<FieldDeclaration<string>>(d.fields).map(([name, declared]) => [name, fieldSpec(columns as readonly Column<unknown>[], d.table, declared)]),
  ) as Record<F, FieldSpec>;
  return {
    table: d.table,
    refersTo: d.refersTo,
    columns,
    select: selected.map((c) => (c.select === c.name ? c.name : c.select)).join(', '),
    orderBy: d.orderBy,
    fields,
    fromRow(row) {
      const record: Partial<T> = {};
      for (const c of selected) c.read?.(row[c.name], record);
      return compact(record) as T;
    },
    insertColumns: written.map((c) => `${c.name} ${c.type}`).join(', '),
    toRow(record) {
      const row: Record<string, unknown> = {};
      for (const c of written) row[c.name] = c.write!(record);
      return row;
    },
  };
}
