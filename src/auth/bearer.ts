import { FhirError, outcome } from '../fhir/outcome';
import { RequestContext } from '../access/context';
import { TokenVerifier } from './tokenVerifier';
import { InvalidToken, VerifiedToken } from './verifiedToken';

/** RFC 6750: a bearer token in the Authorization header (b64token syntax). */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * The caller's RequestContext from `Authorization: Bearer <token>`: the view and access policy
 * the token carries. Anything else is 401 with `WWW-Authenticate: Bearer error="invalid_token"`
 * and an OperationOutcome (login); what the token may see is decided later, by its access policy.
 */
export async function contextFromBearer(verifier: TokenVerifier, authorization: string | undefined, realm: string): Promise<RequestContext> {
  const verified = await verifiedBearer(verifier, authorization, realm);
  return { view: verified.view, access: verified.access, caller: verified.caller };
}

export async function verifiedBearer(verifier: TokenVerifier, authorization: string | undefined, realm: string): Promise<VerifiedToken> {
  if (!authorization) {
    throw unauthorised(realm, 'An access token is required: send Authorization: Bearer <token> (see .well-known/smart-configuration)');
  }
  const m = BEARER.exec(authorization);
  if (!m) throw unauthorised(realm, 'The Authorization header must be "Bearer <access token>"');
  try {
    return await verifier.verify(m[1]);
  } catch (err) {
    if (err instanceof InvalidToken) throw unauthorised(realm, `The access token is not accepted: ${err.message}`);
    throw err;
  }
}

export function unauthorised(realm: string, description: string): FhirError {
  const safe = description.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, '?');
  return new FhirError(401, outcome('login', description), {
    'WWW-Authenticate': `Bearer realm="${realm}", error="invalid_token", error_description="${safe}"`,
  });
}
