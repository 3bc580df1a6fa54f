/**
 * UK telephone numbers spaced the one way staff read them out: 020 7946 0780, 0115 496 0000,
 * 01632 960 530, 07700 900 211, 0808 157 0000. Numbers given in international form (+44 115 ...,
 * +44 (0)115 ..., 0044 ...) are written as dialled from within the UK. Anything not recognised
 * (an extension, a foreign number, a short code) is kept as written, with its spaces tidied.
 */
export function tidyUkPhoneNumber(written: string): string {
  const asWritten = written.trim().replace(/\s+/g, ' ');
  const national = nationalDigits(asWritten);
  if (!national) return asWritten;
  if (/^02/.test(national)) return group(national, 3, 4);
  if (/^01(1\d|\d1)/.test(national)) return group(national, 4, 3);
  if (/^01/.test(national)) return MIXED_AREA_CODES.some((code) => national.startsWith(code)) ? asWritten : group(national, 5, 3);
  if (/^07/.test(national)) return group(national, 5, 3);
  if (/^0[389]/.test(national)) return group(national, 4, 3);
  return asWritten;
}

/**
 * Whether a value can be rung: digits with the usual separators, 10 to 15 of them (a UK number
 * has 11 with its leading 0), optionally followed by an extension ("ext 21", "x21").
 */
export function looksLikePhoneNumber(written: string): boolean {
  const withoutExtension = written.trim().replace(/\s*(ext\.?|extension|x)\s*\d{1,6}$/i, '');
  if (!/^\+?[\d\s().-]+$/.test(withoutExtension)) return false;
  const digits = withoutExtension.replace(/\D/g, '').length;
  return digits >= 10 && digits <= 15;
}

/**
 * Areas where the dialling code has six digits and the local number five (Hawkshead 015394,
 * Brampton 016977, ...): the usual 5-3-3 spacing would split their codes, so they are left alone.
 */
const MIXED_AREA_CODES = ['013873', '015242', '015394', '015395', '015396', '016973', '016974', '016977', '017683', '017684', '017687', '019467', '019755', '019756'];

/** The eleven digits of a UK number as dialled at home, or undefined when it is not one. */
function nationalDigits(written: string): string | undefined {
  let digits = written.replace(/[\s().-]/g, '');
  const international = /^(\+44|0044)(.*)$/.exec(digits);
  if (international) digits = `0${international[2].replace(/^0/, '')}`;
  return /^0\d{10}$/.test(digits) ? digits : undefined;
}

function group(digits: string, first: number, second: number): string {
  return `${digits.slice(0, first)} ${digits.slice(first, first + second)} ${digits.slice(first + second)}`;
}
