import { Readable } from 'node:stream';
import { isCalendarDate } from '../../domain/dates';
import { CsvFileError, CsvHeader, csvItems } from '../csvRows';
import { CldRowFacts, ImportReject } from '../importTypes';
import { CLD_COLUMNS, CldColumn, NORMALISED, REQUIRED_COLUMNS } from './cldColumns';
import { readCldRow, RowReading } from './cldRow';
import { RowContext, RowProblem } from './rowCells';
import { EventMemory, PersonMemory, Place } from './rowMemory';

/** The columns whose values make a row's content: the same in any file, whatever its column order or extra columns. */
const ROW_COLUMNS = Object.values(NORMALISED);

export interface CldReadOptions {
  councilLaCode: string;
  /** YYYY-MM-DD: decides planned vs active. */
  today: string;
}

export function isReject(item: CldRowFacts | ImportReject): item is ImportReject {
  return 'reason' in item;
}

/**
 * Reads the council's quarterly CLD return (Release 1 or Release 2, CSV) into what each row says,
 * with a reject naming file, line and column for each row that cannot be used. One reader serves
 * one import: rows of its files must agree about each person and each event reference.
 */
export class CldReader {
  readonly stats = { rows: 0, rejected: 0 };
  private readonly files: string[] = [];
  private readonly people = new PersonMemory();
  private readonly events = new EventMemory();

  constructor(private readonly opts: CldReadOptions) {
    // Settings, not file contents: a wrong one is the caller's mistake, and every row would be misread.
    if (!isCalendarDate(opts.today)) throw new Error(`today must be a YYYY-MM-DD date, not "${opts.today}"`);
    if (opts.councilLaCode.trim() === '') throw new Error("the council's LA Code is needed to tell its rows from another council's");
  }

  /** One file of the import: yields, in file order, what each accepted row says or why a row is refused. */
  async *read(fileName: string, input: Readable): AsyncGenerator<CldRowFacts | ImportReject> {
    const file = this.files.push(fileName) - 1;
    let ctx: RowContext | undefined;
    try {
      for await (const item of csvItems(input)) {
        if (item.kind === 'header') {
          const missing = REQUIRED_COLUMNS.filter((column) => !item.columns.some((c) => c.normalised === NORMALISED[column]));
          if (missing.length > 0) {
            yield {
              file: fileName,
              line: item.line,
              reason: `the header lacks the column${missing.length > 1 ? 's' : ''} ${missing.map((c) => CLD_COLUMNS[c]).join(', ')}: nothing in the file was read`,
            };
            return;
          }
          ctx = this.contextFor(item);
          continue;
        }
        this.stats.rows++;
        if (item.kind === 'problem') {
          this.stats.rejected++;
          yield { file: fileName, line: item.line, reason: item.problem };
          continue;
        }
        const reading = readCldRow(item.values, ctx!);
        if (Array.isArray(reading)) {
          this.stats.rejected++;
          for (const problem of reading) yield this.reject(fileName, item.line, problem, ctx!);
          continue;
        }
        const outcome = this.agreement(reading, { file, line: item.line }, item.values, ctx!);
        if (outcome === 'repeat') continue;
        if (outcome.length > 0) {
          this.stats.rejected++;
          for (const problem of outcome) yield this.reject(fileName, item.line, problem, ctx!);
          continue;
        }
        yield {
          at: { file: fileName, line: item.line },
          person: reading.person,
          ...(reading.carePackage ? { carePackage: reading.carePackage } : {}),
          ...(reading.assessment ? { assessment: reading.assessment } : {}),
          careRelationships: reading.careRelationships,
        };
      }
    } catch (err) {
      if (!(err instanceof CsvFileError)) throw err;
      yield { file: fileName, line: err.line, reason: `the file cannot be read as CSV: ${err.message}` };
    }
  }

  /**
   * Whether an accepted row agrees with the rows before it: 'repeat' when its event was read before
   * with the same content (it adds nothing), else the disagreements (none: remembered and kept).
   */
  private agreement(reading: RowReading, place: Place, values: ReadonlyMap<string, string>, ctx: RowContext): RowProblem[] | 'repeat' {
    const problems: RowProblem[] = [];
    let digest: [number, number] | undefined;
    if (reading.eventId !== undefined) {
      digest = EventMemory.digest(ROW_COLUMNS.map((column) => values.get(column) ?? ''));
      const seen = this.events.seen(reading.eventId, digest);
      if (seen.kind === 'same') return 'repeat';
      if (seen.kind === 'different') {
        const reference = values.get(NORMALISED.eventReference) ?? '';
        problems.push({
          column: 'eventReference',
          value: reference,
          reason: `${ctx.columnName('eventReference')} ${reference} is already on ${this.where(seen.earlier, place)}, which says something different about it`,
        });
      }
    }
    for (const { column, earlier } of this.people.disagreements(reading.person.id, reading.statements)) {
      problems.push({
        column,
        value: values.get(NORMALISED[column]) ?? '',
        reason: `${ctx.columnName(column)} differs from ${this.where(earlier, place)} about the same person (${reading.person.id})`,
      });
    }
    if (problems.length > 0) return problems;
    this.people.remember(reading.person.id, reading.statements, place);
    if (reading.eventId !== undefined) this.events.remember(reading.eventId, digest!, place);
    return problems;
  }

  private where(earlier: Place, now: Place): string {
    return earlier.file === now.file ? `line ${earlier.line}` : `line ${earlier.line} of ${this.files[earlier.file]}`;
  }

  private contextFor(header: CsvHeader): RowContext {
    const written = new Map(header.columns.map((c) => [c.normalised, c.written]));
    return {
      councilLaCode: this.opts.councilLaCode,
      today: this.opts.today,
      columnName: (column: CldColumn) => written.get(NORMALISED[column]) ?? CLD_COLUMNS[column],
    };
  }

  private reject(file: string, line: number, problem: RowProblem, ctx: RowContext): ImportReject {
    const reject: ImportReject = { file, line, reason: problem.reason };
    if (problem.column) reject.column = ctx.columnName(problem.column);
    if (problem.value !== undefined && problem.value !== '') reject.value = problem.value;
    return reject;
  }
}
