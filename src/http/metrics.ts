import express, { NextFunction, Request, Response, Router } from 'express';
import { ServerResponse } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { interactionOf } from '../audit/accessRecords';
import { AuditTrail } from '../audit/auditTrail';
import { AccessRecordSink } from '../audit/recorder';
import { OAuthErrorCode } from '../auth/oauthError';
import { TokenEndpoint } from '../auth/tokenEndpoint';
import { isServedType } from '../fhir/routes';
import { LookupCache } from '../fhir/lookupCache';
import { contactAnswerCounts } from '../services/contactAnswers';
import { noticeCounts } from '../services/noticeIntake';
import { Store } from '../store/store';
import { onlyGetOrHead } from './respond';

export interface MetricsSources {
  store: Store;
  /** Where access records go: the audit trail in production (its queue and commits are measured). */
  trail?: AccessRecordSink;
  lookupCache: LookupCache;
  tokens: Pick<TokenEndpoint, 'counts'>;
}

/**
 * The facade's metrics in the Prometheus text format (prom-client), on a registry of this app's
 * own: tests build many apps in one process, and each must count only its own requests. The layers
 * below keep plain counts or tell listeners; this is the only place that knows of Prometheus.
 * Label values are from closed lists only (interactions, the served resource types, HTTP statuses,
 * OAuth error codes): never a path, an id, a client or anything about a person.
 */
export class FacadeMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<RequestLabels>;
  private readonly durations: Histogram<RequestLabels>;
  /** The children of the two request metrics by interaction and type: a request keeps its map, and its close looks up the status. */
  private readonly children = new Map<string, Map<string, ByStatus>>();
  /** Called on each FHIR response's close, with the response as `this`: one function for all of them. */
  private readonly closed: (this: ServerResponse) => void;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });

    this.requests = new Counter({
      name: 'facade_fhir_requests_total',
      help: 'FHIR requests answered, by interaction, resource type and HTTP status (aborted: the client went before the answer)',
      labelNames: ['interaction', 'resource_type', 'status'],
      registers,
    });
    this.durations = new Histogram({
      name: 'facade_fhir_request_duration_seconds',
      help: 'Time from a FHIR request reaching the app to its answer being sent, by interaction, resource type and HTTP status',
      labelNames: ['interaction', 'resource_type', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    const observe = (res: ServerResponse & Timed) => {
      const byStatus = res[BY_STATUS];
      if (!byStatus) return;
      const status = res.writableFinished ? res.statusCode : ABORTED;
      const pair = byStatus.get(status) ?? this.child(byStatus, status);
      pair.count.inc();
      pair.duration.observe((performance.now() - res[STARTED]!) / 1000);
    };
    this.closed = function (this: ServerResponse) {
      observe(this);
    };

    new Counter({
      name: 'facade_tokens_issued_total',
      help: 'Access tokens issued by the token endpoint',
      registers,
      collect() {
        this.reset();
        this.inc(sources.tokens.counts.issued);
      },
    });
    new Counter({
      name: 'facade_token_refusals_total',
      help: 'Token requests refused by the token endpoint, by OAuth error code',
      labelNames: ['error'],
      registers,
      collect() {
        this.reset();
        // Every code is shown from the start (at 0), so that a rate over it exists before the first refusal.
        for (const error of REFUSAL_CODES) this.inc({ error }, 0);
        for (const [error, n] of sources.tokens.counts.refused) this.inc({ error }, n);
      },
    });

    const trail = sources.trail instanceof AuditTrail ? sources.trail : undefined;
    if (trail) {
      new Gauge({
        name: 'facade_audit_queue_depth',
        help: 'Access records waiting for their commit (queued, and in the INSERT being written); every answer waits for its record',
        registers,
        collect() {
          this.set(trail.depth);
        },
      });
      new Gauge({
        name: 'facade_audit_oldest_wait_seconds',
        help: 'How long the oldest access record not yet committed has waited',
        registers,
        collect() {
          this.set(trail.oldestWaitMs / 1000);
        },
      });
      const commits = new Histogram({
        name: 'facade_audit_commit_duration_seconds',
        help: 'Time of each INSERT of the audit trail (one batch of records), by outcome',
        labelNames: ['outcome'],
        buckets: STATEMENT_BUCKETS,
        registers,
      });
      const committed = commits.labels('committed');
      const failed = commits.labels('failed');
      const records = new Counter({ name: 'facade_audit_records_total', help: 'Access records in INSERTs of the audit trail, by outcome', labelNames: ['outcome'], registers });
      const recordsCommitted = records.labels('committed');
      const recordsFailed = records.labels('failed');
      trail.onCommit((seconds, n, didFail) => {
        (didFail ? failed : committed).observe(seconds);
        (didFail ? recordsFailed : recordsCommitted).inc(n);
      });
    }

    const statements = new Histogram({
      name: 'facade_store_statement_duration_seconds',
      help:
        'Time from sending a statement to the store to its answer, by store (pglite: the round trip to the embedded store thread, waiting behind other statements included) and outcome',
      labelNames: ['store', 'outcome'],
      buckets: STATEMENT_BUCKETS,
      registers,
    });
    const statementOk = statements.labels(sources.store.db.kind, 'ok');
    const statementFailed = statements.labels(sources.store.db.kind, 'error');
    sources.store.db.onStatement?.((seconds, didFail) => (didFail ? statementFailed : statementOk).observe(seconds));

    const cache = sources.lookupCache;
    countsByLabel(
      registers,
      'facade_lookup_cache_requests_total',
      'Lookups (reads and searches of the person-lookup types) asked of the lookup cache, by result: hit or miss (none while it is off)',
      'result',
      () => ({ hit: cache.hits, miss: cache.misses }),
    );
    const notices = noticeCounts(sources.store);
    countsByLabel(
      registers,
      'facade_notices_received_total',
      'Hospital notices taken by intake, by outcome: created, repeat (the same notice again), refused (by intake)',
      'outcome',
      () => ({ created: notices.created, repeat: notices.repeat, refused: notices.refused }),
    );
    const answers = contactAnswerCounts(sources.store);
    countsByLabel(
      registers,
      'facade_contact_answers_total',
      "The council's answers to contacts (Task updates and patches), by outcome: answered, refused",
      'outcome',
      () => ({ answered: answers.answered, refused: answers.refused }),
    );
  }

  /** Middleware for the FHIR base: times each request, and counts it once its answer has gone (or the client has). */
  readonly observeFhir = (req: Request, res: Response, next: NextFunction): void => {
    const { interaction, resourceType } = interactionOf(req.method, req.path);
    const timed = res as unknown as Timed;
    timed[STARTED] = performance.now();
    timed[BY_STATUS] = this.byStatus(interaction, boundedType(resourceType));
    res.once('close', this.closed);
    next();
  };

  /** GET (and HEAD) /metrics, without a token: the deployment keeps it off the public network. */
  routes(): Router {
    const r = express.Router({ caseSensitive: true, strict: true });
    r.get('/metrics', async (_req, res, next) => {
      try {
        const text = await this.registry.metrics();
        res.set({ 'Content-Type': this.registry.contentType, 'Cache-Control': 'no-store' }).send(text);
      } catch (err) {
        next(err);
      }
    });
    r.all('/metrics', onlyGetOrHead);
    return r;
  }

  /** The request metrics of one interaction and type, by status (made on first need: every key is from a closed list). */
  private byStatus(interaction: string, resourceType: string): ByStatus {
    let byType = this.children.get(interaction);
    if (!byType) this.children.set(interaction, (byType = new Map()));
    let byStatus = byType.get(resourceType);
    if (!byStatus) byType.set(resourceType, (byStatus = Object.assign(new Map(), { interaction, resourceType })));
    return byStatus;
  }

  private child(byStatus: ByStatus, status: number): RequestPair {
    const labels = { interaction: byStatus.interaction, resource_type: byStatus.resourceType, status: status === ABORTED ? 'aborted' : String(status) };
    const pair = { count: this.requests.labels(labels), duration: this.durations.labels(labels) };
    byStatus.set(status, pair);
    return pair;
  }
}

/** The OAuth error codes the token endpoint answers with (auth/oauthError.ts, and the edge's own two). */
const REFUSAL_CODES: readonly string[] = [
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'slow_down',
  'temporarily_unavailable',
  'server_error',
] satisfies (OAuthErrorCode | 'temporarily_unavailable' | 'server_error')[];

const STATEMENT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** The status label of a request whose client went before its answer was sent. */
const ABORTED = 0;

type RequestLabels = 'interaction' | 'resource_type' | 'status';
interface RequestPair {
  count: Counter.Internal;
  duration: Histogram.Internal<RequestLabels>;
}
/** The request metrics of one interaction and resource type, by HTTP status. */
type ByStatus = Map<number, RequestPair> & { interaction: string; resourceType: string };

/** Set on each FHIR response: when its request arrived, and where its metrics are. */
const STARTED = Symbol('facade.metrics.started');
const BY_STATUS = Symbol('facade.metrics.byStatus');
interface Timed {
  [STARTED]?: number;
  [BY_STATUS]?: ByStatus;
}

/** A served type as itself; a path naming anything else is counted as one value, never as itself. */
function boundedType(type: string | undefined): string {
  if (type === undefined) return 'none';
  return isServedType(type) ? type : 'unknown';
}

/** A counter whose values are read, when scraped, from plain counts kept by a lower layer: one value per label. */
function countsByLabel(registers: Registry[], name: string, help: string, label: string, read: () => Record<string, number>): void {
  new Counter({
    name,
    help,
    labelNames: [label],
    registers,
    collect() {
      this.reset();
      for (const [value, n] of Object.entries(read())) this.inc({ [label]: value }, n);
    },
  });
}
