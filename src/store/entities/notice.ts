import { HospitalNotice } from '../../domain/notice';
import { columnsOf, entityTable } from '../columns';

const notice = columnsOf<HospitalNotice>();

/** The sender's identifier is one field held in two columns (the unique key is per sender and system). */
const senderIdentifierPart = (part: 'system' | 'value') => (value: unknown, record: Partial<HospitalNotice>) => {
  record.senderIdentifier = { ...record.senderIdentifier, [part]: value } as HospitalNotice['senderIdentifier'];
};
/** Hospital notices (assessment, discharge, withdrawal) as received; access notifications share the table. */
export const notices = entityTable({
  table: 'notices',
  refersTo: ['people'],
  columns: [
    ...notice.plain('text', ['id', 'kind', 'personId', 'nhsNumber', 'senderOds', 'referralId']),
    notice.custom('identifier_system', 'text', senderIdentifierPart('system'), (n) => n.senderIdentifier.system),
    notice.custom('identifier_value', 'text', senderIdentifierPart('value'), (n) => n.senderIdentifier.value),
    // Columns the migrations name otherwise than the fields they hold.
    notice.field('in_response_to', 'text', 'inResponseToId'),
    notice.field('body_digest', 'text', 'receivedDigest'),
    ...notice.plain('timestamptz', ['sent']),
    ...notice.plain('date', ['dischargeDate']),
    ...notice.plain('jsonb', ['withdrawalReason', 'document']),
    // Access notifications share the table (notificationStore.ts writes them); notices have none.
    notice.searchOnly('recipient', 'text'),
    ...notice.meta(),
  ],
  searchBy: ['id', 'kind', 'personId', 'senderOds', 'referralId', 'inResponseToId', 'sent', 'lastUpdated'],
  fields: { identifierSystem: 'identifier_system', identifierValue: 'identifier_value', recipient: 'recipient' },
  migrations: [
    {
      version: 5,
      name: 'notice identity per sending organisation, and the digest of what was sent',
      sql: `
        -- A notice is known by its sender and the sender's own identifier: two hospitals may use the
        -- same identifier, and neither may reach the other's notice through it.
        ALTER TABLE notices DROP CONSTRAINT notices_identifier_system_identifier_value_key;
        CREATE UNIQUE INDEX notices_sender_identifier ON notices (sender_ods, identifier_system, identifier_value);
        -- SHA-256 of the notice as received (canonical JSON): a resend with the same identifier and a
        -- different body is a conflict, never silently dropped. Empty for notices received before.
        ALTER TABLE notices ADD COLUMN body_digest text;
      `,
    },
  ],
});
