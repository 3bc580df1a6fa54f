import { JtiStore } from '../store/jtiStore';
import { AccessTokens } from './accessToken';
import { AssertionVerifier, CLIENT_ASSERTION_TYPE, CLOCK_SKEW_SECONDS, printable } from './assertion';
import { invalidClient, invalidRequest, OAuthError } from './oauthError';
import { RateLimit } from './rateLimit';
import { grantScopes } from './scopes';

/** The successful token response (SMART backend services): never a refresh token. */
export interface TokenResponse {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  scope: string;
}

export interface TokenEndpointOptions {
  assertions: AssertionVerifier;
  jtis: JtiStore;
  tokens: AccessTokens;
  /** Token requests per client: in-process, or shared by the instances on one PostgreSQL database. */
  limiter: RateLimit;
  clock: () => number;
  /** Where a failed purge of old jtis is reported. */
  onPurgeError: (err: unknown) => void;
}

const PURGE_EVERY_MS = 60_000;

/**
 * The token endpoint's logic, without HTTP: client_credentials with a JWT client assertion.
 * Order: the request's shape, the assertion (signature and claims), the client's rate limit, the
 * jti's single use (recorded before anything is granted), then the scopes.
 */
export class TokenEndpoint {
  private lastPurge = 0;
  /**
   * Tokens issued, and token requests refused by the OAuth error code they were answered with,
   * since start: for metrics. The HTTP edge counts each request once, by the answer it sent (count),
   * so a refusal made before this endpoint reads the request, or a token withheld because its audit
   * record could not be written, is counted as what the client saw.
   */
  readonly counts = { issued: 0, refused: new Map<string, number>() };

  constructor(private readonly opts: TokenEndpointOptions) {}

  /** Counts a token request by its answer: a token, or the OAuth error code sent instead. */
  count(refusedWith: string | undefined): void {
    if (refusedWith === undefined) this.counts.issued++;
    else this.counts.refused.set(refusedWith, (this.counts.refused.get(refusedWith) ?? 0) + 1);
  }

  async handle(params: Record<string, string[]>): Promise<{ response: TokenResponse; clientId: string }> {
    const one = (name: string) => {
      const v = params[name];
      if (v && v.length > 1) throw invalidRequest(`${name} is given more than once`);
      return v?.[0] || undefined;
    };
    const grantType = one('grant_type');
    if (!grantType) throw invalidRequest('grant_type is required: use client_credentials');
    if (grantType !== 'client_credentials') {
      throw new OAuthError('unsupported_grant_type', `grant_type ${printable(grantType)} is not supported: use client_credentials`);
    }
    const assertionType = one('client_assertion_type');
    const assertion = one('client_assertion');
    if (!assertionType || !assertion) {
      throw invalidRequest(`client_assertion_type (${CLIENT_ASSERTION_TYPE}) and client_assertion (a signed JWT) are required`);
    }
    if (assertionType !== CLIENT_ASSERTION_TYPE) {
      throw invalidClient(`client_assertion_type must be ${CLIENT_ASSERTION_TYPE}: clients authenticate with private_key_jwt`);
    }
    const { client, jti, exp } = await this.opts.assertions.verify(assertion);
    const clientIdParam = one('client_id');
    if (clientIdParam !== undefined && clientIdParam !== client.clientId) throw invalidClient('client_id does not match the assertion');

    const retryAfter = await this.opts.limiter.take(client.clientId);
    if (retryAfter > 0) {
      throw new OAuthError('slow_down', `Too many token requests from ${client.clientId}: reuse a token until it expires`, 429, {
        'Retry-After': String(retryAfter),
      });
    }

    const now = this.opts.clock();
    this.purge(now);
    const expiresAt = new Date((exp + CLOCK_SKEW_SECONDS) * 1000);
    if (!(await this.opts.jtis.recordFirstUse(client.clientId, jti, expiresAt, new Date(now)))) {
      throw invalidClient('this assertion has been used before (jti): sign a new one, with a new jti, for each request');
    }

    const asked = one('scope');
    if (!asked) throw new OAuthError('invalid_scope', `scope is required; ${client.clientId} may be granted: ${client.scope}`);
    const grant = grantScopes(asked, client.scopes);
    if (grant.scopes.length === 0) {
      throw new OAuthError(
        'invalid_scope',
        `None of the requested scopes can be granted: ${grant.refused.join('; ')}. ${client.clientId} may be granted: ${client.scope}`,
      );
    }
    const { token, expiresIn } = await this.opts.tokens.issue(client, grant.scope);
    return { response: { access_token: token, token_type: 'bearer', expires_in: expiresIn, scope: grant.scope }, clientId: client.clientId };
  }

  /** Forgets expired jtis now and then; failure only delays the tidy-up. */
  private purge(now: number) {
    if (now - this.lastPurge < PURGE_EVERY_MS) return;
    this.lastPurge = now;
    this.opts.jtis.purgeExpired(new Date(now)).catch(this.opts.onPurgeError);
  }
}
