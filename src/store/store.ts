import NodeCache from 'node-cache';
import { Dataset } from '../domain/dataset';
import { Criterion, EntityKind, Page } from './criteria';
import { migrate } from './migrate';
import { orderBySql, WhereBuilder } from './sqlCriteria';
import { SqlDriver, SqlExecutor } from './sqlDriver';
import { JtiStore } from './jtiStore';
import { LimitStore } from './limitStore';
import { AccessRecordStore } from './accessRecordStore';
import { NotificationStore } from './notificationStore';
import { loadDatasetStream } from './bulkLoad';
import { RESET_TABLES } from './loadOrder';
import { EntityTypes, TABLES } from './tables';

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

/** A row selected (or returned) with its table's `select` list, as a stored record. */
export function storedRow<K extends EntityKind>(kind: K, row: Record<string, unknown>): Stored<EntityTypes[K]> {
  return { record: TABLES[kind].fromRow(row) as EntityTypes[K], version: row.version as number, lastUpdated: row.last_updated as string };
}

/**
 * Organisations and workers are reference data: every lookup names them, and they change only
 * when a dataset is loaded. They are cached for at most this many seconds (the freshness bound),
 * dropped at once when this instance changes data (dataChanged), and dropped on NOTIFY from other
 * instances sharing a PostgreSQL database.
 */
export const REFERENCE_DATA_TTL_SECONDS = 60;
const CACHED_KINDS: ReadonlySet<EntityKind> = new Set(['organisation', 'worker']);
const DATA_CHANGED_CHANNEL = 'facade_data_changed';

/**
 * What turning records into FHIR reads of the store: records by id. The store itself, or a
 * transaction's view of it (changePath.ts readerIn), so a write can render what it has written
 * before it commits.
 */
export interface RecordReader {
  getMany<K extends EntityKind>(kind: K, ids: string[]): Promise<Stored<EntityTypes[K]>[]>;
}

/**
 * The facade's storage: social-care records in SQL, the same code over either driver.
 */
export class Store implements RecordReader {
  private readonly referenceData = new NodeCache({ stdTTL: REFERENCE_DATA_TTL_SECONDS, useClones: false, checkperiod: 120 });
  /**
   * Counts the changes to what lookups read (here, or told by another instance). A read that began
   * before a change may finish after it with rows from before; a cache keeps what it read only if
   * the count is the same as when it began (see getMany, and the lookup cache in fhir/router.ts).
   */
  private changes = 0;

  private readonly changeListeners: (() => void)[] = [
    () => {
      this.changes++;
      this.referenceData.flushAll();
    },
  ];

  /** The number of data changes seen so far: compare before and after a read to know it straddled none. */
  get dataGeneration(): number {
    return this.changes;
  }

  /** Client-assertion jtis seen: a replay is refused by every instance sharing the database. */
  readonly jtis: JtiStore;
  /** Request limits kept in the database, shared by the instances on it. */
  readonly limits: LimitStore;
  /** The audit trail's records: written in batches, purged after the retention period. */
  readonly accessRecords: AccessRecordStore;
  /** Access notifications to council staff. */
  readonly notifications: NotificationStore;

  constructor(readonly db: SqlDriver) {
    this.jtis = new JtiStore(db);
    this.limits = new LimitStore(db);
    this.accessRecords = new AccessRecordStore(db);
    this.notifications = new NotificationStore(db);
  }

  static async open(db: SqlDriver): Promise<Store> {
    await migrate(db);
    const store = new Store(db);
    await db.listen(DATA_CHANGED_CHANNEL, () => store.changeListeners.forEach((l) => l()));
    return store;
  }

  /** Registers a cache to drop whenever data that lookups read changes, here or in another instance. */
  onDataChanged(listener: () => void): void {
    this.changeListeners.push(listener);
  }

  /**
   * Call after writing what lookups read (a dataset load, a person opened from a notice): drops this
   * instance's caches at once and tells the instances sharing the database to drop theirs.
   */
  async dataChanged(): Promise<void> {
    this.changeListeners.forEach((l) => l());
    if (this.db.kind === 'postgres') await this.db.query(`SELECT pg_notify('${DATA_CHANGED_CHANNEL}', '')`);
  }

  async get<K extends EntityKind>(kind: K, id: string): Promise<Stored<EntityTypes[K]> | undefined> {
    return (await this.getMany(kind, [id]))[0];
  }

  async getMany<K extends EntityKind>(kind: K, ids: string[]): Promise<Stored<EntityTypes[K]>[]> {
    if (ids.length === 0) return [];
    if (!CACHED_KINDS.has(kind)) return this.fetchMany(kind, ids);
    const found: Stored<EntityTypes[K]>[] = [];
    const missing: string[] = [];
    for (const id of ids) {
      const hit = this.referenceData.get<Stored<EntityTypes[K]>>(`${kind}/${id}`);
      if (hit) found.push(hit);
      else missing.push(id);
    }
    const generation = this.changes;
    const fetched = await this.fetchMany(kind, missing);
    // Rows read across a change may predate it: used for this answer, not kept.
    const keep = generation === this.changes;
    for (const s of fetched) {
      if (keep) this.referenceData.set(`${kind}/${(s.record as { id: string }).id}`, s);
      found.push(s);
    }
    return found;
  }

  private async fetchMany<K extends EntityKind>(kind: K, ids: string[]): Promise<Stored<EntityTypes[K]>[]> {
    if (ids.length === 0) return [];
    // Every entity has an id field; the compiler cannot see it is one of a K not yet known.
    const byId = { field: 'id', match: 'any-of', values: ids } as Criterion<K>;
    const { records } = await this.search(kind, [byId], {
      limit: ids.length,
      offset: 0,
    });
    return records;
  }

  /** Criteria for one kind named statically may name only its fields (the kind, not the criteria, decides K). */
  async search<K extends EntityKind>(
    kind: K,
    criteria: NoInfer<Criterion<K>>[],
    page: Page,
    /** A transaction to search within (a conditional write finding its match); the store's own connection otherwise. */
    db: SqlExecutor = this.db,
  ): Promise<SearchResult<EntityTypes[K]>> {
    const table = TABLES[kind];
    const builder = new WhereBuilder();
    const where = builder.where(kind, criteria);
    const order = page.sort?.length ? orderBySql(kind, page.sort) : (table.orderBy ?? 'id');
    // One row beyond the page tells whether a next page exists without counting everything.
    const sql = `SELECT ${table.select} FROM ${table.table} WHERE ${where} ORDER BY ${order} LIMIT ${page.limit + 1} OFFSET ${page.offset}`;
    const rows = await db.query<Record<string, unknown>>(sql, builder.params);
    const more = rows.length > page.limit;
    return {
      records: rows.slice(0, page.limit).map((row) => storedRow(kind, row)),
      more,
    };
  }

  /**
   * Several searches in one statement (one trip to the store instead of one each): what a search
   * with several _revinclude asks. Each answer is its first `limit` records by id; kinds ordered
   * otherwise are searched one by one.
   */
  async searchEach(queries: { kind: EntityKind; criteria: Criterion[]; limit: number }[]): Promise<Stored<unknown>[][]> {
    if (queries.length <= 1 || queries.some((q) => TABLES[q.kind].orderBy)) {
      return Promise.all(queries.map(async (q) => (await this.search(q.kind, q.criteria, { limit: q.limit, offset: 0 })).records));
    }
    const builder = new WhereBuilder();
    // Each part is serialised as one JSON text per row: its columns come back exactly as search()'s
    // do. UNION ALL keeps no order of its own, so each row carries its place in its part's id order.
    const parts = queries.map((q, i) => {
      const table = TABLES[q.kind];
      return `SELECT ${i} AS q, row_number() OVER (ORDER BY t.id) AS n, row_to_json(t)::text AS j FROM (SELECT ${table.select}
        FROM ${table.table} WHERE ${builder.where(q.kind, q.criteria)} ORDER BY id LIMIT ${q.limit}) AS t`;
    });
    const rows = await this.db.query<{ q: number; j: string }>(`${parts.join(' UNION ALL ')} ORDER BY q, n`, builder.params);
    const answers: Stored<unknown>[][] = queries.map(() => []);
    for (const row of rows) answers[row.q].push(storedRow(queries[row.q].kind, JSON.parse(row.j) as Record<string, unknown>));
    return answers;
  }

  async count<K extends EntityKind>(kind: K, criteria: NoInfer<Criterion<K>>[]): Promise<number> {
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
    return (await loadDatasetStream(this, name, [dataset])).loaded;
  }

  /** Empties every table but the audit trail (loadOrder.ts): the sandbox's reset. */
  async clear(): Promise<void> {
    await this.db.exec(`TRUNCATE ${[...RESET_TABLES, 'dataset_loads', 'record_history', 'import_runs'].join(', ')}`);
    await this.dataChanged();
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
