import { SafeguardingConcern } from '../../domain/safeguarding';
import { columnsOf, entityTable } from '../columns';

const concern = columnsOf<SafeguardingConcern>();
/** Safeguarding concerns raised about a person, open or closed. */
export const safeguardingConcerns = entityTable({
  table: 'safeguarding_concerns',
  refersTo: ['people', 'organisations'],
  columns: [
    concern.field('id', 'text', 'id'),
    concern.field('person_id', 'text', 'personId'),
    concern.field('status', 'text', 'status'),
    concern.field('concern_type', 'text', 'concernType'),
    concern.field('raised_date', 'date', 'raisedDate'),
    concern.field('closed_date', 'date', 'closedDate'),
    concern.field('contact_team_id', 'text', 'contactTeamId'),
    ...concern.meta(),
  ],
  fields: {
    id: 'id',
    personId: 'person_id',
    status: 'status',
    concernType: 'concern_type',
    period: { kind: 'range', start: 'raised_date', end: 'closed_date' },
    contactTeamId: 'contact_team_id',
  },
});
