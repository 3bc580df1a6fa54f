import { bearerChallenge, FhirError, outcome } from '../fhir/outcome';
import { RequestContext } from '../access/context';
import { TokenVerifier } from './tokenVerifier';
import { InvalidToken, VerifiedToken } from './verifiedToken';

/** RFC 6750 §2.1: a bearer token in the Authorization header (b64token syntax). */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
const BEARER_SCHEME = /^Bearer(?: |$)/i;

/**
 * The caller's RequestContext from `Authorization: Bearer <token>`: the view and access policy
 * the token carries. Refusals follow RFC 6750 §3, each with a WWW-Authenticate challenge and an
 * OperationOutcome; what the token may see is decided later, by its access policy (a token without
 * the scope is refused there, 403 insufficient_scope).
 */
export async function contextFromBearer(verifier: TokenVerifier, authorization: string | undefined, realm: string): Promise<RequestContext> {
  const verified = await verifiedBearer(verifier, authorization, realm);
  return { view: verified.view, access: verified.access, caller: verified.caller };
}

/**
 * The verified token of `Authorization: Bearer <token>`:
 * - no bearer credentials at all (no header, or another scheme): 401 with the bare challenge, no
 *   error code (§3.1: "If the request lacks any authentication information ... the resource server
 *   SHOULD NOT include an error code or other error information");
 * - the Bearer scheme with something that is not a token: 400 invalid_request (§3.1: "The request
 *   is ... otherwise malformed. The resource server SHOULD respond with the HTTP 400");
 * - a token that is not accepted (bad signature, expired, foreign, its client gone): 401
 *   invalid_token.
 */
export async function verifiedBearer(verifier: TokenVerifier, authorization: string | undefined, realm: string): Promise<VerifiedToken> {
  if (!authorization || !BEARER_SCHEME.test(authorization.trim())) {
    const why = authorization
      ? 'The Authorization header holds no bearer token: send Authorization: Bearer <token> (see .well-known/smart-configuration)'
      : 'An access token is required: send Authorization: Bearer <token> (see .well-known/smart-configuration)';
    throw new FhirError(401, outcome('login', why), { 'WWW-Authenticate': bearerChallenge(realm) });
  }
  const m = BEARER.exec(authorization);
  if (!m) {
    const why = 'The Authorization header must be "Bearer <access token>", the token in base64url characters';
    throw new FhirError(400, outcome('invalid', why), {
      'WWW-Authenticate': bearerChallenge(realm, { error: 'invalid_request', error_description: why }),
    });
  }
  try {
    return await verifier.verify(m[1]);
  } catch (err) {
    if (err instanceof InvalidToken) throw unauthorised(realm, `The access token is not accepted: ${err.message}`);
    throw err;
  }
}

/** 401 invalid_token (RFC 6750 §3.1): the token was sent but is not good. */
export function unauthorised(realm: string, description: string): FhirError {
  return new FhirError(401, outcome('login', description), {
    'WWW-Authenticate': bearerChallenge(realm, { error: 'invalid_token', error_description: description }),
  });
}
