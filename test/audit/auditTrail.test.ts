/**
 * Group commit: records written together must not fail together. A record quoting a caller's NUL
 * is kept (the character replaced), and a record the store refuses fails alone.
 */
import { accessRecord } from '../../src/audit/accessRecords';
import { AuditTrail } from '../../src/audit/auditTrail';
import { AccessRecordStore } from '../../src/store/accessRecordStore';
import { DRIVERS, openTestStore, TestStore } from '../support/stores';

describe.each(DRIVERS)('the audit trail (%s)', (driver) => {
  let s: TestStore;
  beforeAll(async () => {
    s = await openTestStore(driver);
  });
  afterAll(() => s.close());

  const record = (requestId: string, description?: string) =>
    accessRecord({
      facts: { requestId, method: 'GET', path: '/Patient', query: 'name=x', headers: () => undefined },
      interaction: 'search',
      status: 400,
      description,
      clientId: 'test-client',
    });

  it('keeps a record quoting NUL, and a refused record fails alone, not the batch it was in', async () => {
    const trail = new AuditTrail(new AccessRecordStore(s.store.db));
    const refused = { ...record('bad-time'), recorded: 'not a time' };
    const results = await Promise.allSettled([
      trail.record(record('with-nul', 'birthdate: "\u0000" is not a date')),
      trail.record(refused),
      trail.record(record('plain')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const rows = await s.store.db.query<{ request_id: string; outcome_description: string | null }>(
      `SELECT request_id, outcome_description FROM audit_events WHERE request_id = ANY($1::text[]) ORDER BY request_id`,
      [['with-nul', 'bad-time', 'plain']],
    );
    expect(rows).toEqual([
      { request_id: 'plain', outcome_description: null },
      { request_id: 'with-nul', outcome_description: 'birthdate: "\uFFFD" is not a date' },
    ]);
  });
});
