import { allMigrations } from '../../src/store/migrate';
import { MIGRATIONS } from '../../src/store/migrations';
import { ENTITIES } from '../../src/store/tables';

describe('the migrations, shared and per entity', () => {
  it('run in version order, each version once, with every entity migration included', () => {
    const versions = allMigrations().map((m) => m.version);
    expect(versions).toEqual([...new Set(versions)].sort((a, b) => a - b));
    for (const entity of Object.values(ENTITIES)) for (const m of entity.migrations) expect(versions).toContain(m.version);
    expect(versions).toEqual(expect.arrayContaining(MIGRATIONS.map((m) => m.version)));
  });

  it('keeps a migration of one table beside that table (the notices identity, version 5)', () => {
    expect(ENTITIES.notice.migrations.map((m) => m.version)).toEqual([5]);
    expect(MIGRATIONS.map((m) => m.version)).not.toContain(5);
  });

  it('refuses two migrations with one version, naming both', () => {
    const clash = { version: 1, name: 'a clash', sql: 'SELECT 1' };
    const notice = ENTITIES.notice as { migrations: readonly { version: number; name: string; sql: string }[] };
    const kept = notice.migrations;
    notice.migrations = [...kept, clash];
    try {
      expect(() => allMigrations()).toThrow(/two migrations are version 1: "social-care records" and "a clash"/);
    } finally {
      notice.migrations = kept;
    }
  });
});
