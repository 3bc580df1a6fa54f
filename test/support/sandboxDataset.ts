import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { Dataset, DATASET_PARTS, DatasetPart, emptyDataset } from '../../src/domain/dataset';
import { loadSandbox } from '../../src/services/imports/sandbox';
import { EntityKind } from '../../src/store/criteria';
import { openTestStore } from './stores';

export const SANDBOX_COUNCIL_FILES = path.join(__dirname, '..', '..', 'fixtures', 'sandbox', 'council');

const KIND_OF: Record<DatasetPart, EntityKind> = {
  organisations: 'organisation',
  workers: 'worker',
  people: 'person',
  carePackages: 'carePackage',
  safeguardingConcerns: 'safeguardingConcern',
  assessments: 'assessment',
  careRelationships: 'careRelationship',
};

let imported: Promise<Dataset> | undefined;

/**
 * The sandbox as its import leaves it, as a dataset: what tests compare answers with, read from a
 * store the sandbox's files were imported into (once per test file).
 */
export function sandboxDataset(): Promise<Dataset> {
  imported ??= (async () => {
    const t = await openTestStore('pglite');
    try {
      await loadSandbox(t.store);
      const dataset = emptyDataset();
      for (const part of DATASET_PARTS) {
        const found = await t.store.search(KIND_OF[part], [], { limit: 100_000, offset: 0 });
        (dataset[part] as unknown[]) = found.records.map((r) => r.record);
      }
      return dataset;
    } finally {
      await t.close();
    }
  })();
  return imported;
}

/** The rows of one of the sandbox council's files, as objects by header (for tests that need no store). */
export function sandboxRows(file: 'cld.csv' | 'cqc-directory.csv' | 'allocations.csv'): Record<string, string>[] {
  const text = fs.readFileSync(path.join(SANDBOX_COUNCIL_FILES, file), 'utf8');
  const body = file === 'cqc-directory.csv' ? text.slice(text.indexOf('\nName,') + 1) : text;
  return parse(body, { bom: true, columns: true }) as Record<string, string>[];
}
