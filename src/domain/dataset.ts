import { Assessment } from './assessment';
import { CarePackage } from './carePackage';
import { CareRelationship } from './carer';
import { Organisation } from './organisation';
import { Person } from './person';
import { SafeguardingConcern } from './safeguarding';
import { Worker } from './worker';

/** Everything the facade serves about a council's population: what fixtures and generators produce. */
export interface Dataset {
  organisations: Organisation[];
  workers: Worker[];
  people: Person[];
  carePackages: CarePackage[];
  safeguardingConcerns: SafeguardingConcern[];
  assessments: Assessment[];
  careRelationships: CareRelationship[];
}

export type DatasetPart = keyof Dataset;

/** The parts of a dataset, each a list of records. */
export const DATASET_PARTS = ['organisations', 'workers', 'people', 'carePackages', 'safeguardingConcerns', 'assessments', 'careRelationships'] as const;

// A part added to Dataset but not to the list above fails to compile here.
type Unlisted = Exclude<DatasetPart, (typeof DATASET_PARTS)[number]>;
const everyPartListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyPartListed;

/** A dataset with every part empty. */
export function emptyDataset(): Dataset {
  return Object.fromEntries(DATASET_PARTS.map((part) => [part, []])) as unknown as Dataset;
}

/** Adds each part of one dataset to the same part of another (in place: `into` grows). */
export function appendDataset(into: Dataset, from: Dataset): void {
  for (const part of DATASET_PARTS) (into[part] as unknown[]).push(...from[part]);
}
