import { Readable } from 'node:stream';
import { ContactPoint, PostalAddress } from '../../domain/person';
import { CsvFileError, csvItems, CsvHeader } from '../csvRows';
import { CqcLocation, ImportReject, Located } from '../importTypes';
import { columnAmong, CQC_COLUMNS, isCqcHeader } from './cqcColumns';
import { isCqcLocationId } from './cqcLocationId';
import { findHeaderRow } from './headerSearch';
import { tidyPostcode } from './ukPostcode';
import { tidyUkPhoneNumber } from './ukPhoneNumber';

/**
 * Reads CQC's directory of registered locations (either of its CSV shapes, see cqcColumns.ts), a
 * row at a time: about 50,000 of them. Each usable row becomes a CqcLocation with the line it came
 * from; each unusable one a reject naming line, column and value. A location listed twice is
 * taken once; listed twice with different details, the second is refused, naming the first line.
 */
export async function* readCqcDirectory(fileName: string, input: Readable): AsyncGenerator<Located<CqcLocation> | ImportReject> {
  const found = await findHeaderRow(input, isCqcHeader);
  if (!found) {
    input.destroy();
    yield {
      file: fileName,
      line: 1,
      reason:
        'no header row naming the CQC location id ("CQC Location ID (for office use only)" or "Location ID") in the first 20 lines: is this CQC\'s care directory?',
    };
    return;
  }
  const lineInFile = (line: number) => line + found.linesBefore;
  let columns: DirectoryColumns | undefined;
  const seen = new Map<string, { line: number; details: string }>();
  try {
    for await (const item of csvItems(found.rest)) {
      if (item.kind === 'header') {
        const chosen = chooseColumns(item);
        if (typeof chosen === 'string') {
          yield { file: fileName, line: lineInFile(item.line), reason: chosen };
          return;
        }
        columns = chosen;
        continue;
      }
      const line = lineInFile(item.line);
      if (item.kind === 'problem') {
        yield { file: fileName, line, reason: item.problem };
        continue;
      }
      const read = locationOf(item.values, columns!);
      if ('problems' in read) {
        for (const problem of read.problems) yield { file: fileName, line, ...problem };
        continue;
      }
      const details = JSON.stringify(read);
      const earlier = seen.get(read.cqcLocationId);
      if (earlier) {
        if (earlier.details !== details) {
          yield {
            file: fileName,
            line,
            column: columns!.written.locationId,
            value: read.cqcLocationId,
            reason: `location ${read.cqcLocationId} is listed at line ${earlier.line} already, with different details`,
          };
        }
        continue;
      }
      seen.set(read.cqcLocationId, { line, details });
      yield { at: { file: fileName, line }, record: read };
    }
  } catch (err) {
    if (!(err instanceof CsvFileError)) throw err;
    yield { file: fileName, line: lineInFile(err.line), reason: err.message };
  } finally {
    // Also when the caller stops early: the file is let go rather than left open half read.
    found.rest.destroy();
  }
}

/** The normalised names of the columns this file holds, and how the file spells the ones named in rejects. */
interface DirectoryColumns {
  locationId: string;
  name: string;
  phone?: string;
  address?: string;
  addressLines: string[];
  city?: string;
  postcode?: string;
  written: { locationId: string; name: string };
}

function chooseColumns(header: CsvHeader): DirectoryColumns | string {
  const present = new Set(header.columns.map((c) => c.normalised));
  const among = (names: readonly string[]) => columnAmong(present, names);
  const locationId = among(CQC_COLUMNS.locationId)!;
  const name = among(CQC_COLUMNS.name);
  if (!name) return 'the header has no location name column ("Name" or "Location Name")';
  const written = (normalised: string) => header.columns.find((c) => c.normalised === normalised)!.written;
  return {
    locationId,
    name,
    phone: among(CQC_COLUMNS.phone),
    address: among(CQC_COLUMNS.address),
    addressLines: CQC_COLUMNS.addressLines.map((names) => among(names)).filter((c): c is string => c !== undefined),
    city: among(CQC_COLUMNS.city),
    postcode: among(CQC_COLUMNS.postcode),
    written: { locationId: written(locationId), name: written(name) },
  };
}

type RowProblem = Pick<ImportReject, 'column' | 'value' | 'reason'>;

function locationOf(values: ReadonlyMap<string, string>, columns: DirectoryColumns): CqcLocation | { problems: RowProblem[] } {
  const cell = (column: string | undefined) => (column ? (values.get(column) ?? '') : '');
  const problems: RowProblem[] = [];
  const cqcLocationId = cell(columns.locationId);
  if (cqcLocationId === '') {
    problems.push({ column: columns.written.locationId, reason: 'the CQC location id is missing' });
  } else if (!isCqcLocationId(cqcLocationId)) {
    problems.push({ column: columns.written.locationId, value: cqcLocationId, reason: 'not a CQC location id: they are written like 1-123456789' });
  }
  const name = cell(columns.name).replace(/\s+/g, ' ');
  if (name === '') problems.push({ column: columns.written.name, reason: 'the location name is missing' });
  if (problems.length > 0) return { problems };

  const telecom: ContactPoint[] = [];
  const phone = cell(columns.phone);
  if (phone !== '') telecom.push({ system: 'phone', value: tidyUkPhoneNumber(phone), use: 'work' });
  const address = addressOf(cell, columns);
  return { cqcLocationId, name, telecom, ...(address ? { address } : {}) };
}

function addressOf(cell: (column: string | undefined) => string, columns: DirectoryColumns): PostalAddress | undefined {
  let lines = columns.addressLines.map(cell).filter((l) => l !== '');
  let city = cell(columns.city);
  if (columns.address) {
    // The directory's one cell holds the lines and then the town, comma separated.
    const parts = cell(columns.address).split(/,|\r?\n/).map((p) => p.trim()).filter((p) => p !== '');
    if (parts.length > 1 && city === '') city = parts.pop()!;
    lines = [...parts, ...lines];
  }
  const postcode = cell(columns.postcode);
  if (lines.length === 0 && city === '' && postcode === '') return undefined;
  return { lines, ...(city ? { city } : {}), ...(postcode ? { postcode: tidyPostcode(postcode) } : {}) };
}
