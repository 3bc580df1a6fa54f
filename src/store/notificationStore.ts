import { randomUUID } from 'node:crypto';
import { SqlExecutor } from './sqlDriver';

/** An access notification as stored: alongside hospital notices, served as a Communication. */
export interface StoredNotification {
  key: { system: string; value: string };
  personId: string;
  nhsNumber?: string;
  /** The council: only it sees these. */
  senderOds: string;
  recipient: string;
  sent: string;
  document: Record<string, unknown>;
}

/** Access notifications, kept in the notices table (kind access-notification). */
export class NotificationStore {
  constructor(private readonly db: SqlExecutor) {}

  /**
   * Records notifications, at most one per key (client, person, day): a second look the same day
   * changes nothing, whichever instance sees it.
   */
  async insert(notifications: StoredNotification[]): Promise<void> {
    if (notifications.length === 0) return;
    const rows = notifications.map((n) => {
      const id = randomUUID();
      return {
        id,
        identifier_system: n.key.system,
        identifier_value: n.key.value,
        person_id: n.personId,
        nhs_number: n.nhsNumber ?? null,
        sender_ods: n.senderOds,
        recipient: n.recipient,
        sent: n.sent,
        document: { ...n.document, id },
      };
    });
    await this.db.query(
      `INSERT INTO notices (id, identifier_system, identifier_value, kind, person_id, nhs_number, sender_ods, recipient, sent, referral_id, document)
       SELECT id, identifier_system, identifier_value, 'access-notification', person_id, nhs_number, sender_ods, recipient, sent, id, document
       FROM jsonb_to_recordset($1::jsonb) AS r(id text, identifier_system text, identifier_value text, person_id text, nhs_number text,
         sender_ods text, recipient text, sent timestamptz, document jsonb)
       ON CONFLICT (sender_ods, identifier_system, identifier_value) DO NOTHING`,
      [JSON.stringify(rows)],
    );
  }
}
