import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { parse } from 'csv-parse/sync';
import { normaliseHeader } from '../csvRows';

/** The rest of a file from its header row on, and how many lines came before that row. */
export interface FromHeader {
  linesBefore: number;
  rest: Readable;
}

/** CQC's title block is a handful of lines; a header further down means the file is something else. */
const MOST_LINES_BEFORE_HEADER = 20;
/** A "line" this long with no line break in it is not a title: the file is not CSV text. */
const LONGEST_LINE = 1 << 20;

/**
 * Finds the header row of a file that may open with a title block (CQC's directory starts with a
 * title line and a blank line, some editions with a date line too), so that csvItems can read the
 * file from its header on. The header is the first line whose cells, normalised, satisfy isHeader.
 * The input is read only as far as that row; the rest is streamed on untouched.
 * Returns undefined when no such line comes in the first lines.
 */
export async function findHeaderRow(input: Readable, isHeader: (normalisedCells: string[]) => boolean): Promise<FromHeader | undefined> {
  // Iterated by hand: breaking out of for-await would destroy the stream we hand on.
  const chunks = input[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const decoder = new StringDecoder('utf8');
  let buffered = '';
  let linesBefore = 0;
  let ended = false;
  for (;;) {
    const lineEnd = buffered.indexOf('\n');
    if (lineEnd === -1 && !ended) {
      if (buffered.length > LONGEST_LINE) return undefined;
      const next = await chunks.next();
      if (next.done) {
        ended = true;
        buffered += decoder.end();
      } else {
        buffered += typeof next.value === 'string' ? next.value : decoder.write(next.value);
      }
      continue;
    }
    if (lineEnd === -1 && buffered === '') return undefined;
    const line = lineEnd === -1 ? buffered : buffered.slice(0, lineEnd);
    if (isHeader(cellsOf(line).map(normaliseHeader))) {
      const start = buffered;
      return { linesBefore, rest: Readable.from(restOfFile(start, chunks, decoder, ended)) };
    }
    linesBefore++;
    if (linesBefore >= MOST_LINES_BEFORE_HEADER) return undefined;
    buffered = lineEnd === -1 ? '' : buffered.slice(lineEnd + 1);
  }
}

async function* restOfFile(start: string, chunks: AsyncIterator<Buffer | string>, decoder: StringDecoder, ended: boolean): AsyncGenerator<string> {
  try {
    yield start;
    if (ended) return;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
      yield typeof next.value === 'string' ? next.value : decoder.write(next.value);
    }
    const last = decoder.end();
    if (last) yield last;
  } finally {
    // A reader that stops early lets go of the file underneath too.
    await chunks.return?.();
  }
}

/** The cells of one line of CSV; a title line that is not valid CSV on its own has none. */
function cellsOf(line: string): string[] {
  try {
    const records = parse(line.replace(/^\uFEFF/, ''), { relax_column_count: true, relax_quotes: true }) as string[][];
    return records[0] ?? [];
  } catch {
    return [];
  }
}
