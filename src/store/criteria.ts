import type { EntityKind, FieldName } from './tables';

export type { EntityKind, FieldName };

/**
 * What the store can be asked: a conjunction of criteria over an entity's named fields. These are
 * social-care terms (nhsNumber, personId, period), not FHIR search parameters; the FHIR layer
 * translates one into the other.
 *
 * A criterion for a known kind (`Criterion<'person'>`, or one passed to `store.search('person', ...)`)
 * may name only that entity's fields, so a misspelt field fails to compile. Code that works for any
 * kind (`Criterion`, the default) may name any field: the store checks it when it builds the SQL.
 */
export type RangeOp = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb';

/** The field names a criterion over kind K may use: any, when K is not one kind known statically. */
export type CriterionField<K extends EntityKind> = [EntityKind] extends [K] ? string : FieldName<K>;

/**
 * The kinds whose entities have the criteria field F: every kind has `id` and `lastUpdated`; a field
 * such as `personId` only some. A helper that serves several kinds alike names F and is constrained
 * to these.
 */
export type KindWithField<F extends string> = { [J in EntityKind]: F extends FieldName<J> ? J : never }[EntityKind];

/**
 * A chained criterion: for a known kind, its nested criteria are checked against the target kind's
 * fields; for any kind, they are as loose as the criterion itself.
 */
type InCriterion<K extends EntityKind> = [EntityKind] extends [K]
  ? { field: string; match: 'in'; kind: EntityKind; where: Criterion[] }
  : { [J in EntityKind]: { field: FieldName<K>; match: 'in'; kind: J; where: Criterion<J>[] } }[EntityKind];

export type Criterion<K extends EntityKind = EntityKind> =
  /** The field equals one of the values. */
  | { field: CriterionField<K>; match: 'any-of'; values: string[] }
  /** Case-insensitive text match (exact: case-sensitive whole value) against one of the values. */
  | { field: CriterionField<K>; match: 'text'; mode: 'starts-with' | 'contains' | 'exact'; values: string[] }
  /**
   * A date range [start, end] (inclusive days) compared with the field's own range; for instant
   * fields, [start, end) as ISO instants.
   */
  | { field: CriterionField<K>; match: 'range'; op: RangeOp; start: string; end: string }
  /** The field holds the id of another entity matching the nested criteria (chained search). */
  | InCriterion<K>
  /**
   * The field (the record's id) is named by the `by` field of another entity's records matching the
   * nested criteria: a reverse chain (_has), e.g. people with an active care package.
   */
  | { field: CriterionField<K>; match: 'referenced-by'; kind: EntityKind; by: string; where: Criterion[] }
  /** Whether the field has a value at all. */
  | { field: CriterionField<K>; match: 'missing'; missing: boolean }
  /** At least one group matches (each group a conjunction): OR across fields. */
  | { match: 'any'; groups: Criterion<K>[][] }
  /** Matches nothing: e.g. an identifier system the council does not hold. */
  | { match: 'nothing' };

/** One key of a search's order: a field, ascending unless descending. */
export interface SortKey {
  field: string;
  descending: boolean;
}

export interface Page {
  limit: number;
  offset: number;
  /**
   * The order, key by key, with the id last so paging stays stable; without it, the entity's own
   * order (its orderBy, or id).
   */
  sort?: SortKey[];
}
