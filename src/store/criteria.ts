/**
 * What the store can be asked: a conjunction of criteria over an entity's named fields. These are
 * social-care terms (nhsNumber, personId, period), not FHIR search parameters; the FHIR layer
 * translates one into the other.
 */
export type EntityKind = 'person' | 'organisation' | 'worker' | 'carePackage' | 'safeguardingConcern' | 'notice' | 'contact' | 'audit';

export type RangeOp = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb';

export type Criterion =
  /** The field equals one of the values. */
  | { field: string; match: 'any-of'; values: string[] }
  /** Case-insensitive text match (exact: case-sensitive whole value) against one of the values. */
  | { field: string; match: 'text'; mode: 'starts-with' | 'contains' | 'exact'; values: string[] }
  /**
   * A date range [start, end] (inclusive days) compared with the field's own range; for instant
   * fields, [start, end) as ISO instants.
   */
  | { field: string; match: 'range'; op: RangeOp; start: string; end: string }
  /** The field holds the id of another entity matching the nested criteria (chained search). */
  | { field: string; match: 'in'; kind: EntityKind; where: Criterion[] }
  /** Whether the field has a value at all. */
  | { field: string; match: 'missing'; missing: boolean }
  /** At least one group matches (each group a conjunction): OR across fields. */
  | { match: 'any'; groups: Criterion[][] }
  /** Matches nothing: e.g. an identifier system the council does not hold. */
  | { match: 'nothing' };

export interface Page {
  limit: number;
  offset: number;
}
