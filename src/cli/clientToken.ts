import type { JWK } from 'jose';
import { signClientAssertion } from '../auth/assertionSigner';
import { CLIENT_ASSERTION_TYPE } from '../auth/assertion';
import { runDir, runningFacadeBaseUrl } from './runningFacade';

/**
 * A token from a running facade for a registered client (SMART backend services: a signed client
 * assertion for client_credentials). Returns the token endpoint's whole answer.
 */
export async function clientToken(input: { base: string; clientId: string; privateJwk: JWK; scope: string }): Promise<Record<string, string>> {
  const discovery = await fetch(`${input.base}/fhir/.well-known/smart-configuration`).catch((err) => {
    throw new Error(`cannot reach the facade at ${input.base} (is it running? npm start): ${err.cause?.message ?? err.message}`);
  });
  if (!discovery.ok) throw new Error(`${input.base}/fhir/.well-known/smart-configuration answered ${discovery.status}`);
  const tokenUrl = ((await discovery.json()) as { token_endpoint: string }).token_endpoint;

  const assertion = await signClientAssertion({ clientId: input.clientId, tokenUrl, privateJwk: input.privateJwk });
  const res = await fetch(tokenUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      scope: input.scope,
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: assertion,
    }),
  });
  const body = (await res.json()) as Record<string, string>;
  if (!res.ok) throw new Error(`${res.status} ${body.error}: ${body.error_description}`);
  return body;
}

/**
 * Where the facade is when no base URL is given: PUBLIC_BASE_URL or PORT as the server reads them;
 * when neither is set, the facade started from the same DATA_DIR, on whatever port it was given.
 */
export function defaultBase(fhirBaseUrl: string): string {
  const configured = process.env.PUBLIC_BASE_URL !== undefined || (process.env.PORT ?? '') !== '';
  return (configured ? undefined : runningFacadeBaseUrl(runDir())) ?? fhirBaseUrl.replace(/\/fhir$/, '');
}
