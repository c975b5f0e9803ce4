// Platform writes a pull asks for (DESIGN.md 2: "writes made during a pull are separate jobs after the
// page commits"), e.g. eMAG's acknowledgement of new orders. A page's writes (PageResult.writes) are
// inserted into pull_writes in the page's own transaction; once it has committed the engine is told
// (ContextDeps.onPullWrites) and performs them here, through the stream's `writes[kind]` handler with a
// context from buildCtx, so the connection's limiter, the request timeout and the response
// classification apply as they do to reads.
//
// A write is claimed for a while (FOR UPDATE SKIP LOCKED, then claimed_until), performed outside any
// transaction (a PGlite transaction held across an HTTP call would stall every other writer), then
// marked: done; pending again after a backoff when the error is retryable and attempts remain; failed
// with the reason otherwise — a refusal such as eMAG's upstream_rejected is the platform's answer, not a
// fault to retry. Delivery is at least once: a worker that dies between the platform's answer and the
// mark leaves the write to be made again once its claim runs out.
import { randomUUID } from 'node:crypto';
import type { PullWrite, Stream } from '../connectors/types.js';
import { abortableSleep } from '../connectors/limiter.js';
import { ERROR_CATALOG, isRetryableKind, isSyncError, SyncError } from '../core/errors.js';
import { RetryBudget } from '../core/retry-budget.js';
import { nextDelay } from '../core/retry.js';
import type { Db, Queryable } from '../store/db.js';
import { buildCtx, type ContextDeps, loadConnectionForSync } from './run-context.js';

/**
 * Failures that say nothing against the write itself (the platform was down, throttled us or refused
 * the credentials): a failed write with one of these is made again when a later page asks for it.
 * A refusal (upstream_rejected) or a write that cannot be made (invalid payload) stays failed.
 */
const REARMABLE_CODES = Object.entries(ERROR_CATALOG)
  .filter(([code, spec]) => isRetryableKind(spec.kind) || spec.kind === 'auth' || code === 'retry_budget_exhausted')
  .map(([code]) => code);

export interface PullWriteAt {
  tenantId: string;
  connectionId: string;
  runId: string | null;
  stream: string;
}

/** Inserts a page's writes inside the page's transaction; a (kind, key) already stored is not asked for twice. */
export async function insertPullWrites(tx: Queryable, at: PullWriteAt, writes: PullWrite[] | undefined): Promise<void> {
  if (!writes || writes.length === 0) return;
  // One statement may not touch a row twice (ON CONFLICT DO UPDATE): a key asked for twice on one page is one write.
  const unique = [...new Map(writes.map((w) => [`${w.kind}\u0000${w.key}`, w])).values()];
  await tx.query(
    `INSERT INTO pull_writes (tenant_id, connection_id, run_id, stream, kind, key, payload)
     SELECT $1, $2, $3, $4, w.kind, w.key, w.payload FROM jsonb_to_recordset($5::jsonb) AS w(kind text, key text, payload jsonb)
     ON CONFLICT (connection_id, kind, key) DO UPDATE
       SET status = 'pending', attempts = 0, next_attempt_at = now(), payload = EXCLUDED.payload, run_id = EXCLUDED.run_id, updated_at = now()
     WHERE pull_writes.status = 'failed' AND pull_writes.error_code = ANY($6::text[])`,
    [at.tenantId, at.connectionId, at.runId, at.stream, JSON.stringify(unique.map((w) => ({ kind: w.kind, key: w.key, payload: w.payload ?? null }))), REARMABLE_CODES],
  );
}

export interface PullWriteOptions {
  /** Attempts per write before it is recorded failed. Default 5. */
  maxAttempts?: number;
  /** Backoff between the attempts of one write (full jitter, doubling). Default 1 s up to 60 s. */
  backoff?: { baseMs: number; capMs: number };
  /** Writes in flight at once for the connection; its limiter still paces them. Default 4. */
  concurrency?: number;
  /** How long a claim holds before another worker may take the write. Default 2 min. */
  claimMs?: number;
  /** Writes claimed per round. Default 50. */
  batch?: number;
  /** Stops taking writes; writes in flight are released for a later pass. */
  signal?: AbortSignal;
}

export interface PullWriteSummary {
  done: number;
  failed: number;
  retried: number;
}

interface ClaimedWrite {
  id: string;
  stream: string;
  kind: string;
  key: string;
  payload: unknown;
  attempts: number;
}

const DEFAULTS = { maxAttempts: 5, backoff: { baseMs: 1_000, capMs: 60_000 }, concurrency: 4, claimMs: 120_000, batch: 50 };

/**
 * Performs the connection's pending writes until none is left that is due or waiting for a retry.
 * Safe to run in several workers at once: each write is claimed by one.
 */
export async function processPullWrites(deps: ContextDeps, tenantId: string, connectionId: string, opts: PullWriteOptions = {}): Promise<PullWriteSummary> {
  const o = { ...DEFAULTS, ...opts };
  const signal = opts.signal ?? new AbortController().signal;
  const owner = randomUUID();
  const summary: PullWriteSummary = { done: 0, failed: 0, retried: 0 };
  // Every outcome also ends the claim; `WHERE claimed_by` keeps a worker whose claim ran out from
  // overwriting what the worker that took the write over decided.
  const mark = (id: string, sql: string, params: unknown[]) =>
    deps.db.withTenant(tenantId, (tx) => tx.query(`UPDATE pull_writes SET ${sql}claimed_by = NULL, claimed_until = NULL, updated_at = now() WHERE id = $1 AND claimed_by = $2`, [id, owner, ...params]));
  const release = (id: string) => mark(id, '', []);
  let ctx: ReturnType<typeof buildCtx> | null = null;
  let streams: Stream<unknown, unknown, unknown>[] = [];
  const budget = new RetryBudget();

  const perform = async (w: ClaimedWrite) => {
    const handler = streams.find((s) => s.name === w.stream)?.writes?.[w.kind];
    try {
      if (!handler) throw new SyncError('config_invalid', `stream "${w.stream}" does not perform writes of kind "${w.kind}"`);
      await handler(ctx!, w.payload);
      await mark(w.id, `status = 'done', attempts = attempts + 1, last_error = NULL, error_code = NULL, done_at = now(), `, []);
      budget.progress();
      summary.done++;
    } catch (err) {
      if (signal.aborted) {
        await release(w.id); // not counted as an attempt: nothing was decided
        return;
      }
      const e = isSyncError(err) ? err : new SyncError('internal_error', (err as Error)?.message ?? String(err), { cause: err });
      const attempts = w.attempts + 1;
      const retryable = isRetryableKind(e.kind) || e.code === 'retry_budget_exhausted';
      // A retry_budget_exhausted stands for the retryable errors that used the budget up: back off as from those.
      const delay = retryable && attempts < o.maxAttempts ? (nextDelay(attempts - 1, isRetryableKind(e.kind) ? e : { kind: 'transient' }, o.backoff) ?? 0) : null;
      if (delay !== null) {
        await mark(w.id, `attempts = attempts + 1, last_error = $3, error_code = $4, next_attempt_at = now() + $5::float8 * interval '1 millisecond', `, [e.message, e.code, delay]);
        summary.retried++;
      } else {
        await mark(w.id, `status = 'failed', attempts = attempts + 1, last_error = $3, error_code = $4, `, [e.message, e.code]);
        summary.failed++;
        deps.logger.warn({ connectionId, stream: w.stream, kind: w.kind, key: w.key, attempts, error: { code: e.code, message: e.message } }, 'platform write failed');
      }
    }
  };

  while (!signal.aborted) {
    const claimed = await claim(deps, tenantId, connectionId, owner, o);
    if (claimed.length === 0) {
      const waitMs = await untilNextAttempt(deps, tenantId, connectionId);
      if (waitMs === null) break;
      // At least a moment: a write another worker is claiming right now looks due but cannot be taken.
      // At most a second: writes of pages committed meanwhile are due at once, not after this backoff.
      await abortableSleep(Math.min(Math.max(waitMs, 50), 1_000), signal).catch(() => undefined);
      continue;
    }
    if (!ctx) {
      try {
        const conn = await loadConnectionForSync(deps, tenantId, connectionId);
        streams = conn.connector.streams as Stream<unknown, unknown, unknown>[];
        ctx = buildCtx(deps, conn, { signal, budget, startedAt: new Date() });
      } catch (err) {
        // Disabled or unusable: the writes wait, unclaimed, until the connection can be used again.
        await Promise.all(claimed.map((w) => release(w.id)));
        deps.logger.warn({ err, connectionId }, 'platform writes wait: the connection cannot be used');
        break;
      }
    }
    const queue = [...claimed];
    const worker = async () => {
      for (let w = queue.shift(); w !== undefined; w = queue.shift()) await perform(w);
    };
    await Promise.all(Array.from({ length: Math.min(o.concurrency, queue.length) }, worker));
  }
  return summary;
}

async function claim(deps: ContextDeps, tenantId: string, connectionId: string, owner: string, o: typeof DEFAULTS): Promise<ClaimedWrite[]> {
  const { rows } = await deps.db.withTenant(tenantId, (tx) =>
    tx.query<ClaimedWrite>(
      `UPDATE pull_writes SET claimed_by = $3, claimed_until = now() + $4::float8 * interval '1 millisecond', updated_at = now()
        WHERE id IN (SELECT id FROM pull_writes
                      WHERE tenant_id = $1 AND connection_id = $2 AND status = 'pending' AND next_attempt_at <= now()
                        AND (claimed_until IS NULL OR claimed_until < now())
                      ORDER BY created_at, id LIMIT $5 FOR UPDATE SKIP LOCKED)
        RETURNING id, stream, kind, key, payload, attempts`,
      [tenantId, connectionId, owner, o.claimMs, o.batch],
    ),
  );
  return rows;
}

/** Milliseconds until the connection's next unclaimed pending write is due; null when there is none. */
async function untilNextAttempt(deps: ContextDeps, tenantId: string, connectionId: string): Promise<number | null> {
  const { rows } = await deps.db.withTenant(tenantId, (tx) =>
    tx.query<{ ms: number | null }>(
      `SELECT (EXTRACT(EPOCH FROM min(next_attempt_at) - now()) * 1000)::float8 AS ms FROM pull_writes
        WHERE tenant_id = $1 AND connection_id = $2 AND status = 'pending' AND (claimed_until IS NULL OR claimed_until < now())`,
      [tenantId, connectionId],
    ),
  );
  const ms = rows[0]?.ms;
  return ms === null || ms === undefined ? null : Math.max(0, Number(ms));
}

/** Connections with pending writes nobody performs (the process that committed them died); owner role. */
export async function connectionsWithIdlePullWrites(db: Db, limit = 20): Promise<{ tenant_id: string; connection_id: string }[]> {
  const { rows } = await db.query<{ tenant_id: string; connection_id: string }>(
    `SELECT DISTINCT tenant_id, connection_id FROM pull_writes
      WHERE status = 'pending' AND next_attempt_at < now() - interval '10 seconds' AND (claimed_until IS NULL OR claimed_until < now()) LIMIT $1`,
    [limit],
  );
  return rows;
}
