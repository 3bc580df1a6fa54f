import { loadConfig } from '../config';
import { loadFixtures, openStore } from '../store/openStore';

/**
 * `npm run reset`: empties the configured store (embedded or PostgreSQL) and loads the fixtures
 * again, so the sandbox is as it was on first start. Stop the facade first when it uses the
 * embedded store: only one process may open a data directory.
 */
async function reset() {
  const config = loadConfig();
  // A reset or a large load runs long statements on purpose: no statement timeout for them.
  const store = await openStore({ ...config, database: { ...config.database, statementTimeoutMs: 0 } });
  try {
    await store.clear();
    if (config.fixturesFile) {
      await loadFixtures(store, config.fixturesFile);
      console.log(`Reset: reloaded ${config.fixturesFile}`);
    } else {
      console.log('Reset: store emptied (FIXTURES_FILE=none)');
    }
  } finally {
    await store.close();
  }
}

reset().catch((err) => {
  console.error(`Reset failed: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
