import type { DatasetPart } from '../domain/dataset';
import type { Migration } from './migration';

/**
 * The kit an entity's one column list is written with. Each column says once its SQL name and type,
 * how it is selected, and which record field it holds and how (or what it is derived from); the
 * SELECT list, the jsonb_to_recordset column definitions, fromRow, toRow and the criteria fields
 * are all read off that list (entityTable), so they cannot drift apart. Most columns hold a record
 * field as it is under the field's own name in snake_case: those are listed by field name, a type
 * at a time (plain), and searched by field name (searchBy), so neither name is written twice.
 */

/** The SQL types columns have: as in the migrations, and as named in jsonb_to_recordset. */
export type SqlType = 'text' | 'text[]' | 'jsonb' | 'date' | 'timestamptz' | 'boolean' | 'integer';

export interface Column<T, N extends string = string, S extends string = string> {
  name: N;
  type: SqlType;
  /** The criteria field name an entity's searchBy lists the column under: the record field it holds. */
  searchName?: S;
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

/** A field name's column name: nhsNumber -> nhs_number (the names the migrations use). */
export type SnakeCase<S extends string> = S extends `${infer H}${infer R}` ? `${H extends Lowercase<H> ? H : `_${Lowercase<H>}`}${SnakeCase<R>}` : S;

function snakeCase<S extends string>(s: S): SnakeCase<S> {
  return s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) as SnakeCase<S>;
}

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
  /** A column holding a record field as it is; searchBy may list it by the field's name. */
  function fieldColumn<const N extends string, const F extends keyof T & string>(
    name: N,
    type: SqlType,
    field: F,
    opts: FieldColumnOptions<T> = {},
  ): Column<T, N, F> {
    return {
      name,
      type,
      searchName: field,
      select: selectOf(name, type),
      read: (value, record) => {
        (record as Record<string, unknown>)[field] = value;
      },
      write: opts.readOnly ? undefined : (opts.write ?? ((r) => (r[field] as unknown) ?? opts.ifAbsent ?? null)),
    };
  }
  return {
    field: fieldColumn,
    /**
     * Columns of one type, each holding the record field it is named after (nhsNumber in nhs_number):
     * the usual column, listed by field name only. A column named otherwise is a field().
     */
    plain<const F extends readonly (keyof T & string)[]>(
      type: SqlType,
      fields: F,
      opts: Omit<FieldColumnOptions<T>, 'write'> = {},
    ): { -readonly [I in keyof F]: Column<T, SnakeCase<F[I]>, F[I]> } {
      // A column apiece in the type too: entityTable infers its column and field names from each.
      return fields.map((f) => fieldColumn(snakeCase(f), type, f, opts)) as { -readonly [I in keyof F]: Column<T, SnakeCase<F[I]>, F[I]> };
    },
    /** A column written from the record but never read back (lower-cased search columns). */
    derived<const N extends string>(name: N, type: SqlType, write: (record: T) => unknown): Column<T, N, never> {
      return { name, type, write };
    },
    /** A column only criteria read (e.g. the recipient of access notifications, written elsewhere). */
    searchOnly<const N extends string>(name: N, type: SqlType): Column<T, N, never> {
      return { name, type };
    },
    /** A column with its own read and write (e.g. one part of a field held in two columns). */
    custom<const N extends string>(name: N, type: SqlType, read: Column<T>['read'], write: Column<T>['write']): Column<T, N, never> {
      return { name, type, select: selectOf(name, type), read, write };
    },
    /**
     * The version and time of last change every entity table has: selected last, filled by the
     * database. The time is searched as lastUpdated, the name a stored record carries it under.
     */
    meta(): [Column<T, 'version', never>, Column<T, 'last_updated', 'lastUpdated'>] {
      return [
        { name: 'version', type: 'integer', select: 'version' },
        { name: 'last_updated', type: 'timestamptz', select: selectOf('last_updated', 'timestamptz'), searchName: 'lastUpdated' },
      ];
    },
  };
}

/**
 * Drops the fields a row left NULL (or never set), so domain records carry only what is known.
 * Unlike withoutUndefined (domain/objects.ts) it drops null too, and changes the record in place:
 * the record is the one fromRow has just built.
 */
function withoutNulls<T extends object>(o: T): T {
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
  /** The names of the written columns, in the same order: the INSERT's column list. */
  insertColumnNames: string;
  toRow(record: T): Record<string, unknown>;
}

/** An entity's table with the one column list it is derived from, and its criteria field names as a type. */
export interface DescribedTable<T, F extends string = string> extends EntityTable<T> {
  columns: readonly Column<T>[];
  /** The tables this table's rows point at by foreign key (itself aside): they load first, empty last. */
  refersTo: readonly string[];
  /** The part of a dataset (fixtures, generated populations) that holds this entity's records, if any. */
  datasetPart?: DatasetPart;
  /** The migrations that changed this table alone, after the first schema (migrate.ts runs them). */
  migrations: readonly Migration[];
  fields: Record<F, FieldSpec>;
}

export interface EntityDescription<T, N extends string, S extends string, B extends S, F extends string> {
  table: string;
  /**
   * The tables this table's rows point at by foreign key, itself aside (loadOrder.ts orders loads
   * and resets by them; test/store/schemaMatchesColumns.test.ts checks them against the migrations).
   */
  refersTo: readonly string[];
  /** The part of a dataset (fixtures, generated populations) that holds this entity's records, if any. */
  datasetPart?: DatasetPart;
  /**
   * The migrations that change this table alone, after the first schema (migrations.ts): kept beside
   * the columns they make, so a new column is one file. Versions are unique across all migrations.
   */
  migrations?: readonly Migration[];
  columns: readonly Column<T, N, S>[];
  /**
   * Criteria fields (the social-care names the store can be asked about, criteria.ts) that are a
   * record field's own column, by the field's name: the column and its kind are looked up.
   */
  searchBy?: readonly B[];
  /**
   * The other criteria fields: over a column named otherwise, or over several columns or expressions.
   * They name described columns (NoInfer: the column names are the columns list's alone).
   */
  fields?: Record<F, FieldDeclaration<NoInfer<N>>>;
  orderBy?: string;
}

/** The field kind a column's type implies, for a criteria field that is just that column. */
function columnSpec(column: Column<unknown>): FieldSpec {
  const kind = column.type === 'boolean' ? 'bool' : column.type === 'timestamptz' ? 'instant' : column.type === 'text[]' ? 'array' : 'value';
  return { kind, sql: column.name };
}

function declaredSpec(columns: readonly Column<unknown>[], table: string, declared: FieldDeclaration<string>): FieldSpec {
  if (typeof declared !== 'string') return declared;
  const column = columns.find((c) => c.name === declared);
  if (!column) throw new Error(`${table} has no column ${declared}`);
  return columnSpec(column);
}

/** The criteria fields of a description: searchBy's by the column holding each, then the declared ones. */
function fieldSpecs(table: string, columns: readonly Column<unknown>[], searchBy: readonly string[], declared: Record<string, FieldDeclaration<string>>) {
  const fields: Record<string, FieldSpec> = {};
  for (const name of searchBy) {
    const column = columns.find((c) => c.searchName === name);
    if (!column) throw new Error(`${table} has no column holding ${name}`);
    fields[name] = columnSpec(column);
  }
  for (const [name, d] of Object.entries(declared)) {
    if (Object.hasOwn(fields, name)) throw new Error(`${table} declares the criteria field ${name} twice`);
    fields[name] = declaredSpec(columns, table, d);
  }
  return fields;
}

/**
 * Everything the store's generic code needs of an entity, read off its one column list. Its
 * criteria field names (FieldName) are searchBy's and fields' together, as the compiler sees them.
 */
export function entityTable<T, N extends string, S extends string, const B extends S = never, const F extends string = never>(
  d: EntityDescription<T, N, S, B, F>,
): DescribedTable<T, B | F> {
  const columns = d.columns as readonly Column<T>[];
  const names = columns.map((c) => c.name);
  const twice = names.filter((n, i) => names.indexOf(n) !== i);
  // A column listed twice would be inserted twice: each is described once.
  if (twice.length) throw new Error(`${d.table} describes ${twice.join(', ')} more than once`);
  const selected = columns.filter((c) => c.select !== undefined);
  const written = columns.filter((c) => c.write !== undefined);
  const fields = fieldSpecs(d.table, columns as readonly Column<unknown>[], d.searchBy ?? [], d.fields ?? {}) as Record<B | F, FieldSpec>;
  return {
    table: d.table,
    refersTo: d.refersTo,
    datasetPart: d.datasetPart,
    migrations: d.migrations ?? [],
    columns,
    select: selected.map((c) => (c.select === c.name ? c.name : c.select)).join(', '),
    orderBy: d.orderBy,
    fields,
    fromRow(row) {
      const record: Partial<T> = {};
      for (const c of selected) c.read?.(row[c.name], record);
      return withoutNulls(record) as T;
    },
    insertColumns: written.map((c) => `${c.name} ${c.type}`).join(', '),
    insertColumnNames: written.map((c) => c.name).join(', '),
    toRow(record) {
      const row: Record<string, unknown> = {};
      for (const c of written) row[c.name] = c.write!(record);
      return row;
    },
  };
}
