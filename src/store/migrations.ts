/**
 * The schema, as an ordered list of migrations. Never edit a migration that has shipped:
 * add a new one. Each runs once, in its own transaction, recorded in schema_migrations.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

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
];
