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
    notice.field('id', 'text', 'id'),
    notice.custom('identifier_system', 'text', senderIdentifierPart('system'), (n) => n.senderIdentifier.system),
    notice.custom('identifier_value', 'text', senderIdentifierPart('value'), (n) => n.senderIdentifier.value),
    notice.field('kind', 'text', 'kind'),
    notice.field('person_id', 'text', 'personId'),
    notice.field('nhs_number', 'text', 'nhsNumber'),
    notice.field('sender_ods', 'text', 'senderOds'),
    // Access notifications share the table (notificationStore.ts writes them); notices have none.
    notice.searchOnly('recipient', 'text'),
    notice.field('sent', 'timestamptz', 'sent'),
    notice.field('in_response_to', 'text', 'inResponseToId'),
    notice.field('referral_id', 'text', 'referralId'),
    notice.field('withdrawal_reason', 'jsonb', 'withdrawalReason'),
    notice.field('discharge_date', 'date', 'dischargeDate'),
    notice.field('document', 'jsonb', 'document'),
    notice.field('body_digest', 'text', 'receivedDigest'),
    ...notice.meta(),
  ],
  fields: {
    id: 'id',
    identifierSystem: 'identifier_system',
    identifierValue: 'identifier_value',
    kind: 'kind',
    personId: 'person_id',
    senderOds: 'sender_ods',
    referralId: 'referral_id',
    inResponseToId: 'in_response_to',
    recipient: 'recipient',
    sent: 'sent',
    lastUpdated: 'last_updated',
  },
});
