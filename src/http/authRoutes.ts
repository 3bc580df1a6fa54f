import { statusOf } from './respond';
import express, { NextFunction, Request, Response, Router } from 'express';
import { Logger } from 'pino';
import { Auth } from '../auth/auth';
import { OAuthError } from '../auth/oauthError';
import { FhirError } from '../fhir/outcome';
import { toParams } from './fhirRoutes';
import { accessRecord } from '../audit/accessRecords';
import { AccessRecord } from '../domain/audit';

/**
 * The authorisation server's HTTP edge, none of it behind a token: SMART discovery (under the
 * FHIR base and at the origin), the token endpoint, introspection, and the facade's JWKS.
 */
export function authRoutes(auth: Auth, logger: Logger, audit?: (record: AccessRecord) => Promise<void>): Router {
  const r = express.Router();
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 });

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

  // Every token request is audited, granted or refused; the answer waits for its record.
  const auditToken = async (req: Request, res: Response, status: number, clientId: string | undefined, description: string) => {
    if (!audit) return;
    await audit(
      accessRecord({
        facts: { requestId: String(res.get('X-Request-ID')), method: req.method, path: req.path, headers: (n) => req.get(n) },
        interaction: 'token',
        status,
        description,
        clientId,
        purpose: 'TREAT',
      }),
    );
  };

  r.post('/auth/token', noStore, requireForm, form, async (req, res, next) => {
    const params = toParams(req.body);
    try {
      const { response, clientId } = await auth.tokenEndpoint.handle(params);
      logger.info({ client_id: clientId, scope: response.scope }, 'access token issued');
      await auditToken(req, res, 200, clientId, `granted ${response.scope}`);
      res.status(200).json(response);
    } catch (err) {
      if (err instanceof OAuthError) {
        logger.info({ error: err.error, description: err.description }, 'token request refused');
        try {
          await auditToken(req, res, err.status, params.client_id?.[0] ?? claimedIssuer(params.client_assertion?.[0]), `${err.error}: ${err.description}`);
        } catch (auditErr) {
          next(auditErr);
          return;
        }
      }
      next(err);
    }
  });

  r.post('/auth/introspect', noStore, requireForm, form, async (req, res, next) => {
    try {
      const token = toParams(req.body).token;
      if (token && token.length > 1) throw new OAuthError('invalid_request', 'token is given more than once');
      res.status(200).json(await auth.introspect(req.get('authorization'), token?.[0]));
    } catch (err) {
      next(err);
    }
  });

  for (const path of ['/auth/token', '/auth/introspect']) {
    r.all(path, noStore, (req, res) => {
      res.status(405).set('Allow', 'POST').json({ error: 'invalid_request', error_description: `${req.method} is not supported: POST a form` });
    });
  }

  r.use('/auth', (err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof OAuthError) {
      res.status(err.status).set(err.headers).json(err.body());
      return;
    }
    if (err instanceof FhirError && err.status === 401) {
      // Introspection without a valid token of the caller's own.
      res.status(401).set(err.headers).json({ error: 'invalid_token', error_description: err.outcome.issue?.[0]?.diagnostics });
      return;
    }
    if (statusOf(err) !== 500) {
      // The form parser's refusals: too large, too many parameters, bad encoding.
      res.status(400).json({ error: 'invalid_request', error_description: (err as Error).message });
      return;
    }
    logger.error({ err }, 'authorisation request failed');
    res.status(500).json({ error: 'server_error', error_description: 'The server could not complete the request; it has been logged' });
  });
  return r;
}

/** The token and introspection endpoints take application/x-www-form-urlencoded bodies only. */
function requireForm(req: Request, _res: Response, next: NextFunction) {
  if (!req.is('application/x-www-form-urlencoded')) {
    next(new OAuthError('invalid_request', 'Send the parameters as application/x-www-form-urlencoded'));
    return;
  }
  next();
}

/**
 * The client an assertion claims to come from, unverified: only so that a refused token request
 * can be found in the audit trail under the client it named.
 */
function claimedIssuer(assertion: string | undefined): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(assertion?.split('.')[1] ?? '', 'base64url').toString('utf8'));
    return typeof payload.iss === 'string' ? payload.iss.slice(0, 200) : undefined;
  } catch {
    return undefined;
  }
}
