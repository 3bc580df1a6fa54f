import express, { Express } from 'express';
import { randomUUID } from 'node:crypto';
import pino, { Logger } from 'pino';
import { Config } from './config';
import { UNRESTRICTED } from './fhir/context';
import { notFound } from './fhir/outcome';
import { FhirRouter } from './fhir/router';
import { ContextResolver, fhirRoutes } from './http/fhirRoutes';
import { sendError } from './http/respond';
import { Store } from './store/store';
import { version } from './version';

export interface AppDeps {
  store: Store;
  logger?: Logger;
  /** Who is calling. Without one, every caller gets the health view of everything (sandbox without auth). */
  resolveContext?: ContextResolver;
}

/** Assembles the Express app from its parts; main() only reads config and listens. */
export function createApp(config: Config, deps: AppDeps): Express {
  const logger = deps.logger ?? pino({ level: config.logLevel });
  const log = (err: unknown) => logger.error({ err }, 'request failed');
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  app.use((req, res, next) => {
    const id = req.get('x-request-id');
    res.set('X-Request-ID', id && /^[\w.\-:]{1,128}$/.test(id) ? id : randomUUID());
    next();
  });

  const router = new FhirRouter({
    store: deps.store,
    baseUrl: config.fhirBaseUrl,
    defaultPageSize: config.defaultPageSize,
    maxPageSize: config.maxPageSize,
    capability: { version },
  });
  app.use(
    '/fhir',
    fhirRoutes({
      router,
      resolveContext: deps.resolveContext ?? (async () => ({ view: 'health', access: UNRESTRICTED })),
      publicPaths: new Set(['/metadata']),
      log,
    }),
  );
  app.use((req, res) => sendError(res, notFound(`Nothing at ${req.path}: the FHIR base is /fhir`), log));
  return app;
}
