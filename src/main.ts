// First, before any module that needs a newer Node loads.
import './runtime';
import { loadClients } from './auth/clients';
import { loadSigningKey } from './auth/signingKey';
import { ConfigError, deploymentProblems, loadConfig } from './config';
import { auditRecorder, createApp } from './app';
import { createFacadeServer, ListenError } from './http/server';
import { configForLog, createLogger } from './logging';
import { version } from './version';
import { purgeExpiredAudit } from './audit/retention';
import { DatasetError, loadFixtures, openStore } from './store/openStore';
import { DataDirLockedError } from './store/dataDirLock';
import { EmbeddedDriver } from './store/pgliteThread';
import { Store } from './store/store';
import { loadSyntheticPopulation, SyntheticLoadError } from './synthetic/load';
import { loadSandbox, SandboxLoadError } from './services/imports/sandbox';
import { announceRunningFacade, runDir } from './cli/runningFacade';

/** Reads config, opens the store (importing the sandbox council's files on first start) and listens. */
async function main() {
  const config = loadConfig();
  const problems = deploymentProblems(config);
  if (problems.length) {
    // Every problem at once, so that one restart after fixing them is enough.
    for (const problem of problems) console.error(`Cannot start: ${problem}`);
    process.exit(1);
  }
  const logger = createLogger(config.logLevel);
  const started = Date.now();
  // What this process runs with, as one line (secrets left out), for whoever reads why it behaves so.
  logger.info({ version, node: process.version, config: configForLog(config) }, 'starting the social-care FHIR facade');
  const clients = loadClients(config.auth.clientsFile);
  const signingKey = await loadSigningKey(config.auth.signingKey, (message) => logger.warn(message));
  if (config.auth.sandboxClients) {
    logger.warn({ clients: config.auth.clientsFile }, 'trusting the SANDBOX clients, whose private keys are published: set CLIENTS_FILE outside the sandbox');
  }
  if (config.databaseUrl && config.auth.signingKey.create) {
    logger.warn(
      { signingKey: config.auth.signingKey.file },
      'TOKEN_SIGNING_KEY_FILE is not set: instances sharing this database accept each other\'s tokens only if they share this key file',
    );
  }
  // Without its store the facade can answer nothing, not even with an audit record: it stops, for
  // whatever supervises it (systemd, Kubernetes, Docker) to start it again.
  const store = await openStore(config, (err) => {
    logger.fatal({ err }, 'the embedded store has stopped; exiting');
    process.exit(1);
  });
  if (store.db.kind === 'pglite') {
    const { made, template, problems } = (store.db as EmbeddedDriver).cluster;
    // Debug: a cache that cannot be written (a read-only image) is expected and costs only time.
    for (const problem of problems) logger.debug({ template }, problem);
    if (made !== 'existing') logger.info({ made, template }, made === 'template' ? 'created the store from the cluster template' : 'created the store with initdb');
  }
  // First-start loads are long on purpose (a synthetic population is minutes of inserts in one
  // transaction, and waits for another instance loading the same): they go through the store's
  // connection without the request path's statement timeouts. Its change notice (NOTIFY) reaches
  // this store too; nothing has been cached yet anyway.
  const loader = new Store(store.db.maintenance?.() ?? store.db);
  // One trail and one recorder for the process: the sandbox's imports, the app's requests, the server's refusals and the purge.
  const audit = auditRecorder(config, store);
  if (config.sandboxData) {
    // Through the council import path, as a council's own files arrive (runImport uses the maintenance connection itself).
    const sandbox = await loadSandbox(store, audit);
    if (sandbox.loaded) logger.info({ imports: sandbox.reports.map((r) => ({ kind: r.kind, importId: r.importId, changes: r.changes })) }, 'imported the sandbox council');
  }
  if (config.fixturesFile && (await loadFixtures(loader, config.fixturesFile))) {
    logger.info({ fixtures: config.fixturesFile }, 'loaded fixtures into an empty store');
  }
  if (config.synthetic) {
    const { people, seed } = config.synthetic;
    const result = await loadSyntheticPopulation(loader, { people, seed }, (p) => logger.debug(p, 'loading the synthetic population'));
    if (result.loaded) logger.info({ dataset: result.name, people: result.people, rows: result.rows, ms: result.ms }, 'loaded a synthetic population');
  }
  // Readiness fails from the moment the server begins its graceful shutdown (asked only once it listens).
  const app = createApp(config, { store, logger, signingKey, clients, audit, stopping: () => facade.stopping });
  const facade = createFacadeServer(app, config.http, { logger, audit });
  try {
    await facade.listen(config.port);
  } catch (err) {
    // Not listening, the facade is of no use: say why and stop, for the supervisor to see.
    await store.close().catch(() => undefined);
    throw err;
  }
  logger.info(
    { port: config.port, fhirBase: config.fhirBaseUrl, store: config.databaseUrl ? 'postgresql' : config.dataDir, ms: Date.now() - started },
    'social-care FHIR facade ready',
  );
  // For `npm run token` in another terminal: where this facade is, whatever PORT it was given.
  let withdraw = () => {};
  try {
    withdraw = announceRunningFacade(runDir(), config.fhirBaseUrl.replace(/\/fhir$/, ''));
  } catch (err) {
    logger.warn({ err }, `cannot write ${runDir()}: npm run token needs --base or PORT to find this facade`);
  }
  // The retention purge runs at start and then daily; it records itself in the trail.
  const purge = () =>
    purgeExpiredAudit(store.accessRecords, config.auditRetentionDays, audit)
      .then((removed) => logger.info({ removed, retentionDays: config.auditRetentionDays }, 'audit retention purge'))
      .catch((err) => logger.error({ err }, 'audit retention purge failed'));
  void purge();
  setInterval(purge, 86_400_000).unref();
  // Requests whose connection is closed before their answer is complete once stopping has begun:
  // the shutdown line says how many were cut off (0 is a clean stop).
  let stoppingSince: number | undefined;
  let cutOff = 0;
  let inFlight = 0;
  facade.server.on('request', (_req, res) => {
    inFlight++;
    res.once('close', () => {
      inFlight--;
      if (stoppingSince !== undefined && !res.writableFinished) cutOff++;
    });
  });
  const stop = (signal: NodeJS.Signals) => {
    if (stoppingSince !== undefined) {
      // A second signal: stop waiting for requests in flight.
      logger.warn({ signal }, 'second signal: closing the connections still open');
      facade.hurry();
      return;
    }
    stoppingSince = Date.now();
    withdraw();
    logger.info({ signal, inFlight, deadlineMs: config.http.shutdownTimeoutMs }, 'stopping: finishing the requests in flight');
    // Should closing the store hang too (a frozen database), the process still ends.
    setTimeout(() => {
      logger.error('the store did not close in time; exiting');
      process.exit(1);
    }, config.http.shutdownDrainMs + config.http.shutdownTimeoutMs + 5_000).unref();
    facade
      .shutdown()
      .then(() => store.close())
      .then(
        () => {
          logger.info({ signal, ms: Date.now() - stoppingSince!, requestsCutOff: cutOff }, 'stopped');
          process.exit(0);
        },
        (err) => {
          logger.error({ err }, 'closing the store failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err) => {
  if (err instanceof ConfigError || err instanceof DatasetError || err instanceof SandboxLoadError || err instanceof SyntheticLoadError || err instanceof DataDirLockedError || err instanceof ListenError) {
    console.error(`Cannot start: ${err.message}`);
  } else {
    // Through the logger's error serializer: a database error's detail may quote records.
    createLogger('fatal').fatal({ err }, 'cannot start');
  }
  process.exit(1);
});
