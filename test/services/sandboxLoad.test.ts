import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AuditRecorder } from '../../src/audit/recorder';
import { AccessRecord } from '../../src/domain/audit';
import { runImport } from '../../src/services/imports/runImport';
import { loadSandbox, SANDBOX_COUNCIL, SANDBOX_TODAY, SandboxLoadError } from '../../src/services/imports/sandbox';
import { SANDBOX_COUNCIL_FILES } from '../support/sandboxDataset';
import { DRIVERS, openTestStore, TestStore } from '../support/stores';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facade-sandbox-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A copy of the sandbox's files with one of them changed. */
function copyWith(name: string, file: string, change: (text: string) => string): string {
  const copy = path.join(dir, name);
  fs.mkdirSync(copy);
  for (const f of fs.readdirSync(SANDBOX_COUNCIL_FILES)) {
    const text = fs.readFileSync(path.join(SANDBOX_COUNCIL_FILES, f), 'utf8');
    fs.writeFileSync(path.join(copy, f), f === file ? change(text) : text);
  }
  return copy;
}

describe.each(DRIVERS)('loading the sandbox (%s)', (driver) => {
  let t: TestStore;
  beforeEach(async () => {
    t = await openTestStore(driver);
  });
  afterEach(() => t.close());

  it('imports once, auditing each import, and a second load does nothing', async () => {
    const audited: AccessRecord[] = [];
    const first = await loadSandbox(t.store, new AuditRecorder({ record: async (r) => void audited.push(r) }));
    expect(first.reports.map((r) => [r.kind, r.outcome, r.rejectCount])).toEqual([
      ['cld', 'applied', 0],
      ['cqc', 'applied', 0],
      ['allocations', 'applied', 0],
    ]);
    expect(audited).toHaveLength(3);
    expect(await loadSandbox(t.store)).toEqual({ loaded: false, reports: [] });
    expect(await t.store.db.query('SELECT count(*)::int AS n FROM import_runs')).toEqual([{ n: 3 }]);
  });

  it('decides planned and active packages by the sandbox day, not the calendar', async () => {
    await loadSandbox(t.store);
    const status = async (id: string) => (await t.store.get('carePackage', id))!.record.status;
    // Starts 30 November 2026; a respite stay ends that day; reablement ends 21 December 2026.
    expect(SANDBOX_TODAY).toBe('2026-11-23');
    expect([await status('PKG-0014'), await status('PKG-0037'), await status('PKG-0013'), await status('PKG-0003')]).toEqual(['planned', 'active', 'active', 'suspended']);
  });

  it('stops on a rejected row, naming the file, line, column, value and reason, and records no load', async () => {
    // Barbara's NHS number verification status written the wrong way round.
    const broken = copyWith(`broken-${driver}`, 'allocations.csv', (text) => text.replace(',Mrs,01632 960 101,01,', ',Mrs,01632 960 101,10,'));
    await expect(loadSandbox(t.store, undefined, broken)).rejects.toThrow(SandboxLoadError);
    await expect(loadSandbox(t.store, undefined, broken)).rejects.toThrow(
      /allocations file has 1 rejected row\(s\), so it was not loaded:\n {2}- .*allocations\.csv line \d+, NHS Number Verification Status "10": not an NHS number verification status/,
    );
    expect(await t.store.db.query('SELECT name FROM dataset_loads')).toEqual([]);
  });
});

describe.each(DRIVERS)('person and package rows of the allocations extract (%s)', (driver) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(driver);
    await loadSandbox(t.store);
  }, 60_000);
  afterAll(() => t.close());

  const HEADER =
    'Record Type,LA Person Unique Identifier,NHS Number,Title,Home Phone,Mobile Phone,Email,Address Line 1,Address Line 2,Address Line 3,Town,NHS Number Verification Status,Event Reference,Visits per Day,Tasks,Notes';
  const importRows = (rows: string[]) => {
    const file = path.join(dir, `allocations-${driver}-${rows.length}.csv`);
    fs.writeFileSync(file, [HEADER, ...rows].join('\n') + '\n');
    return runImport(t.store, { kind: 'allocations', files: [{ name: 'allocations.csv', path: file }], council: SANDBOX_COUNCIL, by: { user: 'tester' }, today: SANDBOX_TODAY, maxRejects: 10 });
  };

  it('update what a row names, and clear what it leaves blank', async () => {
    const report = await importRows([
      // Desmond: a new home number, no mobile, no title, a new first address line, unverified.
      'person,WXB-100002,9990000026,,01632 960 999,,,8 Quarry Lane,,,Stenbury,02,,,,',
      // Doreen's package: one visit a day, no tasks, a note.
      'package,,,,,,,,,,,,PKG-0004,1,,Visits moved to lunchtime.',
    ]);
    expect(report).toMatchObject({ outcome: 'applied', rejectCount: 0 });
    const desmond = (await t.store.get('person', 'WXB-100002'))!.record;
    expect(desmond.title).toBeUndefined();
    expect(desmond.telecom).toEqual([{ system: 'phone', value: '01632 960 999', use: 'home' }]);
    expect(desmond.address).toEqual({ lines: ['8 Quarry Lane'], city: 'Stenbury', postcode: 'WX5 2JX' });
    expect(desmond.nhsNumberVerification).toBe('02');
    // What the CLD return owns is left alone.
    expect(desmond).toMatchObject({ familyName: 'Clarke', birthDate: '1948-02-03', responsibleTeamId: 'TEAM-OAS' });
    const pkg = (await t.store.get('carePackage', 'PKG-0004'))!.record;
    expect(pkg.details).toEqual({ hoursPerWeek: 9, weeklyCostPence: 25650, visitsPerDay: 1, notes: 'Visits moved to lunchtime.' });
  });

  it('refuse a person or package not held, naming line, column and value', async () => {
    const report = await importRows(['person,WXB-999999,,Mr,,,,,,,,,,,,', 'package,,,,,,,,,,,,PKG-9999,2,Lunch,']);
    expect(report.rejects).toEqual([
      { file: 'allocations.csv', line: 2, column: 'LA Person Unique Identifier', value: 'WXB-999999', reason: 'no person with this id or NHS number is held: import the CLD return first' },
      { file: 'allocations.csv', line: 3, column: 'Event Reference', value: 'PKG-9999', reason: 'no package has this Event Reference: import the CLD return that holds it first' },
    ]);
  });
});
