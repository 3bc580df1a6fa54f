import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AuditRecorder } from '../../src/audit/recorder';
import { AccessRecord } from '../../src/domain/audit';
import { checkDigitFor } from '../../src/domain/nhsNumber';
import { ImportKind, ImportReport } from '../../src/services/imports/importReport';
import { ImportRequest, runImport } from '../../src/services/imports/runImport';
import { receiveNotice } from '../../src/services/noticeIntake';
import { Store } from '../../src/store/store';
import { parse } from 'csv-parse/sync';
import { DRIVERS, openTestStore, TestStore } from '../support/stores';

const SAMPLES = path.join(__dirname, '..', '..', 'fixtures', 'samples');
const CLD = path.join(SAMPLES, 'cld-release1.csv');
const CLD_RELEASE_2 = path.join(SAMPLES, 'cld-release2.csv');
const CQC = path.join(SAMPLES, 'cqc-directory.csv');
const COUNCIL = { laCode: 'E10999999', odsCode: 'WXB' };
const TODAY = '2026-12-01';
const BARBARA = 'WXB-100001';
/** Barbara's home-care package, from Brightwater Home Care (CQC location 1-1000000123). */
const BARBARAS_PACKAGE = 'PKG-0001';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facade-import-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A file of the test's own: written once under the test's directory. */
function file(name: string, text: string): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
}

/** A CSV file as rows of fields, header first (csv-parse, as the readers use). */
function table(csvFile: string): string[][] {
  return parse(fs.readFileSync(csvFile, 'utf8'), { bom: true, relax_column_count: true }) as string[][];
}

/** Rows as CSV text, each field quoted where it must be. */
function csv(rows: string[][]): string {
  const field = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return rows.map((r) => r.map(field).join(',')).join('\n') + '\n';
}

/** The column's index in a table's header. */
function col(rows: string[][], name: string): number {
  const i = rows[0].indexOf(name);
  if (i < 0) throw new Error(`no column ${name}`);
  return i;
}

/** The allocations sample cut down to the people of a CLD file (the sample names every sandbox person). */
function allocationsFor(people: Set<string>): string {
  const rows = table(path.join(SAMPLES, 'allocations.csv'));
  const person = col(rows, 'LA Person Unique Identifier');
  return file('allocations.csv', csv(rows.filter((row, i) => i === 0 || !row[person] || people.has(row[person]))));
}

function peopleOf(cld: string): Set<string> {
  const rows = table(cld);
  const person = col(rows, 'LA Person Unique Identifier');
  return new Set(rows.slice(1).map((r) => r[person]));
}

describe.each(DRIVERS)('importing the council data (%s)', (driver) => {
  let t: TestStore;
  let store: Store;
  const audited: AccessRecord[] = [];
  const audit = new AuditRecorder({ record: async (r) => void audited.push(r) });

  const run = (kind: ImportKind, files: string[], extra: Partial<ImportRequest> = {}): Promise<ImportReport> =>
    runImport(store, { kind, files: files.map((f) => ({ name: path.basename(f), path: f })), council: COUNCIL, by: { user: 'tester' }, today: TODAY, ...extra }, audit);

  const versions = async () =>
    (await store.db.query<{ kind: string; n: string; v: string }>(
      `SELECT 'people' AS kind, count(*)::text AS n, sum(version)::text AS v FROM people UNION ALL
       SELECT 'packages', count(*)::text, sum(version)::text FROM care_packages UNION ALL
       SELECT 'assessments', count(*)::text, sum(version)::text FROM assessments UNION ALL
       SELECT 'carers', count(*)::text, sum(version)::text FROM care_relationships UNION ALL
       SELECT 'organisations', count(*)::text, sum(version)::text FROM organisations UNION ALL
       SELECT 'history', count(*)::text, '0' FROM record_history ORDER BY 1`,
    ));

  beforeEach(async () => {
    t = await openTestStore(driver);
    store = t.store;
    audited.length = 0;
  });
  afterEach(() => t.close());

  it("loads a council's first CLD return, CQC directory and allocations extract, and Barbara is whole", async () => {
    const cld = await run('cld', [CLD]);
    expect(cld).toMatchObject({ outcome: 'applied', rejectCount: 0, rejects: [] });
    expect(cld.files).toEqual([{ name: 'cld-release1.csv', sha256: expect.stringMatching(/^[0-9a-f]{64}$/), bytes: fs.statSync(CLD).size, rows: table(CLD).length - 1 }]);
    expect(cld.changes.people.added).toBe(peopleOf(CLD).size);
    expect(cld.changes.carePackages.added).toBeGreaterThan(10);
    expect(cld.changes.careRelationships.added).toBeGreaterThanOrEqual(1);

    const cqc = await run('cqc', [CQC]);
    expect(cqc).toMatchObject({ outcome: 'applied', rejectCount: 0 });
    const allocations = await run('allocations', [allocationsFor(peopleOf(CLD))]);
    expect(allocations).toMatchObject({ outcome: 'applied', rejectCount: 0 });

    const barbara = (await store.get('person', BARBARA))!.record;
    expect(barbara).toMatchObject({
      nhsNumber: '9990000018',
      givenNames: ['Barbara'],
      familyName: 'Thornton',
      birthDate: '1941-06-14',
      gender: 'female',
      gpPracticeOds: 'X99001',
      hasUnpaidCarer: true,
      source: 'cld',
      allocatedWorkerId: 'W-001',
      responsibleTeamId: 'TEAM-OAN',
      restricted: false,
      address: { postcode: 'WX3 4QP' },
    });
    const pkg = (await store.get('carePackage', BARBARAS_PACKAGE))!.record;
    expect(pkg).toMatchObject({ personId: BARBARA, serviceType: 'home-care', status: 'active', funding: 'council', source: 'cld', details: { hoursPerWeek: 14 } });
    const provider = (await store.get('organisation', pkg.providerId!))!.record;
    expect(provider).toMatchObject({ kind: 'provider', cqcLocationId: '1-1000000123', name: 'Brightwater Home Care' });
    expect(provider.telecom).toEqual(
      expect.arrayContaining([
        { system: 'phone', value: '0113 496 0210', use: 'work' },
        { system: 'phone', value: '07700 900 211', use: 'out-of-hours' },
      ]),
    );
    const carers = await store.search('careRelationship', [{ field: 'caredForId', match: 'any-of', values: [BARBARA] }], { limit: 10, offset: 0 });
    expect(carers.records.map((r) => r.record)).toEqual([expect.objectContaining({ status: 'active', source: 'cld' })]);
    const carer = (await store.get('person', carers.records[0].record.carerId))!.record;
    expect(carer.familyName).toBeTruthy();
    const assessments = await store.search('assessment', [{ field: 'personId', match: 'any-of', values: [BARBARA] }], { limit: 10, offset: 0 });
    expect(assessments.records.map((a) => a.record.kind).sort()).toEqual(['assessment', 'review']);
  });

  it('reads Release 2 with underscores as Release 1 with spaces: the same records', async () => {
    const one = await run('cld', [CLD]);
    expect(one.outcome).toBe('applied');
    const two = await run('cld', [CLD_RELEASE_2]);
    expect(two).toMatchObject({ outcome: 'applied', rejectCount: 0 });
    // The second release's file describes the same people and events: nothing added or ended.
    for (const counts of Object.values(two.changes)) expect(counts).toMatchObject({ added: 0, ended: 0 });
  });

  it('importing the same file twice changes nothing: no version moves, no history', async () => {
    await run('cld', [CLD]);
    await run('cqc', [CQC]);
    const before = await versions();
    const again = await run('cld', [CLD]);
    expect(again.outcome).toBe('applied');
    for (const counts of Object.values(again.changes)) expect(counts).toMatchObject({ added: 0, changed: 0, ended: 0 });
    expect(await versions()).toEqual(before);
  });

  it('a later return updates what changed (new version, the old kept), ends open packages and carers it no longer holds, and keeps past assessments', async () => {
    const first = await run('cld', [CLD]);
    const rows = table(CLD);
    const [units, reference, clientType, eventType, person, end] = ['Planned units per week', 'Event Reference', 'Client Type', 'Event Type', 'LA Person Unique Identifier', 'Event End Date'].map((c) => col(rows, c));
    // Barbara's package now has 21 hours a week; another person's package has gone; the carer's rows have gone.
    const changed = rows.map((row) => (row[reference] === BARBARAS_PACKAGE ? row.map((v, i) => (i === units ? '21' : v)) : row));
    const open = (row: string[]) => row[eventType] === 'Service' && !row[end] && !/carer/i.test(row[clientType]);
    const dropped = changed.find((row, i) => i > 0 && open(row) && row[person] !== BARBARA)!;
    const droppedId = dropped[reference];
    const later = file('cld-later.csv', csv(changed.filter((row) => row !== dropped && !/carer/i.test(row[clientType]))));
    const before = (await store.get('carePackage', BARBARAS_PACKAGE))!;

    const dry = await run('cld', [later], { dryRun: true });
    expect(dry.ended.carePackages).toEqual([droppedId]);
    const report = await run('cld', [later]);
    expect(report).toMatchObject({ outcome: 'applied', rejectCount: 0 });
    expect(report.ended.carePackages).toEqual([droppedId]);
    expect(report.changes.carePackages).toMatchObject({ changed: 1, ended: 1 });
    expect(report.changes.careRelationships.ended).toBeGreaterThanOrEqual(1);

    const after = (await store.get('carePackage', BARBARAS_PACKAGE))!;
    expect(after.record.details?.hoursPerWeek).toBe(21);
    expect(after.version).toBe(before.version + 1);
    const history = await store.db.query<{ version: number; replaced_by: string; record: { details: { hoursPerWeek: number } } }>(
      "SELECT version, replaced_by, record FROM record_history WHERE entity = 'carePackage' AND id = $1",
      [BARBARAS_PACKAGE],
    );
    expect(history).toEqual([{ version: before.version, replaced_by: report.importId, record: expect.objectContaining({ details: expect.objectContaining({ hoursPerWeek: 14 }) }) }]);

    const ended = (await store.get('carePackage', droppedId))!.record;
    expect(ended).toMatchObject({ status: 'ended', endedBy: report.importId, statusReason: "No longer in the council's CLD return" });
    const carers = await store.search('careRelationship', [{ field: 'caredForId', match: 'any-of', values: [BARBARA] }], { limit: 10, offset: 0 });
    expect(carers.records.map((r) => r.record)).toEqual([expect.objectContaining({ status: 'ended', endedBy: report.importId })]);
    // Nothing is deleted: every record of the first import is still there.
    expect(Number((await store.db.query<{ n: string }>('SELECT count(*) AS n FROM care_packages'))[0].n)).toBe(first.changes.carePackages.added);
  });

  it('one bad row refuses the whole import, naming it; with --max-rejects the rest goes in, but nothing is ended on partial evidence', async () => {
    await run('cld', [CLD]);
    const rows = table(CLD);
    const [nhs, reference, eventType, person] = ['NHS Number', 'Event Reference', 'Event Type', 'LA Person Unique Identifier'].map((c) => col(rows, c));
    const barbaraService = rows.findIndex((r) => r[reference] === BARBARAS_PACKAGE);
    // Every row of Barbara's with a number failing its check digit (a person's rows must agree).
    const bad = rows.map((row) => (row[person] === BARBARA ? row.map((v, i) => (i === nhs ? '9990000019' : v)) : row));
    // Also one package gone, which a clean file would end.
    const dropped = bad.find((row, i) => i > 0 && row[eventType] === 'Service' && row[person] !== BARBARA)!;
    const badFile = file('cld-bad.csv', csv(bad.filter((r) => r !== dropped)));
    const barbarasRows = bad.filter((r) => r[person] === BARBARA).length;
    const before = await versions();

    const refused = await run('cld', [badFile]);
    expect(refused).toMatchObject({ outcome: 'refused', rejectCount: barbarasRows, maxRejects: 0 });
    expect(refused.rejects).toContainEqual(
      expect.objectContaining({ file: 'cld-bad.csv', line: barbaraService + 1, column: 'NHS Number', value: '9990000019', reason: expect.stringMatching(/Modulus 11|check digit/i) }),
    );
    expect(await versions()).toEqual(before);

    const allowed = await run('cld', [badFile], { maxRejects: barbarasRows });
    expect(allowed).toMatchObject({ outcome: 'applied', rejectCount: barbarasRows });
    expect(allowed.changes.carePackages.ended).toBe(0);
    expect(allowed.notes.join(' ')).toMatch(/left as they were, because rows were rejected/);
    expect((await store.get('carePackage', BARBARAS_PACKAGE))!.record.status).toBe('active');
  });

  it("takes over a person first opened from a hospital notice: the council's id keeps the NHS number, the notice and its contact move to it", async () => {
    const rows = table(CLD);
    const carerRow = rows.find((r) => /carer/i.test(r[col(rows, 'Client Type')]))!;
    const [nhsNumber, carerId] = [carerRow[col(rows, 'NHS Number')], carerRow[col(rows, 'LA Person Unique Identifier')]];
    const opened = await receiveNotice(
      store,
      {
        notice: {
          senderIdentifier: { system: 'urn:test:notice', value: randomUUID() },
          kind: 'assessment',
          nhsNumber,
          senderOds: 'RX1',
          sent: '2026-11-26T10:00:00.000Z',
          receivedDigest: randomUUID(),
        },
        document: { resourceType: 'Communication', status: 'completed' },
        person: { givenNames: ['Margaret'], familyName: 'Ellis', birthDate: '1945-01-09', gender: 'female', telecom: [] },
      },
      { intakeTeamId: 'TEAM-HDT' },
    );
    const placeholder = opened.notice.record.personId;
    expect(placeholder).toMatch(/^HN-/);

    const report = await run('cld', [CLD]);
    expect(report).toMatchObject({ outcome: 'applied', rejectCount: 0 });
    expect(report.notes.join(' ')).toContain(`${placeholder} -> ${carerId}`);
    expect((await store.get('person', carerId))!.record.nhsNumber).toBe(nhsNumber);
    expect(await store.get('person', placeholder)).toBeUndefined();
    expect((await store.get('notice', opened.notice.record.id))!.record.personId).toBe(carerId);
    expect((await store.get('contact', opened.contact!.record.id))!.record.personId).toBe(carerId);
  });

  it('keeps what the council recorded against someone first known from a hospital notice: their restriction and concerns move with them', async () => {
    const rows = table(CLD);
    const carerRow = rows.find((r) => /carer/i.test(r[col(rows, 'Client Type')]))!;
    const [nhsNumber, carerId] = [carerRow[col(rows, 'NHS Number')], carerRow[col(rows, 'LA Person Unique Identifier')]];
    const opened = await receiveNotice(
      store,
      {
        notice: { senderIdentifier: { system: 'urn:test:notice', value: randomUUID() }, kind: 'assessment', nhsNumber, senderOds: 'RX1', sent: '2026-11-26T10:00:00.000Z', receivedDigest: randomUUID() },
        document: { resourceType: 'Communication', status: 'completed' },
        person: { givenNames: ['Margaret'], familyName: 'Ellis', birthDate: '1945-01-09', gender: 'female', telecom: [] },
      },
      { intakeTeamId: 'TEAM-HDT' },
    );
    const placeholder = opened.notice.record.personId;
    const restricting = file(
      'allocations-placeholder.csv',
      'Record Type,Name,Team ID,Office Phone,NHS Number,Restricted,Concern Reference,Concern Type,Concern Status,Raised Date\n' +
        'team,Adult Safeguarding Hub,TEAM-SGH,0115 496 0160,,,,,,\n' +
        `allocation,,TEAM-SGH,,${nhsNumber},Yes,,,,\n` +
        `safeguarding,,TEAM-SGH,,${nhsNumber},,SG-PLACEHOLDER-1,financial,open,2026-11-27\n`,
    );
    expect(await run('allocations', [restricting])).toMatchObject({ outcome: 'applied', rejectCount: 0 });
    expect((await store.get('person', placeholder))!.record.restricted).toBe(true);

    const report = await run('cld', [CLD]);
    expect(report).toMatchObject({ outcome: 'applied', rejectCount: 0 });
    const adopted = (await store.get('person', carerId))!.record;
    expect(adopted).toMatchObject({ nhsNumber, restricted: true, responsibleTeamId: 'TEAM-SGH' });
    expect((await store.get('safeguardingConcern', 'SG-PLACEHOLDER-1'))!.record.personId).toBe(carerId);
    expect(await store.get('person', placeholder)).toBeUndefined();
  });

  it('refuses a row whose event the store holds for another person before writing anything of it', async () => {
    await run('cld', [CLD]);
    const rows = table(CLD);
    const template = rows.find((r) => r[col(rows, 'Event Reference')] === BARBARAS_PACKAGE)!;
    const stranger = template.map((v, i) =>
      i === col(rows, 'LA Person Unique Identifier') ? 'WXB-STRANGER' : i === col(rows, 'NHS Number') ? '' : i === col(rows, 'Last Name') ? 'Stranger' : v,
    );
    const report = await run('cld', [file('cld-stranger.csv', csv([rows[0], stranger]))], { maxRejects: 1 });
    expect(report).toMatchObject({ outcome: 'applied', rejectCount: 1 });
    expect(report.rejects).toEqual([expect.objectContaining({ line: 2, column: 'Event Reference', value: BARBARAS_PACKAGE, reason: 'the event is a package of another person' })]);
    expect(report.changes.people).toBeUndefined();
    expect(await store.get('person', 'WXB-STRANGER')).toBeUndefined();
    expect((await store.get('carePackage', BARBARAS_PACKAGE))!.record.personId).toBe(BARBARA);
  });

  it('holds someone new back (restricted) until an allocations extract says whether their record is restricted', async () => {
    await run('cld', [CLD]);
    expect((await store.get('person', BARBARA))!.record.restricted).toBe(true);
    await run('allocations', [allocationsFor(peopleOf(CLD))]);
    expect((await store.get('person', BARBARA))!.record.restricted).toBe(false);
    // A later return does not hold back someone already known.
    await run('cld', [CLD]);
    expect((await store.get('person', BARBARA))!.record.restricted).toBe(false);
  });

  it('a dry run reports what would change and applies nothing', async () => {
    const before = await versions();
    const dry = await run('cld', [CLD], { dryRun: true });
    expect(dry).toMatchObject({ outcome: 'dry-run', rejectCount: 0 });
    expect(dry.changes.people.added).toBe(peopleOf(CLD).size);
    expect(await versions()).toEqual(before);
    expect(await store.get('person', BARBARA)).toBeUndefined();
  });

  it("refuses every row of another council's return, and nothing is applied", async () => {
    const report = await run('cld', [CLD], { council: { ...COUNCIL, laCode: 'E10000024' } });
    expect(report.outcome).toBe('refused');
    expect(report.rejectCount).toBe(table(CLD).length - 1);
    expect(report.rejects[0]).toMatchObject({ line: 2, column: 'LA Code', value: 'E10999999', reason: expect.stringContaining('another council') });
    expect(await store.get('person', BARBARA)).toBeUndefined();
  });

  it('refuses allocations for people the store does not hold, and provider numbers for unknown providers', async () => {
    const report = await run('allocations', [path.join(SAMPLES, 'allocations.csv')]);
    expect(report.outcome).toBe('refused');
    expect(report.rejects).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ column: 'LA Person Unique Identifier', value: BARBARA, reason: expect.stringContaining('import the CLD return first') }),
        expect.objectContaining({ column: 'CQC Location ID', value: '1-1000000123', reason: expect.stringContaining('no provider has this CQC location id') }),
      ]),
    );
  });

  it('records every import, whatever its outcome: import_runs, and the audit trail with the file and its SHA-256', async () => {
    const applied = await run('cld', [CLD]);
    const dry = await run('cld', [CLD], { dryRun: true });
    const runs = await store.db.query<{ id: string; outcome: string; files: { sha256: string }[] }>('SELECT id, outcome, files FROM import_runs ORDER BY started_at');
    expect(runs.map((r) => [r.id, r.outcome])).toEqual([
      [applied.importId, 'applied'],
      [dry.importId, 'dry-run'],
    ]);
    expect(runs[0].files[0].sha256).toBe(applied.files[0].sha256);
    expect(audited).toHaveLength(2);
    expect(audited[0]).toMatchObject({
      interaction: 'operation',
      path: '/$import',
      user: { name: 'tester' },
      entities: [`import/${applied.importId}`],
      outcomeDescription: expect.stringContaining(`cld-release1.csv (sha256 ${applied.files[0].sha256}`),
    });
  });

  it('a lookup during an import sees all of it or none of it', async () => {
    const rows = table(CLD);
    const template = rows.find((r) => r[col(rows, 'Event Reference')] === BARBARAS_PACKAGE)!;
    const big = [rows[0]];
    for (let i = 0; i < 12_000; i++) {
      const values = [...template];
      let nine = 900_000_000 + i * 7;
      while (checkDigitFor(String(nine)) < 0) nine++;
      values[col(rows, 'NHS Number')] = `${nine}${checkDigitFor(String(nine))}`;
      values[col(rows, 'LA Person Unique Identifier')] = `BULK-${i}`;
      values[col(rows, 'Event Reference')] = `BULK-PKG-${i}`;
      big.push(values);
    }
    const bigFile = file('cld-big.csv', csv(big));
    const seen: number[] = [];
    let importing = true;
    const watching = (async () => {
      while (importing) {
        const [{ n }] = await store.db.query<{ n: string }>("SELECT count(*)::text AS n FROM care_packages WHERE id LIKE 'BULK-PKG-%'");
        seen.push(Number(n));
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const report = await run('cld', [bigFile]);
    importing = false;
    await watching;
    expect(report).toMatchObject({ outcome: 'applied', rejectCount: 0 });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((n) => n === 0 || n === 12_000)).toBe(true);
  }, 120_000);
});
