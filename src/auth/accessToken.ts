import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, JSONWebKeySet, JWTPayload, jwtVerify, SignJWT } from 'jose';
import { RegisteredClient } from './clients';
import { SigningKey } from './signingKey';
import { InvalidToken } from './verifiedToken';

/** RFC 9068: the header type of a JWT access token, so it cannot pass for a client assertion or an ID token. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';

/** The claims of the access tokens the facade issues. */
export interface AccessTokenClaims extends JWTPayload {
  iss: string;
  aud: string;
  sub: string;
  client_id: string;
  scope: string;
  /** The client's organisation (ODS code), for services that verify the token themselves. */
  organization: string;
  jti: string;
  iat: number;
  exp: number;
}

export interface AccessTokensOptions {
  /** Who issues the tokens: the FHIR base URL. */
  issuer: string;
  /** Who they are for: the FHIR base URL. */
  audience: string;
  lifetimeSeconds: number;
  key: Promise<SigningKey>;
  clock: () => number;
}

/** Issues and verifies the facade's own access tokens: JWTs signed with its key (ES384 or RS384). */
export class AccessTokens {
  constructor(private readonly opts: AccessTokensOptions) {}

  get issuer(): string {
    return this.opts.issuer;
  }

  async issue(client: RegisteredClient, scope: string): Promise<{ token: string; expiresIn: number; claims: AccessTokenClaims }> {
    const key = await this.opts.key;
    const iat = Math.floor(this.opts.clock() / 1000);
    const claims: AccessTokenClaims = {
      iss: this.opts.issuer,
      aud: this.opts.audience,
      sub: client.clientId,
      client_id: client.clientId,
      scope,
      organization: client.organization,
      jti: randomUUID(),
      iat,
      exp: iat + this.opts.lifetimeSeconds,
    };
    const token = await new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: ACCESS_TOKEN_TYPE }).sign(key.privateKey);
    return { token, expiresIn: this.opts.lifetimeSeconds, claims };
  }

  /** Verifies signature, issuer, audience, type and expiry (no tolerance: never accepted after exp). */
  async verify(token: string): Promise<AccessTokenClaims> {
    const key = await this.opts.key;
    const { payload } = await jwtVerify(token, this.keySet(key), {
      algorithms: [key.alg, ...key.jwks.keys.map((k) => k.alg!).filter((a) => a !== key.alg)],
      issuer: this.opts.issuer,
      audience: this.opts.audience,
      typ: ACCESS_TOKEN_TYPE,
      currentDate: new Date(this.opts.clock()),
      requiredClaims: ['exp', 'iat', 'sub', 'jti'],
    });
    if (typeof payload.client_id !== 'string' || typeof payload.scope !== 'string') {
      throw new InvalidToken('the access token has no client_id or scope');
    }
    return payload as AccessTokenClaims;
  }

  /** The public keys the tokens verify with, for the facade's JWKS URL. */
  async jwks(): Promise<JSONWebKeySet> {
    return (await this.opts.key).jwks;
  }

  private keySets = new WeakMap<SigningKey, ReturnType<typeof createLocalJWKSet>>();

  private keySet(key: SigningKey) {
    let set = this.keySets.get(key);
    if (!set) {
      set = createLocalJWKSet(key.jwks);
      this.keySets.set(key, set);
    }
    return set;
  }
}
