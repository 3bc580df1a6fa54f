import { createLocalJWKSet, errors, JSONWebKeySet, JWSHeaderParameters, FlattenedJWSInput } from 'jose';

/** A jose key getter: picks the verification key for a JWS header. */
export type KeyGetter = ReturnType<typeof createLocalJWKSet>;

export interface RemoteJwksOptions {
  /** The current time in ms (tests move it). */
  clock?: () => number;
  /** How long a JWKS served without Cache-Control or Expires is kept. */
  defaultMaxAgeMs?: number;
  /** The longest any JWKS is kept, whatever its Cache-Control says. */
  longestMaxAgeMs?: number;
  /** After a kid is not found, the soonest the JWKS is fetched again before it goes stale. */
  refetchCooldownMs?: number;
  timeoutMs?: number;
}

interface Entry {
  jwks: JSONWebKeySet;
  keys: KeyGetter;
  fetchedAt: number;
  freshUntil: number;
}

export class JwksFetchError extends Error {}

const MAX_BYTES = 256 * 1024;

/**
 * JWKS fetched from URLs (clients' jwks_uri, the council IdP's keys), cached as HTTP says:
 * `Cache-Control: no-store`/`no-cache`/`max-age=0` are fetched every time, `max-age=N` kept N
 * seconds (less any Age), `Expires` honoured, and a JWKS with none of them kept briefly. A kid
 * not in the cached copy triggers one early refetch (at most once per cool-down), so a rotated key
 * works without a restart; a removed key stops working once the copy holding it goes stale.
 */
export class RemoteJwksCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<Entry>>();
  private readonly clock: () => number;
  private readonly opts: Required<Omit<RemoteJwksOptions, 'clock'>>;
  /** How many times a JWKS has been fetched (diagnostics and tests). */
  fetches = 0;

  constructor(opts: RemoteJwksOptions = {}) {
    this.clock = opts.clock ?? Date.now;
    this.opts = {
      defaultMaxAgeMs: opts.defaultMaxAgeMs ?? 60_000,
      longestMaxAgeMs: opts.longestMaxAgeMs ?? 3_600_000,
      refetchCooldownMs: opts.refetchCooldownMs ?? 10_000,
      timeoutMs: opts.timeoutMs ?? 5_000,
    };
  }

  /** A key getter for jose's jwtVerify that reads the JWKS at `uri` through this cache. */
  keyGetter(uri: string): KeyGetter {
    const getter = async (header: JWSHeaderParameters, token: FlattenedJWSInput) => {
      const entry = await this.current(uri);
      try {
        return await entry.keys(header, token);
      } catch (err) {
        if (!(err instanceof errors.JWKSNoMatchingKey) || this.clock() - entry.fetchedAt < this.opts.refetchCooldownMs) throw err;
        return (await this.fetch(uri)).keys(header, token);
      }
    };
    return getter as KeyGetter;
  }

  private async current(uri: string): Promise<Entry> {
    const entry = this.entries.get(uri);
    if (entry && this.clock() < entry.freshUntil) return entry;
    return this.fetch(uri);
  }

  private fetch(uri: string): Promise<Entry> {
    let pending = this.inflight.get(uri);
    if (!pending) {
      pending = this.load(uri).finally(() => this.inflight.delete(uri));
      this.inflight.set(uri, pending);
    }
    return pending;
  }

  private async load(uri: string): Promise<Entry> {
    this.fetches++;
    let res: Response;
    try {
      res = await fetch(uri, { headers: { Accept: 'application/json' }, signal: AbortSignal.timeout(this.opts.timeoutMs) });
    } catch (err) {
      this.entries.delete(uri);
      throw new JwksFetchError(`cannot fetch ${uri}: ${(err as Error).message}`);
    }
    const fetchedAt = this.clock();
    const text = await res.text();
    if (!res.ok) {
      this.entries.delete(uri);
      throw new JwksFetchError(`${uri} answered ${res.status}`);
    }
    if (text.length > MAX_BYTES) throw new JwksFetchError(`${uri} sent more than ${MAX_BYTES} bytes`);
    let jwks: JSONWebKeySet;
    try {
      jwks = JSON.parse(text);
      if (!jwks || !Array.isArray(jwks.keys)) throw new Error('no "keys" array');
    } catch (err) {
      this.entries.delete(uri);
      throw new JwksFetchError(`${uri} did not send a JWKS: ${(err as Error).message}`);
    }
    const entry: Entry = {
      jwks,
      keys: createLocalJWKSet(jwks),
      fetchedAt,
      freshUntil: fetchedAt + this.freshness(res.headers, fetchedAt),
    };
    this.entries.set(uri, entry);
    return entry;
  }

  /** How long a response may be reused, in ms, from its Cache-Control, Age and Expires headers. */
  private freshness(headers: Headers, now: number): number {
    const cc = (headers.get('cache-control') ?? '').toLowerCase();
    const directives = new Map(
      cc
        .split(',')
        .map((d) => d.trim())
        .filter(Boolean)
        .map((d) => {
          const [k, v] = d.split('=');
          return [k.trim(), v?.trim().replace(/^"|"$/g, '')] as const;
        }),
    );
    if (directives.has('no-store') || directives.has('no-cache')) return 0;
    const maxAge = directives.get('max-age');
    if (maxAge !== undefined) {
      const seconds = Number(maxAge);
      if (!Number.isFinite(seconds) || seconds <= 0) return 0;
      const age = Number(headers.get('age') ?? 0);
      return Math.max(0, Math.min(this.opts.longestMaxAgeMs, (seconds - (Number.isFinite(age) ? age : 0)) * 1000));
    }
    const expires = headers.get('expires');
    if (expires) {
      const at = Date.parse(expires);
      return Number.isFinite(at) ? Math.max(0, Math.min(this.opts.longestMaxAgeMs, at - now)) : 0;
    }
    return this.opts.defaultMaxAgeMs;
  }
}
