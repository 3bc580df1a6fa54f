import { JWTPayload, jwtVerify } from 'jose';
import { CouncilIdpConfig } from '../config';
import { accessPolicyFromScopes } from './accessPolicy';
import { RemoteJwksCache } from './remoteJwks';
import { parseScopes } from './scopes';
import { VerifiedToken } from './verifiedToken';
import { ID as PATIENT_ID } from '../domain/ids';

/** The asymmetric algorithms an identity provider may sign with; shared secrets are never accepted. */
const IDP_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];

/**
 * Accepts access tokens issued by the council's own authorisation server (configured issuer,
 * audience and JWKS URL) and maps them onto the same model as the facade's tokens: its scope
 * claim gives the SMART scopes (system/, user/, and patient/ confined to its patient claim), its
 * organisation claim the caller's organisation.
 */
export class CouncilIdp {
  constructor(
    private readonly config: CouncilIdpConfig,
    private readonly remoteJwks: RemoteJwksCache,
    private readonly clock: () => number,
  ) {}

  get issuer(): string {
    return this.config.issuer;
  }

  async verify(token: string): Promise<VerifiedToken> {
    const { payload } = await jwtVerify(token, this.remoteJwks.keyGetter(this.config.jwksUri), {
      algorithms: IDP_ALGORITHMS,
      issuer: this.config.issuer,
      audience: this.config.audience,
      currentDate: new Date(this.clock()),
      requiredClaims: ['exp'],
    });
    const scope = scopeString(payload[this.config.scopeClaim]);
    const clientId = [payload.client_id, payload.azp, payload.appid, payload.sub].find((v): v is string => typeof v === 'string') ?? 'unknown';
    const organization = stringClaim(payload, this.config.organizationClaim);
    const rawPatient = stringClaim(payload, this.config.patientClaim)?.replace(/^Patient\//, '');
    const patient = rawPatient && PATIENT_ID.test(rawPatient) ? rawPatient : undefined;
    return {
      caller: { clientId, organization, scope, issuer: 'council-idp', user: payload.sub, patient },
      view: this.config.view,
      access: accessPolicyFromScopes(parseScopes(scope).resources, patient),
      exp: payload.exp!,
      introspection: {
        active: true,
        scope,
        client_id: clientId,
        exp: payload.exp,
        ...(payload.iat !== undefined ? { iat: payload.iat } : {}),
        ...(payload.sub !== undefined ? { sub: payload.sub } : {}),
        iss: payload.iss,
        token_type: 'Bearer',
        ...(organization ? { organization } : {}),
        ...(patient ? { patient } : {}),
        view: this.config.view,
      },
    };
  }
}

function scopeString(v: unknown): string {
  if (typeof v === 'string') return v.trim().split(/\s+/).filter(Boolean).join(' ');
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string').join(' ');
  return '';
}

function stringClaim(payload: JWTPayload, name: string): string | undefined {
  const v = payload[name];
  return typeof v === 'string' && v ? v : undefined;
}
