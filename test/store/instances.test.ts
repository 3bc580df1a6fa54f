import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { loadSandbox } from '../../src/services/imports/sandbox';
import { openStore, readDataset, DatasetError } from '../../src/store/openStore';
import { sandboxDataset } from '../support/sandboxDataset';
import { bearerFrom } from '../support/auth';
import { createPostgresDatabase, TestDatabase, describeWithPostgres } from '../support/stores';

const config = loadConfig({ PUBLIC_BASE_URL: 'http://facade.test', FIXTURES_FILE: 'none' });
const silent = pino({ level: 'silent' });

describeWithPostgres('two facade instances on one PostgreSQL database', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createPostgresDatabase();
  });
  afterAll(() => db.drop());

  it('migrate and import the sandbox when started together, the second import changing nothing, then serve the same data', async () => {
    const [a, b] = await Promise.all([openStore({ databaseUrl: db.url }), openStore({ databaseUrl: db.url })]);
    try {
      const loads = await Promise.all([loadSandbox(a), loadSandbox(b)]);
      // Both may find no record of the load and import; the imports never interleave, and a second changes nothing.
      const changed = loads.flatMap((l) => l.reports).map((r) => Object.values(r.changes).reduce((n, c) => n + c.added + c.changed + c.ended, 0));
      expect(changed.filter((n) => n > 0)).toHaveLength(3);
      expect(await a.db.query('SELECT name FROM dataset_loads')).toEqual([{ name: 'sandbox/council' }]);
      const appA = request(createApp(config, { store: a, logger: silent }));
      const appB = request(createApp(config, { store: b, logger: silent }));
      const bearer = await bearerFrom(appA);
      const q = { identifier: 'https://fhir.nhs.uk/Id/nhs-number|9990000018', _revinclude: 'CarePlan:subject' };
      const [ra, rb] = await Promise.all([appA.get('/fhir/Patient').set('Authorization', bearer).query(q), appB.get('/fhir/Patient').set('Authorization', bearer).query(q)]);
      expect(ra.status).toBe(200);
      expect(ra.body.entry.map((e: { resource: unknown }) => e.resource)).toEqual(rb.body.entry.map((e: { resource: unknown }) => e.resource));
      // The council's own system counts its register (a hospital names the person it looks for).
      const council = await bearerFrom(appA, { clientId: 'sandbox-council-mosaic' });
      const count = await appB.get('/fhir/Patient').set('Authorization', council).query({ _summary: 'count' });
      // Restricted people are not counted for a client without the restricted-records view.
      const expected = (await sandboxDataset()).people.filter((p) => !p.restricted).length;
      expect(count.body.total).toBe(expected);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('the embedded store across a restart', () => {
  it('keeps its data in DATA_DIR and does not import the sandbox twice; its buffer pool is set at each start', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'facade-restart-'));
    try {
      const first = await openStore({ dataDir });
      expect((await loadSandbox(first)).loaded).toBe(true);
      await first.close();
      const second = await openStore({ dataDir, embeddedSharedBuffersMb: 24 });
      try {
        expect((await loadSandbox(second)).loaded).toBe(false);
        // EMBEDDED_SHARED_BUFFERS_MB sizes the buffer pool of each start, whatever the data directory was made with.
        expect(await second.db.query('SHOW shared_buffers')).toEqual([{ shared_buffers: '24MB' }]);
        const http = request(createApp(config, { store: second, logger: silent }));
        const res = await http.get('/fhir/Patient/WXB-100001').set('Authorization', await bearerFrom(http));
        expect(res.status).toBe(200);
        expect(res.body.name[0].family).toBe('Thornton');
      } finally {
        await second.close();
      }
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('a developer fixture file', () => {
  it('with problems is refused as a whole, naming each problem', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'facade-fixture-'));
    const file = path.join(dir, 'dataset.json');
    const dataset = structuredClone(await sandboxDataset());
    dataset.people.find((p) => p.id === 'WXB-100004')!.nhsNumber = '1234567890';
    await fs.writeFile(file, JSON.stringify(dataset));
    await expect(readDataset(file)).rejects.toThrow(DatasetError);
    await expect(readDataset(file)).rejects.toThrow(/WXB-100004: NHS number 1234567890/);
    await fs.writeFile(file, '{ not json');
    await expect(readDataset(file)).rejects.toThrow(/cannot read dataset/);
    await fs.rm(dir, { recursive: true, force: true });
  });
});
