/** Plain values of a CLD row: dates, postcodes, codes and numbers, each checked on its own. */

export type Parsed<T> = { ok: T } | { problem: string };

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Whether a day exists, by arithmetic: the domain's isCalendarDate builds a Date for each, which
 * costs a million rows several seconds, and the same answer comes from the month's length.
 */
function dayExists(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]);
}

/** YYYY-MM-DD or DD/MM/YYYY (as spreadsheets export it), naming a day that exists. */
export function parseCldDate(value: string): Parsed<string> {
  let iso = value;
  const uk = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(value);
  if (uk) iso = `${uk[3]}-${uk[2].padStart(2, '0')}-${uk[1].padStart(2, '0')}`;
  else if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return { problem: 'a date is written YYYY-MM-DD or DD/MM/YYYY' };
  const exists = dayExists(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)), Number(iso.slice(8, 10)));
  return exists ? { ok: iso } : { problem: 'no such day in the calendar' };
}

const POSTCODE = /^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}$/;

/** Upper case with one space before the inward code: "wx3  4qp" and "WX34QP" are "WX3 4QP". */
export function parsePostcode(value: string): Parsed<string> {
  const compact = value.toUpperCase().replace(/\s+/g, '');
  const spaced = `${compact.slice(0, -3)} ${compact.slice(-3)}`;
  return POSTCODE.test(spaced) ? { ok: spaced } : { problem: 'not a UK postcode' };
}

/** An ODS organisation code: a GP practice's is a letter and five digits, other codes 3 to 8 characters. */
export function parseOdsCode(value: string): Parsed<string> {
  const code = value.toUpperCase();
  return /^[A-Z0-9]{3,8}$/.test(code) ? { ok: code } : { problem: 'an ODS code is 3 to 8 letters and digits' };
}

/** A CQC location id: "1-" and digits (1-1000000123). */
export function parseCqcLocationId(value: string): Parsed<string> {
  return /^1-\d{6,12}$/.test(value) ? { ok: value } : { problem: 'a CQC location id is "1-" followed by digits, as in 1-1000000123' };
}

/** A non-negative amount or count; a pound sign and thousands commas are allowed ("£1,234.50"). */
export function parseAmount(value: string): Parsed<number> {
  const plain = value.replace(/^£/, '').replace(/,(?=\d{3}(\D|$))/g, '');
  if (!/^\d+(\.\d+)?$/.test(plain)) return { problem: 'not a number of zero or more' };
  return { ok: Number(plain) };
}
