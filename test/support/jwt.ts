import { randomUUID } from 'node:crypto';
import { base64url, importJWK, JWK, JWTPayload, SignJWT } from 'jose';

/** Signs exactly the claims and header given (no defaults added), for crafting good and bad JWTs. */
export async function signJwt(claims: JWTPayload, header: { alg: string; kid?: string; typ?: string; jku?: string }, key: JWK | Uint8Array): Promise<string> {
  const signingKey = key instanceof Uint8Array ? key : await importJWK(key, header.alg);
  return new SignJWT(claims).setProtectedHeader(header).sign(signingKey);
}

/** An `alg: none` JWT: header and claims, no signature. */
export function unsignedJwt(header: Record<string, unknown>, claims: JWTPayload): string {
  const part = (o: unknown) => base64url.encode(JSON.stringify(o));
  return `${part({ ...header, alg: 'none' })}.${part(claims)}.`;
}

/** The claims of a valid client assertion, with overrides (undefined removes a claim). */
export function assertionClaims(clientId: string, tokenUrl: string, overrides: Record<string, unknown> = {}, nowMs = Date.now()): JWTPayload {
  const now = Math.floor(nowMs / 1000);
  const claims: Record<string, unknown> = { iss: clientId, sub: clientId, aud: tokenUrl, iat: now, exp: now + 120, jti: randomUUID(), ...overrides };
  for (const k of Object.keys(claims)) if (claims[k] === undefined) delete claims[k];
  return claims as JWTPayload;
}

/** Replaces a JWT's payload with other claims, keeping its header and signature (a tampered token). */
export function tamper(jwt: string, change: (claims: Record<string, unknown>) => void): string {
  const [h, p, s] = jwt.split('.');
  const claims = JSON.parse(new TextDecoder().decode(base64url.decode(p)));
  change(claims);
  return `${h}.${base64url.encode(JSON.stringify(claims))}.${s}`;
}
