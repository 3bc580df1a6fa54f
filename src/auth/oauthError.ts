/** The error codes of RFC 6749 §5.2 (and RFC 8628's slow_down, for the token endpoint's rate limit). */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'slow_down';

/**
 * A refusal at the token or introspection endpoint, carried as a value: the OAuth error code, a
 * description the client can act on, and the HTTP status (400 unless said otherwise).
 */
export class OAuthError extends Error {
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    readonly status = 400,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${error}: ${description}`);
  }

  body(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.error, error_description: this.description };
  }
}

export const invalidClient = (description: string) => new OAuthError('invalid_client', description);
export const invalidRequest = (description: string) => new OAuthError('invalid_request', description);
