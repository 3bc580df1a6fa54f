import express, { NextFunction, Request, Response, Router } from 'express';
import { FhirRequest, FhirRouter, RequestContext } from '../fhir/router';
import { checkAcceptable, checkContentType, checkPatchContentType } from './negotiation';
import { sendError, sendResource } from './respond';

/** Resolves who is calling; throws a FhirError (401/403) to refuse. Supplied by the auth layer. */
export type ContextResolver = (req: Request) => Promise<RequestContext>;

export interface FhirRoutesOptions {
  router: FhirRouter;
  resolveContext: ContextResolver;
  /**
   * Paths below the FHIR base that need no caller context: a set of exact paths ('/metadata') or a
   * test. Whatever it says, the paths the router itself declares public (FhirRouter.isPublicPath:
   * metadata and the conformance resources, StructureDefinition/CodeSystem/ValueSet) are public too.
   */
  publicPaths: PublicPaths;
  log: (err: unknown) => void;
}

export type PublicPaths = Set<string> | ((path: string) => boolean);

/** Whether a path below the FHIR base is answered without resolving the caller. */
export function isPublic(publicPaths: PublicPaths, router: Pick<FhirRouter, 'isPublicPath'>, path: string): boolean {
  const listed = typeof publicPaths === 'function' ? publicPaths(path) : publicPaths.has(path);
  return listed || router.isPublicPath(path);
}

/** The FHIR base: negotiation, body parsing and context at the edge, then the plain FhirRouter. */
export function fhirRoutes(opts: FhirRoutesOptions): Router {
  const r = express.Router();
  r.use((req, _res, next) => {
    try {
      checkAcceptable(first(req.query._format), req.get('accept'));
      if (req.method === 'POST' || req.method === 'PUT') checkContentType(req.get('content-type'), req.method === 'POST');
      if (req.method === 'PATCH') checkPatchContentType(req.get('content-type'));
      next();
    } catch (err) {
      next(err);
    }
  });
  r.use(express.urlencoded({ extended: false, limit: '64kb' }));
  r.use(express.json({ type: ['application/json', 'application/fhir+json', 'application/json-patch+json'], limit: '1mb' }));

  r.use(async (req: Request, res: Response, next: NextFunction) => {
    try {
      const context = isPublic(opts.publicPaths, opts.router, req.path) ? OPEN_CONTEXT : await opts.resolveContext(req);
      const isForm = !!req.is('application/x-www-form-urlencoded');
      const form = isForm ? toParams(req.body) : undefined;
      const result = await opts.router.handle({
        method: req.method,
        path: req.path,
        query: toParams(req.query),
        form,
        strict: /handling\s*=\s*strict/i.test(req.get('prefer') ?? ''),
        context,
        body: isForm ? undefined : req.body,
        ifMatch: req.get('if-match'),
        ifNoneExist: req.get('if-none-exist'),
        preferReturn: preferReturn(req.get('prefer')),
      });
      const headers: Record<string, string> = {};
      if (result.version) {
        const etag = `W/"${result.version.versionId}"`;
        headers.ETag = etag;
        headers['Last-Modified'] = new Date(result.version.lastUpdated).toUTCString();
        if (req.get('if-none-match')?.split(',').some((t) => t.trim() === etag)) {
          res.status(304).set(headers).end();
          return;
        }
      }
      if (result.location) headers.Location = result.location;
      if (result.resource) sendResource(res, result.status, result.resource, headers);
      else res.status(result.status).set(headers).end();
    } catch (err) {
      next(err);
    }
  });
  r.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => sendError(res, err, opts.log));
  return r;
}

/** Public paths need no caller: they are answered with no access to data at all. */
const OPEN_CONTEXT: RequestContext = { view: 'health', access: { read: () => 'none' } };

function preferReturn(prefer: string | undefined): FhirRequest['preferReturn'] {
  const m = /return\s*=\s*(minimal|representation|OperationOutcome)/.exec(prefer ?? '');
  return m ? (m[1] as FhirRequest['preferReturn']) : undefined;
}

function first(v: unknown): string | undefined {
  return Array.isArray(v) ? String(v[0]) : typeof v === 'string' ? v : undefined;
}

/** Query or form values as lists of strings, whatever shape the parser produced. */
export function toParams(input: unknown): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (!input || typeof input !== 'object') return out;
  for (const [k, v] of Object.entries(input as Record<string, unknown>)) {
    const values = Array.isArray(v) ? v : [v];
    out[k] = values.filter((x) => typeof x === 'string') as string[];
  }
  return out;
}
