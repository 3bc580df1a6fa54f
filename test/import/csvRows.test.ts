import { Readable } from 'node:stream';
import { csvItems, CsvFileError, CsvItem, normaliseHeader } from '../../src/import/csvRows';

async function read(text: string): Promise<CsvItem[]> {
  const items: CsvItem[] = [];
  for await (const item of csvItems(Readable.from([Buffer.from(text, 'utf8')]))) items.push(item);
  return items;
}

describe('reading CSV as councils and CQC write it', () => {
  it('matches headers spelt with spaces, underscores or punctuation as one', () => {
    expect(normaliseHeader('Autism Spectrum Disorder (ASD)')).toBe(normaliseHeader('Autism_Spectrum_Disorder_ASD'));
    expect(normaliseHeader('Provider CQC Location ID')).toBe(normaliseHeader('Provider_CQC_Location_ID'));
    expect(normaliseHeader('No. of adults being cared for')).toBe('no of adults being cared for');
  });

  it('reads a byte order mark, CRLF, quoted commas, quotes and newlines, and names each row by its first line', async () => {
    const items = await read('\uFEFFNHS Number,First_Name,Note\r\n9990000018,Barbara,"a, b\r\nc"\r\n\r\n9990000026, Arthur ,"say ""hello"""\n');
    expect(items[0]).toMatchObject({ kind: 'header', line: 1, columns: [{ written: 'NHS Number', normalised: 'nhs number' }, { normalised: 'first name' }, { normalised: 'note' }] });
    const rows = items.filter((i) => i.kind === 'row');
    expect(rows.map((r) => [r.line, Object.fromEntries(r.values)])).toEqual([
      [2, { 'nhs number': '9990000018', 'first name': 'Barbara', note: 'a, b\r\nc' }],
      [5, { 'nhs number': '9990000026', 'first name': 'Arthur', note: 'say "hello"' }],
    ]);
  });

  it('reports a row with too few or too many fields as a problem on its line, and reads on', async () => {
    const items = await read('a,b\n1\n1,2,3\n4,5\n');
    expect(items.filter((i) => i.kind !== 'header')).toEqual([
      { kind: 'problem', line: 2, problem: 'the row has 1 fields where the header has 2' },
      { kind: 'problem', line: 3, problem: 'the row has 3 fields where the header has 2' },
      { kind: 'row', line: 4, values: new Map([['a', '4'], ['b', '5']]) },
    ]);
  });

  it('refuses a file that is not CSV, an empty file, and a header naming a column twice, with the line', async () => {
    await expect(read('a,b\n1,"2\n3,4\n')).rejects.toThrow(CsvFileError);
    // Named at the row the quote opened in, though the whole file arrived at once.
    await expect(read('a,b\n1,2\n3,4\n5,"6\n7,8\n')).rejects.toMatchObject({ line: 4 });
    await expect(read('')).rejects.toMatchObject({ message: expect.stringContaining('no header'), line: 1 });
    await expect(read('NHS Number,NHS_Number\n1,2\n')).rejects.toMatchObject({ message: expect.stringContaining('twice'), line: 1 });
  });
});
