import { Criterion, EntityKind, RangeOp, SortKey } from './criteria';
import { FieldSpec, TABLES } from './tables';

/** Turns criteria into a parameterised WHERE clause. Every value travels as a parameter, never as SQL text. */
export class WhereBuilder {
  readonly params: (string | string[] | boolean)[] = [];

  private param(value: string | string[] | boolean): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  where(kind: EntityKind, criteria: Criterion[]): string {
    if (criteria.length === 0) return 'TRUE';
    return criteria.map((c) => `(${this.criterion(kind, c)})`).join(' AND ');
  }

  private criterion(kind: EntityKind, c: Criterion): string {
    if (c.match === 'nothing') return 'FALSE';
    if (c.match === 'any') {
      return c.groups.length ? c.groups.map((g) => `(${this.where(kind, g)})`).join(' OR ') : 'FALSE';
    }
    const spec = fieldSpec(kind, c.field);
    switch (c.match) {
      case 'any-of':
        if (spec.kind === 'bool') {
          return c.values.map((v) => `${spec.sql} = ${this.param(v === 'true')}`).join(' OR ');
        }
        if (spec.kind === 'array') return `${spec.sql} && ${this.param(c.values)}::text[]`;
        if (spec.kind !== 'value') throw new Error(`${kind}.${c.field} is not a value field`);
        return `${spec.sql} = ANY(${this.param(c.values)}::text[])`;
      case 'text':
        if (spec.kind !== 'text') throw new Error(`${kind}.${c.field} is not a text field`);
        return c.values.map((v) => this.text(spec, c.mode, v)).join(' OR ');
      case 'range':
        if (spec.kind === 'instant') {
          return instantSql(spec.sql, c.op, () => this.param(c.start), () => this.param(c.end));
        }
        if (spec.kind !== 'range') throw new Error(`${kind}.${c.field} is not a range field`);
        // Parameters are numbered only when used: PostgreSQL refuses a parameter the SQL never mentions.
        return rangeSql(spec.start, spec.end, c.op, () => this.param(c.start), () => this.param(c.end));
      case 'in': {
        const target = TABLES[c.kind].table;
        const ids = `SELECT id FROM ${target} WHERE ${this.where(c.kind, c.where)}`;
        // A list of ids (the people an access record names) matches when any of them is found.
        if (spec.kind === 'array') return `${spec.sql} && ARRAY(${ids})`;
        return `${valueSql(spec, kind, c.field)} IN (${ids})`;
      }
      case 'referenced-by': {
        const column = valueSql(spec, kind, c.field);
        const by = fieldSpec(c.kind, c.by);
        const refs = by.kind === 'array' ? `unnest(${by.sql})` : valueSql(by, c.kind, c.by);
        return `${column} IN (SELECT ${refs} FROM ${TABLES[c.kind].table} WHERE ${this.where(c.kind, c.where)})`;
      }
      case 'missing': {
        const column = spec.kind === 'range' ? spec.start : valueSql(spec, kind, c.field);
        return `${column} IS ${c.missing ? '' : 'NOT '}NULL`;
      }
    }
  }

  private text(spec: Extract<FieldSpec, { kind: 'text' }>, mode: 'starts-with' | 'contains' | 'exact', value: string) {
    if (mode === 'exact') {
      const p = this.param(value);
      return spec.array ? `${p} = ANY(${spec.exact})` : `${spec.exact} = ${p}`;
    }
    const escaped = value.toLowerCase().replace(/[\\%_]/g, (ch) => `\\${ch}`);
    const p = this.param(mode === 'starts-with' ? `${escaped}%` : `%${escaped}%`);
    return spec.array
      ? `EXISTS (SELECT 1 FROM unnest(${spec.lower}) AS part WHERE part LIKE ${p})`
      : `${spec.lower} LIKE ${p}`;
  }
}

/**
 * ORDER BY for a search sorted by the given keys, the id last so that rows with equal keys keep one
 * order from page to page. A range (a period) sorts by its start ascending and by its end
 * descending; a missing end is still running and a missing start open, as the range comparisons
 * read them, so both sort as the furthest out (first).
 */
export function orderBySql(kind: EntityKind, sort: SortKey[]): string {
  const keys = sort.map(({ field, descending }) => {
    const spec = fieldSpec(kind, field);
    if (spec.kind === 'range') return descending ? `${spec.end} DESC NULLS FIRST` : `${spec.start} ASC NULLS FIRST`;
    if (spec.kind === 'instant' || spec.kind === 'value') return `${spec.sql} ${descending ? 'DESC' : 'ASC'} NULLS LAST`;
    throw new Error(`${kind}.${field} cannot be sorted by`);
  });
  return [...keys, 'id'].join(', ');
}

function fieldSpec(kind: EntityKind, field: string): FieldSpec {
  // Own fields only: `constructor` is no field, whatever Object.prototype says.
  const fields = TABLES[kind].fields;
  if (!Object.hasOwn(fields, field)) throw new Error(`${kind} has no field ${field}`);
  return fields[field];
}

function valueSql(spec: FieldSpec, kind: EntityKind, field: string): string {
  if (spec.kind === 'value' || spec.kind === 'bool') return spec.sql;
  throw new Error(`${kind}.${field} cannot be compared by id`);
}

/**
 * FHIR date comparison semantics for a target range [start, end] (a missing start or end is
 * open-ended) against the search value's range [vs, ve].
 */
function rangeSql(s: string, e: string, op: RangeOp, vs: () => string, ve: () => string): string {
  switch (op) {
    case 'eq':
      return `${s} >= ${vs()}::date AND ${e} <= ${ve()}::date`;
    case 'ne':
      return `NOT (${s} >= ${vs()}::date AND ${e} <= ${ve()}::date) OR ${s} IS NULL OR ${e} IS NULL`;
    case 'gt':
      return `${e} IS NULL OR ${e} > ${ve()}::date`;
    case 'ge':
      return `${e} IS NULL OR ${e} >= ${vs()}::date`;
    case 'lt':
      return `${s} IS NULL OR ${s} < ${vs()}::date`;
    case 'le':
      return `${s} IS NULL OR ${s} <= ${ve()}::date`;
    case 'sa':
      return `${s} > ${ve()}::date`;
    case 'eb':
      return `${e} < ${vs()}::date`;
  }
}

/** An instant compared with the search value's range [start, end). */
function instantSql(x: string, op: RangeOp, start: () => string, end: () => string): string {
  switch (op) {
    case 'eq':
      return `${x} >= ${start()}::timestamptz AND ${x} < ${end()}::timestamptz`;
    case 'ne':
      return `NOT (${x} >= ${start()}::timestamptz AND ${x} < ${end()}::timestamptz)`;
    case 'gt':
    case 'sa':
      return `${x} >= ${end()}::timestamptz`;
    case 'ge':
      return `${x} >= ${start()}::timestamptz`;
    case 'lt':
    case 'eb':
      return `${x} < ${start()}::timestamptz`;
    case 'le':
      return `${x} < ${end()}::timestamptz`;
  }
}
