import { TokenVerifier } from './tokenVerifier';
import { InvalidToken } from './verifiedToken';

/**
 * RFC 7662 introspection with SMART's required fields: an active token gives
 * {active: true, scope, client_id, exp, ...} (and patient when a patient/ scope is confined to
 * one); anything unknown, malformed, foreign or expired gives exactly {active: false}.
 */
export async function introspect(verifier: TokenVerifier, token: string | undefined): Promise<Record<string, unknown>> {
  if (!token) return { active: false };
  try {
    return (await verifier.verify(token)).introspection;
  } catch (err) {
    if (err instanceof InvalidToken) return { active: false };
    throw err;
  }
}
