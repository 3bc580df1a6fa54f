import { Readable } from 'node:stream';
import { CsvError, Options, parse } from 'csv-parse';

/**
 * CSV files as councils and CQC produce them, read a row at a time: UTF-8 with or without a byte
 * order mark, CRLF or LF, quoted fields holding commas, quotes and newlines (RFC 4180, via
 * csv-parse). Headers are matched by their normalised spelling, so "Provider CQC Location ID",
 * "Provider_CQC_Location_ID" and "provider cqc location id" are one column.
 */

/** One data row: the line it starts on (1 is the header) and its values by normalised header. */
export interface CsvRow {
  line: number;
  values: RowValues;
}

/**
 * A row's values by normalised header, trimmed. Read through the header's one index rather than a
 * map built for every row: a million-row return is read in seconds, not tens of them.
 */
export class RowValues {
  constructor(
    private readonly index: ReadonlyMap<string, number>,
    private readonly fields: readonly string[],
  ) {}

  get(column: string): string | undefined {
    const i = this.index.get(column);
    return i === undefined ? undefined : this.fields[i].trim();
  }

  *entries(): IterableIterator<[string, string]> {
    for (const [column, i] of this.index) yield [column, this.fields[i].trim()];
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}

/** A row that could not be read as a row of the file: it is reported, never silently dropped. */
export interface CsvRowProblem {
  line: number;
  problem: string;
}

/** The file's header, as written and normalised. */
export interface CsvHeader {
  line: number;
  columns: { written: string; normalised: string }[];
}

export type CsvItem = ({ kind: 'header' } & CsvHeader) | ({ kind: 'row' } & CsvRow) | ({ kind: 'problem' } & CsvRowProblem);

/** Thrown when the file as a whole cannot be read as CSV (an unclosed quote runs to the end, say). */
export class CsvFileError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/**
 * The spelling headers are matched by: lower case, every run of characters other than letters and
 * digits as one space, trimmed. "Autism Spectrum Disorder (ASD)" and "Autism_Spectrum_Disorder_ASD"
 * are both "autism spectrum disorder asd".
 */
export function normaliseHeader(header: string): string {
  return header
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/**
 * Reads a CSV stream: first its header, then each data row (values trimmed, by normalised header),
 * with a problem for each row whose number of fields differs from the header's. Blank lines are
 * skipped. A file that is not CSV at all throws CsvFileError naming the line.
 */
/** The longest row a file may have: far beyond any real row (a CLD row is under 2 kB). */
export const MAX_RECORD_BYTES = 1_048_576;

/** A record with the line it starts on. */
interface NumberedRecord {
  line: number;
  record: string[];
}

export async function* csvItems(input: Readable): AsyncGenerator<CsvItem> {
  // The line a record starts on: the parser's own count takes a CRLF inside quotes as two lines, so
  // lines are counted here, as one per record plus each newline its quoted fields hold. They are
  // counted as the parser makes each record (on_record), which may run ahead of this reader: so a
  // file that breaks off is named at the record it broke in, even when it arrived in one piece.
  let parsedUpTo = 1;
  const options: Options<NumberedRecord, string[]> = {
    bom: true,
    relax_column_count: true,
    // Files joined from several extracts can mix line endings.
    record_delimiter: ['\r\n', '\n'],
    // Blank lines come through as one empty field, so that every line is counted.
    skip_empty_lines: false,
    // One unclosed quote would otherwise make the rest of a 2 GB file one field, in memory.
    max_record_size: MAX_RECORD_BYTES,
    on_record: (record: string[]) => {
      const line = parsedUpTo;
      parsedUpTo = line + 1 + record.reduce((n, field) => n + newlines(field), 0);
      return { line, record };
    },
  };
  // csv-parse's typings take a changed record only with `columns`; at run time on_record may return anything.
  const parser = input.pipe(parse(options as unknown as Options));
  let header: string[] | undefined;
  let index: Map<string, number> | undefined;
  try {
    for await (const { line, record } of parser as AsyncIterable<NumberedRecord>) {
      if (record.length === 1 && record[0].trim() === '') continue;
      if (!header) {
        header = record.map((h) => normaliseHeader(h));
        const seen = new Set<string>();
        for (const [i, h] of header.entries()) {
          if (h === '') throw new CsvFileError(`column ${i + 1} of the header has no name`, line);
          if (seen.has(h)) throw new CsvFileError(`the header names the column "${record[i].trim()}" twice`, line);
          seen.add(h);
        }
        index = new Map(header.map((h, i) => [h, i]));
        yield { kind: 'header', line, columns: record.map((written, i) => ({ written: written.trim(), normalised: header![i] })) };
        continue;
      }
      if (record.length !== header.length) {
        yield { kind: 'problem', line, problem: `the row has ${record.length} fields where the header has ${header.length}` };
        continue;
      }
      yield { kind: 'row', line, values: new RowValues(index!, record) };
    }
  } catch (err) {
    if (err instanceof CsvError) throw new CsvFileError(`not readable as CSV: ${err.message.replace(/^Invalid [^:]*: /, '')}`, parsedUpTo);
    throw err;
  } finally {
    // A reader that stops early (a file refused at its header) lets go of the file.
    input.unpipe(parser);
    input.destroy();
  }
  if (!header) throw new CsvFileError('the file is empty: it has no header row', 1);
}

function newlines(field: string): number {
  let n = 0;
  for (let i = field.indexOf('\n'); i !== -1; i = field.indexOf('\n', i + 1)) n++;
  return n;
}
