import { CarePackage } from './carePackage';
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
}
