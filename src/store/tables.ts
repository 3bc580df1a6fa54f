import { DescribedTable, EntityTable } from './columns';
import { assessments } from './entities/assessment';
import { auditEvents } from './entities/auditEvent';
import { carePackages } from './entities/carePackage';
import { careRelationships } from './entities/careRelationship';
import { contacts } from './entities/contact';
import { notices } from './entities/notice';
import { organisations } from './entities/organisation';
import { people } from './entities/person';
import { safeguardingConcerns } from './entities/safeguardingConcern';
import { workers } from './entities/worker';

export type { Column, EntityTable, FieldSpec, SqlType } from './columns';

/**
 * Each entity's table is described once, in src/store/entities/: its columns (what is selected,
 * written and how each maps to the record; inserts and reads go by column name, so their order is
 * only the SELECT list's), and the criteria fields it can be searched by. The migrations must
 * create what is described (test/store/schemaMatchesColumns.test.ts checks both drivers); each
 * says the tables it refers to, and loadOrder.ts orders loads and resets by that.
 */

/** Every entity the store holds, by kind: the one list the rest of the store is driven from. */
export const ENTITIES = {
  person: people,
  organisation: organisations,
  worker: workers,
  carePackage: carePackages,
  safeguardingConcern: safeguardingConcerns,
  assessment: assessments,
  careRelationship: careRelationships,
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

