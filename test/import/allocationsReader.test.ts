import { createReadStream } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Dataset } from '../../src/domain/dataset';
import { readAllocations } from '../../src/import/allocations/allocationsReader';
import { sandboxDataset } from '../support/sandboxDataset';

const ROOT = path.join(__dirname, '..', '..');
const SAMPLE = path.join(ROOT, 'fixtures', 'samples', 'allocations.csv');

const COLUMNS = [
  'Record Type',
  'Name',
  'ODS Code',
  'Team ID',
  'Worker ID',
  'Given Names',
  'Family Name',
  'Role',
  'Office Phone',
  'Mobile Phone',
  'Out of Hours Phone',
  'Email',
  'Address Line 1',
  'Address Line 2',
  'Address Line 3',
  'Town',
  'Postcode',
  'CQC Location ID',
  'LA Person Unique Identifier',
  'NHS Number',
  'Restricted',
  'Concern Reference',
  'Concern Type',
  'Concern Status',
  'Raised Date',
  'Closed Date',
  'Title',
  'Home Phone',
  'NHS Number Verification Status',
  'Event Reference',
  'Visits per Day',
  'Tasks',
  'Notes',
] as const;
type Column = (typeof COLUMNS)[number];
type Row = Partial<Record<Column, string>>;

function csv(rows: Row[], columns: readonly string[] = COLUMNS): string {
  const cell = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return [columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c as Column] ?? '')).join(','))].join('\n') + '\n';
}

const read = (text: string) => readAllocations('allocations.csv', Readable.from([Buffer.from(text, 'utf8')]));

const COUNCIL: Row = { 'Record Type': 'council', Name: 'Wexbridge County Council', 'ODS Code': 'WXB', 'Office Phone': '0115 496 0000', 'Out of Hours Phone': '0808 157 0000' };
const TEAM: Row = { 'Record Type': 'team', 'Team ID': 'TEAM-OAN', Name: 'Older Adults North', 'Office Phone': '0115 496 0120' };
const WORKER: Row = { 'Record Type': 'worker', 'Worker ID': 'W-001', 'Given Names': 'Amira', 'Family Name': 'Hassan', Role: 'Social Worker', 'Team ID': 'TEAM-OAN' };
const PROVIDER: Row = { 'Record Type': 'provider', 'CQC Location ID': '1-1000000123', 'Out of Hours Phone': '07700 900 211' };
const ALLOCATION: Row = { 'Record Type': 'allocation', 'LA Person Unique Identifier': 'WXB-100001', 'NHS Number': '9990000018', 'Worker ID': 'W-001', 'Team ID': 'TEAM-OAN', Restricted: 'No' };
const PERSON: Row = {
  'Record Type': 'person',
  'LA Person Unique Identifier': 'WXB-100001',
  'NHS Number': '999 000 0018',
  Title: 'Mrs',
  'Home Phone': '01632960101',
  'Mobile Phone': '+44 7700 900301',
  Email: 'barbara@example.com',
  'Address Line 1': '14 Larkspur Close',
  Town: 'Hallowfield',
  'NHS Number Verification Status': '01',
};
const PACKAGE: Row = { 'Record Type': 'package', 'Event Reference': 'PKG-0001', 'Visits per Day': '2', Tasks: 'Morning personal care; Evening meal;; ', Notes: 'Key safe by the front door.' };
const CONCERN: Row = {
  'Record Type': 'safeguarding',
  'LA Person Unique Identifier': 'WXB-100001',
  'Concern Reference': 'SG-1',
  'Concern Type': 'financial',
  'Concern Status': 'open',
  'Raised Date': '2026-11-02',
  'Team ID': 'TEAM-OAN',
};

describe('the sample allocations extract', () => {
  let sandbox: Dataset;
  beforeAll(async () => {
    sandbox = await sandboxDataset();
  }, 60_000);

  it('reads with no rejects and says what the sandbox holds', async () => {
    const { facts, rejects } = await readAllocations('allocations.csv', createReadStream(SAMPLE));
    expect(rejects).toEqual([]);
    const records = <T>(located: { record: T }[]) => located.map((l) => l.record);

    const council = sandbox.organisations.find((o) => o.kind === 'council')!;
    expect(records(facts.council)).toEqual([{ name: 'Wexbridge County Council', odsCode: 'WXB', telecom: council.telecom, address: council.address }]);
    const byId = <T extends { id: string }>(list: T[]) => [...list].sort((x, y) => x.id.localeCompare(y.id));
    expect(byId(records(facts.teams))).toEqual(byId(sandbox.organisations.filter((o) => o.kind === 'team').map(({ kind: _k, partOfId: _p, ...team }) => team)));
    expect(byId(records(facts.workers))).toEqual(byId(sandbox.workers));
    const providersWithOutOfHours = sandbox.organisations.filter((o) => o.kind === 'provider' && o.cqcLocationId && o.telecom.some((t) => t.use === 'out-of-hours'));
    const byLocation = <T extends { cqcLocationId?: string }>(list: T[]) => [...list].sort((x, y) => x.cqcLocationId!.localeCompare(y.cqcLocationId!));
    expect(byLocation(records(facts.providerNumbers))).toEqual(
      byLocation(providersWithOutOfHours).map((p) => ({ cqcLocationId: p.cqcLocationId, telecom: p.telecom.filter((t) => t.use === 'out-of-hours') })),
    );
    // Everyone the council supports is allocated; Barbara's sister, known as her carer, is not.
    expect(records(facts.allocations)).toEqual(
      sandbox.people.filter((p) => p.responsibleTeamId).map((p) => ({
        personId: p.id,
        ...(p.nhsNumber ? { nhsNumber: p.nhsNumber } : {}),
        ...(p.allocatedWorkerId ? { allocatedWorkerId: p.allocatedWorkerId } : {}),
        ...(p.responsibleTeamId ? { responsibleTeamId: p.responsibleTeamId } : {}),
        restricted: p.restricted,
      })),
    );
    expect(records(facts.safeguardingConcerns)).toEqual(
      sandbox.safeguardingConcerns.map((c) => ({ ...c, nhsNumber: sandbox.people.find((p) => p.id === c.personId)!.nhsNumber })),
    );
    expect(facts.council[0].at).toEqual({ file: 'allocations.csv', line: 2 });
  });
});

describe('reading the allocations extract', () => {
  it('reads the record types in any order, each with its line', async () => {
    const { facts, rejects } = await read(csv([CONCERN, ALLOCATION, PROVIDER, WORKER, TEAM, COUNCIL]));
    expect(rejects).toEqual([]);
    expect(facts.safeguardingConcerns).toEqual([
      {
        at: { file: 'allocations.csv', line: 2 },
        record: { id: 'SG-1', personId: 'WXB-100001', status: 'open', concernType: 'financial', raisedDate: '2026-11-02', contactTeamId: 'TEAM-OAN' },
      },
    ]);
    expect(facts.allocations).toEqual([
      {
        at: { file: 'allocations.csv', line: 3 },
        record: { personId: 'WXB-100001', nhsNumber: '9990000018', allocatedWorkerId: 'W-001', responsibleTeamId: 'TEAM-OAN', restricted: false },
      },
    ]);
    expect(facts.providerNumbers).toEqual([
      { at: { file: 'allocations.csv', line: 4 }, record: { cqcLocationId: '1-1000000123', telecom: [{ system: 'phone', value: '07700 900 211', use: 'out-of-hours' }] } },
    ]);
    expect(facts.workers).toEqual([
      { at: { file: 'allocations.csv', line: 5 }, record: { id: 'W-001', givenNames: ['Amira'], familyName: 'Hassan', role: 'Social Worker', teamId: 'TEAM-OAN', telecom: [] } },
    ]);
    expect(facts.teams).toEqual([
      { at: { file: 'allocations.csv', line: 6 }, record: { id: 'TEAM-OAN', name: 'Older Adults North', telecom: [{ system: 'phone', value: '0115 496 0120', use: 'work' }] } },
    ]);
    expect(facts.council.map((c) => c.at.line)).toEqual([7]);
  });

  it('reads a byte order mark, CRLF, underscored headers, record types in capitals, quoted commas and newlines', async () => {
    const columns = COLUMNS.map((c) => c.replace(/ /g, '_'));
    const rows: Row[] = [
      { ...TEAM, 'Record Type': 'Team', Name: 'Hospital Discharge, Level 2', 'Address Line 1': 'Social Work Office\r\nLevel 2', Postcode: 'wx27hd' },
      WORKER,
    ];
    const text = '\uFEFF' + csv(rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k.replace(/ /g, '_'), v]))) as Row[], columns).replace(/\n/g, '\r\n');
    const { facts, rejects } = await read(text.replace(/\r\r\n/g, '\r\n'));
    expect(rejects).toEqual([]);
    expect(facts.teams[0].record).toMatchObject({ name: 'Hospital Discharge, Level 2', address: { lines: ['Social Work Office\r\nLevel 2'], postcode: 'WX2 7HD' } });
    expect(facts.workers.map((w) => w.at.line)).toEqual([4]);
  });

  it('takes the responsible team from the allocated worker when the row names only the worker', async () => {
    const { facts, rejects } = await read(csv([TEAM, WORKER, { ...ALLOCATION, 'Team ID': '' }]));
    expect(rejects).toEqual([]);
    expect(facts.allocations[0].record).toEqual({ personId: 'WXB-100001', nhsNumber: '9990000018', allocatedWorkerId: 'W-001', responsibleTeamId: 'TEAM-OAN', restricted: false });
  });

  it('reads dates written DD/MM/YYYY, NHS numbers with spaces, concern types by their wording, and Y/N', async () => {
    const { facts, rejects } = await read(
      csv([
        TEAM,
        { ...ALLOCATION, 'Worker ID': '', 'NHS Number': '999 000 0018', Restricted: 'Y' },
        { ...CONCERN, 'Concern Type': 'Neglect and acts of omission', 'Concern Status': 'Closed', 'Raised Date': '5/1/2024', 'Closed Date': '30/04/2024' },
      ]),
    );
    expect(rejects).toEqual([]);
    expect(facts.allocations[0].record).toMatchObject({ nhsNumber: '9990000018', restricted: true });
    expect(facts.safeguardingConcerns[0].record).toMatchObject({ concernType: 'neglect', status: 'closed', raisedDate: '2024-01-05', closedDate: '2024-04-30' });
  });
});

describe('provider rows', () => {
  it("read a provider's e-mail address and ODS code beside, or instead of, its out-of-hours number", async () => {
    const { facts, rejects } = await read(
      csv([
        { ...PROVIDER, Email: 'office@brightwater.example', 'ODS Code': 'vwx12' },
        { 'Record Type': 'provider', 'CQC Location ID': '1-1000000556', Email: 'hello@willows.example' },
      ]),
    );
    expect(rejects).toEqual([]);
    expect(facts.providerNumbers.map((p) => p.record)).toEqual([
      {
        cqcLocationId: '1-1000000123',
        odsCode: 'VWX12',
        telecom: [
          { system: 'phone', value: '07700 900 211', use: 'out-of-hours' },
          { system: 'email', value: 'office@brightwater.example', use: 'work' },
        ],
      },
      { cqcLocationId: '1-1000000556', telecom: [{ system: 'email', value: 'hello@willows.example', use: 'work' }] },
    ]);
  });
});

describe('person and package rows', () => {
  it("read a person's title, numbers, address lines and NHS number verification, and a package's visits, tasks and notes", async () => {
    const { facts, rejects } = await read(csv([PERSON, PACKAGE, { 'Record Type': 'package', 'Event Reference': 'Home care, Mrs T' }]));
    expect(rejects).toEqual([]);
    expect(facts.people).toEqual([
      {
        at: { file: 'allocations.csv', line: 2 },
        record: {
          personId: 'WXB-100001',
          nhsNumber: '9990000018',
          title: 'Mrs',
          telecom: [
            { system: 'phone', value: '01632 960 101', use: 'home' },
            { system: 'phone', value: '07700 900 301', use: 'mobile' },
            { system: 'email', value: 'barbara@example.com', use: 'home' },
          ],
          addressLines: ['14 Larkspur Close'],
          town: 'Hallowfield',
          nhsNumberVerification: '01',
        },
      },
    ]);
    expect(facts.packages.map((p) => p.record)).toEqual([
      { eventReference: 'PKG-0001', packageId: 'PKG-0001', visitsPerDay: 2, tasks: ['Morning personal care', 'Evening meal'], notes: 'Key safe by the front door.' },
      // A reference that is no id names the package the CLD import made of it.
      { eventReference: 'Home care, Mrs T', packageId: expect.stringMatching(/^h-[0-9a-f]{40}$/), tasks: [] },
    ]);
  });

  it('refuse the same person or package twice with different details, naming the earlier line', async () => {
    const { rejects } = await read(csv([PERSON, { ...PERSON, Title: 'Ms' }, PACKAGE, { ...PACKAGE, Notes: '' }]));
    expect(rejects.map(({ line, column, reason }) => ({ line, column, reason }))).toEqual([
      { line: 3, column: 'LA Person Unique Identifier', reason: 'the details of person WXB-100001 is in the file at line 2 already, with different details' },
      { line: 5, column: 'Event Reference', reason: 'package PKG-0001 is in the file at line 4 already, with different details' },
    ]);
  });
});

describe('allocations rows that cannot be used', () => {
  /** Reads the rows after a team and a worker everyone can name, and gives back the rejects. */
  async function rejectsOf(...rows: Row[]) {
    const { rejects } = await read(csv([TEAM, WORKER, ...rows]));
    return rejects.map(({ line, column, value, reason }) => ({ line, column, value, reason }));
  }

  it.each<[string, Row, { column: string; value?: string; reason: string }]>([
    ['an unknown record type', { 'Record Type': 'carer' }, { column: 'Record Type', value: 'carer', reason: 'not a record type of the allocations extract: write council, team, worker, provider, allocation, safeguarding, person, package' }],
    ['a missing record type', { Name: 'x' }, { column: 'Record Type', reason: 'the record type is missing: write council, team, worker, provider, allocation, safeguarding, person, package' }],
    ['a council without a name', { ...COUNCIL, Name: '' }, { column: 'Name', reason: 'a council row needs a Name' }],
    ['a council without its out-of-hours number', { ...COUNCIL, 'Out of Hours Phone': '' }, { column: 'Out of Hours Phone', reason: 'a council row needs an Out of Hours Phone' }],
    ['a council with a bad ODS code', { ...COUNCIL, 'ODS Code': 'W X B' }, { column: 'ODS Code', value: 'W X B', reason: 'not an ODS code: 3 to 10 letters and digits' }],
    ['a team without an office phone', { ...TEAM, 'Team ID': 'TEAM-2', 'Office Phone': '' }, { column: 'Office Phone', reason: 'a team row needs an Office Phone' }],
    ['a team id with a space', { ...TEAM, 'Team ID': 'TEAM 2' }, { column: 'Team ID', value: 'TEAM 2', reason: 'not a usable id: 1 to 64 letters, digits, hyphens and full stops, no spaces' }],
    ['a phone number that is not one', { ...TEAM, 'Team ID': 'TEAM-2', 'Office Phone': 'ring reception' }, { column: 'Office Phone', value: 'ring reception', reason: 'not a phone number: write it as dialled, e.g. 0115 496 0000' }],
    ['a phone number too short', { ...WORKER, 'Worker ID': 'W-2', 'Mobile Phone': '07700 900' }, { column: 'Mobile Phone', value: '07700 900', reason: 'not a phone number: write it as dialled, e.g. 0115 496 0000' }],
    ['an e-mail address that is not one', { ...WORKER, 'Worker ID': 'W-2', Email: 'amira.hassan' }, { column: 'Email', value: 'amira.hassan', reason: 'not an e-mail address' }],
    ['a worker without a role', { ...WORKER, 'Worker ID': 'W-2', Role: '' }, { column: 'Role', reason: 'a worker row needs a Role' }],
    ['a provider with a malformed CQC location id', { ...PROVIDER, 'CQC Location ID': '1000000123' }, { column: 'CQC Location ID', value: '1000000123', reason: 'not a CQC location id: they are written like 1-123456789' }],
    ['a provider row that gives nothing', { ...PROVIDER, 'Out of Hours Phone': '' }, { column: 'Out of Hours Phone', reason: 'a provider row needs an Out of Hours Phone, an Email or an ODS Code' }],
    ['a provider with an e-mail address that is not one', { ...PROVIDER, Email: 'office at brightwater' }, { column: 'Email', value: 'office at brightwater', reason: 'not an e-mail address' }],
    ['an allocation naming nobody', { ...ALLOCATION, 'LA Person Unique Identifier': '', 'NHS Number': '' }, { column: 'LA Person Unique Identifier', reason: "an allocation row needs the person's LA Person Unique Identifier, NHS Number or both" }],
    ['an NHS number failing Modulus 11', { ...ALLOCATION, 'NHS Number': '9990000019' }, { column: 'NHS Number', value: '9990000019', reason: 'the NHS number fails its Modulus 11 check digit; check it was typed correctly' }],
    ['an NHS number of nine digits', { ...ALLOCATION, 'NHS Number': '999000001' }, { column: 'NHS Number', value: '999000001', reason: 'an NHS number has exactly 10 digits' }],
    ['an allocation to neither worker nor team', { ...ALLOCATION, 'Worker ID': '', 'Team ID': '' }, { column: 'Worker ID', reason: 'an allocation row needs a Worker ID, a Team ID or both' }],
    ['an allocation without its restricted flag', { ...ALLOCATION, Restricted: '' }, { column: 'Restricted', reason: 'an allocation row needs a Restricted' }],
    ['a restricted flag that is not yes or no', { ...ALLOCATION, Restricted: 'maybe' }, { column: 'Restricted', value: 'maybe', reason: 'write Yes or No' }],
    ['an unknown concern type', { ...CONCERN, 'Concern Type': 'theft' }, { column: 'Concern Type', value: 'theft', reason: expect.stringContaining('not a concern type: write one of Physical abuse; Domestic abuse;') }],
    ['an unknown concern status', { ...CONCERN, 'Concern Status': 'pending' }, { column: 'Concern Status', value: 'pending', reason: 'write open or closed' }],
    ['a concern without a reference', { ...CONCERN, 'Concern Reference': '' }, { column: 'Concern Reference', reason: 'a safeguarding row needs a Concern Reference' }],
    ['a concern without a raised date', { ...CONCERN, 'Raised Date': '' }, { column: 'Raised Date', reason: 'a safeguarding row needs a Raised Date' }],
    ['a concern without its contact team', { ...CONCERN, 'Team ID': '' }, { column: 'Team ID', reason: 'a safeguarding row needs a Team ID' }],
    ['a date in another shape', { ...CONCERN, 'Raised Date': '2 Nov 2026' }, { column: 'Raised Date', value: '2 Nov 2026', reason: 'not a date: write YYYY-MM-DD or DD/MM/YYYY' }],
    ['a day the calendar does not have', { ...CONCERN, 'Raised Date': '2025-02-29' }, { column: 'Raised Date', value: '2025-02-29', reason: 'no such day in the calendar' }],
    ['a day-first date the calendar does not have', { ...CONCERN, 'Raised Date': '31/04/2026' }, { column: 'Raised Date', value: '31/04/2026', reason: 'no such day in the calendar' }],
    ['a closed concern without a closed date', { ...CONCERN, 'Concern Status': 'closed' }, { column: 'Closed Date', reason: 'a closed concern needs its Closed Date' }],
    ['an open concern with a closed date', { ...CONCERN, 'Closed Date': '2026-11-20' }, { column: 'Closed Date', value: '2026-11-20', reason: 'an open concern has no Closed Date: close it, or clear the date' }],
    ['a person naming nobody', { ...PERSON, 'LA Person Unique Identifier': '', 'NHS Number': '' }, { column: 'LA Person Unique Identifier', reason: "a person row needs the person's LA Person Unique Identifier, NHS Number or both" }],
    ['a home phone that is not one', { ...PERSON, 'Home Phone': 'ring the bell' }, { column: 'Home Phone', value: 'ring the bell', reason: 'not a phone number: write it as dialled, e.g. 0115 496 0000' }],
    ['a verification status that is not a code', { ...PERSON, 'NHS Number Verification Status': 'verified' }, { column: 'NHS Number Verification Status', value: 'verified', reason: 'not an NHS number verification status: write its two-digit code, 01 to 08' }],
    ['a verification status out of range', { ...PERSON, 'NHS Number Verification Status': '09' }, { column: 'NHS Number Verification Status', value: '09', reason: 'not an NHS number verification status: write its two-digit code, 01 to 08' }],
    ['a package without its Event Reference', { ...PACKAGE, 'Event Reference': '' }, { column: 'Event Reference', reason: 'a package row needs an Event Reference' }],
    ['visits per day that are not a whole number', { ...PACKAGE, 'Visits per Day': '1.5' }, { column: 'Visits per Day', value: '1.5', reason: 'not a whole number from 1 to 24' }],
    ['no visits a day', { ...PACKAGE, 'Visits per Day': '0' }, { column: 'Visits per Day', value: '0', reason: 'not a whole number from 1 to 24' }],
    ['a concern closed before it was raised', { ...CONCERN, 'Concern Status': 'closed', 'Closed Date': '01/11/2026' }, { column: 'Closed Date', value: '01/11/2026', reason: 'closed before it was raised (2026-11-02)' }],
  ])('refuses %s, naming line, column and value', async (_case, row, expected) => {
    expect(await rejectsOf(row)).toEqual([{ line: 4, value: undefined, ...expected }]);
  });

  it('names every problem of a row, and keeps none of it', async () => {
    const { facts, rejects } = await read(csv([TEAM, { ...WORKER, 'Given Names': '', Email: 'nope' }]));
    expect(rejects.map((r) => [r.line, r.column])).toEqual([
      [3, 'Given Names'],
      [3, 'Email'],
    ]);
    expect(facts.workers).toEqual([]);
  });

  it('refuses a row whose columns a record type needs are missing from the header', async () => {
    const { rejects } = await read(csv([{ 'Record Type': 'team', 'Team ID': 'TEAM-OAN', Name: 'Older Adults North' }], ['Record Type', 'Team ID', 'Name']));
    expect(rejects).toEqual([{ file: 'allocations.csv', line: 2, column: 'Office Phone', reason: 'the file has no "Office Phone" column, which a team row needs' }]);
  });

  it('refuses a header column it does not know, and reads the rest', async () => {
    const { facts, rejects } = await read(csv([PROVIDER], ['Record Type', 'CQC Location ID', 'Out of Hours Phone', 'Out of Hour Phone']));
    expect(rejects).toEqual([
      { file: 'allocations.csv', line: 1, column: 'Out of Hour Phone', reason: 'not a column of the allocations extract: its values are ignored (is it misspelt?)' },
    ]);
    expect(facts.providerNumbers).toHaveLength(1);
  });

  it('refuses a file without a Record Type column, a row with the wrong number of fields, and a file that is not CSV', async () => {
    expect((await read('Team ID,Name\nTEAM-1,A team\n')).rejects).toEqual([
      { file: 'allocations.csv', line: 1, reason: 'the header has no "Record Type" column: is this the allocations extract?' },
    ]);
    expect((await read(`${csv([TEAM])}team,TEAM-2\n`)).rejects).toEqual([{ file: 'allocations.csv', line: 3, reason: `the row has 2 fields where the header has ${COLUMNS.length}` }]);
    const broken = await read(`${csv([TEAM])}team,"unclosed\n`);
    expect(broken.rejects).toEqual([{ file: 'allocations.csv', line: expect.any(Number), reason: expect.stringContaining('not readable as CSV') }]);
    expect(broken.facts.teams).toEqual([]);
    expect((await read('')).rejects).toEqual([{ file: 'allocations.csv', line: 1, reason: 'the file is empty: it has no header row' }]);
  });
});

describe('references within the allocations extract', () => {
  it('refuses a worker whose team, an allocation whose worker or team, and a concern whose contact team is not a row of the file', async () => {
    const { facts, rejects } = await read(
      csv([
        TEAM,
        { ...WORKER, 'Worker ID': 'W-002', 'Team ID': 'TEAM-XX' },
        { ...ALLOCATION, 'Worker ID': 'W-404' },
        { ...ALLOCATION, 'LA Person Unique Identifier': 'WXB-2', 'NHS Number': '', 'Worker ID': '', 'Team ID': 'TEAM-404' },
        { ...CONCERN, 'Team ID': 'TEAM-SGH' },
      ]),
    );
    expect(rejects.map(({ line, column, value, reason }) => ({ line, column, value, reason }))).toEqual([
      { line: 3, column: 'Team ID', value: 'TEAM-XX', reason: 'no team row of this file has Team ID TEAM-XX: the file must hold every team it names' },
      { line: 4, column: 'Worker ID', value: 'W-404', reason: 'no worker row of this file has Worker ID W-404: the file must hold every worker it names' },
      { line: 5, column: 'Team ID', value: 'TEAM-404', reason: 'no team row of this file has Team ID TEAM-404: the file must hold every team it names' },
      { line: 6, column: 'Team ID', value: 'TEAM-SGH', reason: 'no team row of this file has Team ID TEAM-SGH: the file must hold every team it names' },
    ]);
    expect([facts.workers, facts.allocations, facts.safeguardingConcerns]).toEqual([[], [], []]);
  });

  it('says so when the row named was itself refused, down the chain', async () => {
    const { rejects } = await read(csv([{ ...TEAM, 'Office Phone': '' }, WORKER, ALLOCATION]));
    expect(rejects.map(({ line, value, reason }) => ({ line, value, reason }))).toEqual([
      { line: 2, value: undefined, reason: 'a team row needs an Office Phone' },
      { line: 3, value: 'TEAM-OAN', reason: 'the team row for TEAM-OAN (line 2) was refused, so this row is refused too' },
      { line: 4, value: 'W-001', reason: 'the worker row for W-001 (line 3) was refused, so this row is refused too' },
      { line: 4, value: 'TEAM-OAN', reason: 'the team row for TEAM-OAN (line 2) was refused, so this row is refused too' },
    ]);
  });
});

describe('the same thing twice in the allocations extract', () => {
  it('takes a row repeated word for word once', async () => {
    const { facts, rejects } = await read(csv([COUNCIL, TEAM, TEAM, WORKER, ALLOCATION, ALLOCATION, COUNCIL]));
    expect(rejects).toEqual([]);
    expect([facts.council.length, facts.teams.length, facts.allocations.length]).toEqual([1, 1, 1]);
  });

  it.each<[string, Row, Row, string, string | undefined, string]>([
    ['a council', COUNCIL, { ...COUNCIL, Name: 'Wexbridge CC' }, 'Name', undefined, 'the council is in the file at line 4 already, with different details'],
    ['a team', { ...TEAM, 'Team ID': 'TEAM-2' }, { ...TEAM, 'Team ID': 'TEAM-2', Name: 'Older Adults (North)' }, 'Team ID', 'TEAM-2', 'team TEAM-2 is in the file at line 4 already, with different details'],
    ['a worker', { ...WORKER, 'Worker ID': 'W-9' }, { ...WORKER, 'Worker ID': 'W-9', Role: 'Care Manager' }, 'Worker ID', 'W-9', 'worker W-9 is in the file at line 4 already, with different details'],
    ['a provider', PROVIDER, { ...PROVIDER, 'Out of Hours Phone': '07700 900 999' }, 'CQC Location ID', '1-1000000123', 'provider 1-1000000123 is in the file at line 4 already, with different details'],
    ['a person\'s allocation', ALLOCATION, { ...ALLOCATION, Restricted: 'Yes' }, 'LA Person Unique Identifier', 'WXB-100001', 'the allocation of person WXB-100001 is in the file at line 4 already, with different details'],
    ['an allocation by NHS number', { ...ALLOCATION, 'LA Person Unique Identifier': '' }, { ...ALLOCATION, 'LA Person Unique Identifier': '', 'Worker ID': '' }, 'NHS Number', '9990000018', 'the allocation of NHS number 9990000018 is in the file at line 4 already, with different details'],
    ['a concern', CONCERN, { ...CONCERN, 'Concern Type': 'neglect' }, 'Concern Reference', 'SG-1', 'concern SG-1 is in the file at line 4 already, with different details'],
  ])('refuses %s given again with different details, naming the earlier line', async (_case, first, second, column, value, reason) => {
    const { rejects } = await read(csv([TEAM, WORKER, first, second]));
    expect(rejects).toEqual([{ file: 'allocations.csv', line: 5, column, ...(value ? { value } : {}), reason }]);
  });
});
