import { isCalendarDate, isInstant } from '../domain/dates';
import { Criterion, CriterionField, EntityKind, RangeOp } from '../store/criteria';
import { badRequest } from './outcome';
import { ParamUse } from './definition';

/**
 * Parsing of search values by parameter type, shared by every resource's parameters.
 * Values are comma-separated alternatives (OR); a backslash escapes a comma.
 *
 * The helpers that build a criterion on a field are generic in the entity kind K: called where a
 * Criterion<K> is expected (a resource definition's toCriterion), K is that kind and the field must
 * be one of its own; elsewhere K is any kind and the field any name.
 */
export function alternatives(value: string): string[] {
  return value
    .split(/(?<!\\),/)
    .map((v) => v.replace(/\\,/g, ','))
    .filter((v) => v !== '');
}

export interface Token {
  system?: string;
  code: string;
}

/** `system|code`, `|code` (no system), `code` (any system); `system|` (any code in the system). */
export function parseToken(raw: string): Token {
  const bar = raw.indexOf('|');
  if (bar < 0) return { code: raw };
  return { system: raw.slice(0, bar), code: raw.slice(bar + 1) };
}

/** A token parameter over coded values that live in one code system. */
export function codedToken<K extends EntityKind>(
  field: CriterionField<K>,
  system: string,
  codes: readonly string[] | undefined,
  use: ParamUse,
): Criterion<K> {
  const values: string[] = [];
  for (const alt of alternatives(use.value)) {
    const t = parseToken(alt);
    if (t.system !== undefined && t.system !== system) continue;
    if (t.code === '') {
      if (codes) values.push(...codes);
      continue;
    }
    values.push(t.code);
  }
  const criterion: Criterion<K> = values.length ? { field, match: 'any-of', values } : { match: 'nothing' };
  return use.modifier === 'not' ? negate(field, criterion, codes) : criterion;
}

function negate<K extends EntityKind>(field: CriterionField<K>, c: Criterion<K>, codes: readonly string[] | undefined): Criterion<K> {
  if (!codes) throw badRequest(`:not is not supported on ${field}`);
  const excluded = c.match === 'any-of' ? new Set(c.values) : new Set<string>();
  return { field, match: 'any-of', values: codes.filter((code) => !excluded.has(code)) };
}

/** A token parameter whose FHIR codes map onto domain values (e.g. CarePlan.status active -> active). */
export function mappedToken<K extends EntityKind>(
  field: CriterionField<K>,
  system: string | undefined,
  domainValuesByCode: Record<string, string[]>,
  use: ParamUse,
): Criterion<K> {
  const domain = new Set<string>();
  for (const alt of alternatives(use.value)) {
    const t = parseToken(alt);
    if (t.system !== undefined && system !== undefined && t.system !== system) continue;
    // Only the table's own codes: `constructor` or `__proto__` are codes no one has.
    if (Object.hasOwn(domainValuesByCode, t.code)) for (const v of domainValuesByCode[t.code]) domain.add(v);
  }
  if (use.modifier === 'not') {
    const all = new Set(Object.values(domainValuesByCode).flat());
    return { field, match: 'any-of', values: [...all].filter((v) => !domain.has(v)) };
  }
  return domain.size ? { field, match: 'any-of', values: [...domain] } : { match: 'nothing' };
}

export function stringCriterion<K extends EntityKind>(field: CriterionField<K>, use: ParamUse): Criterion<K> {
  const mode = use.modifier === 'exact' ? 'exact' : use.modifier === 'contains' ? 'contains' : 'starts-with';
  return { field, match: 'text', mode, values: alternatives(use.value) };
}

const DATE_PATTERN = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T[\d:.]+(?:Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** A FHIR date value as the inclusive range of days it covers: 2026 is 2026-01-01..2026-12-31. */
export function dateRange(value: string, param: string): { start: string; end: string } {
  const m = DATE_PATTERN.exec(value);
  if (!m) {
    throw badRequest(`${param}: "${value}" is not a FHIR date (YYYY, YYYY-MM, YYYY-MM-DD or a dateTime)`, [param]);
  }
  const [, y, mo, d] = m;
  if (y === '0000') throw badRequest(`${param}: there is no year 0000`, [param]);
  if (!mo) return { start: `${y}-01-01`, end: `${y}-12-31` };
  const month = Number(mo);
  if (month < 1 || month > 12) throw badRequest(`${param}: month ${mo} is out of range`, [param]);
  if (!d) {
    const last = new Date(Date.UTC(Number(y), month, 0)).getUTCDate();
    return { start: `${y}-${mo}-01`, end: `${y}-${mo}-${String(last).padStart(2, '0')}` };
  }
  const day = `${y}-${mo}-${d}`;
  if (!isCalendarDate(day)) {
    throw badRequest(`${param}: ${day} is not a calendar date`, [param]);
  }
  return { start: day, end: day };
}

const RANGE_OPS: readonly string[] = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb'];

export function dateCriterion<K extends EntityKind>(field: CriterionField<K>, use: ParamUse): Criterion<K> {
  if (!RANGE_OPS.includes(use.prefix)) {
    throw notSupportedPrefix(use);
  }
  const { start, end } = dateRange(use.value, use.name);
  return { field, match: 'range', op: use.prefix as RangeOp, start, end };
}

function notSupportedPrefix(use: ParamUse) {
  return badRequest(`${use.name}: the prefix "${use.prefix}" is not supported (use eq, ne, gt, lt, ge, le, sa or eb)`, [
    use.name,
  ]);
}

/**
 * A reference value as the id it points at: `Patient/123`, `123`, or an absolute URL ending in
 * `Patient/123`. A reference to another type matches nothing.
 */
export function referencedIds(value: string, targetType: string): string[] {
  const ids: string[] = [];
  for (const alt of alternatives(value)) {
    const parts = alt.split('/').filter(Boolean);
    if (parts.length === 1) ids.push(parts[0]);
    else if (parts[parts.length - 2] === targetType) ids.push(parts[parts.length - 1]);
  }
  return ids;
}

export function referenceCriterion<K extends EntityKind>(field: CriterionField<K>, targetType: string, use: ParamUse): Criterion<K> {
  const ids = referencedIds(use.value, targetType);
  return ids.length ? { field, match: 'any-of', values: ids } : { match: 'nothing' };
}

/** Any one of several criteria (an OR across fields). */
export function either<K extends EntityKind>(criteria: Criterion<K>[]): Criterion<K> {
  return { match: 'any', groups: criteria.map((c) => [c]) };
}

export type { EntityKind };

const INSTANT_PATTERN = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/**
 * A FHIR date or dateTime value as the half-open range of instants it covers: 2026-11-23 is the
 * whole (UTC) day, 2026-11-23T10:15:00Z the second it names.
 */
export function instantRange(value: string, param: string): { start: string; end: string } {
  const m = INSTANT_PATTERN.exec(value);
  const invalid = () => badRequest(`${param}: "${value}" is not a FHIR date or dateTime`, [param]);
  if (!m) throw invalid();
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  if (h !== undefined && !tz) throw badRequest(`${param}: a dateTime with a time needs a time zone (Z or ±hh:mm)`, [param]);
  if (h === undefined) {
    const { start, end } = dateRange(value, param);
    const next = new Date(`${end}T00:00:00Z`);
    next.setUTCDate(next.getUTCDate() + 1);
    return { start: `${start}T00:00:00.000Z`, end: next.toISOString() };
  }
  const written = `${y}-${mo}-${d}T${h}:${mi}:${s ?? '00'}${frac ?? ''}${tz}`;
  // A day or time that does not exist (2026-02-30, year 0000, 25:00, a zone past ±14:00) is the sender's mistake.
  if (!isInstant(written)) throw invalid();
  const startMs = Date.parse(written);
  if (Number.isNaN(startMs)) throw invalid();
  const step = frac ? 1 : s !== undefined ? 1000 : 60_000;
  return { start: new Date(startMs).toISOString(), end: new Date(startMs + step).toISOString() };
}

export function instantCriterion<K extends EntityKind>(field: CriterionField<K>, use: ParamUse): Criterion<K> {
  if (!RANGE_OPS.includes(use.prefix)) throw notSupportedPrefix(use);
  const { start, end } = instantRange(use.value, use.name);
  return { field, match: 'range', op: use.prefix as RangeOp, start, end };
}
