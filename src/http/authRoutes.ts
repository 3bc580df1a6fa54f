import express, { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import { Logger } from 'pino';
import { Auth } from '../auth/auth';
import { OAuthError } from '../auth/oauthError';
import { FhirError } from '../fhir/outcome';
import { noteCaller, requestLog } from './accessLog';
import { requestIdOf } from './requestIds';
import { toParams } from './fhirRoutes';
import { RETRY_AFTER_SECONDS, statusOf } from './respond';
import { illFormedParams, verifyFormText } from './wellFormed';
import { AuditRecorder } from '../audit/recorder';

/**
 * The authorisation server's HTTP edge, none of it behind a token: SMART discovery (under the
 * FHIR base and at the origin), the token endpoint, introspection, and the facade's JWKS.
 */
export function authRoutes(auth: Auth, logger: Logger, audit?: Pick<AuditRecorder, 'tokenRequest'>): Router {
  const r = express.Router();
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20, verify: verifyFormText });

  // JSON whatever the Accept header says (SMART: application/json, even to a browser or an XML client).
  const discovery = (_req: Request, res: Response) => {
    res.set('Cache-Control', 'public, max-age=300').type('application/json').send(JSON.stringify(auth.smartConfiguration()));
  };
  r.get('/.well-known/smart-configuration', discovery);
  r.get('/fhir/.well-known/smart-configuration', discovery);

  r.get('/auth/jwks.json', async (_req, res, next) => {
    try {
      res.set('Cache-Control', 'public, max-age=300').type('application/json').send(JSON.stringify(await auth.tokens.jwks()));
    } catch (err) {
      next(err);
    }
  });

  const noStore = (_req: Request, res: Response, next: NextFunction) => {
    res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
    next();
  };

  // Every token request is audited, granted or refused (the form parser's refusals included); the
  // answer waits for its record, and without one no token is sent.
  const auditToken = async (req: Request, res: Response, status: number, clientId: string | undefined, description: string) => {
    await audit?.tokenRequest({
      request: { requestId: requestIdOf(res), method: req.method, path: req.path, headers: (n) => req.get(n) },
      status,
      clientId,
      description,
    });
  };

  r.post('/auth/token', noStore, async (req, res) => {
    let params: Record<string, string[]> = Object.create(null);
    let answer: OAuthAnswer;
    let clientId: string | undefined;
    let description: string;
    try {
      requireForm(req);
      await parse(form, req, res);
      params = toParams(req.body);
      const illFormed = illFormedParams(params);
      if (illFormed) throw new OAuthError('invalid_request', `The request holds ${illFormed}`);
      const issued = await auth.tokenEndpoint.handle(params);
      clientId = issued.clientId;
      answer = { status: 200, body: issued.response, headers: {} };
      description = `granted ${issued.response.scope}`;
    } catch (err) {
      const refusal = oauthAnswer(err, logger);
      answer = refusal;
      clientId = params.client_id?.[0] ?? claimedIssuer(params.client_assertion?.[0]);
      description = `${refusal.body.error}: ${refusal.body.error_description}`;
      // The code only: the description may quote what the caller sent (it is in the audit record).
      requestLog(res, logger).info({ oauthError: refusal.body.error }, 'token request refused');
    }
    // The client as verified, or as a refused request named it if it is registered: a name the caller
    // made up is the caller's text, which logs do not carry (the audit record keeps it, bounded).
    const registered = clientId === undefined ? undefined : auth.clients.get(clientId);
    noteCaller(
      res,
      clientId === undefined ? undefined : { clientId: registered ? clientId : 'unregistered', organization: answer.status === 200 ? registered?.organization : undefined },
    );
    try {
      await auditToken(req, res, answer.status, clientId, description);
      if (answer.status === 200) requestLog(res, logger).info({ client_id: clientId, scope: (answer.body as { scope?: string }).scope }, 'access token issued');
    } catch (auditErr) {
      requestLog(res, logger).error({ err: auditErr }, 'token request not audited');
      answer = unavailable('The audit trail cannot be written just now, so no token is issued; try again shortly');
    }
    auth.tokenEndpoint.count(answer.status === 200 ? undefined : (answer.body as { error: string }).error);
    res.status(answer.status).set(answer.headers).json(answer.body);
  });

  r.post('/auth/introspect', noStore, async (req, res, next) => {
    try {
      requireForm(req);
      await parse(form, req, res);
      const token = toParams(req.body).token;
      if (token && token.length > 1) throw new OAuthError('invalid_request', 'token is given more than once');
      res.status(200).json(await auth.introspect(req.get('authorization'), token?.[0]));
    } catch (err) {
      next(err);
    }
  });

  for (const path of ['/auth/token', '/auth/introspect']) {
    r.all(path, noStore, async (req, res) => {
      const description = `${req.method} is not supported: POST a form`;
      let answer: OAuthAnswer = { status: 405, body: { error: 'invalid_request', error_description: description }, headers: { Allow: 'POST' } };
      // A token request in any method is a token request: audited like the others.
      if (path === '/auth/token') {
        try {
          await auditToken(req, res, 405, undefined, `invalid_request: ${description}`);
        } catch (auditErr) {
          requestLog(res, logger).error({ err: auditErr }, 'token request not audited');
          answer = unavailable('The audit trail cannot be written just now; try again shortly');
        }
        auth.tokenEndpoint.count((answer.body as { error: string }).error);
      }
      res.status(answer.status).set(answer.headers).json(answer.body);
    });
  }

  r.use('/auth', (err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const answer = oauthAnswer(err, logger);
    res.status(answer.status).set(answer.headers).json(answer.body);
  });
  return r;
}

/** The token and introspection endpoints take application/x-www-form-urlencoded bodies only. */
function requireForm(req: Request): void {
  if (!req.is('application/x-www-form-urlencoded')) throw new OAuthError('invalid_request', 'Send the parameters as application/x-www-form-urlencoded');
}

/** Runs a body parser as a promise, so its refusals are the handler's to answer and audit. */
function parse(parser: RequestHandler, req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) => parser(req, res, (err?: unknown) => (err ? reject(err) : resolve())));
}

interface OAuthAnswer {
  status: number;
  body: { error: string; error_description: string } | object;
  headers: Record<string, string>;
}

function unavailable(description: string): OAuthAnswer & { body: { error: string; error_description: string } } {
  return {
    status: 503,
    body: { error: 'temporarily_unavailable', error_description: description },
    headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
  };
}

/**
 * What a failure at the authorisation endpoints is answered with, as OAuth error JSON (RFC 6749
 * §5.2): an OAuthError as it says; the store unavailable (the same list as the FHIR API's, statusOf)
 * 503 temporarily_unavailable with Retry-After; the form parser's refusals (too large, too many
 * parameters, bad encoding or charset) 400 invalid_request; anything else 500, logged.
 */
function oauthAnswer(err: unknown, logger: Logger): OAuthAnswer & { body: { error: string; error_description: string } } {
  if (err instanceof OAuthError) return { status: err.status, body: err.body(), headers: err.headers };
  if (err instanceof FhirError && err.status === 401) {
    // Introspection without a valid token of the caller's own.
    return { status: 401, body: { error: 'invalid_token', error_description: err.outcome.issue?.[0]?.diagnostics ?? 'a valid bearer token is required' }, headers: err.headers };
  }
  const status = statusOf(err);
  if (status === 503) {
    logger.error({ err }, 'authorisation request failed: the store is unavailable');
    return unavailable('The store is unavailable just now; try again shortly');
  }
  if (status !== 500) return { status: 400, body: { error: 'invalid_request', error_description: (err as Error).message }, headers: {} };
  logger.error({ err }, 'authorisation request failed');
  return { status: 500, body: { error: 'server_error', error_description: 'The server could not complete the request; it has been logged' }, headers: {} };
}

/**
 * The client an assertion claims to come from, unverified: only so that a refused token request
 * can be found in the audit trail under the client it named.
 */
function claimedIssuer(assertion: string | undefined): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(assertion?.split('.')[1] ?? '', 'base64url').toString('utf8'));
    // However long, it is cut short where the record is stored (store/accessRecordStore.ts).
    return typeof payload.iss === 'string' ? payload.iss : undefined;
  } catch {
    return undefined;
  }
}
