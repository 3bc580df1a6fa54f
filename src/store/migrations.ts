import { Migration } from './migration';

/**
 * The schema's shared history: the first schema, and the migrations that span tables or touch a
 * table no entity describes. A migration that changes one entity's table lives beside its
 * description (its `migrations`), where its columns are; migrate.ts runs both in version order.
 */

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'social-care records',
    sql: `
      CREATE TABLE organisations (
        id text PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('provider', 'council', 'team')),
        name text NOT NULL,
        name_lower text NOT NULL,
        ods_code text,
        cqc_location_id text,
        telecom jsonb NOT NULL DEFAULT '[]',
        address jsonb,
        part_of_id text REFERENCES organisations(id),
        version integer NOT NULL DEFAULT 1,
        last_updated timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX organisations_ods_code ON organisations (ods_code);
      CREATE INDEX organisations_cqc_location_id ON organisations (cqc_location_id);
      CREATE INDEX organisations_name_lower ON organisations (name_lower text_pattern_ops);

      CREATE TABLE workers (
        id text PRIMARY KEY,
        given_names jsonb NOT NULL,
        family_name text NOT NULL,
        name_parts text[] NOT NULL,
        role text NOT NULL,
        team_id text NOT NULL REFERENCES organisations(id),
        telecom jsonb NOT NULL DEFAULT '[]',
        version integer NOT NULL DEFAULT 1,
        last_updated timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX workers_team_id ON workers (team_id);

      CREATE TABLE people (
        id text PRIMARY KEY,
        nhs_number text UNIQUE,
        nhs_number_verification text,
        given_names jsonb NOT NULL,
        family_name text NOT NULL,
        name_parts text[] NOT NULL,
        title text,
        birth_date date NOT NULL,
        gender text NOT NULL,
        address jsonb,
        telecom jsonb NOT NULL DEFAULT '[]',
        restricted boolean NOT NULL DEFAULT false,
        allocated_worker_id text REFERENCES workers(id),
        responsible_team_id text REFERENCES organisations(id),
        version integer NOT NULL DEFAULT 1,
        last_updated timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX people_family_lower ON people (lower(family_name) text_pattern_ops);
      CREATE INDEX people_birth_date ON people (birth_date);
      CREATE INDEX people_allocated_worker_id ON people (allocated_worker_id);

      CREATE TABLE care_packages (
        id text PRIMARY KEY,
        person_id text NOT NULL REFERENCES people(id),
        service_type text NOT NULL,
        status text NOT NULL CHECK (status IN ('planned', 'active', 'suspended', 'ended')),
        start_date date,
        end_date date,
        status_reason text,
        funding text NOT NULL,
        provider_id text REFERENCES organisations(id),
        details jsonb,
        version integer NOT NULL DEFAULT 1,
        last_updated timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX care_packages_person_id ON care_packages (person_id);
      CREATE INDEX care_packages_provider_id ON care_packages (provider_id);

      CREATE TABLE safeguarding_concerns (
        id text PRIMARY KEY,
        person_id text NOT NULL REFERENCES people(id),
        status text NOT NULL CHECK (status IN ('open', 'closed')),
        concern_type text NOT NULL,
        raised_date date NOT NULL,
        closed_date date,
        contact_team_id text NOT NULL REFERENCES organisations(id),
        version integer NOT NULL DEFAULT 1,
        last_updated timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX safeguarding_concerns_person_id ON safeguarding_concerns (person_id);

      CREATE TABLE dataset_loads (
        name text PRIMARY KEY,
        loaded_at timestamptz NOT NULL DEFAULT now(),
        people integer NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'client assertion jti replay record',
    sql: `
      -- Each client assertion's jti, kept until the assertion expires, so a replay is refused by
      -- every facade instance sharing this database.
      CREATE TABLE assertion_jtis (
        client_id text NOT NULL,
        jti text NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (client_id, jti)
      );
      CREATE INDEX assertion_jtis_expires_at ON assertion_jtis (expires_at);
    `,
  },
  {
    version: 3,
    name: 'hospital notices, access notifications, and the contacts notices create',
    sql: `
      CREATE TABLE notices (
        id text PRIMARY KEY,
        identifier_system text NOT NULL,
        identifier_value text NOT NULL,
        kind text NOT NULL,
        person_id text NOT NULL REFERENCES people(id),
        nhs_number text,
        sender_ods text NOT NULL,
        -- For access notifications: who is told (PractitionerRole/<id> or Organization/<id>).
        recipient text,
        sent timestamptz NOT NULL,
        in_response_to text REFERENCES notices(id),
        referral_id text NOT NULL,
        withdrawal_reason jsonb,
        discharge_date date,
        document jsonb NOT NULL,
        version integer NOT NULL DEFAULT 1,
        last_updated timestamptz NOT NULL DEFAULT now(),
        -- A notice sent twice is one notice: the sender's identifier is the key.
        UNIQUE (identifier_system, identifier_value)
      );
      CREATE INDEX notices_person_id ON notices (person_id);
      CREATE INDEX notices_referral_id ON notices (referral_id);
      CREATE INDEX notices_sent ON notices (sent);
      CREATE INDEX notices_last_updated ON notices (last_updated);
      CREATE INDEX notices_recipient ON notices (recipient) WHERE recipient IS NOT NULL;

      CREATE TABLE contacts (
        id text PRIMARY KEY,
        notice_id text NOT NULL REFERENCES notices(id),
        referral_id text NOT NULL,
        person_id text NOT NULL REFERENCES people(id),
        purpose text NOT NULL,
        kind text NOT NULL,
        owner_team_id text NOT NULL,
        requester_ods text NOT NULL,
        status text NOT NULL,
        status_reason jsonb,
        business_status text,
        due_date date,
        inputs jsonb NOT NULL DEFAULT '[]',
        note text,
        created_at timestamptz NOT NULL DEFAULT now(),
        version integer NOT NULL DEFAULT 1,
        last_updated timestamptz NOT NULL DEFAULT now()
      );
      -- One contact per notice, even if two instances take the same notice at once.
      CREATE UNIQUE INDEX contacts_notice_id ON contacts (notice_id);
      CREATE INDEX contacts_referral_id ON contacts (referral_id);
      CREATE INDEX contacts_owner_status ON contacts (owner_team_id, status);
      CREATE INDEX contacts_person_id ON contacts (person_id);
      CREATE INDEX contacts_last_updated ON contacts (last_updated);
    `,
  },
  {
    version: 4,
    name: 'audit trail',
    sql: `
      -- Append-only: the API never updates or deletes a row; only the retention purge removes old ones.
      CREATE TABLE audit_events (
        id text PRIMARY KEY,
        recorded timestamptz NOT NULL,
        interaction text NOT NULL,
        action text NOT NULL,
        outcome text NOT NULL,
        outcome_description text,
        http_status integer NOT NULL,
        resource_type text,
        client_id text,
        organization text,
        user_info jsonb,
        purpose_of_use text NOT NULL,
        request_id text NOT NULL,
        method text NOT NULL,
        path text NOT NULL,
        query text,
        person_ids text[] NOT NULL DEFAULT '{}',
        nhs_numbers text[] NOT NULL DEFAULT '{}',
        entities text[] NOT NULL DEFAULT '{}',
        version integer NOT NULL DEFAULT 1,
        last_updated timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX audit_events_recorded ON audit_events (recorded DESC, id DESC);
      CREATE INDEX audit_events_person_ids ON audit_events USING gin (person_ids);
      CREATE INDEX audit_events_nhs_numbers ON audit_events USING gin (nhs_numbers);
      CREATE INDEX audit_events_client_id ON audit_events (client_id, recorded DESC);
    `,
  },
  {
    version: 6,
    name: 'request limits shared by the instances on one database',
    sql: `
      -- One row per limit and client: the limit's theoretical arrival time (GCRA, in ms since the
      -- epoch), the moment the client's allowance is back to full. Token requests update it one
      -- statement each; FHIR requests are granted from slices each instance takes in one statement.
      CREATE TABLE request_limits (
        name text NOT NULL,
        key text NOT NULL,
        tat double precision NOT NULL,
        PRIMARY KEY (name, key)
      );
    `,
  },
  {
    version: 10,
    name: 'assessments, care relationships, the imports that loaded records, and superseded versions',
    sql: `
      CREATE TABLE assessments (
        id text PRIMARY KEY,
        person_id text NOT NULL REFERENCES people(id),
        kind text NOT NULL CHECK (kind IN ('assessment', 'review')),
        status text NOT NULL CHECK (status IN ('in-progress', 'completed')),
        type text,
        start_date date NOT NULL,
        end_date date,
        outcome text,
        method text,
        eligible_needs boolean,
        outcomes_achieved text,
        source text,
        version integer NOT NULL DEFAULT 1,
        last_updated timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX assessments_person_id ON assessments (person_id);
      CREATE INDEX assessments_last_updated ON assessments (last_updated);

      CREATE TABLE care_relationships (
        id text PRIMARY KEY,
        carer_id text NOT NULL REFERENCES people(id),
        cared_for_id text NOT NULL REFERENCES people(id),
        status text NOT NULL CHECK (status IN ('active', 'ended')),
        start_date date,
        end_date date,
        hours_caring_per_week text,
        relationship text,
        source text,
        ended_by text,
        version integer NOT NULL DEFAULT 1,
        last_updated timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX care_relationships_carer_id ON care_relationships (carer_id);
      CREATE INDEX care_relationships_cared_for_id ON care_relationships (cared_for_id);
      CREATE INDEX care_relationships_source_status ON care_relationships (source, status);

      -- Each import of the council's data: who ran it, from which files, what it changed. Records an
      -- import ended name it (ended_by), and the audit trail names it too.
      CREATE TABLE import_runs (
        id text PRIMARY KEY,
        kind text NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        outcome text NOT NULL,
        client_id text,
        organization text,
        files jsonb NOT NULL DEFAULT '[]',
        counts jsonb NOT NULL DEFAULT '{}',
        -- Over HTTP: the report the status URL answers with once it has ended, and while it runs,
        -- how far it has read and when the instance running it last said so.
        report jsonb,
        progress jsonb,
        heartbeat_at timestamptz
      );
      CREATE INDEX import_runs_kind_started ON import_runs (kind, started_at DESC);

      -- A record's versions before its current one (the current is in its own table), written by the
      -- one change path whenever a record changes: what vread and _history will read.
      CREATE TABLE record_history (
        entity text NOT NULL,
        id text NOT NULL,
        version integer NOT NULL,
        last_updated timestamptz NOT NULL,
        record jsonb NOT NULL,
        replaced_at timestamptz NOT NULL DEFAULT now(),
        replaced_by text,
        PRIMARY KEY (entity, id, version)
      );
    `,
  },
];
