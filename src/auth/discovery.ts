import { CapabilityOptions } from '../fhir/capability';
import { RESOURCE_DEFINITIONS } from '../fhir/registry';
import { ASSERTION_ALGORITHMS } from './assertion';

/** The authorisation endpoints, as absolute URLs under the public base (never localhost behind a proxy). */
export interface AuthUrls {
  fhirBase: string;
  token: string;
  introspect: string;
  /** The facade's public keys: services that verify its access tokens themselves fetch them here. */
  jwks: string;
}

/** The endpoints live beside the FHIR base: {public base}/auth/token etc. */
export function authUrls(fhirBaseUrl: string): AuthUrls {
  const root = fhirBaseUrl.replace(/\/fhir$/, '');
  return { fhirBase: fhirBaseUrl, token: `${root}/auth/token`, introspect: `${root}/auth/introspect`, jwks: `${root}/auth/jwks.json` };
}

/**
 * Every scope a backend-services client can be granted and that the access policy enforces
 * (accessPolicy.ts), in full: for each served type, and for every type at once (*), each
 * combination of what it serves in SMART v2 order (c create, r read, u update, d delete, s search:
 * r, s, rs everywhere; with c for Communication, hospital notices; with u for Task, contact answers
 * by PUT and PATCH; with c, u and, where the type may be deleted, d for the council's own records),
 * and the v1 form .read. What is granted still depends on the client's registration. No .write or
 * .* (they would grant d where no delete is served), and no patient/ or user/ scopes (a
 * client_credentials token has neither a patient nor a user).
 */
export function scopesSupported(): string[] {
  const served = (letters: string) => [...letters].filter((l) => l !== '-');
  const forType = (type: string, letters: string[]) => [...combinations(letters).map((c) => `system/${type}.${c}`), `system/${type}.read`];
  return [
    ...forType('*', ['c', 'r', 'u', 'd', 's']),
    ...RESOURCE_DEFINITIONS.flatMap((d) => {
      const council = !!d.councilRecord;
      const c = d.writes?.create || council ? 'c' : '-';
      const u = d.writes?.update || d.writes?.patch || council ? 'u' : '-';
      const del = d.councilRecord?.deletion ? 'd' : '-';
      return forType(d.type, served(`${c}r${u}${del}s`));
    }),
  ];
}

/** Every non-empty combination of the letters, each in the order given (SMART v2: c, r, u, d, s). */
function combinations(letters: string[]): string[] {
  const out: string[] = [];
  for (let mask = 1; mask < 1 << letters.length; mask++) out.push(letters.filter((_, i) => mask & (1 << i)).join(''));
  return out.sort((x, y) => x.length - y.length || letters.indexOf(x[0]) - letters.indexOf(y[0]) || x.localeCompare(y));
}

/**
 * The SMART configuration (.well-known/smart-configuration): backend services only. Only what is
 * true is claimed: client_credentials with private_key_jwt (RS384, ES384), v1 and v2 scopes,
 * introspection. `issuer` and `jwks_uri` name the facade's own token issuer, exactly the `iss` of
 * its access tokens (the FHIR base), and its public keys, so a service that receives its tokens can
 * verify them; they claim no OpenID Connect (no authorization endpoint, no id tokens, so no
 * sso-openid-connect or launch capabilities).
 */
export function smartConfiguration(urls: AuthUrls): Record<string, unknown> {
  return {
    issuer: urls.fhirBase,
    jwks_uri: urls.jwks,
    token_endpoint: urls.token,
    introspection_endpoint: urls.introspect,
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGORITHMS,
    scopes_supported: scopesSupported(),
    capabilities: ['client-confidential-asymmetric', 'permission-v1', 'permission-v2'],
    // Required by SMART 2.x in every discovery document. No authorization_code grant is offered,
    // so it promises nothing here; `plain` is never accepted.
    code_challenge_methods_supported: ['S256'],
  };
}

/** rest.security for the CapabilityStatement: SMART-on-FHIR, with the oauth-uris extension older clients read. */
export function capabilitySecurity(urls: AuthUrls): NonNullable<CapabilityOptions['security']> {
  return {
    cors: false,
    service: [
      {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR', display: 'SMART-on-FHIR' }],
        text: 'OAuth 2.0 with SMART Backend Services (client_credentials, private_key_jwt)',
      },
    ],
    description:
      `Every interaction except metadata needs a bearer token from ${urls.token} (SMART Backend Services: ` +
      'client_credentials with a JWT assertion signed RS384 or ES384 by a registered client). Scopes v2 (system/Flag.rs, ' +
      'granular ?category=) and v1 (system/*.read). Discovery: .well-known/smart-configuration under the FHIR base and ' +
      `at the origin. The facade's token-signing keys: ${urls.jwks}.`,
    extension: [
      {
        url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
        extension: [
          { url: 'token', valueUri: urls.token },
          { url: 'introspect', valueUri: urls.introspect },
        ],
      },
    ],
  };
}
