import { loadConfig } from '../config';
import { loadSandbox } from '../services/imports/sandbox';
import { loadFixtures, openStore } from '../store/openStore';

/**
 * `npm run reset`: empties the configured store (embedded or PostgreSQL) and imports the sandbox
 * council's files again (and loads FIXTURES_FILE, when set), so the sandbox is as it was on first
 * start. Stop the facade first when it uses the embedded store: only one process may open a data
 * directory.
 */
async function reset() {
  const config = loadConfig();
  // A reset or a large load runs long statements on purpose: no statement timeout for them.
  const store = await openStore({ ...config, database: { ...config.database, statementTimeoutMs: 0 } });
  try {
    await store.clear();
    if (config.sandboxData) {
      await loadSandbox(store);
      console.log("Reset: imported the sandbox council's files (fixtures/sandbox/council) again");
    }
    if (config.fixturesFile) {
      await loadFixtures(store, config.fixturesFile);
      console.log(`Reset: reloaded ${config.fixturesFile}`);
    }
    if (!config.sandboxData && !config.fixturesFile) console.log('Reset: store emptied (SANDBOX_DATA=off, no FIXTURES_FILE)');
  } finally {
    await store.close();
  }
}

reset().catch((err) => {
  console.error(`Reset failed: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
