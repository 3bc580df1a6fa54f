import { COLUMNS, csv, read, refusalsOf, rejects, SERVICE } from '../fixtures/cld/cldFiles';

/** Every reason a CLD row is refused, each named by line, column and value. */

const ASSESSMENT = {
  ...SERVICE,
  'Event Type': 'Assessment',
  'Event Reference': 'ASM-0001',
  'Event Start Date': '2024-02-26',
  'Event End Date': '2024-03-05',
  'Event Outcome': 'Progress to support planning or services',
  'Service Type': '',
  'Service Component': '',
  'Delivery Mechanism': '',
  'Provider CQC Location Name': '',
  'Provider CQC Location ID': '',
  'Unit Cost': '',
  'Cost Frequency (Unit Type)': '',
  'Planned units per week': '',
};

describe('rows the CLD reader refuses', () => {
  it('refuses a file whose header lacks required columns, once, on line 1, naming them, and reads nothing', async () => {
    const columns = COLUMNS.filter((c) => c !== 'Date of Birth' && c !== 'Event Reference');
    const items = await read(csv([SERVICE, SERVICE], columns));
    expect(items).toEqual([
      { file: 'cld.csv', line: 1, reason: 'the header lacks the columns Date of Birth, Event Reference: nothing in the file was read' },
    ]);
  });

  it('refuses a file that is not CSV with one reject for the file, and reads no further', async () => {
    const text = csv([SERVICE]) + 'E10999999,"unclosed\n' + csv([SERVICE]);
    expect(rejects(await read(text))).toEqual([{ file: 'cld.csv', line: expect.any(Number), reason: expect.stringMatching(/^the file cannot be read as CSV: not readable as CSV: .*quote/i) }]);
    expect(await read('')).toEqual([{ file: 'cld.csv', line: 1, reason: 'the file cannot be read as CSV: the file is empty: it has no header row' }]);
  });

  it('refuses a row with the wrong number of fields', async () => {
    const text = csv([SERVICE]) + 'E10999999,9990000018\n';
    expect(rejects(await read(text))).toEqual([{ file: 'cld.csv', line: 3, reason: `the row has 2 fields where the header has ${COLUMNS.length}` }]);
  });

  it("refuses another council's rows, saying which council", async () => {
    expect(await refusalsOf({ ...SERVICE, 'LA Code': 'E10000024' })).toEqual([
      { file: 'cld.csv', line: 2, column: 'LA Code', value: 'E10000024', reason: 'the row is for another council (LA Code E10000024), not this one (E10999999)' },
    ]);
  });

  it('refuses an LA Person Unique Identifier that is not an id, a bad NHS number, and a row that names nobody', async () => {
    expect(await refusalsOf({ ...SERVICE, 'LA Person Unique Identifier': 'WXB 100001/A' })).toEqual([
      expect.objectContaining({ line: 2, column: 'LA Person Unique Identifier', value: 'WXB 100001/A', reason: expect.stringContaining("1 to 64 letters, digits, '-' or '.'") }),
    ]);
    expect(await refusalsOf({ ...SERVICE, 'NHS Number': '999 000 0019' })).toEqual([
      expect.objectContaining({ column: 'NHS Number', value: '999 000 0019', reason: expect.stringContaining('Modulus 11') }),
    ]);
    expect(await refusalsOf({ ...SERVICE, 'NHS Number': '99900018' })).toEqual([
      expect.objectContaining({ column: 'NHS Number', reason: 'an NHS number has exactly 10 digits' }),
    ]);
    const nobody = await refusalsOf({ ...SERVICE, 'NHS Number': '', 'LA Person Unique Identifier': '' });
    expect(nobody).toEqual([{ file: 'cld.csv', line: 2, reason: 'the row names nobody: it has neither LA Person Unique Identifier nor NHS Number' }]);
  });

  it('refuses a person with no date of birth, or one in the future, and impossible or unreadable dates', async () => {
    expect(await refusalsOf({ ...SERVICE, 'Date of Birth': '' })).toEqual([
      expect.objectContaining({ column: 'Date of Birth', reason: 'Date of Birth is blank: a person needs one' }),
    ]);
    expect(await refusalsOf({ ...SERVICE, 'Date of Birth': '2027-01-01' })).toEqual([
      expect.objectContaining({ column: 'Date of Birth', value: '2027-01-01', reason: 'Date of Birth is in the future' }),
    ]);
    expect(await refusalsOf({ ...SERVICE, 'Event Start Date': '2025-02-30' })).toEqual([
      expect.objectContaining({ column: 'Event Start Date', value: '2025-02-30', reason: 'Event Start Date: no such day in the calendar' }),
    ]);
    expect(await refusalsOf({ ...SERVICE, 'Event Start Date': '31/02/2025' })).toEqual([
      expect.objectContaining({ column: 'Event Start Date', value: '31/02/2025', reason: 'Event Start Date: no such day in the calendar' }),
    ]);
    expect(await refusalsOf({ ...SERVICE, 'Date of Death': 'March 2025' })).toEqual([
      expect.objectContaining({ column: 'Date of Death', value: 'March 2025', reason: 'Date of Death: a date is written YYYY-MM-DD or DD/MM/YYYY' }),
    ]);
    expect(await refusalsOf({ ...SERVICE, 'Date of Death': '1930-01-01' })).toEqual([
      expect.objectContaining({ column: 'Date of Death', reason: 'Date of Death is before the Date of Birth' }),
    ]);
  });

  it('refuses an event that ends before it starts, and a blank start', async () => {
    expect(await refusalsOf({ ...SERVICE, 'Event End Date': '2024-03-10' })).toEqual([
      expect.objectContaining({ line: 2, column: 'Event End Date', value: '2024-03-10', reason: 'the event ends (2024-03-10) before it starts (2024-03-11)' }),
    ]);
    expect(await refusalsOf({ ...SERVICE, 'Event Start Date': '' })).toEqual([
      expect.objectContaining({ column: 'Event Start Date', reason: 'Event Start Date is blank: every event has one' }),
    ]);
  });

  it('refuses an unknown value of a coded column, naming the column and the value', async () => {
    const cases: [string, string][] = [
      ['Gender', 'Woman'],
      ['Client Type', 'Visitor'],
      ['Event Type', 'Phone call'],
      ['Event Outcome', 'Went well'],
      ['Primary Support Reason', 'Gardening support'],
      ['Accommodation Status', 'Castle'],
      ['Has Unpaid Carer', 'Sometimes'],
      ['Dementia', 'Mild'],
      ['Service Type', 'Long term support: Moon'],
      ['Service Component', 'Gardening'],
      ['Delivery Mechanism', 'Cash'],
      ['Client Funding Status', 'Lottery'],
      ['Cost Frequency (Unit Type)', 'Per fortnight and a half'],
    ];
    for (const [column, value] of cases) {
      expect(await refusalsOf({ ...SERVICE, [column]: value })).toEqual([
        { file: 'cld.csv', line: 2, column, value, reason: `"${value}" is not a value of ${column} in either release of the return` },
      ]);
    }
    expect(await refusalsOf({ ...ASSESSMENT, 'Eligible Needs Identified': 'Perhaps' })).toEqual([
      expect.objectContaining({ column: 'Eligible Needs Identified', value: 'Perhaps' }),
    ]);
  });

  it('refuses a blank Event Type (but for a carer known by association), and a kept event with no reference', async () => {
    expect(await refusalsOf({ ...SERVICE, 'Event Type': '' })).toEqual([
      expect.objectContaining({ column: 'Event Type', reason: expect.stringContaining('only a carer known by association') }),
    ]);
    expect(await refusalsOf({ ...SERVICE, 'Event Reference': '' })).toEqual([
      expect.objectContaining({ column: 'Event Reference', reason: 'Event Reference is blank: a service is kept by its reference' }),
    ]);
    expect(await refusalsOf({ ...SERVICE, 'Service Type': '', 'Service Component': '' })).toEqual([
      expect.objectContaining({ column: 'Service Type', reason: expect.stringContaining('a service says what it is') }),
    ]);
  });

  it('refuses a malformed CQC location id, postcode, GP practice code, cost and linked adult', async () => {
    expect(await refusalsOf({ ...SERVICE, 'Provider CQC Location ID': '1000000123' })).toEqual([
      expect.objectContaining({ column: 'Provider CQC Location ID', value: '1000000123', reason: expect.stringContaining('"1-" followed by digits') }),
    ]);
    expect(await refusalsOf({ ...SERVICE, Postcode: 'WX3' })).toEqual([
      expect.objectContaining({ column: 'Postcode', value: 'WX3', reason: 'Postcode: not a UK postcode' }),
    ]);
    expect(await refusalsOf({ ...SERVICE, 'GP Practice Code': 'X99-001' })).toEqual([
      expect.objectContaining({ column: 'GP Practice Code', value: 'X99-001' }),
    ]);
    expect(await refusalsOf({ ...SERVICE, 'Unit Cost': 'about 30' })).toEqual([
      expect.objectContaining({ column: 'Unit Cost', value: 'about 30', reason: 'Unit Cost: not a number of zero or more' }),
    ]);
    expect(await refusalsOf({ ...SERVICE, 'Planned units per week': '-2' })).toEqual([
      expect.objectContaining({ column: 'Planned units per week', value: '-2' }),
    ]);
    const carer = { ...ASSESSMENT, 'LA Person Unique Identifier': 'WXB-100041', 'NHS Number': '9990000433', 'Client Type': 'Unpaid carer' };
    expect(await refusalsOf({ ...carer, 'Adult 2 Linked Person_ID': 'WXB 100001' })).toEqual([
      expect.objectContaining({ column: 'Adult 2 Linked Person_ID', value: 'WXB 100001', reason: expect.stringContaining('as LA Person Unique Identifier is') }),
    ]);
  });

  it('gives one reject per reason when a row has several, and uses nothing of the row', async () => {
    const items = await read(csv([{ ...SERVICE, 'LA Code': 'E10000024', Gender: 'F?', 'Provider CQC Location ID': 'CQC-1' }]));
    expect(items.map((i) => ('column' in i ? i.column : undefined))).toEqual(['LA Code', 'Gender', 'Provider CQC Location ID']);
    expect(items.every((i) => 'reason' in i && i.line === 2)).toBe(true);
  });

  it('will not start without a day to date packages by and the council whose rows it reads', async () => {
    const { CldReader } = await import('../../src/import/cld/cldReader');
    expect(() => new CldReader({ councilLaCode: 'E10999999', today: '01/12/2026' })).toThrow('today must be a YYYY-MM-DD date');
    expect(() => new CldReader({ councilLaCode: ' ', today: '2026-12-01' })).toThrow("the council's LA Code is needed");
  });

  it('counts the rows read and refused over all files', async () => {
    const { CldReader } = await import('../../src/import/cld/cldReader');
    const { readWith, COUNCIL, TODAY } = await import('../fixtures/cld/cldFiles');
    const reader = new CldReader({ councilLaCode: COUNCIL, today: TODAY });
    await readWith(reader, 'a.csv', csv([SERVICE, { ...SERVICE, 'LA Code': 'X', Gender: '?' }]));
    await readWith(reader, 'b.csv', csv([ASSESSMENT]) + '1,2\n');
    expect(reader.stats).toEqual({ rows: 4, rejected: 2 });
  });
});
