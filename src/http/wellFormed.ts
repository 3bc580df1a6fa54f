/// <reference lib="es2024.string" />
/**
 * Text that reaches the facade must be well-formed Unicode: PostgreSQL cannot keep half a
 * surrogate pair (a JSON escape such as \ud800 parses to one), and percent-encoded bytes that are
 * not UTF-8 are no text at all (the query and form parsers would quietly turn them into U+FFFD or
 * leave the escapes as literal text). Both are the client's mistake, refused at the edge with 400.
 */

/** Runs of percent-encoded bytes: one character's UTF-8 bytes are always one run. */
const ENCODED_RUN = /(?:%[0-9A-Fa-f]{2})+/g;
const BROKEN_ESCAPE = /%(?![0-9A-Fa-f]{2})/;

/**
 * Why percent-encoded text (a URL, a form body) does not decode to well-formed Unicode, or
 * undefined when it does. A part (path segment, name or value) with broken percent-encoding, a `%`
 * not followed by two hex digits, is not judged here: it is refused, or read literally, as before.
 */
export function undecodableText(raw: string): string | undefined {
  if (!raw.includes('%')) return undefined;
  for (const part of raw.split(/[/?&=]/)) {
    if (!part.includes('%') || BROKEN_ESCAPE.test(part)) continue;
    for (const [run] of part.matchAll(ENCODED_RUN)) {
      let decoded: string;
      try {
        decoded = decodeURIComponent(run);
      } catch {
        return `percent-encoded bytes that are not UTF-8 text (${run.length > 60 ? `${run.slice(0, 60)}...` : run})`;
      }
      if (!decoded.isWellFormed()) return 'percent-encoded text that is not well-formed Unicode';
    }
  }
  return undefined;
}

/**
 * The form parsers' check of a body before parsing: its percent-encoding must decode to UTF-8
 * text (the parser would otherwise keep such escapes as literal text). A 400 when it does not.
 */
export function verifyFormText(_req: unknown, _res: unknown, body: Buffer): void {
  const problem = undecodableText(body.toString('latin1'));
  if (problem) throw Object.assign(new Error(`The form body holds ${problem}`), { status: 400 });
}

/** Why decoded parameters (names and values) are not well-formed Unicode, or undefined when they are. */
export function illFormedParams(params: Record<string, string[]>): string | undefined {
  for (const [name, values] of Object.entries(params)) {
    if (!name.isWellFormed()) return 'a parameter name that is not well-formed Unicode (an unpaired surrogate)';
    if (values.some((v) => !v.isWellFormed())) return `a value of ${name} that is not well-formed Unicode (an unpaired surrogate)`;
  }
  return undefined;
}

/**
 * A JSON body refused for its text, thrown from the parser's reviver. The parser keeps only an
 * error's class and message (it deletes the rest), so the class is what marks it.
 */
export class IllFormedBody extends Error {}

/** Why one JSON property (its name or string value) cannot be taken, or undefined when it can. */
export function illFormedJson(key: string, value: unknown): string | undefined {
  if (!key.isWellFormed()) return `a property name that is not well-formed Unicode (an unpaired surrogate, "${key.toWellFormed()}")`;
  if (typeof value !== 'string') return undefined;
  // FHIR strings may not hold NUL, nor can the store keep one.
  if (value.includes('\u0000')) return `${where(key)} holds the NUL character (\\u0000), which FHIR does not allow`;
  if (!value.isWellFormed()) return `${where(key)} is not well-formed Unicode: it holds an unpaired surrogate (\\ud800-\\udfff) that no FHIR string may contain`;
  return undefined;
}

function where(key: string): string {
  return key === '' || /^\d+$/.test(key) ? 'a string' : `the value of "${key}"`;
}
