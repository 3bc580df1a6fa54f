import { IncomingMessage, ServerResponse } from 'node:http';
import { RequestHandler } from 'express';
import { Level, Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { Caller } from '../access/context';
import { interactionOfUrl } from '../audit/accessRecords';
import { withoutUndefined } from '../domain/objects';
import { isServedType } from '../fhir/routes';
import { errorForLog } from '../logging';
import { correlationIdEchoed, requestIdOf } from './requestIds';

/*
 * One JSON line per request, for operators: who (client and organisation), what kind of request
 * (interaction, resource type, method, the path with its ids taken out), how it ended (status,
 * duration, bytes sent) and the ids that link it to the caller's systems and to its AuditEvent.
 *
 * Logs travel further than the audit trail (log shippers, support tickets, other teams), so a
 * line is built from an allow-list and never holds what identifies a person or lets anyone act
 * as a caller: no query string (NHS numbers, names), no ids in paths, no headers (tokens,
 * cookies, the user headers), no bodies (notices, client assertions). The audit trail keeps the
 * full query for the information-governance officer, under the same request id.
 */

/** What a line says about the request, beside the request id the logger binds to it. */
export interface AccessLine {
  correlationId?: string;
  clientId?: string;
  organization?: string;
  interaction?: string;
  resourceType?: string;
  method: string;
  path: string;
  status: number;
  ms: number;
  bytes: number;
}

/** Who called, once the edge knows: the FHIR routes and the token endpoint hand it to the line here. */
export function noteCaller(res: ServerResponse & { locals?: Record<string, unknown> }, caller: Pick<Caller, 'clientId' | 'organization'> | undefined): void {
  if (!caller || !res.locals) return;
  res.locals[CALLER] = { clientId: caller.clientId, organization: caller.organization };
}

const CALLER = 'accessLogCaller';

/**
 * Readiness and liveness probes (/health/...) and metrics scrapes (/metrics) come every few
 * seconds from the orchestrator: at info they would bury the requests people make, so they are
 * logged at debug, and at warn when they fail.
 */
const PROBE_PATH = /^\/(?:health(?:\/|$)|metrics$)/;

/** The facade's paths outside the FHIR base, kept as they are; any other is logged as /{other}. */
const KNOWN_PATH = /^\/(?:auth\/(?:token|introspect|jwks\.json)|\.well-known\/smart-configuration|metrics|health(?:\/[a-z-]{1,32})?)\/?$/;

/** Path segments below a type that name an interaction rather than a record. */
const FHIR_WORD = /^(?:_search|_history|\$[a-z][a-z-]{0,40}|smart-configuration)$/;

/**
 * The path with anything a caller chose taken out: under /fhir, the types the facade serves,
 * `metadata` and the interaction words stay, and each id becomes {id} (a person's logical id is
 * pseudonymous, but joined with other logs it leads back to them, and the audit trail already
 * holds it); an unknown type becomes {type}. Paths the facade does not serve become /{other}.
 */
export function pathForLog(rawPath: string): string {
  const path = rawPath.split('?', 1)[0] || '/';
  if (path === '/fhir' || path.startsWith('/fhir/')) {
    const segments = path.slice('/fhir'.length).split('/').filter(Boolean);
    return (
      '/fhir' +
      segments
        .map((s, i) =>
          i === 0 ? (isServedType(s) || s === 'metadata' || s === '.well-known' ? s : '{type}') : FHIR_WORD.test(s) ? s : '{id}',
        )
        .map((s) => `/${s}`)
        .join('')
    );
  }
  return KNOWN_PATH.test(path) ? path : '/{other}';
}

/** The method as sent when it is one (Node accepts only known methods; the parser's refusals may hold anything). */
function methodForLog(method: string | undefined): string {
  return method && /^[A-Z]{1,20}$/.test(method) ? method : 'OTHER';
}

export function levelOf(path: string, status: number): Level {
  if (PROBE_PATH.test(path)) return status >= 500 ? 'warn' : 'debug';
  return status >= 500 ? 'error' : 'info';
}

/** A FHIR interaction (over a type the facade serves, or the CapabilityStatement) or a token request. */
function isInteraction(path: string): boolean {
  if (path === '/auth/token') return true;
  if (!path.startsWith('/fhir/')) return false;
  const first = path.split('/')[2];
  return isServedType(first) || first === 'metadata';
}

/** The line of a request, from the facts the edge has; nothing else reaches it. */
export function accessLine(input: {
  method?: string;
  path: string;
  status: number;
  ms: number;
  bytes: number;
  correlationId?: string;
  caller?: { clientId?: string; organization?: string };
}): AccessLine {
  const method = methodForLog(input.method);
  const { interaction, resourceType } = isInteraction(input.path) ? interactionOfUrl(method, input.path) : { interaction: undefined, resourceType: undefined };
  return withoutUndefined<AccessLine>({
    correlationId: input.correlationId,
    clientId: input.caller?.clientId,
    organization: input.caller?.organization,
    interaction,
    resourceType,
    method,
    path: pathForLog(input.path),
    status: input.status,
    ms: input.ms,
    bytes: input.bytes,
  });
}

/**
 * Express's access log: pino-http through the facade's own logger (its redaction and error
 * serialiser), with the request id the answer carries as its id. pino-http's own serialisers
 * would log every header (the bearer token among them) and the URL with its query: they are
 * replaced by allow-lists, and the line is built by accessLine alone.
 */
export function accessLog(logger: Logger): RequestHandler {
  const middleware = pinoHttp<IncomingMessage, ServerResponse>({
    logger,
    genReqId: (_req, res) => requestIdOf(res),
    // The request id is bound to the line; the request and response objects never are.
    quietReqLogger: true,
    quietResLogger: true,
    customAttributeKeys: { reqId: 'requestId', responseTime: 'ms' },
    wrapSerializers: false,
    serializers: { req: requestForLog, res: responseForLog, err: errorForLog },
    // A level the logger does not write is 'silent', which pino-http skips before building the line.
    customLogLevel: (req, res) => {
      const level = levelOf(pathOf(req), res.statusCode);
      return logger.isLevelEnabled(level) ? level : 'silent';
    },
    customSuccessMessage: (_req, res) => (res.writableFinished ? 'request completed' : 'request aborted'),
    // A 5xx is a request completed like any other (its status says how, and its level is error):
    // the failure itself is logged where it happened, with its error.
    customErrorMessage: (_req, res) => (res.writableFinished ? 'request completed' : 'request aborted'),
    customSuccessObject: (req, res, val: { ms: number }) => lineOf(req, res, val.ms),
    customErrorObject: (req, res, _err, val: { ms: number }) => lineOf(req, res, val.ms),
  });
  return (req, res, next) => {
    countBytes(res);
    middleware(req, res, next);
  };
}

/** The request's own logger (the access log's child, carrying the request id), else the one given. */
export function requestLog(res: ServerResponse, logger: Logger): Logger {
  return (res as ServerResponse & { log?: Logger }).log ?? logger;
}

/** A line for a request Node's parser or the server refused before Express saw it. */
export function logRefused(
  logger: Logger,
  input: { requestId: string; correlationId?: string; method?: string; path: string; status: number; ms: number; bytes: number },
  level?: Level,
): void {
  const { requestId, ...rest } = input;
  const line = accessLine(rest);
  logger[level ?? levelOf(line.path, line.status)]({ requestId, ...line }, 'request refused before routing');
}

type Locals = { locals?: Record<string, unknown> };

function lineOf(req: IncomingMessage, res: ServerResponse, ms: number): AccessLine {
  return accessLine({
    method: req.method,
    path: pathOf(req),
    status: res.statusCode,
    ms,
    bytes: bytesSent(req, res),
    correlationId: correlationIdEchoed(res),
    caller: (res as ServerResponse & Locals).locals?.[CALLER] as AccessLine,
  });
}

/** The path as received: Express rewrites req.url inside mounted routers, never originalUrl. */
function pathOf(req: IncomingMessage): string {
  return ((req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/').split('?', 1)[0];
}

/** Allow-list serialisers, so that logging a request or response object can never carry more. */
function requestForLog(req: IncomingMessage) {
  return { method: methodForLog(req.method), path: pathForLog(pathOf(req)) };
}

function responseForLog(res: ServerResponse) {
  return { status: res.statusCode };
}

const BYTES = Symbol('bytes sent');

/**
 * Counts the body bytes the answer writes. The FHIR answers are written with res.end(json), which
 * sets no Content-Length header Express could report, so the count is taken where they pass.
 */
function countBytes(res: ServerResponse): void {
  const counted = res as ServerResponse & { [BYTES]?: number };
  counted[BYTES] = 0;
  const add = (chunk: unknown, encoding: unknown) => {
    if (typeof chunk === 'string') counted[BYTES]! += Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
    else if (chunk instanceof Uint8Array) counted[BYTES]! += chunk.byteLength;
  };
  const write = res.write;
  const end = res.end;
  res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
    add(chunk, rest[0]);
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as ServerResponse['write'];
  res.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
    if (typeof chunk !== 'function') add(chunk, rest[0]);
    return (end as (...a: unknown[]) => ServerResponse).call(this, chunk, ...rest);
  } as ServerResponse['end'];
}

function bytesSent(req: IncomingMessage, res: ServerResponse): number {
  // A HEAD answer, a 204 or a 304 has no body, whatever was handed to end().
  if (req.method === 'HEAD' || res.statusCode === 204 || res.statusCode === 304) return 0;
  return (res as ServerResponse & { [BYTES]?: number })[BYTES] ?? 0;
}
