import { randomUUID } from 'node:crypto';
import { importJWK, JWK, SignJWT } from 'jose';

/**
 * The client side of SMART backend services: a JWT assertion signed with a client's private key
 * (ES384 for EC P-384 keys, RS384 for RSA). Used by `npm run token` and the tests.
 */
export async function signClientAssertion(opts: {
  clientId: string;
  tokenUrl: string;
  privateJwk: JWK;
  /** Seconds until exp; SMART clients stay within 300. */
  lifetimeSeconds?: number;
  jti?: string;
  /** The current time in ms. */
  now?: number;
}): Promise<string> {
  const { privateJwk } = opts;
  const alg = privateJwk.alg ?? (privateJwk.kty === 'RSA' ? 'RS384' : 'ES384');
  if (!privateJwk.kid) throw new Error('the private key needs a kid (the one registered for the client)');
  const key = await importJWK(privateJwk, alg);
  const now = Math.floor((opts.now ?? Date.now()) / 1000);
  return new SignJWT({ jti: opts.jti ?? randomUUID() })
    .setProtectedHeader({ alg, kid: privateJwk.kid, typ: 'JWT' })
    .setIssuer(opts.clientId)
    .setSubject(opts.clientId)
    .setAudience(opts.tokenUrl)
    .setIssuedAt(now)
    .setExpirationTime(now + (opts.lifetimeSeconds ?? 120))
    .sign(key);
}
