import { createPrivateKey, KeyObject, randomUUID, sign } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The client side of SMART backend services, with node:crypto only (the benchmark depends on the
 * facade's HTTP behaviour, not on its code): a signed client assertion (ES384 or RS384).
 */
export interface ClientKey {
  clientId: string;
  kid: string;
  alg: 'ES384' | 'RS384';
  key: KeyObject;
}

export function sandboxClientKey(root: string, clientId: string): ClientKey {
  const jwk = JSON.parse(fs.readFileSync(path.join(root, 'fixtures', 'sandbox', 'keys', `${clientId}.private.jwk.json`), 'utf8'));
  return { clientId, kid: jwk.kid, alg: jwk.alg ?? (jwk.kty === 'RSA' ? 'RS384' : 'ES384'), key: createPrivateKey({ key: jwk, format: 'jwk' }) };
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export function signAssertion(client: ClientKey, tokenUrl: string, lifetimeSeconds = 290): string {
  const now = Math.floor(Date.now() / 1000);
  const header = b64url(JSON.stringify({ alg: client.alg, kid: client.kid, typ: 'JWT' }));
  const claims = b64url(
    JSON.stringify({ iss: client.clientId, sub: client.clientId, aud: tokenUrl, jti: randomUUID(), iat: now, exp: now + lifetimeSeconds }),
  );
  const input = `${header}.${claims}`;
  const signature =
    client.alg === 'ES384'
      ? sign('sha384', Buffer.from(input), { key: client.key, dsaEncoding: 'ieee-p1363' })
      : sign('sha384', Buffer.from(input), client.key);
  return `${input}.${b64url(signature)}`;
}

export function tokenRequestBody(client: ClientKey, tokenUrl: string, scope: string): string {
  return new URLSearchParams({
    grant_type: 'client_credentials',
    scope,
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: signAssertion(client, tokenUrl),
  }).toString();
}

/** An access token from the facade's real token endpoint (found through SMART discovery). */
export async function fetchToken(base: string, client: ClientKey, scope: string): Promise<{ token?: string; error?: string; tokenUrl: string }> {
  const discovery = (await (await fetch(`${base}/fhir/.well-known/smart-configuration`)).json()) as { token_endpoint: string };
  // The facade advertises its public URL; the benchmark reaches it on 127.0.0.1 at the same path.
  const tokenUrl = discovery.token_endpoint;
  const res = await fetch(`${base}${new URL(tokenUrl).pathname}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: tokenRequestBody(client, tokenUrl, scope),
  });
  const body = (await res.json()) as Record<string, string>;
  if (res.status !== 200) return { error: `${res.status} ${body.error}: ${body.error_description}`, tokenUrl };
  return { token: body.access_token, tokenUrl };
}
