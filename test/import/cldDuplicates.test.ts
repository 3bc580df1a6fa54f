import { CldReader } from '../../src/import/cld/cldReader';
import { COUNCIL, csv, facts, read, readWith, rejects, SERVICE, TODAY } from '../fixtures/cld/cldFiles';

/** One row per event: the rows of an import must agree about each person and each event reference. */

const REVIEW = {
  ...SERVICE,
  'Event Type': 'Review',
  'Event Reference': 'REV-0001',
  'Event Start Date': '2026-03-09',
  'Event End Date': '2026-03-09',
  'Review Reason': 'Planned',
  'Method of Review': 'Face to face',
};

describe('rows that repeat or contradict each other', () => {
  it("accepts a person's rows that agree, and those that leave out what another row says", async () => {
    const items = await read(csv([SERVICE, { ...REVIEW, Postcode: '', 'First Name': '', Gender: 'FEMALE' }]));
    expect(rejects(items)).toEqual([]);
    expect(facts(items)).toHaveLength(2);
  });

  it('refuses a row that says something else about a person, naming the column and the earlier line', async () => {
    const items = await read(csv([SERVICE, { ...REVIEW, Postcode: '' }, { ...REVIEW, 'Event Reference': 'REV-0002', 'Date of Birth': '1941-06-15', Postcode: 'wx34qp' }]));
    expect(facts(items)).toHaveLength(2);
    expect(rejects(items)).toEqual([
      { file: 'cld.csv', line: 4, column: 'Date of Birth', value: '1941-06-15', reason: 'Date of Birth differs from line 2 about the same person (WXB-100001)' },
    ]);
  });

  it('names the first line that stated a column, when earlier rows left it blank', async () => {
    const items = await read(csv([{ ...SERVICE, Dementia: '' }, { ...REVIEW, Dementia: 'Yes' }, { ...REVIEW, 'Event Reference': 'REV-0002', Dementia: 'No' }]));
    expect(rejects(items)).toEqual([expect.objectContaining({ line: 4, column: 'Dementia', value: 'No', reason: expect.stringContaining('differs from line 3') })]);
  });

  it('reads an event repeated with the same content once, with no reject', async () => {
    const items = await read(csv([SERVICE, SERVICE, SERVICE]));
    expect(rejects(items)).toEqual([]);
    expect(facts(items)).toHaveLength(1);
  });

  it('takes a repeat that differs in any column, even one not kept, as different content', async () => {
    const items = await read(csv([SERVICE, { ...SERVICE, 'Event Description': 'moved to a later slot' }]));
    expect(rejects(items)).toEqual([expect.objectContaining({ line: 3, column: 'Event Reference', reason: expect.stringContaining('line 2') })]);
  });

  it('refuses an event reference repeated with different content, naming the earlier line', async () => {
    const items = await read(csv([SERVICE, { ...SERVICE, 'Planned units per week': '21' }]));
    expect(facts(items)).toHaveLength(1);
    expect(rejects(items)).toEqual([
      { file: 'cld.csv', line: 3, column: 'Event Reference', value: 'PKG-0001', reason: 'Event Reference PKG-0001 is already on line 2, which says something different about it' },
    ]);
  });

  it('finds repeats and contradictions across the files of one import, naming the earlier file', async () => {
    const reader = new CldReader({ councilLaCode: COUNCIL, today: TODAY });
    expect(rejects(await readWith(reader, 'people.csv', csv([SERVICE])))).toEqual([]);
    const second = await readWith(reader, 'more.csv', csv([SERVICE, { ...REVIEW, Gender: 'Male' }, { ...SERVICE, 'Event End Date': '2026-01-31' }]));
    expect(facts(second)).toEqual([]);
    expect(rejects(second)).toEqual([
      { file: 'more.csv', line: 3, column: 'Gender', value: 'Male', reason: 'Gender differs from line 2 of people.csv about the same person (WXB-100001)' },
      { file: 'more.csv', line: 4, column: 'Event Reference', value: 'PKG-0001', reason: 'Event Reference PKG-0001 is already on line 2 of people.csv, which says something different about it' },
    ]);
    expect(reader.stats).toEqual({ rows: 4, rejected: 2 });
  });

  it('does not remember a refused row: the next row is compared with the accepted ones', async () => {
    const items = await read(csv([{ ...SERVICE, 'LA Code': 'E10000024', Postcode: 'WX1 1AA' }, { ...SERVICE, Postcode: 'WX3 4QP' }]));
    expect(rejects(items)).toHaveLength(1);
    expect(facts(items)).toHaveLength(1);
  });
});
