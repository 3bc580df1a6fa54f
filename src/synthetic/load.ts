import { BulkLoadProgress, BulkLoadResult, loadDatasetStream, loadedDatasets } from '../store/bulkLoad';
import { Store } from '../store/store';
import { SyntheticOptions, SyntheticPopulation } from './population';

export class SyntheticLoadError extends Error {}

/** People per batch: a few megabytes of JSON per INSERT, and a bounded amount held in memory. */
const BATCH_PEOPLE = 5_000;

/**
 * Loads a synthetic population into the store once (recorded in dataset_loads under its name),
 * streaming it in batches. It may sit beside the sandbox fixtures (it shares their council and
 * teams), but not beside a different synthetic population: their people would have the same
 * ids and NHS numbers. Reset the store to change the size or the seed.
 */
export async function loadSyntheticPopulation(
  store: Store,
  opts: SyntheticOptions,
  onProgress?: (p: BulkLoadProgress) => void,
): Promise<BulkLoadResult & { name: string }> {
  const population = new SyntheticPopulation(opts);
  const other = (await loadedDatasets(store)).find((d) => d.name.startsWith('synthetic/') && d.name !== population.name);
  if (other) {
    throw new SyntheticLoadError(
      `this store already holds another synthetic population (${other.name}); reset it (npm run reset, or a new DATA_DIR / database) to load ${population.name}`,
    );
  }
  function* parts() {
    yield population.base();
    yield* population.batches(BATCH_PEOPLE);
  }
  const result = await loadDatasetStream(store, population.name, parts(), { organisationsIfMissing: true, onProgress });
  return { ...result, name: population.name };
}
