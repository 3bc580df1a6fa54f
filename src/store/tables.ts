import { CarePackage } from '../domain/carePackage';
import { Organisation } from '../domain/organisation';
import { Person } from '../domain/person';
import { SafeguardingConcern } from '../domain/safeguarding';
import { Worker } from '../domain/worker';
import { Contact } from '../domain/contact';
import { HospitalNotice } from '../domain/notice';
import { AccessRecord } from '../domain/audit';
import { columnsOf, DescribedTable, EntityTable, entityTable } from './columns';

export type { Column, EntityTable, FieldSpec, SqlType } from './columns';

/**
 * Each entity's table, described once: its columns in order (what is selected, written and how
 * each maps to the record), and the criteria fields it can be searched by. The migrations must
 * create what is described here (test/store/schemaMatchesColumns.test.ts checks both drivers).
 */

/** A person's or worker's name parts, lower-cased: what name searches match by prefix. */
const lowerParts = (given: string[], family: string) => [...given, family].map((p) => p.toLowerCase());
/** Family name first, then given names, as written: what :exact name searches compare with. */
const NAME_PARTS_EXACT = `(ARRAY[family_name] || ARRAY(SELECT jsonb_array_elements_text(given_names)))`;
const NAME = { kind: 'text', lower: 'name_parts', exact: NAME_PARTS_EXACT, array: true } as const;

const person = columnsOf<Person>();
const people = entityTable({
  table: 'people',
  columns: [
    person.field('id', 'text', 'id'),
    person.field('nhs_number', 'text', 'nhsNumber'),
    person.field('nhs_number_verification', 'text', 'nhsNumberVerification'),
    person.field('given_names', 'jsonb', 'givenNames'),
    person.field('family_name', 'text', 'familyName'),
    person.derived('name_parts', 'text[]', (p) => lowerParts(p.givenNames, p.familyName)),
    person.field('title', 'text', 'title'),
    person.field('birth_date', 'date', 'birthDate'),
    person.field('gender', 'text', 'gender'),
    person.field('address', 'jsonb', 'address'),
    person.field('telecom', 'jsonb', 'telecom', { ifAbsent: [] }),
    person.field('restricted', 'boolean', 'restricted', { ifAbsent: false }),
    person.field('allocated_worker_id', 'text', 'allocatedWorkerId'),
    person.field('responsible_team_id', 'text', 'responsibleTeamId'),
    ...person.meta(),
  ],
  fields: {
    id: 'id',
    nhsNumber: 'nhs_number',
    name: NAME,
    family: { kind: 'text', lower: 'lower(family_name)', exact: 'family_name', array: false },
    given: {
      kind: 'text',
      lower: `ARRAY(SELECT lower(g) FROM jsonb_array_elements_text(given_names) g)`,
      exact: `ARRAY(SELECT jsonb_array_elements_text(given_names))`,
      array: true,
    },
    birthDate: { kind: 'range', start: 'birth_date', end: 'birth_date' },
    gender: 'gender',
    restricted: 'restricted',
    allocatedWorkerId: 'allocated_worker_id',
    responsibleTeamId: 'responsible_team_id',
  },
});

const organisation = columnsOf<Organisation>();
const organisations = entityTable({
  table: 'organisations',
  columns: [
    organisation.field('id', 'text', 'id'),
    organisation.field('kind', 'text', 'kind'),
    organisation.field('name', 'text', 'name'),
    organisation.derived('name_lower', 'text', (o) => o.name.toLowerCase()),
    organisation.field('ods_code', 'text', 'odsCode'),
    organisation.field('cqc_location_id', 'text', 'cqcLocationId'),
    organisation.field('telecom', 'jsonb', 'telecom', { ifAbsent: [] }),
    organisation.field('address', 'jsonb', 'address'),
    organisation.field('part_of_id', 'text', 'partOfId'),
    ...organisation.meta(),
  ],
  fields: {
    id: 'id',
    kind: 'kind',
    name: { kind: 'text', lower: 'name_lower', exact: 'name', array: false },
    odsCode: 'ods_code',
    cqcLocationId: 'cqc_location_id',
    partOfId: 'part_of_id',
  },
});

const worker = columnsOf<Worker>();
const workers = entityTable({
  table: 'workers',
  columns: [
    worker.field('id', 'text', 'id'),
    worker.field('given_names', 'jsonb', 'givenNames'),
    worker.field('family_name', 'text', 'familyName'),
    worker.derived('name_parts', 'text[]', (w) => lowerParts(w.givenNames, w.familyName)),
    worker.field('role', 'text', 'role'),
    worker.field('team_id', 'text', 'teamId'),
    worker.field('telecom', 'jsonb', 'telecom', { ifAbsent: [] }),
    ...worker.meta(),
  ],
  fields: { id: 'id', name: NAME, teamId: 'team_id' },
});

const carePackage = columnsOf<CarePackage>();
const carePackages = entityTable({
  table: 'care_packages',
  columns: [
    carePackage.field('id', 'text', 'id'),
    carePackage.field('person_id', 'text', 'personId'),
    carePackage.field('service_type', 'text', 'serviceType'),
    carePackage.field('status', 'text', 'status'),
    carePackage.field('start_date', 'date', 'startDate'),
    carePackage.field('end_date', 'date', 'endDate'),
    carePackage.field('status_reason', 'text', 'statusReason'),
    carePackage.field('funding', 'text', 'funding'),
    carePackage.field('provider_id', 'text', 'providerId'),
    carePackage.field('details', 'jsonb', 'details'),
    ...carePackage.meta(),
  ],
  fields: {
    id: 'id',
    personId: 'person_id',
    serviceType: 'service_type',
    status: 'status',
    funding: 'funding',
    providerId: 'provider_id',
    period: { kind: 'range', start: 'start_date', end: 'end_date' },
  },
});

const concern = columnsOf<SafeguardingConcern>();
const safeguardingConcerns = entityTable({
  table: 'safeguarding_concerns',
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

const notice = columnsOf<HospitalNotice>();
/** The sender's identifier is one field held in two columns (the unique key is per sender and system). */
const senderIdentifierPart = (part: 'system' | 'value') => (value: unknown, record: Partial<HospitalNotice>) => {
  record.senderIdentifier = { ...record.senderIdentifier, [part]: value } as HospitalNotice['senderIdentifier'];
};
const notices = entityTable({
  table: 'notices',
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

const contact = columnsOf<Contact>();
const contacts = entityTable({
  table: 'contacts',
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

const audit = columnsOf<AccessRecord>();
const auditEvents = entityTable({
  table: 'audit_events',
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

/** Every entity the store holds, by kind: the one list the rest of the store is driven from. */
export const ENTITIES = {
  person: people,
  organisation: organisations,
  worker: workers,
  carePackage: carePackages,
  safeguardingConcern: safeguardingConcerns,
  notice: notices,
  contact: contacts,
  audit: auditEvents,
};

export type EntityKind = keyof typeof ENTITIES;

/** The domain record each kind of entity is stored from and read back as. */
export type EntityTypes = { [K in EntityKind]: (typeof ENTITIES)[K] extends DescribedTable<infer T, string> ? T : never };

/** The criteria field names of an entity. */
export type FieldName<K extends EntityKind> = K extends EntityKind ? keyof (typeof ENTITIES)[K]['fields'] & string : never;

/** The entities' tables under the older, less precise type (the store's generic code uses these). */
export const TABLES: { [K in EntityKind]: EntityTable<EntityTypes[K]> } = ENTITIES;

/** The column names of an insert, in order, from its jsonb_to_recordset definition. */
export function insertColumnNames(table: EntityTable<unknown>): string {
  return table.insertColumns
    .split(',')
    .map((c) => c.trim().split(/\s+/)[0])
    .join(', ');
}
