/**
 * A refusal by a domain rule: the reason as data (a code and what the caller needs to put it
 * right), and a message in social-care terms. The FHIR layer maps each code to its status and the
 * element at fault; the domain knows nothing of either.
 */
export abstract class Refused<R extends { code: string }> extends Error {
  constructor(
    readonly refusal: R,
    message: string,
  ) {
    super(message);
  }

  get code(): R['code'] {
    return this.refusal.code;
  }
}
