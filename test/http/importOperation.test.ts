import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { parse } from 'csv-parse/sync';
import { AuditRecorder } from '../../src/audit/recorder';
import { ImportJobs } from '../../src/services/imports/importJobs';
import { BASE_URL, startTestApp, TestApp } from '../support/app';
import { DRIVERS, openTestStore } from '../support/stores';

const SAMPLES = path.join(__dirname, '..', '..', 'fixtures', 'samples');
const CLD = path.join(SAMPLES, 'cld-release1.csv');
const NHS = 'https://fhir.nhs.uk/Id/nhs-number';

/** The NHS number and LA id of the unpaid carer the sample return holds. */
function samplesCarer(): { nhsNumber: string; id: string } {
  const [header, ...rows] = parse(fs.readFileSync(CLD, 'utf8'), { bom: true }) as string[][];
  const carerRow = rows.find((r) => /carer/i.test(r[header.indexOf('Client Type')]))!;
  return { nhsNumber: carerRow[header.indexOf('NHS Number')], id: carerRow[header.indexOf('LA Person Unique Identifier')] };
}

/**
 * The sample return with its unpaid carer made someone only the return knows (the sandbox holds
 * the sample's people, Barbara's sister among them): a new LA id, NHS number and event references.
 */
function withNewCarer(): { body: string; nhsNumber: string } {
  const carer = samplesCarer();
  const nhsNumber = '9990000441';
  const body = fs.readFileSync(CLD, 'utf8').replaceAll(carer.nhsNumber, nhsNumber).replaceAll(`,${carer.id},`, ',WXB-100042,')
    // Their events too: an event reference is one person's.
    .replace(/,(ASM|CSV)-0041,/g, ',$1-0042,');
  return { body, nhsNumber };
}

type As = (req: request.Test) => request.Test;

describe.each(DRIVERS)('the $import operation (%s)', (driver) => {
  let t: TestApp;
  let council: As;
  let hospital: As;
  let portal: As;

  beforeAll(async () => {
    t = await startTestApp(driver, {}, { COUNCIL_LA_CODE: 'E10999999' });
    council = await t.as('sandbox-council-mosaic');
    hospital = await t.as('sandbox-epr-rx1');
    portal = await t.as('sandbox-portal');
  });
  afterAll(() => t.close());

  /** Polls a status URL until the import has ended; returns the final answer. */
  async function untilDone(statusUrl: string, as: As = council): Promise<request.Response> {
    const pathOnly = statusUrl.replace(BASE_URL, '');
    for (let i = 0; i < 300; i++) {
      const res = await as(t.http.get(pathOnly));
      if (res.status !== 202) return res;
      expect(res.headers['x-progress']).toMatch(/^read \d+ rows \(\d+ bytes\)$/);
      expect(res.headers['retry-after']).toBe('2');
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`the import at ${statusUrl} did not end`);
  }

  const kickOff = (as: As, query: Record<string, string>, body: string | Buffer = fs.readFileSync(CLD), type = 'text/csv') =>
    as(t.http.post('/fhir/$import').query(query).set('Prefer', 'respond-async').set('Content-Type', type).send(body));

  it('takes the council return as an asynchronous operation: 202 and a status URL, then the report; the people in it can be looked up', async () => {
    const { body, nhsNumber: carer } = withNewCarer();
    const before = await council(t.http.get('/fhir/Patient').query({ identifier: `${NHS}|${carer}` }));
    expect(before.body.total ?? before.body.entry?.length ?? 0).toBe(0);

    const res = await kickOff(council, { kind: 'cld', fileName: 'cld-2026-q3.csv' }, body);
    expect(res.status).toBe(202);
    const statusUrl = res.headers['content-location'];
    expect(statusUrl).toMatch(new RegExp(`^${BASE_URL}/fhir/\\$import-status/[0-9a-f-]{36}$`));
    expect(res.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'information' }] });

    const done = await untilDone(statusUrl);
    expect(done.status).toBe(200);
    expect(done.headers['content-type']).toMatch(/^application\/json/);
    expect(done.body).toMatchObject({ kind: 'cld', outcome: 'applied', rejectCount: 0, files: [{ name: 'cld-2026-q3.csv', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }] });

    // Someone new is held back from hospitals until the council's allocations extract says whether
    // their record is restricted; then they can be found.
    const patients = async () =>
      ((await hospital(t.http.get('/fhir/Patient').query({ identifier: `${NHS}|${carer}` }))).body.entry ?? []).filter(
        (e: { resource: { resourceType: string } }) => e.resource.resourceType === 'Patient',
      );
    expect(await patients()).toEqual([]);
    const allocation = await kickOff(
      council,
      { kind: 'allocations' },
      'Record Type,Name,Team ID,Office Phone,NHS Number,Restricted\n' +
        'team,Hospital Discharge Social Work Team,TEAM-HDT,0115 496 0110,,\n' +
        `allocation,,TEAM-HDT,,${carer},No\n`,
    );
    expect(allocation.status).toBe(202);
    const allocated = await untilDone(allocation.headers['content-location']);
    expect(allocated.body).toMatchObject({ outcome: 'applied' });
    expect(await patients()).toHaveLength(1);

    // Every part is on the record: the kick-off, each poll, and the import itself.
    const records = await t.testStore.store.db.query<{ interaction: string; http_status: number; client_id: string; outcome_description: string | null }>(
      "SELECT interaction, http_status, client_id, outcome_description FROM audit_events WHERE path LIKE '/$import%' ORDER BY recorded",
    );
    expect(records[0]).toMatchObject({ interaction: 'operation', http_status: 202, client_id: 'sandbox-council-mosaic' });
    expect(records).toContainEqual(
      expect.objectContaining({ client_id: 'sandbox-council-mosaic', outcome_description: expect.stringContaining(`cld import ${done.body.importId} applied`) }),
    );
  });

  it('is listed in the CapabilityStatement as a system-level operation', async () => {
    const res = await t.http.get('/fhir/metadata');
    expect(res.body.rest[0].operation).toEqual([expect.objectContaining({ name: 'import', documentation: expect.stringContaining('Prefer: respond-async') })]);
  });

  it('takes several files as multipart/form-data, as one import', async () => {
    // The return in two parts, as a council's system may write a large one: each with its header.
    const [header, ...rows] = fs.readFileSync(CLD, 'utf8').replace(/\r?\n$/, '').split(/\r?\n/);
    const half = Math.floor(rows.length / 2);
    const res = await council(
      t.http
        .post('/fhir/$import')
        .query({ kind: 'cld', dryRun: 'true' })
        .set('Prefer', 'respond-async')
        .attach('file', Buffer.from([header, ...rows.slice(0, half)].join('\n') + '\n'), 'cld-part-1.csv')
        .attach('file', Buffer.from([header, ...rows.slice(half)].join('\n') + '\n'), 'cld-part-2.csv'),
    );
    expect(res.status).toBe(202);
    const done = await untilDone(res.headers['content-location']);
    expect(done.body).toMatchObject({ outcome: 'dry-run', rejectCount: 0 });
    expect(done.body.files.map((f: { name: string; rows: number }) => [f.name, f.rows])).toEqual([
      ['cld-part-1.csv', half],
      ['cld-part-2.csv', rows.length - half],
    ]);
  });

  it('answers the status only to the client that started the import', async () => {
    const res = await kickOff(council, { kind: 'cld', dryRun: 'true' });
    const pathOnly = res.headers['content-location'].replace(BASE_URL, '');
    const other = await hospital(t.http.get(pathOnly));
    expect(other.status).toBe(404);
    expect(other.body.resourceType).toBe('OperationOutcome');
    await untilDone(res.headers['content-location']);
    const unknown = await council(t.http.get('/fhir/$import-status/0b7a3d1e-0000-4000-8000-000000000000'));
    expect(unknown.status).toBe(404);
  });

  it('refuses hospitals and portals with 403, whatever they send', async () => {
    for (const as of [hospital, portal]) {
      const res = await kickOff(as, { kind: 'cld' });
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'forbidden', diagnostics: expect.stringContaining("council's own clients") }] });
    }
  });

  it("refuses a council token without create and update on every type the import fills", async () => {
    const readOnly = await t.as('sandbox-council-mosaic', 'system/*.rs');
    const res = await kickOff(readOnly, { kind: 'cld' });
    expect(res.status).toBe(403);
    expect(res.body.issue[0].diagnostics).toMatch(/lacks create or update on Patient, CarePlan/);
  });

  it('refuses a request without a token (401), without Prefer: respond-async, of an unknown kind, with a bad parameter, a body that is not CSV, or no file', async () => {
    const anonymous = await t.http.post('/fhir/$import').query({ kind: 'cld' }).set('Prefer', 'respond-async').set('Content-Type', 'text/csv').send('x');
    expect(anonymous.status).toBe(401);
    const noPrefer = await council(t.http.post('/fhir/$import').query({ kind: 'cld' }).set('Content-Type', 'text/csv').send(fs.readFileSync(CLD)));
    expect(noPrefer.status).toBe(400);
    expect(noPrefer.body.issue[0].diagnostics).toMatch(/Prefer: respond-async/);
    const kind = await kickOff(council, { kind: 'patients' });
    expect(kind.status).toBe(400);
    expect(kind.body.issue[0].diagnostics).toMatch(/kind must be one of cld, cqc, allocations/);
    const rejects = await kickOff(council, { kind: 'cld', maxRejects: '-1' });
    expect(rejects.status).toBe(400);
    const dryRun = await kickOff(council, { kind: 'cld', dryRun: 'perhaps' });
    expect(dryRun.status).toBe(400);
    const json = await kickOff(council, { kind: 'cld' }, JSON.stringify({ resourceType: 'Bundle' }), 'application/fhir+json');
    expect(json.status).toBe(415);
    const empty = await kickOff(council, { kind: 'cld' }, '');
    expect(empty.status).toBe(400);
    expect(empty.body.issue[0].diagnostics).toMatch(/no file/);
    const get = await council(t.http.get('/fhir/$import'));
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
  });

  it('reports a refused import as such: every reject named, nothing applied', async () => {
    const text = fs.readFileSync(CLD, 'utf8').replace(/^([^\n]*\n[^,]*),/, '$1X,');
    const res = await kickOff(council, { kind: 'cld' }, text);
    expect(res.status).toBe(202);
    const done = await untilDone(res.headers['content-location']);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ outcome: 'refused', rejectCount: 1, rejects: [expect.objectContaining({ line: 2, column: 'LA Code' })] });
  });

  it('answers 404 to a status id that is not one, however it is written', async () => {
    for (const id of ['%E0%A4%A', '..%2F..%2Fetc', 'x'.repeat(65)]) {
      const res = await council(t.http.get(`/fhir/$import-status/${id}`));
      expect(res.status).toBe(404);
      expect(res.body.resourceType).toBe('OperationOutcome');
    }
  });

  it('refuses files larger than IMPORT_MAX_MEGABYTES with 413', async () => {
    const small = await startTestApp(driver, {}, { COUNCIL_LA_CODE: 'E10999999', IMPORT_MAX_MEGABYTES: '1' });
    try {
      const as = await small.as('sandbox-council-mosaic');
      const big = Buffer.alloc(1_100_000, 'a');
      const res = await as(small.http.post('/fhir/$import').query({ kind: 'cld' }).set('Prefer', 'respond-async').set('Content-Type', 'text/csv').send(big));
      expect(res.status).toBe(413);
      expect(res.body.issue[0].diagnostics).toMatch(/more than 1 MB/);
      // Several parts, the second over the limit: refused, and nothing of them left on disk.
      const parts = await as(
        small.http
          .post('/fhir/$import')
          .query({ kind: 'cld' })
          .set('Prefer', 'respond-async')
          .attach('file', fs.readFileSync(CLD), 'a.csv')
          .attach('file', big, 'b.csv'),
      );
      expect(parts.status).toBe(413);
      expect(fs.readdirSync(small.config.imports.uploadDir)).toEqual([]);
      // The slot was given back: an import of the right size is taken.
      const ok = await as(small.http.post('/fhir/$import').query({ kind: 'cld', dryRun: 'true' }).set('Prefer', 'respond-async').set('Content-Type', 'text/csv').send(fs.readFileSync(CLD)));
      expect(ok.status).toBe(202);
      // Ended before its store is closed under it.
      for (let status = 202; status === 202; await new Promise((r) => setTimeout(r, 50))) {
        status = (await as(small.http.get(ok.headers['content-location'].replace(BASE_URL, '')))).status;
      }
    } finally {
      await small.close();
    }
  });
});

describe('an import whose request cannot be recorded', () => {
  it('is refused with 503 and never runs: nothing applied, its record failed', async () => {
    // An audit trail that refuses exactly the record of an accepted import.
    const audit = new AuditRecorder({
      record: async (r) => {
        if (r.path === '/$import' && r.httpStatus === 202) throw new Error('the audit disk is full');
      },
    });
    const t = await startTestApp('pglite', { audit }, { COUNCIL_LA_CODE: 'E10999999' });
    try {
      const council = await t.as('sandbox-council-mosaic');
      const { body, nhsNumber } = withNewCarer();
      const res = await council(
        t.http.post('/fhir/$import').query({ kind: 'cld' }).set('Prefer', 'respond-async').set('Content-Type', 'text/csv').send(body),
      );
      expect(res.status).toBe(503);
      expect(res.body.issue[0]).toMatchObject({ code: 'transient' });
      const runs = await t.testStore.store.db.query<{ outcome: string }>("SELECT outcome FROM import_runs WHERE client_id = 'sandbox-council-mosaic'");
      expect(runs).toEqual([{ outcome: 'failed' }]);
      const carer = await t.testStore.store.search('person', [{ field: 'nhsNumber', match: 'any-of', values: [nhsNumber] }], { limit: 1, offset: 0 });
      expect(carer.records).toEqual([]);
    } finally {
      await t.close();
    }
  });
});

describe('one import at a time on an instance', () => {
  it('refuses another import with 429 while one holds the slot, and takes it once the slot is given back', async () => {
    // The slot is the instance's, whatever store its imports go to: a store of their own here.
    const store = await openTestStore('pglite');
    const jobs = new ImportJobs(store.store, { laCode: 'E10999999', odsCode: 'WXB' }, new AuditRecorder({ record: async () => undefined }), (err) => {
      throw err;
    });
    const t = await startTestApp('pglite', { importJobs: jobs }, { COUNCIL_LA_CODE: 'E10999999' });
    try {
      const council = await t.as('sandbox-council-mosaic');
      const send = () =>
        council(t.http.post('/fhir/$import').query({ kind: 'cld', dryRun: 'true' }).set('Prefer', 'respond-async').set('Content-Type', 'text/csv').send(fs.readFileSync(CLD)));
      // As an upload in progress holds it.
      const release = jobs.reserve()!;
      const refused = await send();
      expect(refused.status).toBe(429);
      expect(refused.headers['retry-after']).toBe('30');
      expect(jobs.reserve()).toBeUndefined();
      release();
      const taken = await send();
      expect(taken.status).toBe(202);
      expect(jobs.busy).toBe(true);
      await jobs.idle();
      expect(jobs.busy).toBe(false);
    } finally {
      await t.close();
      await store.close();
    }
  });
});
