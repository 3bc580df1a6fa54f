import { Random } from './random';

/**
 * Telephone numbers from Ofcom's ranges reserved for drama (TV, radio, fiction): they are never
 * allocated, so a synthetic number can never ring a real person. Each range holds 1,000 numbers,
 * so a large population repeats them, as a fictional one may.
 */
const r3 = (rng: Random) => String(rng.int(0, 999)).padStart(3, '0');

/** A home landline (01632 960000 to 960999: the drama range with no real area behind it). */
export const homePhone = (rng: Random) => `01632 960 ${r3(rng)}`;

/** A mobile (07700 900000 to 900999). */
export const mobilePhone = (rng: Random) => `07700 900 ${r3(rng)}`;

/** An office number in one of the geographic drama ranges (0113/0114/0115/0116/0117/0118 496 0000 to 0999, 020 7946 0000 to 0999). */
export function officePhone(rng: Random): string {
  const area = rng.pick(['0113 496 0', '0114 496 0', '0115 496 0', '0116 496 0', '0117 496 0', '0118 496 0', '020 7946 0']);
  return `${area}${r3(rng)}`;
}

/** A council office number (0115 496 0000 to 0999, like the sandbox's council and teams). */
export const councilPhone = (rng: Random) => `0115 496 0${r3(rng)}`;

/** A freephone number (0808 157 0000 to 0999). */
export const freephone = (rng: Random) => `0808 157 0${r3(rng)}`;
