import autocannon from 'autocannon';

export interface LoadResult {
  /** Completed requests (any status). */
  requests: number;
  /** Of which 2xx. */
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
  /** 2xx answers per second. */
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Response bytes per second. */
  bytesPerSec: number;
}

export interface LoadOptions {
  url: string;
  connections: number;
  /** Run this long... */
  seconds: number;
  /** ...or stop after this many requests, whichever comes first. */
  amount?: number;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Rotated through, one per request. */
  paths?: string[];
  bodies?: string[];
}

/**
 * Drives one server with autocannon, bounded in time (and optionally in count). Paths and bodies
 * are handed out in turn across all connections, so every request asks for something different.
 */
export async function drive(opts: LoadOptions): Promise<LoadResult> {
  let n = 0;
  const paths = opts.paths;
  const bodies = opts.bodies;
  const instance = autocannon({
    url: opts.url,
    connections: opts.connections,
    duration: opts.seconds,
    ...(opts.amount ? { amount: opts.amount } : {}),
    timeout: 10,
    headers: opts.headers,
    method: opts.method ?? 'GET',
    requests: [
      {
        method: opts.method ?? 'GET',
        setupRequest: (req) => {
          const i = n++;
          if (paths) req.path = paths[i % paths.length];
          if (bodies) req.body = bodies[i % bodies.length];
          return req;
        },
      },
    ],
  });
  // A count-bounded run is bounded in time as well.
  const guard = setTimeout(() => (instance as unknown as { stop(): void }).stop(), (opts.seconds + 5) * 1000);
  const r = await instance;
  clearTimeout(guard);
  const ok = r['2xx'];
  const requests = r.requests.total;
  const seconds = r.duration;
  return {
    requests,
    ok,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    seconds,
    rps: ok / seconds,
    p50: r.latency.p50,
    p90: r.latency.p90,
    p99: r.latency.p99,
    max: r.latency.max,
    bytesPerSec: r.throughput.average,
  };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
