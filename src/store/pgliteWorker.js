// The embedded store's own thread: PGlite runs PostgreSQL (WebAssembly) synchronously on whichever
// thread calls it, so on the request thread every statement stops every request. Here it runs beside
// the request thread, which only posts statements and awaits their rows (see pgliteThread.ts).
//
// Plain JavaScript, run as it is by worker_threads both from dist/ and under the test runner.
//
// Messages in:  { id, op: 'query' | 'exec' | 'begin' | 'commit' | 'rollback' | 'syncs' | 'close', tx?, sql?, params? }
// Messages out: { id, rows? } on success, { id, error: { message, code, ... } } on failure,
//               and once at start { ready: true, cluster } or { ready: false, error }.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const { parentPort, threadId, workerData } = require('node:worker_threads');
const { PGlite } = require('@electric-sql/pglite');

/** Open transactions by the id of the message that began them. */
const transactions = new Map();
let db;

/** What the request thread needs of a database error: the fields PostgreSQL reports (code 23505, ...). */
function errorData(err) {
  const out = { message: err && err.message ? err.message : String(err) };
  for (const key of ['name', 'code', 'detail', 'hint', 'severity', 'constraint', 'table', 'column', 'schema', 'position', 'where', 'routine']) {
    if (err && err[key] !== undefined) out[key] = err[key];
  }
  return out;
}

async function handle(m) {
  switch (m.op) {
    case 'query': {
      const on = m.tx === undefined ? db : transactionOf(m.tx).tx;
      return (await on.query(m.sql, m.params)).rows;
    }
    case 'exec': {
      const on = m.tx === undefined ? db : transactionOf(m.tx).tx;
      await on.exec(m.sql);
      return undefined;
    }
    case 'begin': {
      // PGlite's transaction() holds the database for its callback; the callback here waits for the
      // commit or rollback message, so everything else queues behind the transaction as before.
      let opened;
      const started = new Promise((resolve) => (opened = resolve));
      const entry = {};
      entry.finished = db.transaction(
        (tx) =>
          new Promise((resolve, reject) => {
            Object.assign(entry, { tx, resolve, reject });
            opened();
          }),
      );
      transactions.set(m.id, entry);
      // BEGIN itself may fail: then the transaction is over before it started.
      await Promise.race([started, entry.finished]);
      return undefined;
    }
    case 'commit': {
      const entry = transactionOf(m.tx);
      transactions.delete(m.tx);
      entry.resolve();
      await entry.finished;
      return undefined;
    }
    case 'rollback': {
      const entry = transactionOf(m.tx);
      transactions.delete(m.tx);
      entry.reject(new RollbackRequested());
      await entry.finished.catch((err) => {
        if (!(err instanceof RollbackRequested)) throw err;
      });
      return undefined;
    }
    case 'syncs':
      return [{ ...hostSyncs }];
    case 'close':
      await db.close();
      return undefined;
    default:
      throw new Error(`unknown operation ${m.op}`);
  }
}

class RollbackRequested extends Error {}

function transactionOf(id) {
  const entry = transactions.get(id);
  if (!entry) throw new Error(`no open transaction ${id}`);
  return entry;
}

/**
 * PGlite starts PostgreSQL with -F (fsync off), and beneath it Emscripten's NODEFS has no fsync at
 * all: a commit is acknowledged once it is in the operating system's cache, and an OS crash or power
 * cut loses it (notices the hospital was told were received, audit records). With EMBEDDED_FSYNC on
 * (the default) PostgreSQL syncs again, the WAL with fsync() (Emscripten's fdatasync is a stub that
 * syncs nothing; fsync goes to the file system's stream operations), and those operations are given
 * the fsync that NODEFS lacks.
 */
const FSYNC_PARAMS = ['-c', 'fsync=on', '-c', 'wal_sync_method=fsync', '-c', 'synchronous_commit=on'];

function startParams() {
  const base = PGlite.defaultStartParams.filter((p) => !(workerData.fsync && p === '-F'));
  return [...base, ...(workerData.fsync ? FSYNC_PARAMS : []), '-c', `shared_buffers=${workerData.sharedBuffersMb}MB`];
}

/** The host fsyncs performed, for a test (or an operator) to see that the hook is in place and used. */
const hostSyncs = { files: 0, directories: 0 };

/** Gives the data directory's file system a real fsync (fs.fsyncSync on the host file), unless it has one. */
function syncToDisk(pg) {
  const FS = pg.mod && pg.mod.FS;
  let type;
  try {
    // PGlite mounts the data directory at /pglite/data; the mount's type is the file system (NODEFS).
    type = FS.lookupPath('/pglite/data').node.mount.type;
  } catch {
    type = undefined;
  }
  const ops = type && type.stream_ops;
  if (!ops) {
    throw new Error('cannot make the embedded store sync to disk with this PGlite version; set EMBEDDED_FSYNC=off to run without (an OS crash may lose commits)');
  }
  if (ops.fsync) return;
  /** The host path of a node: NODEFS's own realPath, else the mount's root plus the node's path below it. */
  const hostPath = (node) => {
    if (typeof type.realPath === 'function') return type.realPath(node);
    const parts = [];
    for (let n = node; n.parent !== n; n = n.parent) parts.unshift(n.name);
    return require('node:path').join(node.mount.opts.root, ...parts);
  };
  ops.fsync = (stream) => {
    const directory = FS.isDir(stream.node.mode);
    try {
      if (stream.nfd !== undefined) {
        fs.fsyncSync(stream.nfd);
      } else {
        // PostgreSQL syncs directories after renames (a new WAL segment, a checkpoint's files); without
        // it those renames could be lost. PGlite 0.5's NODEFS opens directories on the host too, so they
        // arrive above with a descriptor (the tests count them); an Emscripten that opens only files
        // leaves none, and then the host directory is opened read-only, synced and closed here.
        const fd = fs.openSync(hostPath(stream.node), 'r');
        try {
          fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
      }
      if (directory) hostSyncs.directories++;
      else hostSyncs.files++;
    } catch (err) {
      // Directories cannot be synced everywhere (Windows); a file that cannot be is an I/O error,
      // on which PostgreSQL stops rather than acknowledge what may be lost.
      if (directory) return 0;
      throw new FS.ErrnoError(29 /* EIO */);
    }
    return 0;
  };
}

/**
 * Opens the cluster, from the template when the request thread found one that fits (workerData.template,
 * see clusterTemplate.ts), and says how it was made: { made: 'existing' | 'initdb' | 'template', problems }.
 */
async function openCluster(options) {
  const { dataDir, template } = workerData;
  const open = async (extra) => {
    const pg = dataDir ? new PGlite(dataDir, { ...options, ...extra }) : new PGlite({ ...options, ...extra });
    await pg.waitReady;
    return pg;
  };
  if (!template) return { db: await open({}), made: workerData.fresh ? 'initdb' : 'existing', problems: [] };
  if (template.load) {
    // Unpacked here rather than by PGlite: zlib checks the gzip's length and CRC, so a truncated or
    // damaged file fails with an error before anything is written, where PGlite's own unpacking
    // fails on an unhandled stream error that would end the thread.
    const tar = zlib.gunzipSync(fs.readFileSync(template.file));
    // A whole gzip of something else: refused here, as PGlite would take it for a compressed tar
    // and fail on an unhandled error.
    if (tar.length < 512 || tar.toString('latin1', 257, 262) !== 'ustar') throw new Error('the cluster template holds no tar archive');
    return { db: await open({ loadDataDir: tarBlob(tar) }), made: 'template', problems: [] };
  }
  // No template yet: initdb in memory, where the cluster holds nothing but itself (a data directory
  // may also hold the facade's lock and the sandbox's signing key, which must not be copied into
  // every later store), saved before any migration or data, then loaded where it is wanted.
  const problems = [];
  const fresh = await PGlite.create({ ...options });
  let tar;
  try {
    await fresh.exec('CHECKPOINT');
    tar = Buffer.from(await (await fresh.dumpDataDir('none')).arrayBuffer());
    saveTemplate(template.file, zlib.gzipSync(tar, { level: 1 }));
  } catch (err) {
    // A cache that cannot be written (a read-only node_modules in an image, a full disk) costs the
    // next start its initdb, nothing more.
    problems.push(`cannot save the cluster template ${template.file}: ${err && err.message ? err.message : err}`);
  }
  if (!dataDir) return { db: fresh, made: 'initdb', problems };
  await fresh.close();
  return { db: await open(tar ? { loadDataDir: tarBlob(tar) } : {}), made: 'initdb', problems };
}

function tarBlob(tar) {
  return new Blob([tar], { type: 'application/x-tar' });
}

/** Writes the template whole or not at all: a temporary file, synced, renamed over the name. */
function saveTemplate(file, data) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}-${threadId}.tmp`;
  try {
    const fd = fs.openSync(tmp, 'w', 0o644);
    try {
      fs.writeSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

async function start() {
  const options = { ...workerData.clusterOptions, startParams: startParams() };
  let cluster;
  try {
    const opened = await openCluster(options);
    db = opened.db;
    cluster = { made: opened.made, problems: opened.problems };
    if (workerData.dataDir && workerData.fsync) {
      syncToDisk(db);
      // What start-up wrote (a new directory's initdb, a recovery) before syncing was possible.
      await db.exec('CHECKPOINT');
    }
  } catch (err) {
    parentPort.postMessage({ ready: false, error: errorData(err) });
    return;
  }
  parentPort.on('message', (m) => {
    handle(m).then(
      (rows) => parentPort.postMessage({ id: m.id, rows }),
      (err) => parentPort.postMessage({ id: m.id, error: errorData(err) }),
    );
  });
  parentPort.postMessage({ ready: true, cluster });
}

start();
