import fs from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { Bundle, Communication } from '@medplum/fhirtypes';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { openStore } from '../../src/store/openStore';
import { Store } from '../../src/store/store';
import { loadSandbox } from '../../src/services/imports/sandbox';
import { bearerFrom } from '../support/auth';
import { createPostgresDatabase, TestDatabase, describeWithPostgres } from '../support/stores';
import { about } from '../support/notices';

const config = loadConfig({ PUBLIC_BASE_URL: 'http://facade.test', FIXTURES_FILE: 'none', TOKEN_REQUESTS_PER_MINUTE: '100000' });
const silent = pino({ level: 'silent' });
const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const notice = (value: string): Communication => ({
  ...JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'notices', 'assessment-notice.json'), 'utf8')),
  identifier: [{ system: 'https://fhir.example-hospital.nhs.uk/Id/adw-notice', value }],
});
const entries = (b: Bundle) => (b.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource!);

/** An app over a store, with bearer headers for the sandbox hospital and the council. */
async function instance(store: Store) {
  const http = request(createApp(config, { store, logger: silent }));
  return {
    http,
    hospital: await bearerFrom(http, { clientId: 'sandbox-epr-rx1', scope: 'system/Patient.rs system/Communication.crs system/Task.rs' }),
    council: await bearerFrom(http, { clientId: 'sandbox-council-mosaic', scope: 'system/*.rs' }),
  };
}

describe('notices, contacts, audit and notifications are shared state', () => {
  it('survive a restart of the embedded store (same DATA_DIR)', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'facade-state-'));
    try {
      const first = await openStore({ dataDir });
      await loadSandbox(first);
      const a = await instance(first);
      const sent = await a.http.post('/fhir/Communication').set('Authorization', a.hospital).set('Content-Type', 'application/fhir+json').send(notice('RESTART-1'));
      expect(sent.status).toBe(201);
      expect((await a.http.get('/fhir/Patient/WXB-100001').set('Authorization', a.hospital).set('X-Request-ID', 'before-restart')).status).toBe(200);
      await first.close();

      const second = await openStore({ dataDir });
      try {
        const b = await instance(second);
        const read = await b.http.get(`/fhir/Communication/${sent.body.id}`).set('Authorization', b.hospital);
        expect(read.body.identifier[0].value).toBe('RESTART-1');
        const tasks = await b.http.get('/fhir/Task').query({ focus: `Communication/${sent.body.id}` }).set('Authorization', b.hospital);
        expect(entries(tasks.body)).toHaveLength(1);
        const trail = await b.http.get('/fhir/AuditEvent').query({ patient: 'Patient/WXB-100001', _count: '100' }).set('Authorization', b.council);
        expect(entries(trail.body).some((e) => (e as { extension?: { valueString?: string }[] }).extension?.[0].valueString === 'before-restart')).toBe(true);
        const notes = await b.http.get('/fhir/Communication').query({ category: 'access-notification', subject: 'Patient/WXB-100001' }).set('Authorization', b.council);
        expect(entries(notes.body)).toHaveLength(1);
        // The same client looking again after the restart, the same day, is not notified twice.
        await b.http.get('/fhir/Patient/WXB-100001').set('Authorization', b.hospital);
        const again = await b.http.get('/fhir/Communication').query({ category: 'access-notification', subject: 'Patient/WXB-100001' }).set('Authorization', b.council);
        expect(entries(again.body)).toHaveLength(1);
      } finally {
        await second.close();
      }
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });

  describeWithPostgres('two instances on one PostgreSQL database', () => {
    let db: TestDatabase;
    let stores: Store[];
    beforeAll(async () => {
      db = await createPostgresDatabase();
      stores = await Promise.all([openStore({ databaseUrl: db.url }), openStore({ databaseUrl: db.url })]);
      await loadSandbox(stores[0]);
    });
    afterAll(async () => {
      await Promise.all(stores.map((s) => s.close()));
      await db.drop();
    });

    it('taking the same notice at once make one notice and one contact', async () => {
      const [a, b] = await Promise.all(stores.map(instance));
      const body = notice('TWO-INSTANCES-1');
      const send = (x: typeof a) => x.http.post('/fhir/Communication').set('Authorization', x.hospital).set('Content-Type', 'application/fhir+json').send(body);
      const results = await Promise.all([...Array(10)].flatMap(() => [send(a), send(b)]));
      expect(results.filter((r) => r.status === 201)).toHaveLength(1);
      expect(results.filter((r) => r.status === 200)).toHaveLength(19);
      expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
      const tasks = await b.http.get('/fhir/Task').query({ focus: `Communication/${results[0].body.id}` }).set('Authorization', b.hospital);
      expect(entries(tasks.body)).toHaveLength(1);
    });

    it('share the audit trail and notify once per client, person and day across instances', async () => {
      const [a, b] = await Promise.all(stores.map(instance));
      await a.http.get('/fhir/Patient').query({ identifier: `${NHS}|9990000050` }).set('Authorization', a.hospital).set('X-Request-ID', 'on-a');
      await b.http.get('/fhir/Patient').query({ identifier: `${NHS}|9990000050` }).set('Authorization', b.hospital).set('X-Request-ID', 'on-b');
      const trail = await b.http.get('/fhir/AuditEvent').query({ patient: '9990000050', _count: '100' }).set('Authorization', b.council);
      const ids = entries(trail.body).map((e) => (e as { extension?: { valueString?: string }[] }).extension?.[0].valueString);
      expect(ids).toEqual(expect.arrayContaining(['on-a', 'on-b']));
      const notes = await a.http.get('/fhir/Communication').query({ category: 'access-notification', 'subject:identifier': `${NHS}|9990000050` }).set('Authorization', a.council);
      expect(entries(notes.body)).toHaveLength(1);
    });

    it('a person opened from a notice on one instance is found at once on the other (lookup caches dropped by NOTIFY)', async () => {
      const [a, b] = await Promise.all(stores.map(instance));
      const lookup = () => b.http.get('/fhir/Patient').query({ identifier: `${NHS}|9998765439` }).set('Authorization', b.hospital);
      expect(entries((await lookup()).body)).toHaveLength(0);
      const sent = await a.http
        .post('/fhir/Communication')
        .set('Authorization', a.hospital)
        .set('Content-Type', 'application/fhir+json')
        .send(about(notice('NEW-PERSON-1'), '9998765439'));
      expect(sent.status).toBe(201);
      let found = 0;
      for (let i = 0; i < 50 && found === 0; i++) {
        found = entries((await lookup()).body).length;
        if (!found) await new Promise((r) => setTimeout(r, 20));
      }
      expect(found).toBe(1);
    });
  });
});
