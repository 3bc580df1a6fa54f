import { Dataset } from '../domain/dataset';
import { EntityKind } from './criteria';
import { DATASET_LOAD_ORDER, DATASET_TABLES } from './loadOrder';
import { SqlDriver, SqlExecutor } from './sqlDriver';
import { EntityTable, EntityTypes, TABLES } from './tables';

/** Loads of any dataset into one database never interleave. */
export const DATASET_LOCK_KEY = 7_236_002;
/** Rows per INSERT: one jsonb_to_recordset message of a few megabytes. */
const INSERT_BATCH = 5_000;

export interface BulkLoadProgress {
  people: number;
  rows: number;
  ms: number;
}

export interface BulkLoadOptions {
  /**
   * Insert organisations only where no organisation has the id yet (the synthetic population
   * shares the sandbox's council and teams). Everything else must be new.
   */
  organisationsIfMissing?: boolean;
  onProgress?: (p: BulkLoadProgress) => void;
}

export interface BulkLoadResult {
  /** False when a dataset of this name was already loaded (nothing was done). */
  loaded: boolean;
  people: number;
  rows: number;
  ms: number;
}

/**
 * Loads a dataset that arrives in parts (organisations and workers first, then batches of people
 * with their packages and concerns) without holding it all in memory, through the same batched
 * jsonb_to_recordset inserts as Store.loadDataset. One transaction: after a crash or an error there
 * is all of it or none, and the load is recorded in dataset_loads in the same commit.
 */
/** What a load needs of the store: its database, and telling every instance the data has changed. */
export interface LoadTarget {
  db: SqlDriver;
  dataChanged(): Promise<void>;
}

export async function loadDatasetStream(
  store: LoadTarget,
  name: string,
  parts: Iterable<Dataset> | AsyncIterable<Dataset>,
  opts: BulkLoadOptions = {},
): Promise<BulkLoadResult> {
  const started = Date.now();
  const result = await store.db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [DATASET_LOCK_KEY]);
    const loaded = await tx.query('SELECT 1 FROM dataset_loads WHERE name = $1', [name]);
    if (loaded.length > 0) return { loaded: false, people: 0, rows: 0, ms: Date.now() - started };
    let people = 0;
    let rows = 0;
    for await (const part of parts) {
      // Order matters: people point at workers and teams, packages at people (LOAD_ORDER); within
      // organisations, teams point at the council.
      for (const { part: key, kind } of DATASET_LOAD_ORDER) {
        if (kind === 'organisation') {
          const councilsFirst = [...part.organisations].sort((a, b) => rank(a.kind) - rank(b.kind));
          rows += await insertRecords(tx, kind, councilsFirst, opts.organisationsIfMissing ? 'ON CONFLICT (id) DO NOTHING' : '');
        } else {
          rows += await insertRecords(tx, kind, part[key] as EntityTypes[typeof kind][]);
        }
      }
      people += part.people.length;
      opts.onProgress?.({ people, rows, ms: Date.now() - started });
    }
    await tx.query('INSERT INTO dataset_loads (name, people) VALUES ($1, $2)', [name, people]);
    // Fresh statistics for the planner: PGlite has no autovacuum, and PostgreSQL's comes later.
    await tx.exec(`ANALYZE ${DATASET_TABLES.join(', ')}`);
    return { loaded: true, people, rows, ms: Date.now() - started };
  });
  if (result.loaded) await store.dataChanged();
  return result;
}

/** The names of the datasets loaded into this database, oldest first. */
export async function loadedDatasets(store: Pick<LoadTarget, 'db'>): Promise<{ name: string; people: number }[]> {
  return store.db.query<{ name: string; people: number }>('SELECT name, people FROM dataset_loads ORDER BY loaded_at, name');
}

/** Inserts new records of one kind in batches (jsonb_to_recordset): each must be new unless `conflict` says otherwise. */
export async function insertRecords<K extends EntityKind>(tx: SqlExecutor, kind: K, records: EntityTypes[K][], conflict = ''): Promise<number> {
  if (records.length === 0) return 0;
  const table = TABLES[kind] as EntityTable<EntityTypes[K]>;
  const columns = table.insertColumnNames;
  const sql = `INSERT INTO ${table.table} (${columns}) SELECT ${columns} FROM jsonb_to_recordset($1::jsonb) AS r(${table.insertColumns}) ${conflict}`;
  for (let i = 0; i < records.length; i += INSERT_BATCH) {
    const slice = records.length <= INSERT_BATCH ? records : records.slice(i, i + INSERT_BATCH);
    await tx.query(sql, [JSON.stringify(slice.map((r) => table.toRow(r)))]);
  }
  return records.length;
}

function rank(kind: string): number {
  return kind === 'council' ? 0 : kind === 'team' ? 1 : 2;
}
