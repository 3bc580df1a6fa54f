import path from 'node:path';
import { Express } from 'express';
import pino from 'pino';
import request from 'supertest';
import { createApp, AppDeps } from '../../src/app';
import { Config, loadConfig } from '../../src/config';
import { loadFixtures } from '../../src/store/openStore';
import { DriverName, openTestStore, TestStore } from './stores';

export const SANDBOX_FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'sandbox', 'dataset.json');
export const BASE_URL = 'http://facade.test';

export interface TestApp {
  app: Express;
  config: Config;
  testStore: TestStore;
  /** supertest agent bound to the app. */
  http: ReturnType<typeof request>;
  close(): Promise<void>;
}

/** The app over a fresh store of the given driver, with the sandbox fixtures loaded. */
export async function startTestApp(driver: DriverName, deps: Partial<AppDeps> = {}, env: NodeJS.ProcessEnv = {}): Promise<TestApp> {
  const testStore = await openTestStore(driver);
  await loadFixtures(testStore.store, SANDBOX_FIXTURES);
  const config = loadConfig({ PUBLIC_BASE_URL: BASE_URL, FIXTURES_FILE: 'none', LOG_LEVEL: 'silent', ...env });
  const app = createApp(config, { store: testStore.store, logger: pino({ level: 'silent' }), ...deps });
  return { app, config, testStore, http: request(app), close: () => testStore.close() };
}
