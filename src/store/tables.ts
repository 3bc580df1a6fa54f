import { CarePackage } from '../domain/carePackage';
import { Organisation } from '../domain/organisation';
import { Person } from '../domain/person';
import { SafeguardingConcern } from '../domain/safeguarding';
import { Worker } from '../domain/worker';
import { Contact } from '../domain/contact';
import { HospitalNotice } from '../domain/notice';
import { AccessRecord } from '../domain/audit';
import { EntityKind } from './criteria';

/**
 * How each entity is laid out in SQL: its table, the columns read back, how criteria fields map to
 * SQL, and how rows become domain records. The store's generic query code works from these.
 */
export type FieldSpec =
  | { kind: 'value'; sql: string }
  | { kind: 'bool'; sql: string }
  /** lower: the lower-cased text (or text[] of parts); exact: the text (or text[] of parts) as written. */
  | { kind: 'text'; lower: string; exact: string; array: boolean }
  | { kind: 'range'; start: string; end: string }
  /** A point in time (timestamptz), compared with an instant range [start, end). */
  | { kind: 'instant'; sql: string }
  /** A text[] column: any-of matches when the array holds any of the values. */
  | { kind: 'array'; sql: string };

export interface EntityTable<T> {
  table: string;
  /** Column list for SELECT, with dates cast to text so both drivers return the same thing. */
  select: string;
  /** ORDER BY for searches (default: id, for stable paging). */
  orderBy?: string;
  fields: Record<string, FieldSpec>;
  fromRow(row: Record<string, unknown>): T;
  /** Column definitions for jsonb_to_recordset, in insert order, and a record -> row-object mapping. */
  insertColumns: string;
  toRow(record: T): Record<string, unknown>;
}

const META = `version, to_char(last_updated AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS last_updated`;

/** Drops undefined and null so domain records carry only what is known. */
function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) {
    if (o[k] === undefined || o[k] === null) delete o[k];
  }
  return o;
}

const lowerParts = (given: string[], family: string) => [...given, family].map((p) => p.toLowerCase());

const people: EntityTable<Person> = {
  table: 'people',
  select: `id, nhs_number, nhs_number_verification, given_names, family_name, title, birth_date::text AS birth_date,
    gender, address, telecom, restricted, allocated_worker_id, responsible_team_id, ${META}`,
  fields: {
    id: { kind: 'value', sql: 'id' },
    nhsNumber: { kind: 'value', sql: 'nhs_number' },
    name: {
      kind: 'text',
      lower: 'name_parts',
      exact: `(ARRAY[family_name] || ARRAY(SELECT jsonb_array_elements_text(given_names)))`,
      array: true,
    },
    family: { kind: 'text', lower: 'lower(family_name)', exact: 'family_name', array: false },
    given: {
      kind: 'text',
      lower: `ARRAY(SELECT lower(g) FROM jsonb_array_elements_text(given_names) g)`,
      exact: `ARRAY(SELECT jsonb_array_elements_text(given_names))`,
      array: true,
    },
    birthDate: { kind: 'range', start: 'birth_date', end: 'birth_date' },
    gender: { kind: 'value', sql: 'gender' },
    restricted: { kind: 'bool', sql: 'restricted' },
    allocatedWorkerId: { kind: 'value', sql: 'allocated_worker_id' },
    responsibleTeamId: { kind: 'value', sql: 'responsible_team_id' },
  },
  fromRow: (r) =>
    compact({
      id: r.id as string,
      nhsNumber: r.nhs_number as string | undefined,
      nhsNumberVerification: r.nhs_number_verification as Person['nhsNumberVerification'],
      givenNames: r.given_names as string[],
      familyName: r.family_name as string,
      title: r.title as string | undefined,
      birthDate: r.birth_date as string,
      gender: r.gender as Person['gender'],
      address: r.address as Person['address'],
      telecom: r.telecom as Person['telecom'],
      restricted: r.restricted as boolean,
      allocatedWorkerId: r.allocated_worker_id as string | undefined,
      responsibleTeamId: r.responsible_team_id as string | undefined,
    }),
  insertColumns: `id text, nhs_number text, nhs_number_verification text, given_names jsonb, family_name text,
    name_parts text[], title text, birth_date date, gender text, address jsonb, telecom jsonb, restricted boolean,
    allocated_worker_id text, responsible_team_id text`,
  toRow: (p) => ({
    id: p.id,
    nhs_number: p.nhsNumber ?? null,
    nhs_number_verification: p.nhsNumberVerification ?? null,
    given_names: p.givenNames,
    family_name: p.familyName,
    name_parts: lowerParts(p.givenNames, p.familyName),
    title: p.title ?? null,
    birth_date: p.birthDate,
    gender: p.gender,
    address: p.address ?? null,
    telecom: p.telecom ?? [],
    restricted: p.restricted ?? false,
    allocated_worker_id: p.allocatedWorkerId ?? null,
    responsible_team_id: p.responsibleTeamId ?? null,
  }),
};

const organisations: EntityTable<Organisation> = {
  table: 'organisations',
  select: `id, kind, name, ods_code, cqc_location_id, telecom, address, part_of_id, ${META}`,
  fields: {
    id: { kind: 'value', sql: 'id' },
    kind: { kind: 'value', sql: 'kind' },
    name: { kind: 'text', lower: 'name_lower', exact: 'name', array: false },
    odsCode: { kind: 'value', sql: 'ods_code' },
    cqcLocationId: { kind: 'value', sql: 'cqc_location_id' },
    partOfId: { kind: 'value', sql: 'part_of_id' },
  },
  fromRow: (r) =>
    compact({
      id: r.id as string,
      kind: r.kind as Organisation['kind'],
      name: r.name as string,
      odsCode: r.ods_code as string | undefined,
      cqcLocationId: r.cqc_location_id as string | undefined,
      telecom: r.telecom as Organisation['telecom'],
      address: r.address as Organisation['address'],
      partOfId: r.part_of_id as string | undefined,
    }),
  insertColumns: `id text, kind text, name text, name_lower text, ods_code text, cqc_location_id text,
    telecom jsonb, address jsonb, part_of_id text`,
  toRow: (o) => ({
    id: o.id,
    kind: o.kind,
    name: o.name,
    name_lower: o.name.toLowerCase(),
    ods_code: o.odsCode ?? null,
    cqc_location_id: o.cqcLocationId ?? null,
    telecom: o.telecom ?? [],
    address: o.address ?? null,
    part_of_id: o.partOfId ?? null,
  }),
};

const workers: EntityTable<Worker> = {
  table: 'workers',
  select: `id, given_names, family_name, role, team_id, telecom, ${META}`,
  fields: {
    id: { kind: 'value', sql: 'id' },
    name: {
      kind: 'text',
      lower: 'name_parts',
      exact: `(ARRAY[family_name] || ARRAY(SELECT jsonb_array_elements_text(given_names)))`,
      array: true,
    },
    teamId: { kind: 'value', sql: 'team_id' },
  },
  fromRow: (r) => ({
    id: r.id as string,
    givenNames: r.given_names as string[],
    familyName: r.family_name as string,
    role: r.role as string,
    teamId: r.team_id as string,
    telecom: r.telecom as Worker['telecom'],
  }),
  insertColumns: `id text, given_names jsonb, family_name text, name_parts text[], role text, team_id text, telecom jsonb`,
  toRow: (w) => ({
    id: w.id,
    given_names: w.givenNames,
    family_name: w.familyName,
    name_parts: lowerParts(w.givenNames, w.familyName),
    role: w.role,
    team_id: w.teamId,
    telecom: w.telecom ?? [],
  }),
};

const carePackages: EntityTable<CarePackage> = {
  table: 'care_packages',
  select: `id, person_id, service_type, status, start_date::text AS start_date, end_date::text AS end_date,
    status_reason, funding, provider_id, details, ${META}`,
  fields: {
    id: { kind: 'value', sql: 'id' },
    personId: { kind: 'value', sql: 'person_id' },
    serviceType: { kind: 'value', sql: 'service_type' },
    status: { kind: 'value', sql: 'status' },
    funding: { kind: 'value', sql: 'funding' },
    providerId: { kind: 'value', sql: 'provider_id' },
    period: { kind: 'range', start: 'start_date', end: 'end_date' },
  },
  fromRow: (r) =>
    compact({
      id: r.id as string,
      personId: r.person_id as string,
      serviceType: r.service_type as CarePackage['serviceType'],
      status: r.status as CarePackage['status'],
      startDate: r.start_date as string | undefined,
      endDate: r.end_date as string | undefined,
      statusReason: r.status_reason as string | undefined,
      funding: r.funding as CarePackage['funding'],
      providerId: r.provider_id as string | undefined,
      details: r.details as CarePackage['details'],
    }),
  insertColumns: `id text, person_id text, service_type text, status text, start_date date, end_date date,
    status_reason text, funding text, provider_id text, details jsonb`,
  toRow: (p) => ({
    id: p.id,
    person_id: p.personId,
    service_type: p.serviceType,
    status: p.status,
    start_date: p.startDate ?? null,
    end_date: p.endDate ?? null,
    status_reason: p.statusReason ?? null,
    funding: p.funding,
    provider_id: p.providerId ?? null,
    details: p.details ?? null,
  }),
};

const safeguardingConcerns: EntityTable<SafeguardingConcern> = {
  table: 'safeguarding_concerns',
  select: `id, person_id, status, concern_type, raised_date::text AS raised_date, closed_date::text AS closed_date,
    contact_team_id, ${META}`,
  fields: {
    id: { kind: 'value', sql: 'id' },
    personId: { kind: 'value', sql: 'person_id' },
    status: { kind: 'value', sql: 'status' },
    concernType: { kind: 'value', sql: 'concern_type' },
    period: { kind: 'range', start: 'raised_date', end: 'closed_date' },
    contactTeamId: { kind: 'value', sql: 'contact_team_id' },
  },
  fromRow: (r) =>
    compact({
      id: r.id as string,
      personId: r.person_id as string,
      status: r.status as SafeguardingConcern['status'],
      concernType: r.concern_type as SafeguardingConcern['concernType'],
      raisedDate: r.raised_date as string,
      closedDate: r.closed_date as string | undefined,
      contactTeamId: r.contact_team_id as string,
    }),
  insertColumns: `id text, person_id text, status text, concern_type text, raised_date date, closed_date date,
    contact_team_id text`,
  toRow: (c) => ({
    id: c.id,
    person_id: c.personId,
    status: c.status,
    concern_type: c.concernType,
    raised_date: c.raisedDate,
    closed_date: c.closedDate ?? null,
    contact_team_id: c.contactTeamId,
  }),
};

const notices: EntityTable<HospitalNotice> = {
  table: 'notices',
  select: `id, identifier_system, identifier_value, kind, person_id, nhs_number, sender_ods,
    to_char(sent AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS sent, in_response_to, referral_id,
    withdrawal_reason, discharge_date::text AS discharge_date, document, body_digest, ${META}`,
  fields: {
    id: { kind: 'value', sql: 'id' },
    identifierSystem: { kind: 'value', sql: 'identifier_system' },
    identifierValue: { kind: 'value', sql: 'identifier_value' },
    kind: { kind: 'value', sql: 'kind' },
    personId: { kind: 'value', sql: 'person_id' },
    senderOds: { kind: 'value', sql: 'sender_ods' },
    referralId: { kind: 'value', sql: 'referral_id' },
    inResponseToId: { kind: 'value', sql: 'in_response_to' },
    recipient: { kind: 'value', sql: 'recipient' },
    sent: { kind: 'instant', sql: 'sent' },
    lastUpdated: { kind: 'instant', sql: 'last_updated' },
  },
  fromRow: (r) =>
    compact({
      id: r.id as string,
      senderIdentifier: { system: r.identifier_system as string, value: r.identifier_value as string },
      kind: r.kind as HospitalNotice['kind'],
      personId: r.person_id as string,
      nhsNumber: r.nhs_number as string,
      senderOds: r.sender_ods as string,
      sent: r.sent as string,
      inResponseToId: r.in_response_to as string | undefined,
      referralId: r.referral_id as string,
      withdrawalReason: r.withdrawal_reason as HospitalNotice['withdrawalReason'],
      dischargeDate: r.discharge_date as string | undefined,
      document: r.document as Record<string, unknown>,
      receivedDigest: r.body_digest as string | undefined,
    }),
  insertColumns: `id text, identifier_system text, identifier_value text, kind text, person_id text, nhs_number text,
    sender_ods text, sent timestamptz, in_response_to text, referral_id text, withdrawal_reason jsonb,
    discharge_date date, document jsonb, body_digest text`,
  toRow: (n) => ({
    id: n.id,
    identifier_system: n.senderIdentifier.system,
    identifier_value: n.senderIdentifier.value,
    kind: n.kind,
    person_id: n.personId,
    nhs_number: n.nhsNumber,
    sender_ods: n.senderOds,
    sent: n.sent,
    in_response_to: n.inResponseToId ?? null,
    referral_id: n.referralId,
    withdrawal_reason: n.withdrawalReason ?? null,
    discharge_date: n.dischargeDate ?? null,
    document: n.document,
    body_digest: n.receivedDigest ?? null,
  }),
};

const contacts: EntityTable<Contact> = {
  table: 'contacts',
  select: `id, notice_id, referral_id, person_id, purpose, kind, owner_team_id, requester_ods, status, status_reason,
    business_status, due_date::text AS due_date, inputs, note,
    to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at, ${META}`,
  fields: {
    id: { kind: 'value', sql: 'id' },
    noticeId: { kind: 'value', sql: 'notice_id' },
    referralId: { kind: 'value', sql: 'referral_id' },
    personId: { kind: 'value', sql: 'person_id' },
    ownerTeamId: { kind: 'value', sql: 'owner_team_id' },
    requesterOds: { kind: 'value', sql: 'requester_ods' },
    status: { kind: 'value', sql: 'status' },
    kind: { kind: 'value', sql: 'kind' },
    purpose: { kind: 'value', sql: 'purpose' },
    lastUpdated: { kind: 'instant', sql: 'last_updated' },
  },
  fromRow: (r) =>
    compact({
      id: r.id as string,
      noticeId: r.notice_id as string,
      referralId: r.referral_id as string,
      personId: r.person_id as string,
      purpose: r.purpose as Contact['purpose'],
      kind: r.kind as Contact['kind'],
      ownerTeamId: r.owner_team_id as string,
      requesterOds: r.requester_ods as string,
      status: r.status as Contact['status'],
      statusReason: r.status_reason as Contact['statusReason'],
      businessStatus: r.business_status as string | undefined,
      dueDate: r.due_date as string | undefined,
      inputs: r.inputs as Contact['inputs'],
      note: r.note as string | undefined,
      createdAt: r.created_at as string,
    }),
  insertColumns: `id text, notice_id text, referral_id text, person_id text, purpose text, kind text, owner_team_id text,
    requester_ods text, status text, status_reason jsonb, business_status text, due_date date, inputs jsonb, note text`,
  toRow: (c) => ({
    id: c.id,
    notice_id: c.noticeId,
    referral_id: c.referralId,
    person_id: c.personId,
    purpose: c.purpose,
    kind: c.kind,
    owner_team_id: c.ownerTeamId,
    requester_ods: c.requesterOds,
    status: c.status,
    status_reason: c.statusReason ?? null,
    business_status: c.businessStatus ?? null,
    due_date: c.dueDate ?? null,
    inputs: c.inputs,
    note: c.note ?? null,
  }),
};

const auditEvents: EntityTable<AccessRecord> = {
  table: 'audit_events',
  select: `id, to_char(recorded AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS recorded, interaction, action,
    outcome, outcome_description, http_status, resource_type, client_id, organization, user_info, purpose_of_use,
    request_id, method, path, query, person_ids, nhs_numbers, entities, ${META}`,
  // Newest first: "who looked at my record" reads from the top.
  orderBy: 'recorded DESC, id DESC',
  fields: {
    id: { kind: 'value', sql: 'id' },
    recorded: { kind: 'instant', sql: 'recorded' },
    interaction: { kind: 'value', sql: 'interaction' },
    outcome: { kind: 'value', sql: 'outcome' },
    clientId: { kind: 'value', sql: 'client_id' },
    organization: { kind: 'value', sql: 'organization' },
    purposeOfUse: { kind: 'value', sql: 'purpose_of_use' },
    personIds: { kind: 'array', sql: 'person_ids' },
    nhsNumbers: { kind: 'array', sql: 'nhs_numbers' },
    resourceType: { kind: 'value', sql: 'resource_type' },
  },
  fromRow: (r) =>
    compact({
      id: r.id as string,
      recorded: r.recorded as string,
      interaction: r.interaction as AccessRecord['interaction'],
      action: r.action as AccessRecord['action'],
      outcome: r.outcome as AccessRecord['outcome'],
      outcomeDescription: r.outcome_description as string | undefined,
      httpStatus: r.http_status as number,
      resourceType: r.resource_type as string | undefined,
      clientId: r.client_id as string | undefined,
      organization: r.organization as string | undefined,
      user: r.user_info as AccessRecord['user'],
      purposeOfUse: r.purpose_of_use as string,
      requestId: r.request_id as string,
      method: r.method as string,
      path: r.path as string,
      query: r.query as string | undefined,
      personIds: r.person_ids as string[],
      nhsNumbers: r.nhs_numbers as string[],
      entities: r.entities as string[],
    }),
  insertColumns: `id text, recorded timestamptz, interaction text, action text, outcome text, outcome_description text,
    http_status integer, resource_type text, client_id text, organization text, user_info jsonb, purpose_of_use text,
    request_id text, method text, path text, query text, person_ids text[], nhs_numbers text[], entities text[]`,
  toRow: (a) => ({
    id: a.id,
    recorded: a.recorded,
    interaction: a.interaction,
    action: a.action,
    outcome: a.outcome,
    outcome_description: a.outcomeDescription ?? null,
    http_status: a.httpStatus,
    resource_type: a.resourceType ?? null,
    client_id: a.clientId ?? null,
    organization: a.organization ?? null,
    user_info: a.user ?? null,
    purpose_of_use: a.purposeOfUse,
    request_id: a.requestId,
    method: a.method,
    path: a.path,
    query: a.query ?? null,
    person_ids: a.personIds,
    nhs_numbers: a.nhsNumbers,
    entities: a.entities,
  }),
};

export interface EntityTypes {
  audit: AccessRecord;
  notice: HospitalNotice;
  contact: Contact;
  person: Person;
  organisation: Organisation;
  worker: Worker;
  carePackage: CarePackage;
  safeguardingConcern: SafeguardingConcern;
}

export const TABLES: { [K in EntityKind]: EntityTable<EntityTypes[K]> } = {
  person: people,
  organisation: organisations,
  worker: workers,
  carePackage: carePackages,
  safeguardingConcern: safeguardingConcerns,
  notice: notices,
  contact: contacts,
  audit: auditEvents,
};

/** The column names of an insert, in order, from its jsonb_to_recordset definition. */
export function insertColumnNames(table: EntityTable<unknown>): string {
  return table.insertColumns
    .split(',')
    .map((c) => c.trim().split(/\s+/)[0])
    .join(', ');
}
