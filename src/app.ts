import { fhirFilesApplier } from './fhir/fhirImport';
import express, { Express } from 'express';
import { Logger } from 'pino';
import { Auth } from './auth/auth';
import { ClientRegistry } from './auth/clients';
import { SigningKey } from './auth/signingKey';
import { AccessNotifier } from './audit/accessNotifier';
import { AuditTrail } from './audit/auditTrail';
import { AuditRecorder } from './audit/recorder';
import { accessNotificationForm } from './fhir/accessNotifications';
import { LookupCache } from './fhir/lookupCache';
import { Config } from './config';
import { createLogger } from './logging';
import { notFound } from './fhir/outcome';
import { FhirRouter } from './fhir/router';
import { accessLog, requestLog } from './http/accessLog';
import { authRoutes } from './http/authRoutes';
import { answerOptions, CORS_PATHS, corsHeaders } from './http/cors';
import { healthRoutes } from './http/health';
import { FacadeMetrics } from './http/metrics';
import { ContextResolver, fhirRoutes } from './http/fhirRoutes';
import { importRoutes } from './http/importRoutes';
import { ImportJobs } from './services/imports/importJobs';
import { requestIds } from './http/requestIds';
import { ErrorLog, sendError } from './http/respond';
import { Store } from './store/store';
import { version } from './version';

export interface AppDeps {
  store: Store;
  logger?: Logger;
  /**
   * Who is calling. By default, the bearer token checked by the authorisation layer; a test may
   * supply its own (authorisation stays on for everything else).
   */
  resolveContext?: ContextResolver;
  /** The facade's token-signing key (main loads it from TOKEN_SIGNING_KEY_FILE or DATA_DIR); without one, a key for this process only. */
  signingKey?: SigningKey;
  /** The registered clients (main reads CLIENTS_FILE before opening the store); read from config.auth.clientsFile otherwise. */
  clients?: ClientRegistry;
  /**
   * The one recorder of access records and access notifications (main builds it, with its trail,
   * and shares it with the server and the retention purge); by default one over deps.store.
   */
  audit?: AuditRecorder;
  /** The authorisation layer, when a test wants its own (a moved clock, its counters); built from config otherwise. */
  auth?: Auth;
  /** The imports accepted over HTTP (a test waits for them); one over deps.store otherwise. */
  importJobs?: ImportJobs;
  /** True once the graceful shutdown has begun (main passes the server's `stopping`): readiness then fails. */
  stopping?: () => boolean;
}

/** Assembles the Express app from its parts; main() only reads config and listens. */
export function createApp(config: Config, deps: AppDeps): Express {
  const logger = deps.logger ?? createLogger(config.logLevel);
  // Within a request, through the access log's child logger, so the line carries the request id.
  const log: ErrorLog = (err, res) => (res ? requestLog(res, logger) : logger).error({ err }, 'request failed');
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  // First: every answer, and its access log line, carries the request id (and the caller's correlation id).
  app.use(requestIds());
  app.use(accessLog(logger));

  // Before everything a browser calls, so refusals carry the CORS headers too and preflights end here.
  app.use(CORS_PATHS, corsHeaders(config.corsOrigins), answerOptions);

  const audit = deps.audit ?? auditRecorder(config, deps.store);
  const auth = deps.auth ?? new Auth(config, { store: deps.store, signingKey: deps.signingKey, clients: deps.clients, log });
  // Health and metrics sit outside the FHIR base: no token, no access record, no per-client limit.
  const lookupCache = new LookupCache(deps.store, config.lookupCacheSeconds);
  const metrics = new FacadeMetrics({ store: deps.store, trail: audit.trail, lookupCache, tokens: auth.tokenEndpoint });
  app.use(healthRoutes({ store: deps.store, trail: audit.trail, stopping: deps.stopping ?? (() => false), version }), metrics.routes());
  app.use(authRoutes(auth, logger, audit));
  app.use('/fhir', metrics.observeFhir);

  const router = new FhirRouter({
    store: deps.store,
    baseUrl: config.fhirBaseUrl,
    defaultPageSize: config.defaultPageSize,
    maxPageSize: config.maxPageSize,
    council: config.council,
    lookupCache,
    capability: { version, security: { ...auth.capabilitySecurity(), cors: config.corsOrigins.length > 0 } },
  });
  const resolveContext: ContextResolver = deps.resolveContext ?? ((req) => auth.context(req.get('authorization')));
  // Before the FHIR routes: an import's body is the council's files (CSV), not FHIR.
  const importJobs = deps.importJobs ?? new ImportJobs(deps.store, { laCode: config.council.laCode, odsCode: config.council.odsCode }, audit, (err) => log(err), fhirFilesApplier(deps.store));
  // An import cut off by the last stop: recorded as failed, its uploaded files (personal data) removed.
  void importJobs
    .recover(config.imports.uploadDir)
    .then(({ failed, removed }) => {
      if (failed || removed) logger.warn({ failed, removed }, 'imports cut off by the last stop: recorded as failed, their uploaded files removed');
    })
    .catch((err) => log(err));
  app.use(
    '/fhir',
    importRoutes({
      jobs: importJobs,
      resolveContext,
      audit,
      log,
      baseUrl: config.fhirBaseUrl,
      councilOds: config.council.odsCode,
      uploadDir: config.imports.uploadDir,
      maxUploadBytes: config.imports.maxUploadBytes,
      limit: (caller) => auth.takeRequest(caller),
    }),
  );
  app.use(
    '/fhir',
    fhirRoutes({
      router,
      resolveContext,
      log,
      audit,
      limit: (caller) => auth.takeRequest(caller),
    }),
  );
  app.use((req, res) => sendError(res, notFound(`Nothing at ${req.path}: the FHIR base is /fhir`), log));
  return app;
}

/**
 * The audit trail (one group-commit queue over the store) and the recorder in front of it, which
 * tells council staff of outside looks in the FHIR form (a Communication). Built once per process.
 */
export function auditRecorder(config: Config, store: Store): AuditRecorder {
  const notifier = new AccessNotifier({
    people: async (ids) => (await store.getMany('person', ids)).map((p) => p.record),
    notifications: store.notifications,
    form: accessNotificationForm,
    councilOds: config.council.odsCode,
  });
  return new AuditRecorder(new AuditTrail(store.accessRecords), notifier);
}
