import { checkDigitFor } from '../domain/nhsNumber';

/**
 * Synthetic NHS numbers: the 999 range, which is never issued to a real patient. The sandbox
 * fixtures use 999 000 0000 to 999 000 9999; the synthetic population starts at 999 100 0000 and walks upwards,
 * skipping nine-digit stems whose Modulus 11 check digit would be 10 (never issued).
 */
export const SYNTHETIC_NHS_STEM_START = 999_100_000;
/** The last stem of the 999 range: room for about 900,000,000 synthetic people. */
const LAST_STEM = 999_999_999;

/** Valid NHS numbers from the synthetic range, in order, skipping any in `exclude` (numbers used elsewhere). */
export function* syntheticNhsNumbers(exclude: ReadonlySet<string> = new Set()): Generator<string> {
  for (let stem = SYNTHETIC_NHS_STEM_START; stem <= LAST_STEM; stem++) {
    const nine = String(stem);
    const check = checkDigitFor(nine);
    if (check < 0) continue;
    const number = nine + check;
    if (!exclude.has(number)) yield number;
  }
}

/** The synthetic NHS number of person `index` (0-based), walking the range from its start. */
export function syntheticNhsNumberAt(index: number): string {
  let i = 0;
  for (const n of syntheticNhsNumbers()) {
    if (i++ === index) return n;
  }
  throw new RangeError(`no synthetic NHS number ${index}`);
}
