import type { LoadResult } from './load';
import type { ImportFigures } from './imports';
import type { StartupFigures } from './startup';
import type { WriteFigures } from './writes';

/** What one benchmark run was asked to do, and what it measured: written by run.ts, rendered by report.ts. */

export interface Settings {
  mode: 'quick' | 'full';
  connections: number;
  rounds: number;
  roundSeconds: number;
  warmupSeconds: number;
  smallPeople: number;
  largePeople: number;
  tokenSeconds: number;
  tokenAmount: number;
  noticeSeconds: number;
  noticeAmount: number;
  /** How many different NHS numbers the front-door load rotates over. */
  rotation: number;
  /** Write V8 CPU profiles of the facade (node --cpu-prof) to bench/results/profile/. */
  profile: boolean;
  /** `--startup`: only the first start and the restart (bench/results/latest[-postgres]-startup.*). */
  startupOnly: boolean;
  /** People in the generated council files the import is measured with (0: not measured). */
  importPeople: number;
  /** `--imports`: only the import (bench/results/latest[-postgres]-imports.*). */
  importsOnly: boolean;
  /** `--writes`: only the council's writes, on both stores (bench/results/latest-writes.*). */
  writesOnly: boolean;
  /** Transaction Bundles of 100 entries the writes round sends. */
  writeBundles: number;
}

export interface FrontDoor {
  people: number;
  store: string;
  bodyBytes: number;
  facade: LoadResult[];
  bare: LoadResult[];
  rpsFacade: number;
  rpsBare: number;
  ratio: number;
  p50: number;
  p99: number;
  bareP50: number;
  bareP99: number;
  /** Facade process memory when ready, before any load. */
  idleRssMb?: number;
  /** Facade process memory after the front-door load. */
  rssMb?: number;
  peakRssMb?: number;
  /** ms from spawning `node dist/main.js` to the first 200 from /fhir/metadata, on an existing store. */
  readyMs?: number;
  /** The same on an empty store, including the synthetic load (small population only). */
  firstStartMs?: number;
  /** The front door with the lookup cache off (LOOKUP_CACHE_SECONDS=0): every request goes to the store. */
  uncached?: LoadResult;
  /** The whole A&E picture in one request (wholePicturePath), cache on, same people. */
  wholePicture?: LoadResult;
}

export interface Report {
  date: string;
  mode: string;
  machine: { cpus: string; cores: number; memoryGb: number; node: string; os: string; loadAverage: number[] };
  /** `both` for the writes round, which measures each store in turn. */
  driver: 'pglite' | 'postgres' | 'both';
  settings: Settings;
  frontDoor: FrontDoor[];
  token?: LoadResult & { connections: number };
  notices?: (LoadResult & { connections: number }) | { skipped: string };
  npmStartReadyMs?: number;
  /** The sandbox's first start on an empty store, and a restart on what it left. */
  startup?: StartupFigures;
  /** The council's files imported: first load, again, 1 % changed, lookups during an import. */
  imports?: ImportFigures;
  /** The council's writes through the FHIR API, one entry per store. */
  writes?: WriteFigures[];
  generation?: { people: number; seconds: number; cached: boolean; where: string };
  notes: string[];
}
