import { CldColumn } from './cldColumns';
import { PersonStatement } from './cldPersonCells';

/**
 * What an import remembers of the rows it has accepted, to find the rows that disagree with them:
 * per person, a 32-bit hash of each person column's value and where it was first stated; per event
 * reference, a 64-bit digest of what the row said and where. Files run to a million rows, so whole
 * rows are never kept.
 */

/** Where an accepted row was: the file (its index in the import) and the line. */
export interface Place {
  file: number;
  line: number;
}

export const PERSON_COLUMNS: readonly CldColumn[] = [
  'nhsNumber',
  'firstName',
  'lastName',
  'dateOfBirth',
  'dateOfDeath',
  'gender',
  'postcode',
  'gpPracticeCode',
  'gpPracticeName',
  'primarySupportReason',
  'accommodationStatus',
  'hasUnpaidCarer',
  'autism',
  'visualImpairment',
  'hearingImpairment',
  'dementia',
];
const SLOT = new Map(PERSON_COLUMNS.map((column, i) => [column, i]));
/** Per column: the value's hash, the file and the line (a line of 0: not stated yet). */
const PER_PERSON = PERSON_COLUMNS.length * 3;
const CHUNK = 4096;

/** FNV-1a over UTF-16 code units: fast, and collisions on one person's column are one in four billion. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

export interface Disagreement {
  column: CldColumn;
  earlier: Place;
}

export class PersonMemory {
  private readonly slots = new Map<string, number>();
  private readonly chunks: Int32Array[] = [];

  /** The columns in which the statements disagree with what earlier rows said of the person. */
  disagreements(personId: string, statements: readonly PersonStatement[]): Disagreement[] {
    const slot = this.slots.get(personId);
    if (slot === undefined) return [];
    const [chunk, base] = this.locate(slot);
    const found: Disagreement[] = [];
    for (const [column, value] of statements) {
      const at = base + SLOT.get(column)! * 3;
      if (chunk[at + 2] !== 0 && chunk[at] !== hash32(value)) found.push({ column, earlier: { file: chunk[at + 1], line: chunk[at + 2] } });
    }
    return found;
  }

  /** Remembers what an accepted row said that earlier rows had not. */
  remember(personId: string, statements: readonly PersonStatement[], place: Place): void {
    let slot = this.slots.get(personId);
    if (slot === undefined) {
      slot = this.slots.size;
      this.slots.set(personId, slot);
      if (slot % CHUNK === 0) this.chunks.push(new Int32Array(CHUNK * PER_PERSON));
    }
    const [chunk, base] = this.locate(slot);
    for (const [column, value] of statements) {
      const at = base + SLOT.get(column)! * 3;
      if (chunk[at + 2] !== 0) continue;
      chunk[at] = hash32(value);
      chunk[at + 1] = place.file;
      chunk[at + 2] = place.line;
    }
  }

  private locate(slot: number): [Int32Array, number] {
    return [this.chunks[Math.floor(slot / CHUNK)], (slot % CHUNK) * PER_PERSON];
  }
}

export type EventSeen = { kind: 'new' } | { kind: 'same'; earlier: Place } | { kind: 'different'; earlier: Place };

export class EventMemory {
  private readonly slots = new Map<string, number>();
  private readonly chunks: Int32Array[] = [];

  /**
   * A row's content as two 32-bit FNV-1a lanes with different seeds. It is only ever compared with
   * the first row of the same event reference, so a chance match is one in billions per repeat.
   */
  static digest(values: readonly string[]): [number, number] {
    let a = 0x811c9dc5;
    let b = 0x01000193;
    for (const value of values) {
      for (let i = 0; i < value.length; i++) {
        const c = value.charCodeAt(i);
        a = Math.imul(a ^ c, 0x01000193);
        b = Math.imul(b ^ c, 0x5bd1e995);
      }
      // A separator, so that "ab","c" and "a","bc" differ.
      a = Math.imul(a ^ 0x1f, 0x01000193);
      b = Math.imul(b ^ 0x1f, 0x5bd1e995);
    }
    return [a | 0, b | 0];
  }

  seen(eventId: string, digest: readonly [number, number]): EventSeen {
    const slot = this.slots.get(eventId);
    if (slot === undefined) return { kind: 'new' };
    const [chunk, at] = this.locate(slot);
    const earlier = { file: chunk[at + 2], line: chunk[at + 3] };
    return chunk[at] === digest[0] && chunk[at + 1] === digest[1] ? { kind: 'same', earlier } : { kind: 'different', earlier };
  }

  remember(eventId: string, digest: readonly [number, number], place: Place): void {
    if (this.slots.has(eventId)) return;
    const slot = this.slots.size;
    this.slots.set(eventId, slot);
    if (slot % CHUNK === 0) this.chunks.push(new Int32Array(CHUNK * 4));
    const [chunk, at] = this.locate(slot);
    chunk.set([digest[0], digest[1], place.file, place.line], at);
  }

  private locate(slot: number): [Int32Array, number] {
    return [this.chunks[Math.floor(slot / CHUNK)], (slot % CHUNK) * 4];
  }
}
