import { DATASET_PARTS } from '../../src/domain/dataset';
import { DATASET_LOAD_ORDER, DATASET_TABLES, LOAD_ORDER, referencesOf, RESET_TABLES } from '../../src/store/loadOrder';
import { ENTITIES, EntityKind } from '../../src/store/tables';

describe('load and reset order', () => {
  it('lists every entity once, each after the entities it refers to', () => {
    expect([...LOAD_ORDER].sort()).toEqual(Object.keys(ENTITIES).sort());
    for (const kind of Object.keys(ENTITIES) as EntityKind[]) {
      for (const target of referencesOf(kind)) expect(LOAD_ORDER.indexOf(target)).toBeLessThan(LOAD_ORDER.indexOf(kind));
    }
  });

  it('loads every part of a dataset, organisations first', () => {
    expect(DATASET_LOAD_ORDER.map((p) => p.part).sort()).toEqual([...DATASET_PARTS].sort());
    expect(DATASET_TABLES).toEqual(['organisations', 'workers', 'people', 'care_packages', 'safeguarding_concerns']);
  });

  it('empties every table but the audit trail on reset, referring tables first', () => {
    expect(RESET_TABLES).toEqual(['contacts', 'notices', 'safeguarding_concerns', 'care_packages', 'people', 'workers', 'organisations']);
  });
});
