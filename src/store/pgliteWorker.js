// The embedded store's own thread: PGlite runs PostgreSQL (WebAssembly) synchronously on whichever
// thread calls it, so on the request thread every statement stops every request. Here it runs beside
// the request thread, which only posts statements and awaits their rows (see pgliteThread.ts).
//
// Plain JavaScript, run as it is by worker_threads both from dist/ and under the test runner.
//
// Messages in:  { id, op: 'query' | 'exec' | 'begin' | 'commit' | 'rollback' | 'close', tx?, sql?, params? }
// Messages out: { id, rows? } on success, { id, error: { message, code, ... } } on failure,
//               and once at start { ready: true } or { ready: false, error }.
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
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

async function start() {
  const options = { startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${workerData.sharedBuffersMb}MB`] };
  try {
    db = workerData.dataDir ? new PGlite(workerData.dataDir, options) : new PGlite(options);
    await db.waitReady;
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
  parentPort.postMessage({ ready: true });
}

start();
