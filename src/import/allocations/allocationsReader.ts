import { Readable } from 'node:stream';
import { CsvFileError, CsvHeader, csvItems, CsvRow } from '../csvRows';
import { AllocationsFacts, ImportReject, Located } from '../importTypes';
import { ALLOCATIONS_COLUMNS, AllocationsColumn, columnNamed, RECORD_TYPES, RecordType } from './allocationsColumns';
import { RecordOf, READ_RECORD } from './recordTypes';
import { HeaderColumns, RowReading } from './rowReading';

/**
 * Reads the council's allocations extract (docs/data-in.md): its council, teams, workers, providers'
 * out-of-hours numbers, allocations and safeguarding concerns, in any order. Rows are checked one by
 * one, then against each other: the same id twice with different details, and a worker, team or
 * contact team that the file itself must hold. People are not looked up: the import service does.
 * The extract is small (thousands of rows), so it is read whole.
 */
export async function readAllocations(fileName: string, input: Readable): Promise<{ facts: AllocationsFacts; rejects: ImportReject[] }> {
  const rejects: ImportReject[] = [];
  const refuse = (line: number, problem: Omit<ImportReject, 'file' | 'line'>) => rejects.push({ file: fileName, line, ...problem });
  let header: HeaderColumns | undefined;
  const rows: { type: RecordType; line: number; reading: RowReading }[] = [];
  try {
    for await (const item of csvItems(input)) {
      if (item.kind === 'header') {
        header = headerColumns(item, refuse);
        if (!header.has('recordType')) {
          refuse(item.line, { reason: `the header has no "${ALLOCATIONS_COLUMNS.recordType}" column: is this the allocations extract?` });
          return { facts: emptyFacts(), rejects };
        }
      } else if (item.kind === 'problem') {
        refuse(item.line, { reason: item.problem });
      } else {
        const type = recordTypeOf(item, header!, refuse);
        if (type) rows.push({ type, line: item.line, reading: new RowReading(item.values, header!, type) });
      }
    }
  } catch (err) {
    if (!(err instanceof CsvFileError)) throw err;
    // Half a file would load half the council's allocations as if they were all of them.
    return { facts: emptyFacts(), rejects: [{ file: fileName, line: err.line, reason: err.message }] };
  }

  const accepted = new FileRecords(fileName, refuse);
  for (const { type, line, reading } of rows) {
    const record = READ_RECORD[type](reading);
    if (record === undefined) {
      for (const problem of reading.problems) refuse(line, problem);
      accepted.noteRefused(type, reading, line);
    } else {
      accepted.add(type, record, line, reading);
    }
  }
  const facts = accepted.withReferencesChecked();
  rejects.sort((a, b) => a.line - b.line);
  return { facts, rejects };
}

type Refuse = (line: number, problem: Omit<ImportReject, 'file' | 'line'>) => void;

function headerColumns(header: CsvHeader, refuse: Refuse): HeaderColumns {
  const columns = new Map<AllocationsColumn, { written: string; normalised: string }>();
  for (const column of header.columns) {
    const known = columnNamed(column.normalised);
    if (known) columns.set(known, column);
    else refuse(header.line, { column: column.written, reason: 'not a column of the allocations extract: its values are ignored (is it misspelt?)' });
  }
  return columns;
}

function recordTypeOf(row: CsvRow, header: HeaderColumns, refuse: Refuse): RecordType | undefined {
  const column = header.get('recordType')!;
  const written = row.values.get(column.normalised) ?? '';
  const type = RECORD_TYPES.find((t) => t === written.toLowerCase());
  if (type) return type;
  refuse(row.line, {
    column: column.written,
    ...(written ? { value: written } : {}),
    reason: `${written ? 'not a record type of the allocations extract' : 'the record type is missing'}: write ${RECORD_TYPES.join(', ')}`,
  });
  return undefined;
}

interface Kept<T> {
  line: number;
  reading: RowReading;
  record: T;
}

/** The key columns of each record type: a second row with the same key must say the same. */
const KEYS: { [T in RecordType]: (record: RecordOf[T]) => { column: AllocationsColumn; value: string; label: string }[] } = {
  council: () => [{ column: 'name', value: '', label: 'the council' }],
  team: (team) => [{ column: 'teamId', value: team.id, label: `team ${team.id}` }],
  worker: (worker) => [{ column: 'workerId', value: worker.id, label: `worker ${worker.id}` }],
  provider: (provider) => [{ column: 'cqcLocationId', value: provider.cqcLocationId, label: `provider ${provider.cqcLocationId}` }],
  allocation: (allocation) => [
    ...(allocation.personId ? [{ column: 'personId' as const, value: allocation.personId, label: `the allocation of person ${allocation.personId}` }] : []),
    ...(allocation.nhsNumber ? [{ column: 'nhsNumber' as const, value: allocation.nhsNumber, label: `the allocation of NHS number ${allocation.nhsNumber}` }] : []),
  ],
  safeguarding: (concern) => [{ column: 'concernReference', value: concern.id, label: `concern ${concern.id}` }],
  person: (person) => [
    ...(person.personId ? [{ column: 'personId' as const, value: person.personId, label: `the details of person ${person.personId}` }] : []),
    ...(person.nhsNumber ? [{ column: 'nhsNumber' as const, value: person.nhsNumber, label: `the details of NHS number ${person.nhsNumber}` }] : []),
  ],
  package: (pkg) => [{ column: 'eventReference', value: pkg.packageId, label: `package ${pkg.eventReference}` }],
};

/** The records of the file, one per key, and the lines of the team and worker rows refused. */
class FileRecords {
  private readonly kept: { [T in RecordType]: Kept<RecordOf[T]>[] } = { council: [], team: [], worker: [], provider: [], allocation: [], safeguarding: [], person: [], package: [] };
  private readonly byKey = new Map<string, { line: number; details: string }>();
  private readonly refusedRows = { team: new Map<string, number>(), worker: new Map<string, number>() };

  constructor(
    private readonly file: string,
    private readonly refuse: Refuse,
  ) {}

  /** Remembers a refused team or worker row, so that rows naming it can say why they are refused too. */
  noteRefused(type: RecordType, reading: RowReading, line: number): void {
    if (type !== 'team' && type !== 'worker') return;
    const id = reading.optional(type === 'team' ? 'teamId' : 'workerId');
    if (id && !this.refusedRows[type].has(id)) this.refusedRows[type].set(id, line);
  }

  add<T extends RecordType>(type: T, record: RecordOf[T], line: number, reading: RowReading): void {
    const details = JSON.stringify(record);
    const keys = KEYS[type](record);
    for (const key of keys) {
      const earlier = this.byKey.get(`${type} ${key.column} ${key.value}`);
      if (earlier && earlier.details !== details) {
        this.refuse(line, {
          column: reading.columnName(key.column),
          ...(key.value ? { value: reading.optional(key.column) } : {}),
          reason: `${key.label} is in the file at line ${earlier.line} already, with different details`,
        });
        return;
      }
    }
    // The same row twice (a UNION ALL, say) is the same fact: taken once.
    if (keys.some((key) => this.byKey.has(`${type} ${key.column} ${key.value}`))) return;
    for (const key of keys) this.byKey.set(`${type} ${key.column} ${key.value}`, { line, details });
    (this.kept[type] as Kept<RecordOf[T]>[]).push({ line, reading, record });
  }

  /** The facts, less the rows naming a team or worker that the file does not hold (or refused). */
  withReferencesChecked(): AllocationsFacts {
    const teams = new Map(this.kept.team.map((t) => [t.record.id, t.record]));
    const workers = this.kept.worker.filter((w) => {
      if (this.resolves(w, 'teamId', w.record.teamId, 'team', teams)) return true;
      this.refusedRows.worker.set(w.record.id, w.line);
      return false;
    });
    const workersById = new Map(workers.map((w) => [w.record.id, w.record]));
    const allocations = this.kept.allocation.filter(
      (a) =>
        [
          a.record.allocatedWorkerId === undefined || this.resolves(a, 'workerId', a.record.allocatedWorkerId, 'worker', workersById),
          a.record.responsibleTeamId === undefined || this.resolves(a, 'teamId', a.record.responsibleTeamId, 'team', teams),
        ].every(Boolean),
    );
    const concerns = this.kept.safeguarding.filter((c) => this.resolves(c, 'teamId', c.record.contactTeamId, 'team', teams));
    return {
      council: this.kept.council.map((c) => this.located(c)),
      teams: this.kept.team.map((t) => this.located(t)),
      workers: workers.map((w) => this.located(w)),
      providerNumbers: this.kept.provider.map((p) => this.located(p)),
      // A person allocated to a worker is the worker's team's to answer for, unless the row names another.
      allocations: allocations.map((a) => ({
        ...this.located(a),
        record: a.record.allocatedWorkerId && !a.record.responsibleTeamId ? { ...a.record, responsibleTeamId: workersById.get(a.record.allocatedWorkerId)!.teamId } : a.record,
      })),
      safeguardingConcerns: concerns.map((c) => this.located(c)),
      people: this.kept.person.map((p) => this.located(p)),
      packages: this.kept.package.map((p) => this.located(p)),
    };
  }

  private resolves(row: Kept<unknown>, column: AllocationsColumn, id: string, type: 'team' | 'worker', known: ReadonlyMap<string, unknown>): boolean {
    if (known.has(id)) return true;
    const refusedAt = this.refusedRows[type].get(id);
    this.refuse(row.line, {
      column: row.reading.columnName(column),
      value: id,
      reason:
        refusedAt === undefined
          ? `no ${type} row of this file has ${ALLOCATIONS_COLUMNS[column]} ${id}: the file must hold every ${type} it names`
          : `the ${type} row for ${id} (line ${refusedAt}) was refused, so this row is refused too`,
    });
    return false;
  }

  private located<T>(kept: Kept<T>): Located<T> {
    return { at: { file: this.file, line: kept.line }, record: kept.record };
  }
}

/** Facts with nothing in them: what a refused file gives, and where the files of one import are gathered. */
export function emptyFacts(): AllocationsFacts {
  return { council: [], teams: [], workers: [], providerNumbers: [], allocations: [], safeguardingConcerns: [], people: [], packages: [] };
}
