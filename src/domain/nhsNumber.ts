/**
 * NHS numbers: ten digits, the last a Modulus 11 check digit over the first nine
 * (weights 10 down to 2). A remainder giving 10 means the number was never issued.
 */
export type NhsNumberProblem = 'not-ten-digits' | 'bad-check-digit';

/** Strips the spaces and hyphens people type (999 000 0018, 999-000-0018). */
export function normaliseNhsNumber(input: string): string {
  return input.replace(/[\s-]/g, '');
}

export function nhsNumberProblem(input: string): NhsNumberProblem | undefined {
  const digits = normaliseNhsNumber(input);
  if (!/^\d{10}$/.test(digits)) {
    return 'not-ten-digits';
  }
  return checkDigitFor(digits.slice(0, 9)) === Number(digits[9]) ? undefined : 'bad-check-digit';
}

export function isValidNhsNumber(input: string): boolean {
  return nhsNumberProblem(input) === undefined;
}

/** The check digit for nine leading digits, or -1 when no valid number starts with them. */
export function checkDigitFor(firstNine: string): number {
  let sum = 0;
  for (let i = 0; i < 9; i++) {
    sum += Number(firstNine[i]) * (10 - i);
  }
  const check = 11 - (sum % 11);
  if (check === 11) return 0;
  if (check === 10) return -1;
  return check;
}

export function describeNhsNumberProblem(problem: NhsNumberProblem): string {
  return problem === 'not-ten-digits'
    ? 'an NHS number has exactly 10 digits'
    : 'the NHS number fails its Modulus 11 check digit; check it was typed correctly';
}
