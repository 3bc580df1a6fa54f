import { AccessRecord } from '../../domain/audit';
import { columnsOf, entityTable } from '../columns';

const audit = columnsOf<AccessRecord>();
/** The audit trail: one access record per request. */
export const auditEvents = entityTable({
  table: 'audit_events',
  refersTo: [],
  columns: [
    audit.field('id', 'text', 'id'),
    audit.field('recorded', 'timestamptz', 'recorded'),
    audit.field('interaction', 'text', 'interaction'),
    audit.field('action', 'text', 'action'),
    audit.field('outcome', 'text', 'outcome'),
    audit.field('outcome_description', 'text', 'outcomeDescription'),
    audit.field('http_status', 'integer', 'httpStatus'),
    audit.field('resource_type', 'text', 'resourceType'),
    audit.field('client_id', 'text', 'clientId'),
    audit.field('organization', 'text', 'organization'),
    audit.field('user_info', 'jsonb', 'user'),
    audit.field('purpose_of_use', 'text', 'purposeOfUse'),
    audit.field('request_id', 'text', 'requestId'),
    audit.field('method', 'text', 'method'),
    audit.field('path', 'text', 'path'),
    audit.field('query', 'text', 'query'),
    audit.field('person_ids', 'text[]', 'personIds'),
    audit.field('nhs_numbers', 'text[]', 'nhsNumbers'),
    audit.field('entities', 'text[]', 'entities'),
    ...audit.meta(),
  ],
  // Newest first: "who looked at my record" reads from the top.
  orderBy: 'recorded DESC, id DESC',
  fields: {
    id: 'id',
    recorded: 'recorded',
    interaction: 'interaction',
    outcome: 'outcome',
    clientId: 'client_id',
    organization: 'organization',
    purposeOfUse: 'purpose_of_use',
    personIds: 'person_ids',
    nhsNumbers: 'nhs_numbers',
    resourceType: 'resource_type',
  },
});
