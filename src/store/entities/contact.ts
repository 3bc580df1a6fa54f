import { Contact } from '../../domain/contact';
import { columnsOf, entityTable } from '../columns';

const contact = columnsOf<Contact>();
/** The contacts notices create for the council to answer. */
export const contacts = entityTable({
  table: 'contacts',
  refersTo: ['notices', 'people'],
  columns: [
    ...contact.plain('text', ['id', 'noticeId', 'referralId', 'personId', 'purpose', 'kind', 'ownerTeamId', 'requesterOds', 'status']),
    ...contact.plain('text', ['businessStatus', 'note']),
    ...contact.plain('jsonb', ['statusReason', 'inputs']),
    ...contact.plain('date', ['dueDate']),
    // The database stamps it on insert.
    ...contact.plain('timestamptz', ['createdAt'], { readOnly: true }),
    ...contact.meta(),
  ],
  searchBy: ['id', 'noticeId', 'referralId', 'personId', 'ownerTeamId', 'requesterOds', 'status', 'kind', 'purpose', 'lastUpdated'],
});
