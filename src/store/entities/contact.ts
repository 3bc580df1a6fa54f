import { Contact } from '../../domain/contact';
import { columnsOf, entityTable } from '../columns';

const contact = columnsOf<Contact>();
/** The contacts notices create for the council to answer. */
export const contacts = entityTable({
  table: 'contacts',
  refersTo: ['notices', 'people'],
  columns: [
    contact.field('id', 'text', 'id'),
    contact.field('notice_id', 'text', 'noticeId'),
    contact.field('referral_id', 'text', 'referralId'),
    contact.field('person_id', 'text', 'personId'),
    contact.field('purpose', 'text', 'purpose'),
    contact.field('kind', 'text', 'kind'),
    contact.field('owner_team_id', 'text', 'ownerTeamId'),
    contact.field('requester_ods', 'text', 'requesterOds'),
    contact.field('status', 'text', 'status'),
    contact.field('status_reason', 'jsonb', 'statusReason'),
    contact.field('business_status', 'text', 'businessStatus'),
    contact.field('due_date', 'date', 'dueDate'),
    contact.field('inputs', 'jsonb', 'inputs'),
    contact.field('note', 'text', 'note'),
    contact.field('created_at', 'timestamptz', 'createdAt', { readOnly: true }),
    ...contact.meta(),
  ],
  fields: {
    id: 'id',
    noticeId: 'notice_id',
    referralId: 'referral_id',
    personId: 'person_id',
    ownerTeamId: 'owner_team_id',
    requesterOds: 'requester_ods',
    status: 'status',
    kind: 'kind',
    purpose: 'purpose',
    lastUpdated: 'last_updated',
  },
});
