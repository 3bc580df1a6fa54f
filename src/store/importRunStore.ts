import { SqlExecutor } from './sqlDriver';

const INSTANT = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** One import of the council's data, as kept in import_runs (and named by the records it ended). */
export interface ImportRun {
  id: string;
  kind: string;
  startedAt: string;
  finishedAt?: string;
  /** running, or how it ended: applied, dry-run, refused (too many rejects), failed (nothing applied). */
  outcome: string;
  clientId?: string;
  organization?: string;
  files: { name: string; sha256: string; bytes: number; rows: number }[];
  counts: Record<string, unknown>;
}

/** An import as its status URL sees it. */
export interface ImportRunStatus extends ImportRun {
  /** The report, once the import has ended. */
  report?: unknown;
  /** While it runs: how far it has read. */
  progress?: { rows: number; bytes: number };
  /** Seconds since the instance running it last said it was (PostgreSQL only). */
  silentForSeconds?: number;
}

/** The record of each import: started (over HTTP), then ended, whatever its outcome. */
export class ImportRunStore {
  constructor(private readonly db: SqlExecutor) {}

  /** An import accepted over HTTP, before it runs: its status URL answers from here on any instance. */
  async start(run: Pick<ImportRun, 'id' | 'kind' | 'clientId' | 'organization' | 'files'>): Promise<void> {
    await this.db.query(
      `INSERT INTO import_runs (id, kind, outcome, client_id, organization, files, heartbeat_at) VALUES ($1, $2, 'running', $3, $4, $5::jsonb, now())`,
      [run.id, run.kind, run.clientId ?? null, run.organization ?? null, JSON.stringify(run.files)],
    );
  }

  /** The instance running an import says it still is, and how far it has read. */
  async heartbeat(id: string, progress: { rows: number; bytes: number }): Promise<void> {
    await this.db.query(`UPDATE import_runs SET heartbeat_at = now(), progress = $2::jsonb WHERE id = $1 AND outcome = 'running'`, [
      id,
      JSON.stringify(progress),
    ]);
  }

  /** An import has ended: its outcome, counts and report (over HTTP, the row was started before). */
  async finish(run: ImportRun, report?: unknown): Promise<void> {
    await this.db.query(
      `INSERT INTO import_runs (id, kind, started_at, finished_at, outcome, client_id, organization, files, counts, report)
       VALUES ($1, $2, $3::timestamptz, $4::timestamptz, $5, $6, $7, $8::jsonb, $9::jsonb, $10::jsonb)
       ON CONFLICT (id) DO UPDATE SET started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at, outcome = EXCLUDED.outcome,
         files = EXCLUDED.files, counts = EXCLUDED.counts, report = EXCLUDED.report, progress = NULL`,
      [
        run.id,
        run.kind,
        run.startedAt,
        run.finishedAt ?? null,
        run.outcome,
        run.clientId ?? null,
        run.organization ?? null,
        JSON.stringify(run.files),
        JSON.stringify(run.counts),
        report === undefined ? null : JSON.stringify(report),
      ],
    );
  }

  /**
   * Imports left running by an instance that stopped (nothing of them was applied: their
   * transaction never committed), silent for longer than `silentSeconds`: recorded as failed.
   * Returns how many.
   */
  async failAbandoned(silentSeconds: number): Promise<number> {
    const rows = await this.db.query<{ id: string }>(
      `UPDATE import_runs SET outcome = 'failed', finished_at = now(), progress = NULL,
         report = jsonb_build_object('importId', id, 'kind', kind, 'outcome', 'failed',
           'error', 'the instance running the import stopped before it ended: nothing was applied')
       WHERE outcome = 'running' AND (heartbeat_at IS NULL OR heartbeat_at < now() - make_interval(secs => $1)) RETURNING id`,
      [silentSeconds],
    );
    return rows.length;
  }

  async get(id: string): Promise<ImportRunStatus | undefined> {
    const rows = await this.db.query<Record<string, unknown>>(
      `SELECT id, kind, ${INSTANT('started_at')} AS started_at, ${INSTANT('finished_at')} AS finished_at, outcome, client_id, organization,
              files, counts, report, progress, extract(epoch FROM now() - heartbeat_at)::float8 AS silent_for
       FROM import_runs WHERE id = $1`,
      [id],
    );
    return rows[0] && statusOf(rows[0]);
  }

  /** The latest imports, newest first. */
  async latest(limit = 20): Promise<ImportRunStatus[]> {
    const rows = await this.db.query<Record<string, unknown>>(
      `SELECT id, kind, ${INSTANT('started_at')} AS started_at, ${INSTANT('finished_at')} AS finished_at, outcome, client_id, organization,
              files, counts, NULL AS report, progress, extract(epoch FROM now() - heartbeat_at)::float8 AS silent_for
       FROM import_runs ORDER BY started_at DESC, id LIMIT $1`,
      [limit],
    );
    return rows.map(statusOf);
  }
}

function statusOf(r: Record<string, unknown>): ImportRunStatus {
  const optional = <T>(v: unknown) => (v === null || v === undefined ? undefined : (v as T));
  return {
    id: r.id as string,
    kind: r.kind as string,
    startedAt: r.started_at as string,
    finishedAt: optional<string>(r.finished_at),
    outcome: r.outcome as string,
    clientId: optional<string>(r.client_id),
    organization: optional<string>(r.organization),
    files: r.files as ImportRun['files'],
    counts: r.counts as ImportRun['counts'],
    report: optional(r.report),
    progress: optional(r.progress),
    silentForSeconds: optional<number>(r.silent_for),
  };
}
