/** YYYY-MM-DD naming a day that exists (2024-02-29 does; 2025-02-29 and 2024-02-30 do not; nor does year 0000). */
export function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || value.startsWith('0000')) return false;
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
}

/**
 * An instant as FHIR writes one: a calendar date, a time that exists (hours to 23, minutes and
 * seconds to 59), and a time zone of at most 14 hours either way. What the store can compare.
 */
export function isInstant(value: string): boolean {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|([+-])(\d{2}):(\d{2}))$/.exec(value);
  if (!m || !isCalendarDate(m[1])) return false;
  const [, , h, min, sec, , zone, , zh, zm] = m;
  if (Number(h) > 23 || Number(min) > 59 || Number(sec) > 59) return false;
  return zone === 'Z' || (Number(zh) * 60 + Number(zm) <= 14 * 60 && Number(zm) <= 59);
}
