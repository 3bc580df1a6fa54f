import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The embedded store's cluster template: a new cluster made by initdb (about seven seconds of CPU:
 * PostgreSQL's initdb run as WebAssembly) is saved once, as it is before any migration or data, and
 * every later new store is loaded from it (about a second). pgliteWorker.js loads and saves it;
 * this file says which template fits, and whether a data directory is new.
 */

/**
 * What shapes the cluster initdb makes, as the worker passes it to PGlite: the user, the database,
 * the extensions and initdb's own arguments (username, database, extensions, initDbStartParams).
 * Empty: PGlite's defaults (user and database `postgres`, no extensions). The start-up options
 * (startParams: shared_buffers, fsync) are not here: PostgreSQL reads them at every start, not at
 * initdb, so one template serves every EMBEDDED_SHARED_BUFFERS_MB and EMBEDDED_FSYNC.
 */
export const CLUSTER_OPTIONS: Readonly<Record<string, unknown>> = Object.freeze({});

/** The installed PGlite's version: a template made by another one is never loaded. */
export function pgliteVersion(): string {
  const main = require.resolve('@electric-sql/pglite');
  // dist/index.cjs -> the package's own package.json (its exports do not offer it to require()).
  const pkg = JSON.parse(fs.readFileSync(path.join(path.dirname(main), '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * The template's file in dir for this PGlite version and these cluster options: both are in the
 * name, so an upgraded PGlite or changed options look for another file and never load an old one.
 */
export function templateFile(dir: string, version = pgliteVersion(), options: Readonly<Record<string, unknown>> = CLUSTER_OPTIONS): string {
  const canonical = JSON.stringify(Object.keys(options).sort().map((k) => [k, options[k]]));
  const hash = createHash('sha256').update(canonical).digest('hex').slice(0, 16);
  return path.join(dir, `pglite-${version.replace(/[^\w.-]/g, '_')}-${hash}.tar.gz`);
}

/** PostgreSQL's own top-level entries: one of them in a data directory means a cluster is (or was) there. */
const CLUSTER_ENTRIES = ['PG_VERSION', 'base', 'global', 'pg_wal'];

/**
 * Whether the data directory holds no cluster, not even part of one. The facade's own files (its
 * lock, the sandbox's signing key) do not count; anything of PostgreSQL's leaves the directory to
 * PGlite, as before templates, so a template is never written over a cluster.
 */
export function holdsNoCluster(dataDir: string): boolean {
  return CLUSTER_ENTRIES.every((name) => !fs.existsSync(path.join(dataDir, name)));
}

/** The names in a directory now, to remove later what a failed load added (and nothing else). */
export function entriesOf(dir: string): Set<string> {
  return new Set(fs.readdirSync(dir));
}

export function removeEntriesAddedSince(dir: string, before: Set<string>): void {
  for (const name of fs.readdirSync(dir)) {
    if (!before.has(name)) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
  }
}
