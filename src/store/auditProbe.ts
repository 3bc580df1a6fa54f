import { randomUUID } from 'node:crypto';
import { AccessRecord } from '../domain/audit';
import { AccessRecordStore } from './accessRecordStore';
import { SqlDriver } from './sqlDriver';

/** Thrown inside the probe's transaction so that it rolls back: the trail never holds a probe. */
class ProbeDone extends Error {}

/**
 * Whether the audit trail's table takes a record now: the trail's own INSERT of one record, in a
 * transaction that is then rolled back. It meets what stops real records (the store down, the
 * table gone, INSERT no longer granted, a read-only database after a failover) without leaving
 * anything in the trail. Rejects with the store's error when the record would not be taken.
 */
export async function probeAuditWrite(db: SqlDriver): Promise<void> {
  try {
    await db.transaction(async (tx) => {
      // An id of its own: probes from instances sharing a database never wait on each other's row.
      await new AccessRecordStore(tx).insert([{ ...PROBE_RECORD, id: randomUUID() }]);
      throw new ProbeDone();
    });
  } catch (err) {
    if (!(err instanceof ProbeDone)) throw err;
  }
}

const PROBE_RECORD: AccessRecord = {
  id: 'readiness-probe',
  recorded: '1970-01-01T00:00:00Z',
  interaction: 'operation',
  action: 'E',
  outcome: '0',
  httpStatus: 200,
  purposeOfUse: 'HOPERAT',
  requestId: 'readiness-probe',
  method: 'GET',
  path: '/health/ready',
  personIds: [],
  nhsNumbers: [],
  nhsNumbersComplete: true,
  entities: [],
};
