/**
 * Who is asking and what they may see: the types every layer above shares. Built at the HTTP edge
 * from the token (auth/), applied by the search and read layers (fhir/), recorded by the audit.
 */
import type { View } from './views';
export type { View } from './views';

/**
 * What a caller may read, per resource type: nothing, everything, or only what matches at least
 * one of a list of search-parameter sets (SMART granular scopes, patient-context confinement).
 */
export type ReadAccess = 'none' | 'all' | Array<Record<string, string>>;

export interface AccessPolicy {
  /** What the caller may read by id, and what _include/_revinclude may add, of a type. */
  read(resourceType: string): ReadAccess;
  /**
   * What a search of the type may return (SMART's `s`, separate from `r`). When absent, the same
   * as read.
   */
  search?(resourceType: string): ReadAccess;
  /**
   * Whether the caller may create (c), update (u) or delete (d) resources of the type. When absent,
   * writes follow read access being 'all' (the sandbox without authorisation).
   */
  write?(resourceType: string, interaction: WriteInteraction): boolean;
}

export type WriteInteraction = 'create' | 'update' | 'delete';

/** The interaction an access rule is asked about. */
export type AccessInteraction = 'read' | 'search';

/** Who is calling, as the authorisation layer established it: for audit and diagnostics. */
export interface Caller {
  /** The OAuth client (SMART backend-services client, or the client named in a council IdP token). */
  clientId: string;
  /** The caller's organisation (ODS code). */
  organization?: string;
  /** The scopes granted to the token. */
  scope: string;
  /** Who issued the token: the facade itself, or the council's identity provider. */
  issuer: 'facade' | 'council-idp';
  /** The person a user-facing token names (council IdP tokens): its subject. */
  user?: string;
  /** The patient a patient/ scope is confined to. */
  patient?: string;
}

/** Who is calling and what they may see, for one request. */
export interface RequestContext {
  view: View;
  access: AccessPolicy;
  /** Who is calling (client, organisation, scopes), for audit; absent for metadata. */
  caller?: Caller;
}

export const UNRESTRICTED: AccessPolicy = { read: () => 'all' };
