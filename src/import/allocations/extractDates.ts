import { isCalendarDate } from '../../domain/dates';

/**
 * A date as a council's reporting tools write it: YYYY-MM-DD, or DD/MM/YYYY (the day first, as in
 * England; a one-digit day or month is fine), as YYYY-MM-DD. A problem says which is wrong: the
 * shape, or a day the calendar does not have (2025-02-29).
 */
export function readExtractDate(written: string): { date: string } | { problem: string } {
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(written) ? written : dayFirst(written);
  if (!iso) return { problem: 'not a date: write YYYY-MM-DD or DD/MM/YYYY' };
  if (!isCalendarDate(iso)) return { problem: 'no such day in the calendar' };
  return { date: iso };
}

function dayFirst(written: string): string | undefined {
  const parts = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(written);
  return parts ? `${parts[3]}-${parts[2].padStart(2, '0')}-${parts[1].padStart(2, '0')}` : undefined;
}
