// sync_runs: a run is also the single-flight lock. The unique partial index over queued/running runs
// (migration 001) lets exactly one active run exist per (connection, stream), across processes and
// machines; a lease renewed by heartbeat says which worker executes it, and an expired lease lets
// another worker take it over from the checkpoint.
import type { Queryable } from '../store/db.js';
import { cursorTimestampSql, type Keyset, type Page, toPage } from '../store/paging.js';
import type { SyncMode } from '../connectors/types.js';

export const ACTIVE_STATUSES = ['queued', 'running'] as const;
export type RunStatus = 'queued' | 'running' | 'succeeded' | 'partial' | 'failed' | 'timed_out' | 'cancelled';
export type RunOutcome = Exclude<RunStatus, 'queued' | 'running'>;

export interface RunProgress {
  stage: 'queued' | 'starting' | 'fetching' | 'writing' | 'rate_limited' | 'retrying' | 'sweeping' | 'done';
  page: number;
  processed: number;
  total: number | null;
  rateLimitedUntil: string | null;
  retries: number;
  message?: string;
  /** A sliced stream's slice being read (see Stream.slices). */
  slice?: { key: string; index: number; count: number };
}

export interface RunCounts {
  added: number;
  updated: number;
  unchanged: number;
  deleted: number;
  deadLetters: number;
}

export interface RunRow {
  id: string;
  tenant_id: string;
  connection_id: string;
  stream: string;
  mode: SyncMode;
  trigger: string;
  status: RunStatus;
  lease_owner: string | null;
  lease_expires_at: Date | null;
  cancel_requested: boolean;
  deadline_at: Date | null;
  progress: Partial<RunProgress>;
  counts: Partial<RunCounts>;
  error: { code: string; message: string; details?: unknown } | null;
  attempts: number;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export interface RunView {
  id: string;
  connectionId: string;
  stream: string;
  mode: SyncMode;
  trigger: string;
  status: RunStatus;
  progress: RunProgress;
  counts: RunCounts;
  error: { code: string; message: string; details?: unknown } | null;
  leaseOwner: string | null;
  leaseExpiresAt: string | null;
  cancelRequested: boolean;
  deadlineAt: string | null;
  attempts: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export const EMPTY_COUNTS: RunCounts = { added: 0, updated: 0, unchanged: 0, deleted: 0, deadLetters: 0 };
export const INITIAL_PROGRESS: RunProgress = { stage: 'queued', page: 0, processed: 0, total: null, rateLimitedUntil: null, retries: 0 };

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toRunView(r: RunRow): RunView {
  return {
    id: r.id,
    connectionId: r.connection_id,
    stream: r.stream,
    mode: r.mode,
    trigger: r.trigger,
    status: r.status,
    progress: { ...INITIAL_PROGRESS, ...r.progress },
    counts: { ...EMPTY_COUNTS, ...r.counts },
    error: r.error,
    leaseOwner: r.lease_owner,
    leaseExpiresAt: iso(r.lease_expires_at),
    cancelRequested: r.cancel_requested,
    deadlineAt: iso(r.deadline_at),
    attempts: r.attempts,
    createdAt: r.created_at.toISOString(),
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
  };
}

export interface NewRun {
  tenantId: string;
  connectionId: string;
  stream: string;
  mode: SyncMode;
  trigger: string;
  deadlineMs?: number | undefined;
}

/** Creates a queued run, or returns the run already active for the same connection and stream. */
export async function createOrGetActiveRun(tx: Queryable, n: NewRun): Promise<{ run: RunRow; created: boolean }> {
  const inserted = await tx.query<RunRow>(
    `INSERT INTO sync_runs (tenant_id, connection_id, stream, mode, trigger, deadline_at, progress)
     VALUES ($1, $2, $3, $4, $5, CASE WHEN $6::bigint IS NULL THEN NULL ELSE now() + ($6::bigint * interval '1 millisecond') END, $7)
     ON CONFLICT (connection_id, stream) WHERE status IN ('queued','running') DO NOTHING
     RETURNING *`,
    [n.tenantId, n.connectionId, n.stream, n.mode, n.trigger, n.deadlineMs ?? null, JSON.stringify(INITIAL_PROGRESS)],
  );
  if (inserted.rows[0]) return { run: inserted.rows[0], created: true };
  const active = await tx.query<RunRow>(
    `SELECT * FROM sync_runs WHERE tenant_id = $1 AND connection_id = $2 AND stream = $3 AND status IN ('queued','running')`,
    [n.tenantId, n.connectionId, n.stream],
  );
  // The active run finished between the two statements: try once more.
  if (!active.rows[0]) return createOrGetActiveRun(tx, n);
  return { run: active.rows[0], created: false };
}

/**
 * Takes (or renews) the lease of an active run whose lease is free or expired, and whose connection
 * has no active run of a stream it depends on (`dependsOn`: customers and products before orders).
 * Every path that starts a run (a queued job, the resumption of a run whose worker died, a CLI
 * `--wait`) claims it here, so dependency order holds whichever path gets there first; a run refused
 * for a dependency stays queued and is taken again once the dependency has ended.
 */
export async function claimRun(tx: Queryable, runId: string, owner: string, leaseMs: number, dependsOn: readonly string[] = []): Promise<RunRow | null> {
  const { rows } = await tx.query<RunRow>(
    `UPDATE sync_runs r
        SET status = 'running', lease_owner = $2, lease_expires_at = now() + ($3::bigint * interval '1 millisecond'),
            started_at = coalesce(r.started_at, now()), attempts = r.attempts + 1
      WHERE r.id = $1 AND r.status IN ('queued','running')
        AND (r.lease_owner IS NULL OR r.lease_owner = $2 OR r.lease_expires_at < now())
        AND NOT EXISTS (SELECT 1 FROM sync_runs d
                         WHERE d.connection_id = r.connection_id AND d.stream = ANY($4::text[]) AND d.status IN ('queued','running'))
      RETURNING r.*`,
    [runId, owner, leaseMs, [...dependsOn]],
  );
  return rows[0] ?? null;
}

/** The streams a run's stream depends on, per its connector (empty when the platform has no connector here). */
export async function runDependencies(
  tx: Queryable,
  runId: string,
  streamsOf: (platform: string) => readonly { name: string; dependsOn?: string[] }[] | undefined,
): Promise<string[]> {
  const { rows } = await tx.query<{ platform: string; stream: string }>(
    'SELECT c.platform, r.stream FROM sync_runs r JOIN connections c ON c.id = r.connection_id WHERE r.id = $1',
    [runId],
  );
  const row = rows[0];
  return (row && streamsOf(row.platform)?.find((s) => s.name === row.stream)?.dependsOn) ?? [];
}

/** The active (queued or running) run of a connection's stream, if any: single-flight makes it unique. */
export async function activeRunOf(tx: Queryable, connectionId: string, stream: string): Promise<RunRow | null> {
  const { rows } = await tx.query<RunRow>(`SELECT * FROM sync_runs WHERE connection_id = $1 AND stream = $2 AND status IN ('queued','running')`, [connectionId, stream]);
  return rows[0] ?? null;
}

/** Renews the lease; null when the lease was lost (another worker took over, or the run ended). */
export async function heartbeat(tx: Queryable, runId: string, owner: string, leaseMs: number): Promise<{ cancelRequested: boolean; deadlineAt: Date | null } | null> {
  const { rows } = await tx.query<{ cancel_requested: boolean; deadline_at: Date | null }>(
    `UPDATE sync_runs SET lease_expires_at = now() + ($3::bigint * interval '1 millisecond')
      WHERE id = $1 AND lease_owner = $2 AND status = 'running'
      RETURNING cancel_requested, deadline_at`,
    [runId, owner, leaseMs],
  );
  return rows[0] ? { cancelRequested: rows[0].cancel_requested, deadlineAt: rows[0].deadline_at } : null;
}

export async function updateProgress(tx: Queryable, runId: string, owner: string, progress: RunProgress, counts?: RunCounts): Promise<void> {
  await tx.query(
    `UPDATE sync_runs SET progress = $3, counts = coalesce($4, counts) WHERE id = $1 AND lease_owner = $2`,
    [runId, owner, JSON.stringify(progress), counts ? JSON.stringify(counts) : null],
  );
}

export async function finishRun(
  tx: Queryable,
  runId: string,
  owner: string | null,
  outcome: RunOutcome,
  fields: { progress?: RunProgress; counts?: RunCounts; error?: RunRow['error'] },
): Promise<RunRow | null> {
  const { rows } = await tx.query<RunRow>(
    `UPDATE sync_runs
        SET status = $3, finished_at = now(), lease_owner = NULL, lease_expires_at = NULL,
            progress = coalesce($4, progress), counts = coalesce($5, counts), error = $6
      WHERE id = $1 AND status IN ('queued','running') AND ($2::text IS NULL OR lease_owner = $2)
      RETURNING *`,
    [
      runId,
      owner,
      outcome,
      fields.progress ? JSON.stringify(fields.progress) : null,
      fields.counts ? JSON.stringify(fields.counts) : null,
      fields.error ? JSON.stringify(fields.error) : null,
    ],
  );
  return rows[0] ?? null;
}

/**
 * Hands a run back without ending it (its worker is shutting down): queued again, lease released, so
 * that any worker claims it at once and resumes from its checkpoint. Progress and counts stay as the
 * last committed page wrote them; only the stage says queued. Null if this worker no longer held it.
 */
export async function releaseRun(tx: Queryable, runId: string, owner: string): Promise<RunRow | null> {
  const { rows } = await tx.query<RunRow>(
    `UPDATE sync_runs
        SET status = 'queued', lease_owner = NULL, lease_expires_at = NULL,
            progress = progress || '{"stage":"queued","rateLimitedUntil":null}'::jsonb
      WHERE id = $1 AND lease_owner = $2 AND status IN ('queued','running')
      RETURNING *`,
    [runId, owner],
  );
  return rows[0] ?? null;
}

/** A queued run that no worker holds is cancelled at once; a running one is flagged and stops at its next page boundary. */
export async function requestCancel(tx: Queryable, tenantId: string, runId: string): Promise<RunRow | null> {
  const { rows } = await tx.query<RunRow>(
    `UPDATE sync_runs
        SET cancel_requested = true,
            status = CASE WHEN status = 'queued' AND (lease_owner IS NULL OR lease_expires_at < now()) THEN 'cancelled' ELSE status END,
            finished_at = CASE WHEN status = 'queued' AND (lease_owner IS NULL OR lease_expires_at < now()) THEN now() ELSE finished_at END
      WHERE tenant_id = $1 AND id = $2
      RETURNING *`,
    [tenantId, runId],
  );
  return rows[0] ?? null;
}

export async function getRun(tx: Queryable, tenantId: string, runId: string): Promise<RunRow | null> {
  const { rows } = await tx.query<RunRow>('SELECT * FROM sync_runs WHERE tenant_id = $1 AND id = $2', [tenantId, runId]);
  return rows[0] ?? null;
}

export async function listRuns(
  tx: Queryable,
  tenantId: string,
  opts: { limit: number; after?: Keyset | null; connectionId?: string; status?: RunStatus; stream?: string },
): Promise<Page<RunView>> {
  const params: unknown[] = [opts.limit + 1, tenantId];
  const where = ['tenant_id = $2'];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (opts.connectionId) add('connection_id = ?', opts.connectionId);
  if (opts.status) add('status = ?', opts.status);
  if (opts.stream) add('stream = ?', opts.stream);
  if (opts.after) {
    params.push(opts.after.createdAt, opts.after.id);
    // newest first
    where.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  const { rows } = await tx.query<RunRow & { cursor_ts: string }>(
    `SELECT *, ${cursorTimestampSql()} AS cursor_ts FROM sync_runs WHERE ${where.join(' AND ')}
     ORDER BY created_at DESC, id DESC LIMIT $1`,
    params,
  );
  return toPage(rows, opts.limit, toRunView);
}

/** Embedded mode: one process owns the database, so every lease found at start-up is a dead one. */
export async function expireAllLeases(tx: Queryable): Promise<number> {
  const { rowCount } = await tx.query(
    `UPDATE sync_runs SET lease_expires_at = now() - interval '1 second' WHERE status IN ('queued','running') AND lease_owner IS NOT NULL`,
  );
  return rowCount;
}
