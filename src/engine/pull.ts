// The page loop of a pull run (DESIGN.md 5.1). For every page: fetch, map, validate, then ONE
// transaction writes the changed records, the dead letters, the checkpoint and the run's progress.
// A crash at any instant therefore resumes from the last committed page, re-fetching at most one.
import type { Ctx, PullWrite, Slice, Stream, SyncMode } from '../connectors/types.js';
import type { ProductField } from '../core/records.js';
import { isSyncError, SyncError } from '../core/errors.js';
import { contentHash, stableStringify } from '../core/hash.js';
import { type CanonicalRecord, type InvalidRecord, isInvalidRecord, parseCanonicalRecord } from '../core/records.js';
import { RetryBudget } from '../core/retry-budget.js';
import { nextDelay } from '../core/retry.js';
import type { Db } from '../store/db.js';
import { updateConnection } from '../store/connections.js';
import { applyRecords, queueProductPushes } from './apply.js';
import { type CheckpointEnvelope, loadCheckpoint, markSuccess, saveCheckpoint, startingPoint } from './checkpoints.js';
import { insertDeadLetters } from './dead-letters.js';
import { insertPullWrites } from './pull-writes.js';
import { abortableSleep } from '../connectors/limiter.js';
import { PlannerStats } from './planner-stats.js';
import { ProgressWriter } from './progress.js';
import { type AppliedCounts, countApplied, runsTotal } from './metrics.js';
import { buildCtx, type ContextDeps, loadConnectionForSync, withBindings } from './run-context.js';
import { readChildPages } from './child-pages.js';
import { EMPTY_COUNTS, finishRun, INITIAL_PROGRESS, releaseRun, type RunCounts, type RunOutcome, type RunProgress, type RunRow } from './runs.js';
import { sweepUnseen } from './sweep.js';

export interface PullOptions {
  /** Attempts to commit a page before it goes to dead letters as a whole. */
  pageWriteAttempts: number;
  /** Mark-and-sweep guard: never delete more than this share of live rows in one pass. */
  maxDeleteRatio: number;
}

export interface RunControl {
  signal: AbortSignal;
  owner: string;
}

/** Maps a page; anything that does not come out as a valid canonical record becomes an InvalidRecord. */
export function mapPage(stream: Stream<unknown, unknown, unknown>, items: unknown[]): { records: CanonicalRecord[]; invalid: InvalidRecord[] } {
  const records: CanonicalRecord[] = [];
  const invalid: InvalidRecord[] = [];
  for (const raw of items) {
    let mapped: (CanonicalRecord | InvalidRecord)[];
    try {
      mapped = stream.toRecords(raw);
    } catch (err) {
      invalid.push({ raw, reason: `mapping failed: ${(err as Error).message}` });
      continue;
    }
    for (const m of mapped) {
      if (isInvalidRecord(m)) {
        invalid.push(m);
        continue;
      }
      const checked = parseCanonicalRecord(m);
      if (checked.ok) records.push(checked.record);
      else invalid.push({ entity: m.entity, externalId: 'externalId' in m ? String(m.externalId) : undefined, raw, reason: checked.reason });
    }
  }
  return { records, invalid };
}

/**
 * The slices of a sliced stream's pass: those kept in the checkpoint of the pass being resumed, or the
 * stream's plan for a new pass (or for a checkpoint written before the stream was sliced).
 */
function planSlices(stream: Stream<unknown, unknown, unknown>, ctx: Ctx<unknown>, cursor: unknown, mode: SyncMode, stored: CheckpointEnvelope['slices']): { list: Slice[]; index: number } | undefined {
  if (!stream.slices) return undefined;
  if (stored) return { list: stored.list, index: stored.index };
  const list = stream.slices.plan(ctx, cursor, mode);
  if (list.length === 0) throw new SyncError('internal_error', `stream ${stream.name} planned no slice: a sliced pass needs at least one`);
  return { list, index: 0 };
}

/**
 * The reason the engine aborts its runs with when the worker shuts down (Engine.stop). A run aborted
 * with it is not ended: it is handed back (queued, lease released, checkpoint kept) for the next worker.
 */
export function workerShutdown(): SyncError {
  return new SyncError('service_unavailable', 'worker shutting down: the run is queued again and resumes from its checkpoint');
}

/** Only the engine aborts a run's signal; service_unavailable is its shutdown (workerShutdown). */
export function isWorkerShutdown(reason: unknown): boolean {
  return isSyncError(reason) && reason.code === 'service_unavailable';
}

function outcomeOf(err: unknown): { outcome: RunOutcome; error: RunRow['error'] } {
  const e = isSyncError(err) ? err : new SyncError('internal_error', (err as Error)?.message ?? String(err), { cause: err });
  const outcome: RunOutcome = e.code === 'deadline_exceeded' ? 'timed_out' : e.code === 'cancelled' ? 'cancelled' : 'failed';
  return { outcome, error: { code: e.code, message: e.message, ...(e.details !== undefined ? { details: e.details } : {}) } };
}

export async function executePull(engineDeps: ContextDeps & { db: Db }, opts: PullOptions, run: RunRow, control: RunControl): Promise<RunRow | null> {
  // Every line written for this run — its own, the connector's (ctx.log), the limiter's — names it.
  const deps = { ...engineDeps, logger: withBindings(engineDeps.logger, { runId: run.id, connectionId: run.connection_id, stream: run.stream }) };
  const key = { tenantId: run.tenant_id, connectionId: run.connection_id, stream: run.stream };
  const counts: RunCounts = { ...EMPTY_COUNTS, ...run.counts };
  const progress: RunProgress = { ...INITIAL_PROGRESS, ...run.progress, stage: 'starting', rateLimitedUntil: null };
  const writer = new ProgressWriter(deps.db, run.tenant_id, run.id, control.owner, 500, (err) => deps.logger.warn({ err }, 'progress update failed'));
  // Known once the connection is loaded; a run that ends before (connection gone or disabled) counts as 'unknown'.
  let platform = 'unknown';
  const finish = async (outcome: RunOutcome, error: RunRow['error'] = null) => {
    writer.cancel();
    progress.stage = 'done';
    progress.rateLimitedUntil = null;
    const ended = await deps.db.withTenant(run.tenant_id, (tx) => finishRun(tx, run.id, control.owner, outcome, { progress, counts, error }));
    if (ended) runsTotal.inc({ platform, stream: run.stream, outcome: ended.status });
    return ended;
  };

  try {
    const conn = await loadConnectionForSync(deps, run.tenant_id, run.connection_id);
    platform = conn.platform;
    const stream = conn.connector.streams.find((s) => s.name === run.stream) as Stream<unknown, unknown, unknown> | undefined;
    if (!stream) throw new SyncError('config_invalid', `${conn.platform} has no stream "${run.stream}"`);

    const stats = new PlannerStats(deps.db, stream.entity, (err) => deps.logger.warn({ err }, 'could not refresh planner statistics'));
    const budget = new RetryBudget();
    const ctx = buildCtx(deps, conn, {
      signal: control.signal,
      budget,
      startedAt: run.started_at ?? new Date(),
      hooks: {
        onRateLimited: (until) => {
          progress.stage = 'rate_limited';
          progress.rateLimitedUntil = new Date(until).toISOString();
          writer.update(progress);
        },
        onRetry: ({ error }) => {
          // Back to 'fetching' with the next page; until then the run says it is retrying and why
          // (a 429's wait is already shown as rate_limited, with until when).
          if (error.kind !== 'rate_limited') progress.stage = 'retrying';
          progress.retries++;
          progress.message = error.message;
          writer.update(progress);
        },
      },
    });

    const checkpoint = await deps.db.withTenant(run.tenant_id, (tx) => loadCheckpoint(tx, run.tenant_id, run.connection_id, run.stream));
    const start = startingPoint(checkpoint.envelope, run.id, run.mode as SyncMode);
    let version = checkpoint.version;
    let cursor: unknown = null;
    if (start.cursor !== null && start.cursor !== undefined) {
      const valid = stream.cursor.safeParse(start.cursor);
      if (valid.success) cursor = valid.data;
      else deps.logger.warn({ issues: valid.error.issues }, 'stored checkpoint does not fit the stream; starting over');
    }
    if (start.resumed) deps.logger.info({ passId: start.passId }, 'resuming from checkpoint');
    const passId = start.passId;
    const slices = planSlices(stream, ctx, cursor, run.mode as SyncMode, start.slices);

    // Loop guard: a cursor (in its slice) or a page content seen before in this run means the source is looping.
    const cursorKey = (c: unknown, sliceIndex: number | undefined) => stableStringify(sliceIndex === undefined ? (c ?? null) : [sliceIndex, c ?? null]);
    const seenCursors = new Set<string>([cursorKey(cursor, slices?.index)]);
    const seenPages = new Set<string>();
    let done = false;
    let waited = false;

    while (!done) {
      control.signal.throwIfAborted();
      progress.stage = 'fetching';
      const at = slices ? { slice: slices.list[slices.index]!, index: slices.index, count: slices.list.length } : undefined;
      if (at) progress.slice = { key: at.slice.key, index: at.index, count: at.count };
      const page = await stream.fetchPage(ctx, cursor, run.mode as SyncMode, at);
      control.signal.throwIfAborted();
      // A sliced stream's `done` ends the slice; the pass goes on with the next one, if any.
      const nextSlice = at && page.done && at.index + 1 < at.count ? at.index + 1 : undefined;
      const passDone = page.done && nextSlice === undefined;
      const pageHash = page.items.length > 0 ? contentHash(page.items) : null;
      const nextKey = cursorKey(page.next, nextSlice ?? at?.index);
      if ((pageHash && seenPages.has(pageHash)) || (!passDone && seenCursors.has(nextKey))) {
        throw new SyncError('pagination_loop', `the source returned ${pageHash && seenPages.has(pageHash) ? 'a page it had already returned' : 'a cursor it had already returned'} on page ${progress.page + 1}; stopping instead of looping`, {
          details: { page: progress.page + 1, cursor: page.next },
        });
      }
      if (pageHash) seenPages.add(pageHash);
      seenCursors.add(nextKey);
      // Nested lists the items still need are read to completion first: the checkpoint stays per
      // top-level page, never inside a parent (child-pages.ts says why).
      if (page.children?.length) {
        await readChildPages(ctx, page.children, {
          signal: control.signal,
          onPage: (p) => {
            budget.progress();
            progress.message = `reading ${p.what}: page ${p.page} (${p.nodes} so far)`;
            writer.update(progress);
          },
        });
        delete progress.message;
      }

      const { records, invalid } = mapPage(stream, page.items);
      const envelope: CheckpointEnvelope = {
        passId,
        passMode: run.mode as SyncMode,
        passComplete: passDone,
        cursor: page.next,
        ...(slices ? { slices: { list: slices.list, index: nextSlice ?? slices.index } } : {}),
      };
      progress.stage = 'writing';
      // A wait (the platform still preparing the data) is no page of data: the run shows it as
      // fetching, with what it waits for as the message.
      if (page.wait) {
        progress.stage = 'fetching';
        progress.message = page.wait.reason;
      } else {
        progress.page++;
        if (waited) delete progress.message;
      }
      waited = page.wait !== undefined;
      progress.processed += page.items.length;
      progress.total = page.total ?? progress.total;
      progress.rateLimitedUntil = null;

      const pushes = { changedProducts: new Set<string>(), reassertProducts: new Set<string>(), outbounds: new Set<string>() };
      const applied: { counts: AppliedCounts } = { counts: new Map() };
      version = await commitPage(deps, opts, control, run, {
        records, invalid, items: page.items, envelope, version, counts, progress,
        passId: run.mode === 'full' ? passId : null,
        origin: conn.platform,
        pushedFields: conn.connector.push?.productFields,
        writes: page.writes,
        pushes,
        applied,
      });
      countApplied(conn.platform, applied.counts);
      // Committed: the products this page changed go to their other platforms (the outbox).
      await queueProductPushes(deps, run.tenant_id, run.connection_id, pushes);
      // Committed: the platform writes the page asked for (eMAG acknowledge) run now, as their own job.
      if (page.writes?.length) deps.onPullWrites?.(run.tenant_id, run.connection_id);
      budget.progress();
      await stats.afterPage(progress.processed);
      cursor = page.next;
      done = passDone;
      if (slices && nextSlice !== undefined) slices.index = nextSlice;
      if (page.wait && !done) await abortableSleep(page.wait.ms, control.signal);
    }

    if (run.mode === 'full' && counts.deadLetters === 0) {
      progress.stage = 'sweeping';
      const swept = await deps.db.withTenant(run.tenant_id, (tx) =>
        sweepUnseen(tx, { tenantId: run.tenant_id, connectionId: run.connection_id, entity: stream.entity, passId }, opts.maxDeleteRatio),
      );
      counts.deleted += swept.deleted;
      if (swept.skipped) progress.message = `sweep skipped: ${swept.skipped}`;
    }
    await deps.db.withTenant(run.tenant_id, (tx) => markSuccess(tx, key));
    return await finish(counts.deadLetters > 0 ? 'partial' : 'succeeded');
  } catch (err) {
    const reason = control.signal.aborted ? control.signal.reason : err;
    if (isSyncError(reason) && reason.code === 'conflict') {
      // The lease was lost: another worker owns the run now. Leave it alone.
      writer.cancel();
      deps.logger.warn({ err: reason }, 'run lease lost; stopping without finishing');
      return null;
    }
    if (isWorkerShutdown(reason)) {
      // The worker is shutting down: the page in flight was aborted before its commit (or committed
      // whole), so the checkpoint is at the last committed page. Hand the run back for the next worker.
      writer.cancel();
      const released = await deps.db
        .withTenant(run.tenant_id, (tx) => releaseRun(tx, run.id, control.owner))
        .catch((err: unknown) => {
          // The engine's stop expires the lease instead: the run is taken over once that is seen.
          deps.logger.warn({ err }, 'could not release the run at shutdown');
          return null;
        });
      deps.logger.info({ page: released?.progress.page ?? null, released: released !== null }, 'worker shutting down: run queued again from its checkpoint');
      return null;
    }
    const { outcome, error } = outcomeOf(reason);
    if (error?.code === 'upstream_auth') {
      // Also set by the HTTP client's hook; awaited here so the run never ends before the connection says so.
      await deps.db
        .withTenant(run.tenant_id, (tx) => updateConnection(tx, deps.box, run.tenant_id, run.connection_id, { status: 'needs_reauth', statusReason: error.message }))
        .catch((err) => deps.logger.warn({ err }, 'could not mark the connection needs_reauth'));
    }
    deps.logger[outcome === 'failed' ? 'warn' : 'info']({ outcome, error }, 'run ended early');
    return await finish(outcome, error);
  }
}

interface PageWrite {
  records: CanonicalRecord[];
  invalid: InvalidRecord[];
  items: unknown[];
  envelope: CheckpointEnvelope;
  version: number;
  counts: RunCounts;
  progress: RunProgress;
  passId: string | null;
  /** The platform the records come from (field provenance, audit log). */
  origin: string;
  /** The fields a push to that platform writes (echo suppression). */
  pushedFields?: readonly ProductField[];
  writes?: PullWrite[];
  /** Filled with the products the committed page changed or must push back (ApplyResult). */
  pushes: { changedProducts: Set<string>; reassertProducts: Set<string>; outbounds: Set<string> };
  /** Filled with the committed page's added/updated/unchanged per entity (metrics); empty when the page was dead-lettered. */
  applied: { counts: AppliedCounts };
}

/** One transaction: records + dead letters + checkpoint + progress. Retried; then the page itself is dead-lettered. */
async function commitPage(deps: ContextDeps & { db: Db }, opts: PullOptions, control: RunControl, run: RunRow, p: PageWrite): Promise<number> {
  const applyCtx = { tenantId: run.tenant_id, connectionId: run.connection_id, runId: run.id, origin: p.origin, passId: p.passId, pushedFields: p.pushedFields };
  let lastError: unknown;
  for (let attempt = 0; attempt < opts.pageWriteAttempts; attempt++) {
    try {
      return await deps.db.withTenant(run.tenant_id, async (tx) => {
        const applied = await applyRecords(tx, applyCtx, p.records);
        p.pushes.changedProducts = applied.changedProducts;
        p.pushes.reassertProducts = applied.reassertProducts;
        p.pushes.outbounds = applied.outbounds;
        p.applied.counts = applied.byEntity;
        const dead = [
          ...p.invalid.map((i) => ({ kind: 'record' as const, externalId: i.externalId ?? null, payload: i.raw, reason: i.reason, errorCode: 'record_invalid' })),
          ...applied.rejected.map((r) => ({ kind: 'record' as const, externalId: 'externalId' in r.record ? r.record.externalId : r.record.productExternalId, payload: r.record, reason: r.reason, errorCode: 'record_invalid' })),
        ];
        await insertDeadLetters(tx, { tenantId: run.tenant_id, connectionId: run.connection_id, runId: run.id, stream: run.stream }, dead);
        await insertPullWrites(tx, { tenantId: run.tenant_id, connectionId: run.connection_id, runId: run.id, stream: run.stream }, p.writes);
        const counts = { ...p.counts, added: p.counts.added + applied.added, updated: p.counts.updated + applied.updated, unchanged: p.counts.unchanged + applied.unchanged, deadLetters: p.counts.deadLetters + dead.length };
        const version = await saveCheckpoint(tx, { tenantId: run.tenant_id, connectionId: run.connection_id, stream: run.stream }, p.envelope, p.version, run.id, {
          owner: control.owner,
          progress: p.progress,
          counts,
        });
        Object.assign(p.counts, counts);
        return version;
      });
    } catch (err) {
      if (isSyncError(err) && err.code === 'conflict') throw err; // lost lease: stop
      lastError = err;
      p.applied.counts = new Map();
      deps.logger.warn({ attempt: attempt + 1, err }, 'page write failed');
      const delay = nextDelay(attempt, { kind: 'transient' }, { baseMs: 100, capMs: 2_000 }) ?? 0;
      await abortableSleep(delay, control.signal);
    }
  }
  // The page cannot be written: keep it whole in dead letters, move on, and the run ends partial.
  return deps.db.withTenant(run.tenant_id, async (tx) => {
    await insertDeadLetters(tx, { tenantId: run.tenant_id, connectionId: run.connection_id, runId: run.id, stream: run.stream }, [
      { kind: 'page', externalId: null, payload: { items: p.items, cursor: p.envelope.cursor }, reason: `page could not be written: ${(lastError as Error)?.message ?? lastError}`, errorCode: 'page_write_failed' },
    ]);
    p.counts.deadLetters += p.items.length;
    return saveCheckpoint(tx, { tenantId: run.tenant_id, connectionId: run.connection_id, stream: run.stream }, p.envelope, p.version, run.id, {
      owner: control.owner,
      progress: p.progress,
      counts: p.counts,
    });
  });
}
