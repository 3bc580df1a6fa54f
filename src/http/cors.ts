import cors from 'cors';
import { NextFunction, Request, RequestHandler, Response } from 'express';
import { allowedOnPath } from '../fhir/routes';

/** The methods the API takes from a browser (HEAD and OPTIONS are answered without asking). */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH'];

/** The request headers the API reads: negotiation, writes, tracing, audit and the NHS user headers. */
const REQUEST_HEADERS = [
  'Authorization',
  'Content-Type',
  'Accept',
  'Prefer',
  'If-Match',
  'If-None-Match',
  'If-None-Exist',
  'X-Request-ID',
  'X-Correlation-ID',
  'X-Purpose-Of-Use',
  'X-User-ID',
  'X-User-Name',
  'X-User-Role',
  'X-SDS-User-ID',
  'NHSD-User-Identity',
  'NHSD-Session-URID',
  'NHSD-Session-JobRoleCode',
  'NHSD-End-User-Organisation-ODS',
];

/** The response headers a browser app may read: where things are, versions, tracing, refusals, progress. */
const EXPOSED_HEADERS = [
  'Location',
  'ETag',
  'Last-Modified',
  'Content-Location',
  'X-Request-ID',
  'X-Correlation-ID',
  'WWW-Authenticate',
  'Retry-After',
  'X-Progress',
];

/** How long a browser may keep a preflight's answer, in seconds. */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/** The paths a browser app may call: the FHIR base, the authorisation endpoints and discovery. */
export const CORS_PATHS = ['/fhir', '/auth', '/.well-known'];

/**
 * CORS for the listed origins (CORS_ORIGINS), with the `cors` package. Without origins, nothing:
 * no CORS header is ever sent. Credentials are not allowed (no cookies: the API takes bearer tokens
 * in Authorization, which a preflight lets through). Vary: Origin on every answer, so a cache never
 * serves one origin's answer to another. Preflights go on to `answerOptions`, which ends them.
 */
export function corsHeaders(origins: string[]): RequestHandler {
  if (origins.length === 0) return (_req, _res, next) => next();
  return cors({
    origin: origins,
    methods: METHODS,
    allowedHeaders: REQUEST_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    credentials: false,
    maxAge: PREFLIGHT_MAX_AGE_SECONDS,
    preflightContinue: true,
  });
}

/**
 * OPTIONS is answered 204 with Allow (the methods the path takes), whether or not it is a CORS
 * preflight from an allowed origin, rather than 405. It carries no token and reaches no data, so it
 * is not an access to audit; the request it prepares is audited as any other. A path that is not
 * served goes on, to be refused as any other request would be.
 */
export function answerOptions(req: Request, res: Response, next: NextFunction): void {
  if (req.method !== 'OPTIONS') return next();
  const allowed = methodsOf(req.baseUrl + req.path);
  if (!allowed) return next();
  res.status(204).set({ Allow: [...allowed, 'OPTIONS'].join(', '), 'Content-Length': '0' }).end();
}

function methodsOf(path: string): string[] | undefined {
  if (path === '/auth/token' || path === '/auth/introspect') return ['POST'];
  if (path === '/auth/jwks.json' || path === '/.well-known/smart-configuration' || path === '/fhir/.well-known/smart-configuration') {
    return ['GET', 'HEAD'];
  }
  if (path.startsWith('/fhir/')) return allowedOnPath(path.slice('/fhir'.length));
  return undefined;
}
