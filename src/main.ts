import pino from 'pino';
import { ConfigError, loadConfig } from './config';
import { createApp } from './app';
import { DatasetError, loadFixtures, openStore } from './store/openStore';

/** Reads config, opens the store (loading the sandbox fixtures on first start) and listens. */
async function main() {
  const config = loadConfig();
  const logger = pino({ level: config.logLevel });
  const started = Date.now();
  const store = await openStore(config);
  if (config.fixturesFile && (await loadFixtures(store, config.fixturesFile))) {
    logger.info({ fixtures: config.fixturesFile }, 'loaded fixtures into an empty store');
  }
  const app = createApp(config, { store, logger });
  const server = app.listen(config.port, () => {
    logger.info(
      { port: config.port, fhirBase: config.fhirBaseUrl, store: config.databaseUrl ? 'postgresql' : config.dataDir, ms: Date.now() - started },
      'social-care FHIR facade ready',
    );
  });
  const stop = () => {
    server.close(() => store.close().finally(() => process.exit(0)));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err) => {
  if (err instanceof ConfigError || err instanceof DatasetError) {
    console.error(`Cannot start: ${err.message}`);
  } else {
    console.error('Cannot start:', err);
  }
  process.exit(1);
});
