/**
 * A coded column's accepted values. Councils write the same value in Release 1 and Release 2
 * wording, in any capitals and with "&" for "and", "-" for ":" and "/" for "or": a value is
 * matched by its key (lower case, "&" as "and", every run of other characters as one space), then
 * by its key with any bracketed note dropped ("NFA - Self-funded client (inc. 12wk disregard)").
 */
export interface CodeEntry<T> {
  /** The value in Release 2 wording: what is kept where the wording is kept. */
  wording: string;
  meaning: T;
  /** Release 1 and other known spellings of the same value. */
  aliases?: readonly string[];
}

export interface Coded<T> {
  wording: string;
  meaning: T;
}

export function codeKey(value: string): string {
  return value
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** Distinct spellings remembered per list: a coded column holds few, so this bounds only nonsense. */
const REMEMBERED = 1000;

export class CodeList<T> {
  private readonly byKey = new Map<string, Coded<T>>();
  /** Values as written, already looked up: a million rows repeat a handful of spellings. */
  private readonly written = new Map<string, Coded<T> | undefined>();

  constructor(readonly entries: readonly CodeEntry<T>[]) {
    for (const entry of entries) {
      for (const spelling of [entry.wording, ...(entry.aliases ?? [])]) {
        this.byKey.set(codeKey(spelling), { wording: entry.wording, meaning: entry.meaning });
      }
    }
  }

  /** The value's entry, or undefined when the list does not hold it. */
  find(value: string): Coded<T> | undefined {
    if (this.written.has(value)) return this.written.get(value);
    const found = this.lookUp(value);
    if (this.written.size < REMEMBERED) this.written.set(value, found);
    return found;
  }

  private lookUp(value: string): Coded<T> | undefined {
    const found = this.byKey.get(codeKey(value));
    if (found || !value.includes('(')) return found;
    return this.byKey.get(codeKey(value.replace(/\([^)]*\)/g, ' ')));
  }
}
