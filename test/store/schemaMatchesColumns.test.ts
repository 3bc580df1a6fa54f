/**
 * The entity descriptions (src/store/entities/) and the migrations describe the same tables: every
 * described column exists in its table, with a type its description's SQL works with. A column
 * described but never migrated fails here, on both drivers, not as a 500 at run time.
 */
import { SqlType } from '../../src/store/columns';
import { ENTITIES } from '../../src/store/tables';
import { DRIVERS, openTestStore, TestStore } from '../support/stores';

/** information_schema's data_type (and udt_name) for each described type. */
const INFORMATION_SCHEMA_TYPE: Record<SqlType, string> = {
  text: 'text',
  'text[]': 'ARRAY/_text',
  jsonb: 'jsonb',
  date: 'date',
  timestamptz: 'timestamp with time zone',
  boolean: 'boolean',
  integer: 'integer',
};

describe.each(DRIVERS)('schema against the column descriptions (%s)', (driver) => {
  let t: TestStore;
  let actual: Map<string, string>;

  beforeAll(async () => {
    t = await openTestStore(driver);
    const rows = await t.store.db.query<{ table_name: string; column_name: string; data_type: string; udt_name: string }>(
      `SELECT table_name, column_name, data_type, udt_name FROM information_schema.columns WHERE table_schema = current_schema()`,
    );
    actual = new Map(rows.map((r) => [`${r.table_name}.${r.column_name}`, r.data_type === 'ARRAY' ? `ARRAY/${r.udt_name}` : r.data_type]));
  });
  afterAll(() => t.close());

  for (const [kind, entity] of Object.entries(ENTITIES)) {
    it(`${kind}: every described column is in ${entity.table}, of its type`, () => {
      const described = Object.fromEntries(entity.columns.map((c) => [`${entity.table}.${c.name}`, INFORMATION_SCHEMA_TYPE[c.type]]));
      const found = Object.fromEntries(Object.keys(described).map((name) => [name, actual.get(name) ?? 'missing']));
      expect(found).toEqual(described);
    });
  }

  it('every foreign key of an entity table is named in its description (refersTo), and only those', async () => {
    const rows = await t.store.db.query<{ table_name: string; target: string }>(
      `SELECT DISTINCT tc.table_name, ccu.table_name AS target
         FROM information_schema.table_constraints tc
         JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = tc.constraint_name AND ccu.table_schema = tc.table_schema
        WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = current_schema() AND ccu.table_name <> tc.table_name`,
    );
    for (const entity of Object.values(ENTITIES)) {
      const migrated = rows.filter((r) => r.table_name === entity.table).map((r) => r.target).sort();
      expect({ table: entity.table, refersTo: migrated }).toEqual({ table: entity.table, refersTo: [...entity.refersTo].sort() });
    }
  });

  it('every column of an entity table is described (nothing written only by hand)', () => {
    for (const entity of Object.values(ENTITIES)) {
      const inTable = [...actual.keys()].filter((k) => k.startsWith(`${entity.table}.`)).sort();
      expect(inTable).toEqual(entity.columns.map((c) => `${entity.table}.${c.name}`).sort());
    }
  });
});
