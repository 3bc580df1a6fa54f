import { randomUUID } from 'node:crypto';
import { AccessRecord } from '../domain/audit';
import { purgeAccessRecords } from '../store/auditStore';
import { SqlExecutor } from '../store/sqlDriver';

/**
 * Deletes access records older than the retention period, then records the purge itself in the
 * trail (who: the facade; what: how many, up to when), so the trail shows its own gaps.
 */
export async function purgeExpiredAudit(
  db: SqlExecutor,
  retentionDays: number,
  audit: (record: AccessRecord) => Promise<void>,
  now = new Date(),
): Promise<number> {
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000).toISOString();
  const removed = await purgeAccessRecords(db, cutoff);
  await audit({
    id: randomUUID(),
    recorded: new Date().toISOString(),
    interaction: 'purge',
    action: 'D',
    outcome: '0',
    outcomeDescription: `Retention purge: removed ${removed} access record(s) recorded before ${cutoff} (retention ${retentionDays} days)`,
    httpStatus: 200,
    resourceType: 'AuditEvent',
    clientId: 'social-care-fhir-facade',
    purposeOfUse: 'HOPERAT',
    requestId: randomUUID(),
    method: 'DELETE',
    path: '/AuditEvent',
    personIds: [],
    nhsNumbers: [],
    entities: [],
  });
  return removed;
}
