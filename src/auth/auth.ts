import { Config } from '../config';
import { CapabilityOptions } from '../fhir/capability';
import { Caller, RequestContext } from '../access/context';
import { Store } from '../store/store';
import { AccessTokens } from './accessToken';
import { AssertionVerifier } from './assertion';
import { contextFromBearer, verifiedBearer } from './bearer';
import { ClientRegistry, loadClients } from './clients';
import { CouncilIdp } from './councilIdp';
import { AuthUrls, authUrls, capabilitySecurity, smartConfiguration } from './discovery';
import { introspect } from './introspection';
import { ClientRequestLimit } from './clientRequestLimit';
import { RateLimit, RateLimiter, SharedRateLimiter } from './rateLimit';
import { RemoteJwksCache } from './remoteJwks';
import { ephemeralSigningKey, SigningKey } from './signingKey';
import { TokenEndpoint } from './tokenEndpoint';
import { TokenVerifier } from './tokenVerifier';

export interface AuthOptions {
  store: Store;
  /** The facade's signing key; without one, a key that lives as long as the process (tests). */
  signingKey?: SigningKey | Promise<SigningKey>;
  /** The registered clients; without them, read from config.auth.clientsFile. */
  clients?: ClientRegistry;
  /** The current time in ms; tests move it. */
  clock?: () => number;
  /** Reports background failures (purging old jtis). */
  log?: (err: unknown) => void;
}

/**
 * SMART backend-services authorisation, assembled: the client registry, the token endpoint, the
 * facade's own tokens and (when configured) the council IdP's, the resource server's check of
 * bearer tokens, introspection and discovery. The HTTP edge (http/authRoutes.ts, the FHIR routes)
 * only calls into it.
 */
export class Auth {
  readonly urls: AuthUrls;
  readonly clients: ClientRegistry;
  readonly tokens: AccessTokens;
  readonly verifier: TokenVerifier;
  readonly tokenEndpoint: TokenEndpoint;
  readonly remoteJwks: RemoteJwksCache;
  /** The FHIR API's per-client request limit (CLIENT_REQUESTS_PER_MINUTE). */
  readonly requestLimit: ClientRequestLimit;
  private readonly idpIssuer: string | undefined;

  constructor(config: Config, opts: AuthOptions) {
    const clock = opts.clock ?? Date.now;
    this.urls = authUrls(config.fhirBaseUrl);
    this.clients = opts.clients ?? loadClients(config.auth.clientsFile);
    this.remoteJwks = new RemoteJwksCache({ clock });
    const key = Promise.resolve(opts.signingKey ?? ephemeralSigningKey());
    this.tokens = new AccessTokens({
      issuer: config.fhirBaseUrl,
      audience: config.fhirBaseUrl,
      lifetimeSeconds: config.auth.tokenLifetimeSeconds,
      key,
      clock,
    });
    const idp = config.auth.councilIdp;
    this.idpIssuer = idp?.issuer;
    this.verifier = new TokenVerifier({
      tokens: this.tokens,
      clients: this.clients,
      councilIdp: idp && new CouncilIdp(idp, this.remoteJwks, clock),
      clock,
    });
    // Instances sharing PostgreSQL share the limits; the embedded store has one process, which limits alone.
    const shared = opts.store.db.kind === 'postgres' ? opts.store.limits : undefined;
    const perMinute = config.auth.tokenRequestsPerMinute;
    const tokenLimit: RateLimit = shared ? new SharedRateLimiter(shared, 'token-requests', perMinute, 60_000) : new RateLimiter(perMinute, 60_000, clock);
    this.requestLimit = new ClientRequestLimit({ perMinute: config.clientRequestsPerMinute, shared, clock, onError: opts.log });
    this.tokenEndpoint = new TokenEndpoint({
      assertions: new AssertionVerifier({ clients: this.clients, tokenUrl: this.urls.token, remoteJwks: this.remoteJwks, clock }),
      jtis: opts.store.jtis,
      tokens: this.tokens,
      limiter: tokenLimit,
      clock,
      onPurgeError: opts.log ?? (() => undefined),
    });
  }

  /** The RequestContext for a FHIR request's Authorization header; 401 (FhirError) when there is no good token. */
  context(authorization: string | undefined): Promise<RequestContext> {
    return contextFromBearer(this.verifier, authorization, this.urls.fhirBase);
  }

  /**
   * Takes one FHIR request from the caller's allowance (CLIENT_REQUESTS_PER_MINUTE): 0 when
   * granted, else whole seconds to wait. A council IdP caller's allowance is its issuer's and
   * client's: the IdP names its clients itself, and one it calls by a registered client's name is
   * still another client. Per client, not per user: the limit is what one client application may
   * ask of the facade, however many people use it.
   */
  takeRequest(caller: Caller): number | Promise<number> {
    return this.requestLimit.take(caller.issuer === 'council-idp' ? `${this.idpIssuer} ${caller.clientId}` : caller.clientId);
  }

  /** Introspection: the caller must hold a valid token itself (RFC 7662 §2.1: no anonymous token scanning). */
  async introspect(authorization: string | undefined, token: string | undefined): Promise<Record<string, unknown>> {
    await verifiedBearer(this.verifier, authorization, this.urls.fhirBase);
    return introspect(this.verifier, token);
  }

  smartConfiguration(): Record<string, unknown> {
    return smartConfiguration(this.urls);
  }

  capabilitySecurity(): NonNullable<CapabilityOptions['security']> {
    return capabilitySecurity(this.urls);
  }

  close(): void {
    this.verifier.close();
    this.requestLimit.close();
  }
}
