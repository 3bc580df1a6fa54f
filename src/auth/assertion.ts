import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import { ClientRegistry, RegisteredClient } from './clients';
import { invalidClient, OAuthError } from './oauthError';
import { JwksFetchError, KeyGetter, RemoteJwksCache } from './remoteJwks';

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** SMART backend services: the algorithms a client may sign its assertion with. */
export const ASSERTION_ALGORITHMS = ['RS384', 'ES384'];
/** How far ahead an assertion's exp may be (SMART: clients SHALL NOT go beyond 5 minutes). */
export const MAX_ASSERTION_LIFETIME_SECONDS = 300;
/** Clock difference tolerated between a client and the facade. */
export const CLOCK_SKEW_SECONDS = 30;

export interface VerifiedAssertion {
  client: RegisteredClient;
  jti: string;
  /** The assertion's expiry (seconds since the epoch), after which its jti may be forgotten. */
  exp: number;
}

export interface AssertionVerifierOptions {
  clients: ClientRegistry;
  /** The token endpoint URL: the only audience accepted. */
  tokenUrl: string;
  remoteJwks: RemoteJwksCache;
  clock: () => number;
}

/**
 * Checks a client's signed JWT assertion (SMART client-confidential-asymmetric): the header
 * (RS384/ES384, a kid naming a registered key, typ JWT, jku only if it is the registered JWKS
 * URL), the signature, and the claims (iss = sub = a registered client, aud = the token
 * endpoint, exp present, not past and at most 5 minutes ahead, a jti). Every failure is
 * `invalid_client`. The jti's single use is checked by the caller, against the shared store.
 */
export class AssertionVerifier {
  private readonly inlineKeys = new Map<string, KeyGetter>();

  constructor(private readonly opts: AssertionVerifierOptions) {}

  async verify(assertion: string): Promise<VerifiedAssertion> {
    if (!/^[\w-]+\.[\w-]+\.[\w-]*$/.test(assertion)) throw invalidClient('client_assertion is not a signed JWT (header.payload.signature)');
    let header: ReturnType<typeof decodeProtectedHeader>;
    let claims: ReturnType<typeof decodeJwt>;
    try {
      header = decodeProtectedHeader(assertion);
      claims = decodeJwt(assertion);
    } catch (err) {
      throw invalidClient(`client_assertion cannot be read: ${(err as Error).message}`);
    }
    if (typeof header.alg !== 'string' || !ASSERTION_ALGORITHMS.includes(header.alg)) {
      throw invalidClient(`alg ${printable(header.alg)} is not accepted: sign the assertion with ${ASSERTION_ALGORITHMS.join(' or ')}`);
    }
    if (typeof header.kid !== 'string' || !header.kid) throw invalidClient('the assertion header needs a kid naming a registered key');
    if (header.typ !== undefined && String(header.typ).toUpperCase() !== 'JWT') {
      throw invalidClient(`typ ${printable(header.typ)} is not a client assertion: use typ JWT`);
    }
    if (typeof claims.iss !== 'string' || typeof claims.sub !== 'string' || claims.iss !== claims.sub) {
      throw invalidClient('iss and sub must both be the client_id');
    }
    const client = this.opts.clients.get(claims.iss);
    if (!client) throw invalidClient(`${printable(claims.iss)} is not a registered client`);
    if (header.jku !== undefined && (!client.jwksUri || normalise(header.jku) !== client.jwksUri)) {
      throw invalidClient('jku is not the JWKS URL registered for this client');
    }

    const now = this.opts.clock();
    let payload: typeof claims;
    try {
      ({ payload } = await jwtVerify(assertion, this.keysOf(client), {
        algorithms: ASSERTION_ALGORITHMS,
        issuer: client.clientId,
        subject: client.clientId,
        audience: this.opts.tokenUrl,
        clockTolerance: CLOCK_SKEW_SECONDS,
        currentDate: new Date(now),
        requiredClaims: ['exp', 'jti'],
      }));
    } catch (err) {
      throw this.explain(err, header.kid, client);
    }
    const nowSeconds = now / 1000;
    if (payload.exp! - nowSeconds > MAX_ASSERTION_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS) {
      throw invalidClient(`exp is more than ${MAX_ASSERTION_LIFETIME_SECONDS / 60} minutes ahead: make assertions short-lived`);
    }
    if (typeof payload.iat === 'number' && payload.iat > nowSeconds + CLOCK_SKEW_SECONDS) {
      throw invalidClient('iat is in the future: check the client clock');
    }
    if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 255) {
      throw invalidClient('jti must be a unique string of at most 255 characters');
    }
    return { client, jti: payload.jti, exp: payload.exp! };
  }

  private keysOf(client: RegisteredClient): KeyGetter {
    if (client.jwksUri) return this.opts.remoteJwks.keyGetter(client.jwksUri);
    let keys = this.inlineKeys.get(client.clientId);
    if (!keys) {
      keys = createLocalJWKSet(client.jwks!);
      this.inlineKeys.set(client.clientId, keys);
    }
    return keys;
  }

  private explain(err: unknown, kid: string, client: RegisteredClient): OAuthError {
    if (err instanceof errors.JWTExpired) return invalidClient('the assertion has expired (exp is in the past)');
    if (err instanceof errors.JWTClaimValidationFailed) {
      if (err.claim === 'aud') return invalidClient(`aud must be the token endpoint, ${this.opts.tokenUrl}`);
      if (err.reason === 'missing') return invalidClient(`the assertion needs a "${err.claim}" claim`);
      if (err.claim === 'nbf') return invalidClient('the assertion is not valid yet (nbf)');
      return invalidClient(`the assertion's "${err.claim}" claim is not acceptable: ${err.message}`);
    }
    if (err instanceof errors.JWKSNoMatchingKey) {
      return invalidClient(`no key with kid ${printable(kid)} is registered for ${client.clientId} (for this alg)`);
    }
    if (err instanceof errors.JWSSignatureVerificationFailed) {
      return invalidClient(`the signature does not verify with ${client.clientId}'s key ${printable(kid)}`);
    }
    if (err instanceof JwksFetchError) return invalidClient(`cannot get ${client.clientId}'s keys: ${err.message}`);
    if (err instanceof errors.JOSEError) return invalidClient(`the assertion is not acceptable: ${err.message}`);
    throw err;
  }
}

/** A value from an untrusted token, safe to echo in an error description. */
export function printable(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v) ?? String(v);
  return `"${s.replace(/[^\x20-\x7e]|["\\]/g, '?').slice(0, 80)}"`;
}

function normalise(url: string): string {
  try {
    return new URL(url).toString();
  } catch {
    return url;
  }
}
