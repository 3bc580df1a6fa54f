import express, { NextFunction, Request, Response, Router } from 'express';
import { FhirRequest, FhirRouter } from '../fhir/router';
import { Caller, RequestContext } from '../access/context';
import { Resource } from '@medplum/fhirtypes';
import { purposeOf } from '../audit/accessRecords';
import { AuditFacts, EntryFacts } from '../audit/auditFacts';
import { AuditRecorder } from '../audit/recorder';
import { PURPOSES_OF_USE } from '../domain/audit';
import { badRequest, FhirError, outcome } from '../fhir/outcome';
import { noteCaller } from './accessLog';
import { requestIdOf } from './requestIds';
import { checkAcceptable, checkContentType, checkPatchContentType } from './negotiation';
import { ErrorLog, RETRY_AFTER_SECONDS, sendError, sendResource, statusOf } from './respond';
import { IllFormedBody, illFormedJson, illFormedParams, undecodableText, verifyFormText } from './wellFormed';

/** Resolves who is calling; throws a FhirError (401/403) to refuse. Supplied by the auth layer. */
export type ContextResolver = (req: Request) => Promise<RequestContext>;

export interface FhirRoutesOptions {
  router: FhirRouter;
  resolveContext: ContextResolver;
  log: ErrorLog;
  /**
   * Records each access durably before its response is sent (the audit trail), and tells council
   * staff when someone outside the council looks at a person they are responsible for.
   */
  audit?: Pick<AuditRecorder, 'fhirInteraction'>;
  /**
   * The per-client request limit: 0 when the client may go on, else the seconds it must wait.
   * Synchronous but for a client's first request after a quiet spell: no store trip per request.
   */
  limit?: (caller: Caller) => number | Promise<number>;
}

/** The FHIR base: negotiation, body parsing and context at the edge, then the plain FhirRouter. */
export function fhirRoutes(opts: FhirRoutesOptions): Router {
  const r = express.Router();
  r.use((req, _res, next) => {
    try {
      // No FHIR value may hold NUL, and the store cannot keep one: refused here, once, for every parameter.
      if (/%00/.test(req.originalUrl)) throw badRequest('The request URL holds an encoded NUL character (%00), which no FHIR value may contain');
      const undecodable = undecodableText(req.originalUrl);
      if (undecodable) throw badRequest(`The request URL holds ${undecodable}`);
      checkAcceptable(first(req.query._format), req.get('accept'));
      if (req.method === 'POST' || req.method === 'PUT') checkContentType(req.get('content-type'), req.method === 'POST');
      if (req.method === 'PATCH') checkPatchContentType(req.get('content-type'));
      next();
    } catch (err) {
      next(err);
    }
  });
  const parseForm = express.urlencoded({ extended: false, limit: '64kb', verify: verifyFormText });
  const jsonParser = (limit: string) =>
    express.json({
      type: ['application/json', 'application/fhir+json', 'application/json-patch+json'],
      limit,
      // Text the store cannot keep (NUL, unpaired surrogates) is refused by the parser: a 400 that names it.
      reviver: (key, value) => {
        const problem = illFormedJson(key, value);
        if (problem) throw new IllFormedBody(`The request body cannot be taken: ${problem}`);
        return value;
      },
    });
  const parseJson = jsonParser('1mb');
  // A transaction or batch Bundle (POST [base]) holds up to 1,000 resources.
  const parseBundle = jsonParser('8mb');
  // Lookups carry no body: they skip the parsers (two router layers and their checks per request).
  r.use((req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    parseForm(req, res, (err?: unknown) => (err ? next(err) : (req.path === '/' ? parseBundle : parseJson)(req, res, next)));
  });

  r.use(async (req: Request, res: Response, next: NextFunction) => {
    let context: RequestContext | undefined;
    try {
      if (purposeOf((name) => req.get(name)) === undefined) {
        throw badRequest(`X-Purpose-Of-Use must be one of ${Object.keys(PURPOSES_OF_USE).join(', ')} (v3 ActReason codes)`);
      }
      // The router's route table says which paths need no caller (metadata, the conformance resources).
      context = opts.router.isPublicPath(req.path) ? OPEN_CONTEXT : await opts.resolveContext(req);
      const caller = context.caller;
      noteCaller(res, caller);
      const wait = caller && opts.limit ? await requestsTaken(opts.limit, caller, bundleEntries(req)) : 0;
      if (wait > 0) {
        throw new FhirError(429, outcome('throttled', `Too many requests from ${caller!.clientId}: wait ${wait} s before the next (a per-client limit)`), {
          'Retry-After': String(wait),
        });
      }
      const isForm = !!req.is('application/x-www-form-urlencoded');
      const form = isForm ? toParams(req.body) : undefined;
      const query = toParams(req.query);
      const illFormed = illFormedParams(query) ?? (form && illFormedParams(form));
      if (illFormed) throw badRequest(`The request holds ${illFormed}`);
      const result = await opts.router.handle({
        method: req.method,
        path: req.path,
        query,
        form,
        strict: /handling\s*=\s*strict/i.test(req.get('prefer') ?? ''),
        context,
        body: isForm ? undefined : req.body,
        ifMatch: req.get('if-match'),
        ifNoneExist: req.get('if-none-exist'),
        preferReturn: preferReturn(req.get('prefer')),
      });
      const headers: Record<string, string> = {};
      let status = result.status;
      if (result.version) {
        const etag = `W/"${result.version.versionId}"`;
        headers.ETag = etag;
        headers['Last-Modified'] = new Date(result.version.lastUpdated).toUTCString();
        if (notModified(req, etag, result.version.lastUpdated)) status = 304;
      }
      if (result.location) headers.Location = result.location;
      // The record of this access is committed before anything is sent; without it, nothing is sent.
      // A Bundle's entries are recorded one by one; its own record names no one.
      const entries = result.audit?.entries;
      await audit(req, res, status, context?.caller, entries ? undefined : result.resource, entries ? { interaction: result.audit?.interaction } : result.audit);
      if (entries) await Promise.all(entries.map((e) => auditEntry(req, res, context?.caller, e)));
      if (status === 304 || !result.resource) res.status(status).set(headers).end();
      else sendResource(res, status, result.resource, headers, result.json);
    } catch (err) {
      await refuse(req, res, err, context?.caller);
    }
  });
  // Refusals before the caller is known: negotiation and the body parsers.
  r.use((err: unknown, req: Request, res: Response, _next: NextFunction) => refuse(req, res, err, undefined));

  /** Answers a refusal once its record is written; unrecorded, the answer is a 503. */
  async function refuse(req: Request, res: Response, err: unknown, caller: Caller | undefined): Promise<void> {
    const status = statusOf(err);
    try {
      await audit(req, res, status, caller, err instanceof FhirError ? err.outcome : undefined, err instanceof FhirError ? err.audit : undefined, err);
    } catch (auditErr) {
      sendError(res, auditUnavailable(auditErr, opts.log, res), opts.log);
      return;
    }
    sendError(res, err, opts.log);
  }

  /** Records one entry of a Bundle as the access it was: its own method, path, query, answer and people. */
  async function auditEntry(req: Request, res: Response, caller: Caller | undefined, e: EntryFacts) {
    if (!opts.audit) return;
    try {
      await opts.audit.fhirInteraction({
        request: { requestId: requestIdOf(res), method: e.method, path: e.path, query: e.query, headers: (n) => req.get(n) },
        status: e.status,
        caller,
        returned: e.returned,
        audit: e.facts,
        error: e.error,
      });
    } catch (auditErr) {
      throw auditUnavailable(auditErr, opts.log, res);
    }
  }

  /** Hands the recorder the facts of this request; a failure to record becomes a 503 rather than an unaudited answer. */
  async function audit(
    req: Request,
    res: Response,
    status: number,
    caller: Caller | undefined,
    returned: Resource | undefined,
    facts: AuditFacts | undefined,
    err?: unknown,
  ) {
    if (!opts.audit) return;
    const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : undefined;
    try {
      await opts.audit.fhirInteraction({
        request: { requestId: requestIdOf(res), method: req.method, path: req.path, query, headers: (n) => req.get(n) },
        status,
        caller,
        returned,
        audit: facts,
        error: err instanceof FhirError ? err.outcome.issue?.[0]?.diagnostics : err ? (err as Error).message : undefined,
      });
    } catch (auditErr) {
      if (err) throw auditErr;
      throw auditUnavailable(auditErr, opts.log, res);
    }
  }
  return r;
}

/**
 * Takes a request from the client's limit for each of `count` (a Bundle's entries count one each:
 * a batch of a thousand lookups is a thousand lookups); the seconds to wait once it runs out.
 */
async function requestsTaken(limit: (caller: Caller) => number | Promise<number>, caller: Caller, count: number): Promise<number> {
  for (let i = 0; i < count; i++) {
    const taken = limit(caller);
    const wait = typeof taken === 'number' ? taken : await taken;
    if (wait > 0) return wait;
  }
  return 0;
}

/** How many requests a request counts for: a Bundle at the base, one per entry; anything else, one. */
function bundleEntries(req: Request): number {
  const body = req.body as { resourceType?: unknown; entry?: unknown } | undefined;
  if (req.method !== 'POST' || req.path !== '/' || body?.resourceType !== 'Bundle' || !Array.isArray(body.entry)) return 1;
  return Math.max(1, body.entry.length);
}

/** Public paths need no caller: they are answered with no access to data at all. */
const OPEN_CONTEXT: RequestContext = { view: 'health', access: { read: () => 'none' } };

function auditUnavailable(err: unknown, log: ErrorLog, res: Response): FhirError {
  log(err, res);
  return new FhirError(503, outcome('transient', 'The audit trail cannot be written just now, so nothing is served; try again shortly'), {
    'Retry-After': String(RETRY_AFTER_SECONDS),
  });
}

/**
 * Whether a read may be answered 304 (RFC 9110 13.1.2, 13.1.3): If-None-Match names the current
 * version; without it, If-Modified-Since is no earlier than the last change (to the second, as
 * Last-Modified has it). A date that is no date is ignored. Only for GET and HEAD.
 */
function notModified(req: Request, etag: string, lastUpdated: string): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const ifNoneMatch = req.get('if-none-match');
  if (ifNoneMatch !== undefined) return ifNoneMatch.split(',').some((t) => t.trim() === etag);
  const since = Date.parse(req.get('if-modified-since') ?? '');
  return !Number.isNaN(since) && Math.floor(Date.parse(lastUpdated) / 1000) * 1000 <= since;
}

function preferReturn(prefer: string | undefined): FhirRequest['preferReturn'] {
  const m = /return\s*=\s*(minimal|representation|OperationOutcome)/.exec(prefer ?? '');
  return m ? (m[1] as FhirRequest['preferReturn']) : undefined;
}

function first(v: unknown): string | undefined {
  return Array.isArray(v) ? String(v[0]) : typeof v === 'string' ? v : undefined;
}

/** Query or form values as lists of strings, whatever shape the parser produced. */
export function toParams(input: unknown): Record<string, string[]> {
  // Keys are the client's: `__proto__` or `constructor` must be names like any other.
  const out: Record<string, string[]> = Object.create(null);
  if (!input || typeof input !== 'object') return out;
  for (const [k, v] of Object.entries(input as Record<string, unknown>)) {
    const values = Array.isArray(v) ? v : [v];
    out[k] = values.filter((x) => typeof x === 'string') as string[];
  }
  return out;
}
