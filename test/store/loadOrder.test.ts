import { DATASET_PARTS } from '../../src/domain/dataset';
import { DATASET_LOAD_ORDER, DATASET_TABLES, LOAD_ORDER, referencesOf, RESET_TABLES } from '../../src/store/loadOrder';
import { ENTITIES, EntityKind, TABLES } from '../../src/store/tables';

describe('load and reset order', () => {
  it('lists every entity once, each after the entities it refers to', () => {
    expect([...LOAD_ORDER].sort()).toEqual(Object.keys(ENTITIES).sort());
    for (const kind of Object.keys(ENTITIES) as EntityKind[]) {
      for (const target of referencesOf(kind)) expect(LOAD_ORDER.indexOf(target)).toBeLessThan(LOAD_ORDER.indexOf(kind));
    }
  });

  it('loads every part of a dataset, organisations first', () => {
    expect(DATASET_LOAD_ORDER.map((p) => p.part).sort()).toEqual([...DATASET_PARTS].sort());
    expect(DATASET_TABLES[0]).toBe('organisations');
    for (const { kind } of DATASET_LOAD_ORDER) {
      for (const target of referencesOf(kind)) expect(DATASET_TABLES.indexOf(TABLES[target].table)).toBeLessThan(DATASET_TABLES.indexOf(TABLES[kind].table));
    }
  });

  it('empties every table but the audit trail on reset, referring tables first', () => {
    const kept = Object.values(TABLES).map((t) => t.table).filter((table) => !RESET_TABLES.includes(table));
    expect(kept).toEqual(['audit_events']);
    for (const kind of Object.keys(ENTITIES) as EntityKind[]) {
      if (!RESET_TABLES.includes(TABLES[kind].table)) continue;
      for (const target of referencesOf(kind)) expect(RESET_TABLES.indexOf(TABLES[target].table)).toBeGreaterThan(RESET_TABLES.indexOf(TABLES[kind].table));
    }
  });
});
