import { AccessRecord } from '../../domain/audit';
import { columnsOf, entityTable } from '../columns';

const audit = columnsOf<AccessRecord>();
/** The audit trail: one access record per request. */
export const auditEvents = entityTable({
  table: 'audit_events',
  refersTo: [],
  columns: [
    ...audit.plain('text', ['id', 'interaction', 'action', 'outcome', 'outcomeDescription', 'resourceType', 'clientId', 'organization']),
    ...audit.plain('text', ['purposeOfUse', 'requestId', 'correlationId', 'method', 'path', 'query']),
    ...audit.plain('timestamptz', ['recorded']),
    ...audit.plain('integer', ['httpStatus']),
    ...audit.plain('text[]', ['personIds', 'nhsNumbers', 'entities']),
    // user is a reserved word in SQL.
    audit.field('user_info', 'jsonb', 'user'),
    ...audit.meta(),
  ],
  // Newest first: "who looked at my record" reads from the top.
  orderBy: 'recorded DESC, id DESC',
  searchBy: ['id', 'recorded', 'interaction', 'outcome', 'clientId', 'organization', 'purposeOfUse', 'personIds', 'nhsNumbers', 'resourceType', 'lastUpdated'],
  migrations: [
    {
      version: 7,
      name: 'the correlation id of each access record',
      sql: `
        -- The caller's X-Correlation-ID: one clinical transaction, followed across systems. Empty
        -- for records written before, and for requests that sent none.
        ALTER TABLE audit_events ADD COLUMN correlation_id text;
      `,
    },
  ],
});
