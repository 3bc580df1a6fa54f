import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Express } from 'express';
import pino from 'pino';
import request from 'supertest';
import { createApp, AppDeps } from '../../src/app';
import { Auth } from '../../src/auth/auth';
import { ClientRegistry, loadClients } from '../../src/auth/clients';
import { Config, loadConfig, SANDBOX_CLIENTS_FILE } from '../../src/config';
import { loadSandbox } from '../../src/services/imports/sandbox';
import { requestToken, TEST_CLIENTS_FILE } from './auth';
import { DriverName, openTestStore, TestStore } from './stores';

export const BASE_URL = 'http://facade.test';

export interface TestApp {
  app: Express;
  config: Config;
  testStore: TestStore;
  /** The app's authorisation layer (its verifier's counters, its token endpoint). */
  auth: Auth;
  /** supertest agent bound to the app. */
  http: ReturnType<typeof request>;
  /**
   * A real access token from the app's token endpoint, signed for with the client's test or
   * sandbox key. Default client test-system (system/*.rs, health view); default scope everything
   * the client is registered for (test/fixtures/auth/clients.json, fixtures/sandbox/clients.json).
   * Reused while it has more than half a minute to run.
   */
  token(scope?: string, clientId?: string): Promise<string>;
  /** The same, as an Authorization header value: `Bearer <token>`. */
  bearer(scope?: string, clientId?: string): Promise<string>;
  /**
   * Sends requests as a registered client: `const hospital = await t.as('sandbox-epr-rx1')`, then
   * `await hospital(t.http.get('/fhir/Patient'))`.
   */
  as(clientId: string, scope?: string): Promise<(req: request.Test) => request.Test>;
  close(): Promise<void>;
}

/**
 * The clients tests may act as: the sandbox's (fixtures/sandbox/clients.json) and the test-only
 * ones (test/fixtures/auth/clients.json), whose private keys both ship with the code.
 */
export function testClients(): ClientRegistry {
  return new ClientRegistry([...loadClients(SANDBOX_CLIENTS_FILE).all(), ...loadClients(TEST_CLIENTS_FILE).all()], 'sandbox + test clients');
}

/**
 * The app over a fresh store of the given driver, with the sandbox imported (its council's files) and the sandbox
 * and test clients registered (or the clients of env.CLIENTS_FILE). Authorisation is on, as in
 * production: FHIR requests need t.bearer() or t.as(client).
 */
export async function startTestApp(
  driver: DriverName,
  deps: Partial<AppDeps> = {},
  env: NodeJS.ProcessEnv = {},
  authOptions: { clock?: () => number } = {},
): Promise<TestApp> {
  const testStore = await openTestStore(driver);
  await loadSandbox(testStore.store);
  const config = loadConfig({
    PUBLIC_BASE_URL: BASE_URL,
    FIXTURES_FILE: 'none',
    LOG_LEVEL: 'silent',
    TOKEN_REQUESTS_PER_MINUTE: '100000',
    // Suites send thousands of requests a minute as one client; the limit's own tests set theirs.
    CLIENT_REQUESTS_PER_MINUTE: '10000000',
    // Each app's uploads apart: an app that starts clears what an earlier one left (as a restart does).
    IMPORT_UPLOAD_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'facade-uploads-')),
    ...env,
  });
  const clients = env.CLIENTS_FILE ? undefined : testClients();
  const auth = deps.auth ?? new Auth(config, { store: testStore.store, signingKey: deps.signingKey, clients, clock: authOptions.clock });
  const app = createApp(config, { store: testStore.store, logger: pino({ level: 'silent' }), ...deps, auth });
  const http = request(app);
  const tokens = new Map<string, { token: string; until: number }>();
  const token = async (asked?: string, clientId = 'test-system') => {
    const scope = asked ?? auth.clients.get(clientId)?.scope ?? 'system/*.rs';
    const key = `${clientId} ${scope}`;
    const held = tokens.get(key);
    if (held && held.until > Date.now()) return held.token;
    const res = await requestToken(http, { baseUrl: config.fhirBaseUrl.replace(/\/fhir$/, ''), clientId, scope });
    if (res.status !== 200) throw new Error(`no token for ${clientId} (${scope}): ${res.status} ${JSON.stringify(res.body)}`);
    tokens.set(key, { token: res.body.access_token, until: Date.now() + (res.body.expires_in - 30) * 1000 });
    return res.body.access_token as string;
  };
  return {
    app,
    config,
    testStore,
    auth,
    http,
    token,
    bearer: async (scope, clientId) => `Bearer ${await token(scope, clientId)}`,
    as: async (clientId, scope) => {
      const header = `Bearer ${await token(scope, clientId)}`;
      return (req) => req.set('Authorization', header);
    },
    close: async () => {
      auth.close();
      await testStore.close();
    },
  };
}
