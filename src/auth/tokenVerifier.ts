import { decodeJwt, errors } from 'jose';
import { AccessTokens } from './accessToken';
import { accessPolicyFromScopes } from './accessPolicy';
import { ClientRegistry } from './clients';
import { CouncilIdp } from './councilIdp';
import { parseScopes } from './scopes';
import { VerifiedTokenCache } from './tokenCache';
import { InvalidToken, VerifiedToken } from './verifiedToken';

export interface TokenVerifierOptions {
  tokens: AccessTokens;
  clients: ClientRegistry;
  councilIdp?: CouncilIdp;
  clock: () => number;
}

/**
 * Turns a bearer token into a VerifiedToken, or refuses it: the facade's own tokens (signed with
 * its key, for a client still registered) and, when configured, the council IdP's. Verified
 * tokens are cached until just before they expire; expiry is checked on every use all the same.
 */
export class TokenVerifier {
  private readonly cache = new VerifiedTokenCache<VerifiedToken>();
  /** Signature verifications performed (each cache miss that gets as far as a signature check). */
  verifications = 0;

  constructor(private readonly opts: TokenVerifierOptions) {}

  async verify(token: string): Promise<VerifiedToken> {
    const now = this.opts.clock();
    const cached = this.cache.get(token);
    if (cached) {
      if (cached.exp * 1000 > now) return cached;
      throw new InvalidToken('the access token has expired');
    }
    let iss: unknown;
    try {
      iss = decodeJwt(token).iss;
    } catch {
      throw new InvalidToken('the access token is not a JWT this server issued');
    }
    let verified: VerifiedToken;
    try {
      if (iss === this.opts.tokens.issuer) {
        this.verifications++;
        verified = await this.facadeToken(token);
      } else if (this.opts.councilIdp && iss === this.opts.councilIdp.issuer) {
        this.verifications++;
        verified = await this.opts.councilIdp.verify(token);
      } else {
        throw new InvalidToken('the access token was not issued by this server or an issuer it trusts');
      }
    } catch (err) {
      throw reason(err);
    }
    this.cache.set(token, verified, verified.exp, now);
    return verified;
  }

  private async facadeToken(token: string): Promise<VerifiedToken> {
    const claims = await this.opts.tokens.verify(token);
    const client = this.opts.clients.get(claims.client_id);
    if (!client) throw new InvalidToken(`client ${claims.client_id} is no longer registered`);
    return {
      caller: { clientId: client.clientId, organization: client.organization, scope: claims.scope, issuer: 'facade' },
      view: client.view,
      access: accessPolicyFromScopes(parseScopes(claims.scope).resources),
      exp: claims.exp,
      introspection: {
        active: true,
        scope: claims.scope,
        client_id: claims.client_id,
        exp: claims.exp,
        iat: claims.iat,
        sub: claims.sub,
        iss: claims.iss,
        aud: claims.aud,
        token_type: 'Bearer',
        organization: claims.organization,
        // The minimum-necessary view this client's requests are answered with.
        view: client.view,
      },
    };
  }

  close(): void {
    this.cache.close();
  }
}

function reason(err: unknown): InvalidToken {
  if (err instanceof InvalidToken) return err;
  if (err instanceof errors.JWTExpired) return new InvalidToken('the access token has expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    return new InvalidToken(err.claim === 'typ' ? 'it is not an access token (typ)' : `the access token's ${err.claim} claim is not acceptable`);
  }
  if (err instanceof errors.JOSEError) return new InvalidToken('the access token does not verify');
  throw err;
}
