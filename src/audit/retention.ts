import { AccessRecordStore } from '../store/accessRecordStore';
import { AuditRecorder } from './recorder';

/**
 * Deletes access records older than the retention period, then records the purge itself in the
 * trail (who: the facade; what: how many, up to when), so the trail shows its own gaps.
 */
export async function purgeExpiredAudit(
  records: Pick<AccessRecordStore, 'purge'>,
  retentionDays: number,
  recorder: Pick<AuditRecorder, 'retentionPurge'>,
  now = new Date(),
): Promise<number> {
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000).toISOString();
  const removed = await records.purge(cutoff);
  await recorder.retentionPurge({ removed, cutoff, retentionDays });
  return removed;
}
