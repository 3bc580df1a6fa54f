import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { DEFAULT_EMBEDDED_SHARED_BUFFERS_MB, DEFAULT_EMBEDDED_TEMPLATE_DIR } from '../config';
import { CLUSTER_OPTIONS, entriesOf, holdsNoCluster, removeEntriesAddedSince, templateFile } from './clusterTemplate';
import { DataDirLock, lockDataDir } from './dataDirLock';
import { SqlDriver, SqlExecutor, SqlValue } from './sqlDriver';
import { StatementListeners } from './statementListeners';

type Operation = 'query' | 'exec' | 'begin' | 'commit' | 'rollback' | 'syncs' | 'close';

interface Reply {
  id?: number;
  rows?: unknown[];
  error?: Record<string, unknown> & { message: string };
  ready?: boolean;
  cluster?: Omit<ClusterOrigin, 'template'>;
}

/** How the embedded store's cluster came to be when it was opened, for the start-up log and the tests. */
export interface ClusterOrigin {
  /** Reopened as it was; made by initdb (and saved as the template when one is kept); loaded from the template. */
  made: 'existing' | 'initdb' | 'template';
  /** The template file this store looked for, if templates are kept (EMBEDDED_TEMPLATE_DIR). */
  template?: string;
  /** What went wrong with the template without stopping the start: a bad one replaced, a cache that cannot be written. */
  problems: string[];
}

/** A database error from the store's thread, with PostgreSQL's fields (code, constraint, ...) as they came. */
function asError(data: Reply['error']): Error {
  return Object.assign(new Error(data!.message), data);
}

export interface EmbeddedDriver extends SqlDriver {
  hostSyncs(): Promise<{ files: number; directories: number }>;
  readonly cluster: ClusterOrigin;
}

/**
 * The embedded store on a thread of its own (pgliteWorker.js). PGlite runs PostgreSQL synchronously
 * on the calling thread, so in the request thread every statement, the audit trail's inserts
 * included, stops every request for its duration; here the request thread only posts statements
 * and awaits their rows, and goes on serving meanwhile. Same SQL, same transactions (PGlite's own,
 * held on that thread until this side commits or rolls back), same errors.
 */
export async function openPgliteThread(
  dataDir?: string,
  sharedBuffersMb = DEFAULT_EMBEDDED_SHARED_BUFFERS_MB,
  /** Told once if the thread stops unasked (a crash): the store will answer nothing from then on. */
  onFailure?: (err: Error) => void,
  /** Commits reach the disk before they are acknowledged (EMBEDDED_FSYNC); meaningless in memory. */
  fsync = true,
  /** Where the cluster template is kept (EMBEDDED_TEMPLATE_DIR); false makes every new cluster with initdb. */
  templateDir: string | false = DEFAULT_EMBEDDED_TEMPLATE_DIR,
): Promise<EmbeddedDriver> {
  let lock: DataDirLock | undefined;
  if (dataDir) {
    fs.mkdirSync(dataDir, { recursive: true });
    // Before PGlite touches the directory: a second opener must not even start recovery in it.
    lock = lockDataDir(dataDir);
  }
  try {
    const fresh = !dataDir || holdsNoCluster(dataDir);
    const template = fresh && templateDir ? templateFile(templateDir) : undefined;
    const start = (use?: { file: string; load: boolean }) => startThread({ dataDir, sharedBuffersMb, fsync, fresh, template: use }, lock, onFailure);
    if (!template) return await start();
    if (!fs.existsSync(template)) return withTemplate(await start({ file: template, load: false }), template);
    const before = dataDir ? entriesOf(dataDir) : undefined;
    try {
      return withTemplate(await start({ file: template, load: true }), template);
    } catch (err) {
      // A truncated, damaged or foreign template must not stop the start: it goes, whatever it left
      // in the (new) data directory goes, and the cluster is made by initdb and saved afresh. Any
      // failure counts, as a bad tar can end the thread outright; a failure that is not the
      // template's comes back from the second attempt.
      fs.rmSync(template, { force: true });
      if (dataDir && before) removeEntriesAddedSince(dataDir, before);
      const driver = withTemplate(await start({ file: template, load: false }), template);
      driver.cluster.problems.unshift(`the cluster template ${template} could not be loaded and was made again: ${(err as Error).message}`);
      return driver;
    }
  } catch (err) {
    lock?.release();
    throw err;
  }
}

function withTemplate(driver: EmbeddedDriver, template: string): EmbeddedDriver {
  driver.cluster.template = template;
  return driver;
}

interface ThreadData {
  dataDir?: string;
  sharedBuffersMb: number;
  fsync: boolean;
  /** No cluster in the data directory (or none at all: in memory): initdb or the template makes one. */
  fresh: boolean;
  template?: { file: string; load: boolean };
}

async function startThread(data: ThreadData, lock: DataDirLock | undefined, onFailure?: (err: Error) => void): Promise<EmbeddedDriver> {
  const worker = new Worker(path.join(__dirname, 'pgliteWorker.js'), { workerData: { ...data, clusterOptions: CLUSTER_OPTIONS } });
  let cluster: ClusterOrigin = { made: data.fresh ? 'initdb' : 'existing', problems: [] };
  const pending = new Map<number, { resolve(rows: unknown[] | undefined): void; reject(err: Error): void; started: number }>();
  const statements = new StatementListeners();
  let nextId = 1;
  let stopped: Error | undefined;

  await new Promise<void>((resolve, reject) => {
    const failed = (err: Error) => {
      void worker.terminate();
      reject(err);
    };
    worker.once('error', failed);
    worker.once('exit', (code) => failed(new Error(`the embedded store's thread exited (${code}) while opening`)));
    worker.once('message', (m: Reply) => {
      worker.removeAllListeners('error').removeAllListeners('exit');
      if (m.cluster) cluster = { ...m.cluster, problems: [...m.cluster.problems] };
      if (m.ready) return resolve();
      // A thread that failed to open may still throw as it goes (PGlite unpacking a foreign template
      // fails twice: once in its answer, once in an unhandled stream error); unheard, that error
      // would end this process.
      worker.on('error', () => undefined);
      void worker.terminate().finally(() => reject(asError(m.error)));
    });
  });

  const stop = (err: Error) => {
    stopped = err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  worker.on('message', (m: Reply) => {
    const p = pending.get(m.id!);
    if (!p) return;
    pending.delete(m.id!);
    statements.answered(p.started, !!m.error);
    if (m.error) p.reject(asError(m.error));
    else p.resolve(m.rows);
    // An idle store does not keep the process alive; a statement in flight does.
    if (pending.size === 0) worker.unref();
  });
  const failed = (err: Error) => {
    if (stopped) return;
    stop(err);
    onFailure?.(err);
  };
  worker.on('error', (err) => failed(new Error(`the embedded store's thread failed: ${err.message}`)));
  worker.on('exit', (code) => failed(new Error(`the embedded store's thread has stopped (exit ${code})`)));
  worker.unref();

  /** Posts one operation; `sent` is its id (a transaction is known by the id of its begin). */
  const post = (op: Operation, fields: { tx?: number; sql?: string; params?: SqlValue[] } = {}) => {
    const id = nextId++;
    const done = new Promise<unknown[] | undefined>((resolve, reject) => {
      if (stopped) return reject(stopped);
      if (pending.size === 0) worker.ref();
      pending.set(id, { resolve, reject, started: performance.now() });
      worker.postMessage({ id, op, ...fields });
    });
    return { sent: id, done };
  };
  const send = (op: Operation, fields: { tx?: number; sql?: string; params?: SqlValue[] } = {}) => post(op, fields).done;
  const executor = (tx?: number): SqlExecutor => ({
    async query<Row>(sql: string, params: SqlValue[] = []) {
      return (await send('query', { tx, sql, params })) as Row[];
    },
    async exec(sql: string) {
      await send('exec', { tx, sql });
    },
  });

  return {
    kind: 'pglite',
    cluster,
    ...executor(),
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      const begin = post('begin');
      const tx = begin.sent;
      await begin.done;
      let result: T;
      try {
        result = await fn(executor(tx));
      } catch (err) {
        await send('rollback', { tx }).catch(() => undefined);
        throw err;
      }
      await send('commit', { tx });
      return result;
    },
    /** How many host fsyncs (files, directories) the store's thread has made: 0 and 0 with EMBEDDED_FSYNC off. */
    async hostSyncs() {
      return ((await send('syncs')) as { files: number; directories: number }[])[0];
    },
    // One process owns an embedded store, so there is nobody else to hear from.
    listen: async () => undefined,
    onStatement: (listener) => statements.add(listener),
    async close() {
      try {
        if (stopped) return;
        await send('close');
        stop(new Error("the embedded store's thread has stopped (closed)"));
        await worker.terminate();
      } finally {
        lock?.release();
      }
    },
  };
}
