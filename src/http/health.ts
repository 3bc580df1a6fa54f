import express, { Response, Router } from 'express';
import { AccessRecordSink } from '../audit/recorder';
import { AuditTrail } from '../audit/auditTrail';
import { probeAuditWrite } from '../store/auditProbe';
import { allMigrations, pendingMigrations } from '../store/migrate';
import { Store } from '../store/store';
import { isStoreUnavailable } from '../store/unavailable';
import { onlyGetOrHead } from './respond';

/**
 * Liveness and readiness, in the form of the IETF draft "Health Check Response Format for HTTP
 * APIs" (draft-inadarei-api-health-check-06): `application/health+json`, a `status` of pass or
 * fail, and `checks` keyed `component:measurement`. Both are answered without a token, outside
 * the audit trail (they touch no one's record) and outside the per-client limit, and never cached.
 */
export const HEALTH_JSON = 'application/health+json';

export interface HealthOptions {
  store: Store;
  /** Where access records go: the audit trail in production, whose own commits say whether it can be written. */
  trail?: AccessRecordSink;
  /** True once the graceful shutdown has begun (the server's `stopping`). */
  stopping: () => boolean;
  version: string;
  /** How long the store has to answer readiness's statement (and the audit probe) before it counts as down. */
  storeLimitMs?: number;
  /** How long a record may wait for its commit before the trail counts as stuck. */
  auditStuckMs?: number;
}

export const DEFAULT_STORE_LIMIT_MS = 2_000;
export const DEFAULT_AUDIT_STUCK_MS = 10_000;

type Status = 'pass' | 'fail';

interface Check {
  componentType: 'datastore' | 'component' | 'system';
  observedValue?: number;
  observedUnit?: string;
  status: Status;
  time: string;
  output?: string;
}

interface HealthBody {
  status: Status;
  releaseId: string;
  serviceId: string;
  description: string;
  output?: string;
  checks: Record<string, Check[]>;
}

const SERVICE_ID = 'social-care-fhir-facade';
const LATEST_VERSION = Math.max(...allMigrations().map((m) => m.version));

export function healthRoutes(opts: HealthOptions): Router {
  // Case-sensitive and strict, like the proxy in front: /HEALTH/ready is not a health path.
  const r = express.Router({ caseSensitive: true, strict: true });
  const storeLimitMs = opts.storeLimitMs ?? DEFAULT_STORE_LIMIT_MS;
  const auditStuckMs = opts.auditStuckMs ?? DEFAULT_AUDIT_STUCK_MS;
  const trail = opts.trail instanceof AuditTrail ? opts.trail : undefined;

  // Express answers HEAD from these GET routes, with the headers and without the body.
  r.get('/health/live', (_req, res) => {
    const time = new Date().toISOString();
    send(res, {
      status: 'pass',
      ...about(opts.version, 'the process is up'),
      checks: { uptime: [{ componentType: 'system', observedValue: Math.round(process.uptime()), observedUnit: 's', status: 'pass', time }] },
    });
  });

  /**
   * Health endpoints are open to anyone who can reach them: a flood of readiness requests must not
   * become a flood of statements. Requests arriving while the store is being asked share its answer.
   */
  let asking: Promise<Record<string, Check[]>> | undefined;
  const storeChecks = () => {
    asking ??= schema()
      .then(async (s) => ({ ...s, ...(await auditTrail(s['store:responseTime'][0].status === 'pass')) }))
      .finally(() => (asking = undefined));
    return asking;
  };

  r.get('/health/ready', async (_req, res) => {
    const time = new Date().toISOString();
    const checks: Record<string, Check[]> = {
      ...(await storeChecks()),
      // Not shared: shutdown turns readiness to fail at once, whatever the store said a moment ago.
      'process:stopping': [
        opts.stopping()
          ? { componentType: 'system', status: 'fail', time, output: 'the facade is shutting down: finishing the requests in flight' }
          : { componentType: 'system', status: 'pass', time },
      ],
    };
    const failed = Object.entries(checks)
      .filter(([, list]) => list.some((c) => c.status === 'fail'))
      .map(([name]) => name);
    const ok = failed.length === 0;
    send(res.status(ok ? 200 : 503), {
      status: ok ? 'pass' : 'fail',
      ...about(opts.version, 'whether this instance can serve requests: its store, its schema, its audit trail, and not shutting down'),
      ...(ok ? {} : { output: `not ready: ${failed.join(', ')} failed` }),
      checks,
    });
  });

  for (const path of ['/health/live', '/health/ready']) r.all(path, onlyGetOrHead);

  // A statement the store has not answered is not sent again: on a hung store each probe would
  // otherwise leave one more statement holding a pooled connection until its own timeout.
  const askSchema = oneAtATime(() => pendingMigrations(opts.store.db));
  const askProbe = oneAtATime(() => probeAuditWrite(opts.store.db));

  /** One statement: the store answers (and how fast), and the schema holds every migration this code knows. */
  async function schema(): Promise<Record<string, Check[]>> {
    const time = new Date().toISOString();
    const started = performance.now();
    try {
      const pending = await within(askSchema(), storeLimitMs);
      const ms = Math.round(performance.now() - started);
      return {
        'store:responseTime': [{ componentType: 'datastore', observedValue: ms, observedUnit: 'ms', status: 'pass', time }],
        'store:migrations': [
          pending.length === 0
            ? { componentType: 'datastore', observedValue: LATEST_VERSION, observedUnit: 'schema version', status: 'pass', time }
            : {
                componentType: 'datastore',
                status: 'fail',
                time,
                output: `the schema lacks migration ${pending.map((m) => `${m.version} (${m.name})`).join(', ')} of the ${LATEST_VERSION} this code knows`,
              },
        ],
      };
    } catch (err) {
      if (err instanceof TookTooLong || isStoreUnavailable(err)) {
        const why = err instanceof TookTooLong ? `the store did not answer within ${storeLimitMs} ms` : `the store cannot be reached (${codeOf(err)})`;
        return {
          'store:responseTime': [{ componentType: 'datastore', status: 'fail', time, output: why }],
          'store:migrations': [{ componentType: 'datastore', status: 'fail', time, output: 'not known: the store did not answer' }],
        };
      }
      // The store answered, with an error: it is up, but its schema is not what this code needs.
      const ms = Math.round(performance.now() - started);
      return {
        'store:responseTime': [{ componentType: 'datastore', observedValue: ms, observedUnit: 'ms', status: 'pass', time }],
        'store:migrations': [{ componentType: 'datastore', status: 'fail', time, output: `the migrations cannot be read (${codeOf(err)})` }],
      };
    }
  }

  /**
   * Whether access records can be committed, for without that nothing is served. Asked once the
   * store has answered (or not). The trail's own
   * commits say so for free while requests flow: the most recent committed, and no record has waited
   * longer than auditStuckMs. After a failed commit that is no longer known, and an instance taken
   * out of service receives no requests to find out: a probe (the trail's INSERT, rolled back) asks
   * the store, so readiness comes back by itself once records can be written again.
   */
  async function auditTrail(storeAnswers: boolean): Promise<Record<string, Check[]>> {
    const time = new Date().toISOString();
    const depth = trail?.depth ?? 0;
    const check = (status: Status, output?: string): Record<string, Check[]> => ({
      'auditTrail:writable': [{ componentType: 'component', observedValue: depth, observedUnit: 'records waiting', status, time, ...(output ? { output } : {}) }],
    });
    // However well its last commit went, no record can be committed to a store that does not answer.
    if (!storeAnswers) return check('fail', 'no record can be committed: the store does not answer');
    const waited = trail?.oldestWaitMs ?? 0;
    if (waited > auditStuckMs) return check('fail', `a record has waited ${Math.round(waited)} ms for its commit`);
    const last = trail?.lastCommit;
    if (trail && !last?.failed) return check('pass');
    try {
      await within(askProbe(), storeLimitMs);
      return check('pass');
    } catch (err) {
      const why = err instanceof TookTooLong ? `did not answer within ${storeLimitMs} ms` : `failed (${codeOf(err)})`;
      return check('fail', last ? `the last commit failed at ${new Date(last.at).toISOString()}, and a probe write ${why}` : `a probe write ${why}`);
    }
  }

  return r;
}

function about(version: string, description: string) {
  return { releaseId: version, serviceId: SERVICE_ID, description };
}

function send(res: Response, body: HealthBody) {
  res.set({ 'Content-Type': HEALTH_JSON, 'Cache-Control': 'no-store' }).send(JSON.stringify(body));
}

class TookTooLong extends Error {}

/** Calls send() unless its previous call has not settled yet, in which case it fails at once as TookTooLong. */
function oneAtATime<T>(send: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  return () => {
    if (running) return Promise.reject(new TookTooLong());
    const answer = send();
    running = answer;
    const settled = () => {
      running = undefined;
    };
    answer.then(settled, settled);
    return answer;
  };
}

/** The answer, or TookTooLong after ms (the statement goes on; its late answer is ignored). */
async function within<T>(answer: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  answer.catch(() => undefined);
  try {
    return await Promise.race([answer, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new TookTooLong()), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A failure named by its code only (a SQLSTATE, a socket error), never its message: the endpoint is
 * open to anyone who reaches it, and a message may name hosts, users or tables.
 */
function codeOf(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && /^[\w-]{1,20}$/.test(code)) return code;
  if (isStoreUnavailable(err)) return 'unavailable';
  return 'error';
}
