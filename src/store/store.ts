import { Dataset } from '../domain/dataset';
import { Criterion, EntityKind, Page } from './criteria';
import { migrate } from './migrate';
import { WhereBuilder } from './sqlCriteria';
import { SqlDriver, SqlExecutor } from './sqlDriver';
import { EntityTable, EntityTypes, insertColumnNames, TABLES } from './tables';

/** A record as stored: the domain record plus the version and time of its last change. */
export interface Stored<T> {
  record: T;
  version: number;
  lastUpdated: string;
}

export interface SearchResult<T> {
  records: Stored<T>[];
  /** True when at least one more record matches beyond this page. */
  more: boolean;
}

/** Rows per INSERT when loading a dataset: large enough to be fast, small enough for one message. */
const LOAD_BATCH = 5_000;

/**
 * The facade's storage: social-care records in SQL, the same code over either driver.
 */
export class Store {
  constructor(readonly db: SqlDriver) {}

  static async open(db: SqlDriver): Promise<Store> {
    await migrate(db);
    return new Store(db);
  }

  async get<K extends EntityKind>(kind: K, id: string): Promise<Stored<EntityTypes[K]> | undefined> {
    return (await this.getMany(kind, [id]))[0];
  }

  async getMany<K extends EntityKind>(kind: K, ids: string[]): Promise<Stored<EntityTypes[K]>[]> {
    if (ids.length === 0) return [];
    const { records } = await this.search(kind, [{ field: 'id', match: 'any-of', values: ids }], {
      limit: ids.length,
      offset: 0,
    });
    return records;
  }

  async search<K extends EntityKind>(
    kind: K,
    criteria: Criterion[],
    page: Page,
  ): Promise<SearchResult<EntityTypes[K]>> {
    const table = TABLES[kind];
    const builder = new WhereBuilder();
    const where = builder.where(kind, criteria);
    // One row beyond the page tells whether a next page exists without counting everything.
    const sql = `SELECT ${table.select} FROM ${table.table} WHERE ${where} ORDER BY ${table.orderBy ?? 'id'} LIMIT ${page.limit + 1} OFFSET ${page.offset}`;
    const rows = await this.db.query<Record<string, unknown>>(sql, builder.params);
    const more = rows.length > page.limit;
    return {
      records: rows.slice(0, page.limit).map((row) => ({
        record: table.fromRow(row) as EntityTypes[K],
        version: row.version as number,
        lastUpdated: row.last_updated as string,
      })),
      more,
    };
  }

  async count(kind: EntityKind, criteria: Criterion[]): Promise<number> {
    const builder = new WhereBuilder();
    const where = builder.where(kind, criteria);
    const rows = await this.db.query<{ n: string | number }>(
      `SELECT count(*) AS n FROM ${TABLES[kind].table} WHERE ${where}`,
      builder.params,
    );
    return Number(rows[0].n);
  }

  /** Whether a dataset of this name has been loaded into this database. */
  async datasetLoaded(name: string): Promise<boolean> {
    const rows = await this.db.query('SELECT 1 FROM dataset_loads WHERE name = $1', [name]);
    return rows.length > 0;
  }

  /**
   * Loads a dataset once, in one transaction: either all of it is there afterwards or none.
   * Instances starting together serialise on an advisory lock; the later ones find it loaded.
   * Returns false when it was already loaded.
   */
  async loadDataset(name: string, dataset: Dataset): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [7_236_002]);
      const loaded = await tx.query('SELECT 1 FROM dataset_loads WHERE name = $1', [name]);
      if (loaded.length > 0) return false;
      // Order matters: teams point at the council, people at workers and teams, packages at people.
      const councilsFirst = [...dataset.organisations].sort((a, b) => rank(a.kind) - rank(b.kind));
      await insertAll(tx, 'organisation', councilsFirst);
      await insertAll(tx, 'worker', dataset.workers);
      await insertAll(tx, 'person', dataset.people);
      await insertAll(tx, 'carePackage', dataset.carePackages);
      await insertAll(tx, 'safeguardingConcern', dataset.safeguardingConcerns);
      await tx.query('INSERT INTO dataset_loads (name, people) VALUES ($1, $2)', [name, dataset.people.length]);
      return true;
    });
  }

  /** Empties every table: the sandbox's reset. */
  async clear(): Promise<void> {
    await this.db.exec(`TRUNCATE safeguarding_concerns, care_packages, people, workers, organisations, dataset_loads`);
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

function rank(kind: string): number {
  return kind === 'council' ? 0 : kind === 'team' ? 1 : 2;
}

async function insertAll<K extends EntityKind>(tx: SqlExecutor, kind: K, records: EntityTypes[K][]) {
  const table = TABLES[kind];
  const columns = insertColumnNames(table as EntityTable<unknown>);
  for (let i = 0; i < records.length; i += LOAD_BATCH) {
    const rows = records.slice(i, i + LOAD_BATCH).map((r) => table.toRow(r));
    await tx.query(
      `INSERT INTO ${table.table} (${columns}) SELECT ${columns} FROM jsonb_to_recordset($1::jsonb) AS r(${table.insertColumns})`,
      [JSON.stringify(rows)],
    );
  }
}
