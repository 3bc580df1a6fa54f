import { createHash } from 'node:crypto';
import NodeCache from 'node-cache';

/** Seconds before a token's exp at which its cache entry lapses ("until just before exp"). */
const EXPIRY_MARGIN_SECONDS = 1;

/**
 * Verified tokens, so a client's steady stream of requests pays for signature verification once
 * per token rather than once per request. Keyed by the SHA-256 of the token (the token itself is
 * never held as a key), kept until just before the token expires.
 */
export class VerifiedTokenCache<T> {
  private readonly cache = new NodeCache({ useClones: false, checkperiod: 60, maxKeys: 100_000 });

  static keyOf(token: string): string {
    return createHash('sha256').update(token).digest('base64url');
  }

  get(token: string): T | undefined {
    return this.cache.get<T>(VerifiedTokenCache.keyOf(token));
  }

  /** Keeps a verified token until just before exp (seconds since the epoch); not at all if that is too soon. */
  set(token: string, value: T, exp: number, nowMs: number): void {
    const ttl = exp - nowMs / 1000 - EXPIRY_MARGIN_SECONDS;
    if (ttl < 1) return;
    try {
      this.cache.set(VerifiedTokenCache.keyOf(token), value, ttl);
    } catch {
      // Full (ECACHEFULL): the token is still good, it just is not remembered.
    }
  }

  get size(): number {
    return this.cache.keys().length;
  }

  close(): void {
    this.cache.close();
  }
}
