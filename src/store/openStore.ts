import fs from 'node:fs/promises';
import path from 'node:path';
import { Config, DEFAULT_EMBEDDED_TEMPLATE_DIR } from '../config';
import { Dataset, emptyDataset } from '../domain/dataset';
import { datasetProblems } from '../domain/datasetCheck';
import { openPgliteThread } from './pgliteThread';
import { openPostgres } from './postgresDriver';
import { Store } from './store';

/** Opens the configured store: PostgreSQL when DATABASE_URL is set, else the embedded one. */
export async function openStore(
  config: Pick<Config, 'databaseUrl' | 'dataDir'> &
    Partial<Pick<Config, 'embeddedSharedBuffersMb' | 'embeddedFsync' | 'embeddedTemplateDir' | 'database'>>,
  /** The embedded store's thread stopped unasked: nothing can be stored or read any more. */
  onFailure?: (err: Error) => void,
): Promise<Store> {
  // Left out, the default template directory; false (EMBEDDED_TEMPLATE_DIR=off), none.
  const templateDir = config.embeddedTemplateDir ?? DEFAULT_EMBEDDED_TEMPLATE_DIR;
  const db = config.databaseUrl
    ? await openPostgres(config.databaseUrl, { ...config.database })
    : // The embedded data directory is locked to this process until close (openPgliteThread).
      await openPgliteThread(config.dataDir, config.embeddedSharedBuffersMb, onFailure, config.embeddedFsync ?? true, templateDir);
  try {
    return await Store.open(db);
  } catch (err) {
    // A failed migration leaves no pool open and no data directory locked behind it.
    await db.close().catch(() => undefined);
    throw err;
  }
}

export class DatasetError extends Error {}

export async function readDataset(file: string): Promise<Dataset> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (err) {
    throw new DatasetError(`cannot read dataset ${file}: ${(err as Error).message}`);
  }
  const problems = datasetProblems(parsed as Partial<Dataset>);
  if (problems.length) {
    throw new DatasetError(`dataset ${file} has ${problems.length} problem(s):\n  - ${problems.join('\n  - ')}`);
  }
  return { ...emptyDataset(), ...(parsed as Partial<Dataset>) };
}

/** Loads the fixture file into the store unless a dataset of the same name is already there. */
export async function loadFixtures(store: Store, file: string): Promise<boolean> {
  return store.loadDataset(path.basename(path.dirname(file)) + '/' + path.basename(file), await readDataset(file));
}
