import NodeCache from 'node-cache';
import { Resource } from '@medplum/fhirtypes';
import { Store } from '../store/store';

export interface CachedLookup {
  resource: Resource;
  /** The resource serialised, once, when it was computed: a cached answer is sent as these bytes. */
  json?: string;
  withheld?: string[];
  version?: { versionId: string; lastUpdated: string };
}

/**
 * Answers to reads and searches of the person-lookup types (Patient, CarePlan, Flag, CareTeam,
 * Organization, Practitioner, PractitionerRole), kept for a few seconds: portals and busy wards ask
 * the same questions again and again. The key holds everything the answer depends on (the request,
 * the caller's view, scopes and organisation), so a cached answer is exactly the one that would be
 * computed. Freshness bound: `ttlSeconds` (LOOKUP_CACHE_SECONDS); any write that lookups read drops
 * the whole cache, in this instance at once and in others through the store's change notification.
 * Auditing and access notifications happen per request, cached or not.
 */
export class LookupCache {
  private readonly cache: NodeCache;
  /** Lookups answered from the cache, and lookups it could not answer (while enabled), since start: for metrics. */
  hits = 0;
  misses = 0;

  constructor(
    store: Store,
    readonly ttlSeconds: number,
    private readonly maxEntries = 20_000,
  ) {
    this.cache = new NodeCache({ stdTTL: ttlSeconds, checkperiod: Math.max(ttlSeconds, 10), useClones: false });
    store.onDataChanged(() => this.cache.flushAll());
  }

  get enabled(): boolean {
    return this.ttlSeconds > 0;
  }

  get(key: string): CachedLookup | undefined {
    if (!this.enabled) return undefined;
    const hit = this.cache.get<CachedLookup>(key);
    if (hit) this.hits++;
    else this.misses++;
    return hit;
  }

  set(key: string, value: CachedLookup): void {
    if (!this.enabled) return;
    // A full cache starts again rather than grow without bound.
    if (this.cache.getStats().keys >= this.maxEntries) this.cache.flushAll();
    this.cache.set(key, value);
  }
}
