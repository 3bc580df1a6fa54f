import { AccessPolicy, Caller, View } from '../access/context';

/** An access token that has been verified: who is calling and what they may see, until exp. */
export interface VerifiedToken {
  caller: Caller;
  view: View;
  access: AccessPolicy;
  /** Expiry, seconds since the epoch. */
  exp: number;
  /** The RFC 7662 introspection answer for this token (active: true and its claims). */
  introspection: Record<string, unknown>;
}

/** A token the resource server will not accept; the message says why (sent as error_description). */
export class InvalidToken extends Error {}
