import { createReadStream } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Dataset } from '../../src/domain/dataset';
import { readCqcDirectory } from '../../src/import/cqc/cqcReader';
import { CqcLocation, ImportReject, Located } from '../../src/import/importTypes';
import { sandboxDataset } from '../support/sandboxDataset';

const ROOT = path.join(__dirname, '..', '..');
const fixture = (name: string) => path.join(ROOT, 'test', 'fixtures', 'import', name);

type Item = Located<CqcLocation> | ImportReject;
const isLocation = (item: Item): item is Located<CqcLocation> => 'record' in item;

async function readAll(fileName: string, input: Readable): Promise<{ locations: Located<CqcLocation>[]; rejects: ImportReject[] }> {
  const items: Item[] = [];
  for await (const item of readCqcDirectory(fileName, input)) items.push(item);
  return { locations: items.filter(isLocation), rejects: items.filter((i): i is ImportReject => !isLocation(i)) };
}

const fromText = (text: string) => Readable.from([Buffer.from(text, 'utf8')]);

const DIRECTORY_HEADER =
  "Name,Also known as,Address,Postcode,Phone number,Service's website (if available),Service types,Date of latest check,Specialisms/services,Provider name,Local authority,Region,Location URL,CQC Location ID (for office use only),CQC Provider ID (for office use only)";

/** A directory row with the columns that matter set and the rest empty. */
function directoryRow(v: { name?: string; address?: string; postcode?: string; phone?: string; id?: string }): string {
  const cells = [v.name ?? '', '', v.address ?? '', v.postcode ?? '', v.phone ?? '', '', 'Homecare agencies', '', '', 'Some Provider Ltd', 'Wexbridge', 'East Midlands', '', v.id ?? '', '1-999999999'];
  return cells.map((c) => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',');
}

const directory = (...rows: string[]) => `Care directory with filters\n\n${DIRECTORY_HEADER}\n${rows.join('\n')}\n`;

describe('reading the CQC care directory with filters', () => {
  it('finds the header below a title block (BOM, CRLF, quoted fields) and names each location by its line in the file', async () => {
    const { locations, rejects } = await readAll('directory.csv', createReadStream(fixture('cqc-directory-with-title-block.csv')));
    expect(rejects).toEqual([]);
    expect(locations).toEqual([
      {
        at: { file: 'directory.csv', line: 6 },
        record: {
          cqcLocationId: '1-4000000011',
          name: 'Larkspur Home Care',
          telecom: [{ system: 'phone', value: '01632 960 123', use: 'work' }],
          address: { lines: ['Suite 2', '"The Old Mill"', 'Water Street'], city: 'Cranmoor', postcode: 'WX6 4LM' },
        },
      },
      {
        at: { file: 'directory.csv', line: 7 },
        record: {
          cqcLocationId: '1-4000000022',
          name: 'Beacon View',
          telecom: [{ system: 'phone', value: '01632 960 456 ext 12', use: 'work' }],
          address: { lines: ['Beacon View', 'Hill Top Lane'], city: 'Ashby Marlow', postcode: 'WX7 9BV' },
        },
      },
      {
        at: { file: 'directory.csv', line: 9 },
        record: { cqcLocationId: '1-4000000033', name: 'Fernlea Lodge', telecom: [], address: { lines: ['Fernlea Lodge'], postcode: 'WX2 5FL' } },
      },
    ]);
  });

  it('reads a directory whose header is its first line', async () => {
    const { locations, rejects } = await readAll('d.csv', fromText(`${DIRECTORY_HEADER}\n${directoryRow({ name: 'A Place', id: '1-123456789' })}\n`));
    expect(rejects).toEqual([]);
    expect(locations).toEqual([{ at: { file: 'd.csv', line: 2 }, record: { cqcLocationId: '1-123456789', name: 'A Place', telecom: [] } }]);
  });

  it('finds the header when the file arrives a few bytes at a time', async () => {
    const text = directory(directoryRow({ name: 'A Place', id: '1-123456789', phone: '01134960210' }));
    const bytes = Buffer.from(text, 'utf8');
    const chunks = Array.from({ length: Math.ceil(bytes.length / 7) }, (_, i) => bytes.subarray(i * 7, i * 7 + 7));
    const { locations, rejects } = await readAll('d.csv', Readable.from(chunks));
    expect(rejects).toEqual([]);
    expect(locations.map((l) => [l.at.line, l.record.telecom[0].value])).toEqual([[4, '0113 496 0210']]);
  });

  it('hands over each location before reading the rest of a large file', async () => {
    let rowsPulled = 0;
    async function* largeFile() {
      yield `Care directory with filters\n\n${DIRECTORY_HEADER}\n`;
      for (let i = 0; i < 50_000; i++) {
        rowsPulled++;
        yield `${directoryRow({ name: `Location ${i}`, id: `1-${100000000 + i}` })}\n`;
      }
    }
    const input = Readable.from(largeFile());
    const reading = readCqcDirectory('large.csv', input);
    const first = await reading.next();
    expect(first.value).toMatchObject({ at: { line: 4 }, record: { cqcLocationId: '1-100000000' } });
    expect(rowsPulled).toBeLessThan(50_000);
    await reading.return(undefined);
    // A caller that stops early leaves no file open behind it.
    await new Promise((resolve) => setImmediate(resolve));
    expect(input.destroyed).toBe(true);
  });
});

describe('reading the CQC active locations file', () => {
  it('reads location id, name, phone and the address in its separate columns (Location Street Address ... Location Postal Code)', async () => {
    const { locations, rejects } = await readAll('active.csv', createReadStream(fixture('cqc-active-locations.csv')));
    expect(rejects).toEqual([]);
    expect(locations).toEqual([
      {
        at: { file: 'active.csv', line: 2 },
        record: {
          cqcLocationId: '1-5000000044',
          name: 'Sycamore House',
          telecom: [{ system: 'phone', value: '0113 496 0777', use: 'work' }],
          address: { lines: ['Sycamore House', '12 Elm Row'], city: 'Wexbridge', postcode: 'WX1 2SH' },
        },
      },
      {
        at: { file: 'active.csv', line: 3 },
        record: {
          cqcLocationId: '1-5000000055',
          name: 'Orchard Lane Surgery',
          telecom: [{ system: 'phone', value: '020 7946 0999', use: 'work' }],
          address: { lines: ['Orchard Lane'], city: 'Lydgate Cross', postcode: 'WX8 6RR' },
        },
      },
    ]);
    // The ODS code CQC holds for a location is not taken as the organisation's.
    expect(locations[0].record.odsCode).toBeUndefined();
  });
});

describe('phone numbers as CQC writes them', () => {
  const phoneOf = async (written: string) => {
    const { locations } = await readAll('d.csv', fromText(directory(directoryRow({ name: 'P', id: '1-123456789', phone: written }))));
    return locations[0].record.telecom[0]?.value;
  };

  it.each([
    ['02079460780', '020 7946 0780'],
    ['0115 4960000', '0115 496 0000'],
    ['0121-496-0000', '0121 496 0000'],
    ['01632960530', '01632 960 530'],
    ['+44 7700 900211', '07700 900 211'],
    ['+44 (0)115 496 0000', '0115 496 0000'],
    ['0044 808 157 0000', '0808 157 0000'],
    ['03001234567', '0300 123 4567'],
  ])('spaces %s as %s', async (written, tidied) => {
    expect(await phoneOf(written)).toBe(tidied);
  });

  it.each([
    ['015394  12345', '015394 12345'],
    ['0800 123456', '0800 123456'],
    ['+33 1 23 45 67 89', '+33 1 23 45 67 89'],
    ['01632 960 456 ext 12', '01632 960 456 ext 12'],
  ])('keeps %s as written when unsure (%s)', async (written, kept) => {
    expect(await phoneOf(written)).toBe(kept);
  });
});

describe('CQC rows that cannot be used', () => {
  it('refuses a missing or malformed location id and a missing name, naming line, column and value', async () => {
    const { locations, rejects } = await readAll(
      'd.csv',
      fromText(
        directory(
          directoryRow({ name: 'No Id' }),
          directoryRow({ name: 'Provider Id Shape', id: 'RXX12' }),
          directoryRow({ name: '', id: '1-123456789' }),
          directoryRow({ name: 'Fine', id: '1-987654321' }),
        ),
      ),
    );
    expect(rejects).toEqual([
      { file: 'd.csv', line: 4, column: 'CQC Location ID (for office use only)', reason: 'the CQC location id is missing' },
      { file: 'd.csv', line: 5, column: 'CQC Location ID (for office use only)', value: 'RXX12', reason: 'not a CQC location id: they are written like 1-123456789' },
      { file: 'd.csv', line: 6, column: 'Name', reason: 'the location name is missing' },
    ]);
    expect(locations.map((l) => l.record.cqcLocationId)).toEqual(['1-987654321']);
  });

  it('takes a location listed twice the same once, and refuses it listed again with different details, naming the first line', async () => {
    const same = directoryRow({ name: 'Twice', id: '1-123456789', phone: '01632960530' });
    const { locations, rejects } = await readAll(
      'd.csv',
      fromText(directory(same, directoryRow({ name: 'Twice', id: '1-123456789', phone: '01632 960 530' }), directoryRow({ name: 'Twice Renamed', id: '1-123456789' }))),
    );
    expect(locations.map((l) => l.at.line)).toEqual([4]);
    expect(rejects).toEqual([
      {
        file: 'd.csv',
        line: 6,
        column: 'CQC Location ID (for office use only)',
        value: '1-123456789',
        reason: 'location 1-123456789 is listed at line 4 already, with different details',
      },
    ]);
  });

  it('refuses a row with the wrong number of fields and reads on', async () => {
    const { locations, rejects } = await readAll('d.csv', fromText(directory('Short Row,,', directoryRow({ name: 'Fine', id: '1-987654321' }))));
    expect(rejects).toEqual([{ file: 'd.csv', line: 4, reason: 'the row has 3 fields where the header has 15' }]);
    expect(locations).toHaveLength(1);
  });

  it('refuses a file with no CQC header in its first lines, and one whose header has no name column', async () => {
    expect((await readAll('a.csv', fromText('Record Type,Team ID\nteam,TEAM-1\n'))).rejects).toEqual([
      {
        file: 'a.csv',
        line: 1,
        reason: expect.stringContaining('no header row naming the CQC location id ("CQC Location ID (for office use only)" or "Location ID")'),
      },
    ]);
    expect((await readAll('e.csv', fromText(''))).rejects).toEqual([{ file: 'e.csv', line: 1, reason: expect.stringContaining('no header row') }]);
    expect((await readAll('n.csv', fromText('Title\n\nLocation ID,Provider Name\n1-123456789,X\n'))).rejects).toEqual([
      { file: 'n.csv', line: 3, reason: 'the header has no location name column ("Name" or "Location Name")' },
    ]);
  });

  it('refuses the rest of a file that stops being CSV, naming the line, after the locations before it', async () => {
    const { locations, rejects } = await readAll('d.csv', fromText(directory(directoryRow({ name: 'Fine', id: '1-987654321' }), 'Broken,"unclosed')));
    expect(locations).toHaveLength(1);
    expect(rejects).toEqual([{ file: 'd.csv', line: 5, reason: expect.stringContaining('not readable as CSV') }]);
  });
});

describe('the sample CQC directory', () => {
  let sandbox: Dataset;
  beforeAll(async () => {
    sandbox = await sandboxDataset();
  }, 60_000);

  it('reads with no rejects, and holds every sandbox provider with a CQC location id as the sandbox has it', async () => {
    const { locations, rejects } = await readAll('cqc-directory.csv', createReadStream(path.join(ROOT, 'fixtures', 'samples', 'cqc-directory.csv')));
    expect(rejects).toEqual([]);
    const providers = sandbox.organisations.filter((o) => o.kind === 'provider' && o.cqcLocationId);
    expect(providers.length).toBeGreaterThan(5);
    const byId = new Map(locations.map((l) => [l.record.cqcLocationId, l.record]));
    for (const provider of providers) {
      const location = byId.get(provider.cqcLocationId!);
      expect({ id: provider.cqcLocationId, ...location, address: location?.address && { ...location.address, lines: location.address.lines.join(', ') } }).toEqual({
        id: provider.cqcLocationId,
        cqcLocationId: provider.cqcLocationId,
        name: provider.name,
        telecom: provider.telecom.filter((t) => t.system === 'phone' && t.use === 'work'),
        address: { ...provider.address, lines: provider.address!.lines.join(', ') },
      });
    }
    expect(locations.length).toBeGreaterThan(providers.length);
  });
});
