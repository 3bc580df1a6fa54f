/**
 * One recorder for every access: the token endpoint, the FHIR API (answers and refusals), the
 * HTTP server's own refusals and the retention purge all hand their facts to the recorder the app
 * was given, and each record reaches the one trail. HTTP in, records out.
 */
import net from 'node:net';
import { AddressInfo } from 'node:net';
import pino from 'pino';
import { AuditTrail } from '../../src/audit/auditTrail';
import { AuditRecorder } from '../../src/audit/recorder';
import { purgeExpiredAudit } from '../../src/audit/retention';
import { AccessRecord } from '../../src/domain/audit';
import { createFacadeServer } from '../../src/http/server';
import { AccessRecordStore } from '../../src/store/accessRecordStore';
import { startTestApp, TestApp } from '../support/app';

describe('one recorder, every access', () => {
  let t: TestApp;
  let records: AccessRecordStore;
  let trail: AuditTrail;
  // Every record the recorder builds is seen here on its way to the store's trail.
  const seen: AccessRecord[] = [];
  const recorder = new AuditRecorder({ record: (r) => (seen.push(r), trail.record(r)) });
  beforeAll(async () => {
    t = await startTestApp('pglite', { audit: recorder });
    records = new AccessRecordStore(t.testStore.store.db);
    trail = new AuditTrail(records);
  });
  afterAll(() => t.close());

  const byRequest = (id: string) => seen.filter((r) => r.requestId === id);

  it('a token request, a read, a refused read and a purge: each one record, each in the trail', async () => {
    const hospital = await t.as('sandbox-epr-rx1');
    const token = seen.filter((r) => r.interaction === 'token');
    expect(token).toHaveLength(1);
    expect(token[0]).toMatchObject({ clientId: 'sandbox-epr-rx1', outcome: '0', path: '/auth/token' });

    const read = await hospital(t.http.get('/fhir/Patient/WXB-100001').set('X-Request-ID', 'one-read'));
    expect(read.status).toBe(200);
    expect(byRequest('one-read')).toEqual([expect.objectContaining({ interaction: 'read', clientId: 'sandbox-epr-rx1', personIds: ['WXB-100001'], entities: ['Patient/WXB-100001'] })]);

    const refused = await t.http.get('/fhir/Patient/WXB-100001').set('X-Request-ID', 'one-refused');
    expect(refused.status).toBe(401);
    expect(byRequest('one-refused')).toEqual([expect.objectContaining({ interaction: 'read', outcome: '4', httpStatus: 401, personIds: [] })]);

    const removed = await purgeExpiredAudit(records, 30, recorder);
    expect(removed).toBe(0);
    const purge = seen.filter((r) => r.interaction === 'purge');
    expect(purge).toHaveLength(1);

    const ids = [token[0].requestId, 'one-read', 'one-refused', purge[0].requestId];
    const rows = await t.testStore.store.db.query<{ request_id: string }>('SELECT request_id FROM audit_events WHERE request_id = ANY($1::text[])', [ids]);
    expect(rows.map((r) => r.request_id).sort()).toEqual([...ids].sort());
  });

  it('a request the HTTP parser refuses, through the server given the same recorder', async () => {
    const facade = createFacadeServer(t.app, t.config.http, { logger: pino({ level: 'silent' }), audit: recorder });
    await facade.listen(0, '127.0.0.1');
    try {
      const { port } = facade.server.address() as AddressInfo;
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1', () => socket.write('GET /fhir/Patient?identifier=9990000018 HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'));
        let text = '';
        socket.on('data', (d) => (text += d.toString('latin1')));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
      expect(answer).toMatch(/^HTTP\/1\.1 400/);
      const requestId = /X-Request-ID: (\S+)/i.exec(answer)![1];
      expect(byRequest(requestId)).toEqual([
        expect.objectContaining({ interaction: 'search', resourceType: 'Patient', outcome: '4', path: '/fhir/Patient', nhsNumbers: ['9990000018'] }),
      ]);
    } finally {
      await facade.shutdown();
    }
  });
});
