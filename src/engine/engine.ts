// The engine: triggers runs (single-flight, throttle), executes them under a heartbeat lease with a
// deadline, and — as a worker — takes jobs from the queue and resumes runs whose holder died.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type PgBoss from 'pg-boss';
import { SyncError } from '../core/errors.js';
import type { SyncMode } from '../connectors/types.js';
import type { Db } from '../store/db.js';
import { markAttempt, loadCheckpoint } from './checkpoints.js';
import { executePull, type PullOptions } from './pull.js';
import { LimiterRegistry } from './registry.js';
import type { ContextDeps } from './run-context.js';
import { buildCtx, loadConnectionForSync } from './run-context.js';
import { RetryBudget } from '../core/retry-budget.js';
import { claimRun, createOrGetActiveRun, expireAllLeases, findOrphanedRuns, getRun, heartbeat, requestCancel, runDependencies, type RunRow } from './runs.js';
import { orderStreams } from './stream-order.js';
import { ensureQueue } from './queue.js';
import { runDueSchedules, SCHEDULE_QUEUE } from './schedules.js';
import { retryDeadLetters, type RetryOutcome } from './dead-letter-retry.js';
import { processWebhookEvents, type Received, receiveWebhook } from './webhooks.js';
import type { RawRequest } from '../connectors/types.js';
import type { DeadLetterFilter } from './dead-letters.js';

export const RUN_QUEUE = 'sync-runs';

export interface EngineOptions extends Omit<ContextDeps, 'limiters'> {
  /** Identifies this worker in sync_runs.lease_owner. */
  owner?: string;
  leaseMs?: number;
  /** Minimum interval between automatic attempts per (connection, stream). */
  autoMinIntervalMs?: number;
  /** Minimum interval between manual (API/CLI) triggers once the previous run ended. */
  manualMinIntervalMs?: number;
  /** Default per-run deadline. */
  defaultDeadlineMs?: number;
  /** How long a queued run may wait for the queue before a worker takes it directly. */
  staleQueuedMs?: number;
  /** Runs this process executes at once. */
  concurrency?: number;
  pull?: Partial<PullOptions>;
}

export type TriggerKind = 'api' | 'cli' | 'schedule' | 'webhook' | 'staleness';

export interface TriggerRequest {
  tenantId: string;
  connectionId: string;
  streams?: string[];
  mode?: SyncMode;
  trigger?: TriggerKind;
  deadlineMs?: number;
  /** Skip the minimum-interval throttle (single-flight still applies). */
  force?: boolean;
  /** Overrides the minimum interval for this trigger (a schedule's own interval). */
  minIntervalMs?: number;
}

export interface TriggerResult {
  created: RunRow[];
  /** Runs that were already active for a requested stream (the 409 case). */
  active: RunRow[];
  /** Streams refused by the throttle, with how long until they may run. */
  throttled: { stream: string; retryAfterMs: number }[];
}

export class Engine {
  readonly owner: string;
  readonly deps: ContextDeps;
  readonly leaseMs: number;
  private readonly opts: Required<Pick<EngineOptions, 'autoMinIntervalMs' | 'manualMinIntervalMs' | 'defaultDeadlineMs' | 'staleQueuedMs' | 'concurrency'>>;
  private readonly pullOptions: PullOptions;
  private readonly running = new Map<string, AbortController>();
  private readonly executions = new Map<string, Promise<RunRow | null>>();
  private queue: PgBoss | null = null;
  private workerIds: string[] = [];
  private readonly webhookWork = new Map<string, Promise<void>>();
  private readonly webhookDirty = new Set<string>();
  private sweeper: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(options: EngineOptions) {
    this.owner = options.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.deps = { ...options, limiters: new LimiterRegistry() };
    this.leaseMs = options.leaseMs ?? 30_000;
    this.opts = {
      autoMinIntervalMs: options.autoMinIntervalMs ?? 5 * 60_000,
      manualMinIntervalMs: options.manualMinIntervalMs ?? 0,
      defaultDeadlineMs: options.defaultDeadlineMs ?? 60 * 60_000,
      staleQueuedMs: options.staleQueuedMs ?? 5_000,
      concurrency: options.concurrency ?? 4,
    };
    this.pullOptions = { pageWriteAttempts: 3, maxDeleteRatio: 0.5, ...options.pull };
  }

  get db(): Db {
    return this.deps.db;
  }

  /** Creates the runs of a sync (one per stream, dependencies first) unless one is active or throttled. */
  async trigger(req: TriggerRequest): Promise<TriggerResult> {
    const conn = await loadConnectionForSync(this.deps, req.tenantId, req.connectionId);
    const all = conn.connector.streams.map((s) => ({ name: s.name, dependsOn: s.dependsOn ?? [] }));
    const unknown = (req.streams ?? []).filter((s) => !all.some((a) => a.name === s));
    if (unknown.length > 0) {
      throw new SyncError('validation_failed', `unknown stream ${unknown.join(', ')}; ${conn.platform} has ${all.map((a) => a.name).join(', ')}`);
    }
    const streams = orderStreams(all, req.streams ?? all.map((a) => a.name));
    const kind = req.trigger ?? 'api';
    const minInterval = req.force
      ? 0
      : (req.minIntervalMs ?? (kind === 'api' || kind === 'cli' ? this.opts.manualMinIntervalMs : this.opts.autoMinIntervalMs));
    const result: TriggerResult = { created: [], active: [], throttled: [] };
    for (const stream of streams) {
      await this.db.withTenant(req.tenantId, async (tx) => {
        const key = { tenantId: req.tenantId, connectionId: req.connectionId, stream };
        if (minInterval > 0) {
          const cp = await loadCheckpoint(tx, req.tenantId, req.connectionId, stream);
          const since = cp.lastAttemptAt ? Date.now() - cp.lastAttemptAt.getTime() : Infinity;
          if (since < minInterval) {
            const active = await tx.query<RunRow>(`SELECT * FROM sync_runs WHERE connection_id = $1 AND stream = $2 AND status IN ('queued','running')`, [req.connectionId, stream]);
            if (active.rows[0]) result.active.push(active.rows[0]);
            else result.throttled.push({ stream, retryAfterMs: minInterval - since });
            return;
          }
        }
        const { run, created } = await createOrGetActiveRun(tx, { ...key, mode: req.mode ?? 'incremental', trigger: kind, deadlineMs: req.deadlineMs ?? this.opts.defaultDeadlineMs });
        if (created) {
          await markAttempt(tx, key);
          result.created.push(run);
        } else result.active.push(run);
      });
    }
    if (result.created.length > 0 && this.queue) {
      // One job per trigger: its runs execute in dependency order on one worker.
      await this.queue.send(RUN_QUEUE, { tenantId: req.tenantId, runIds: result.created.map((r) => r.id) }, { retryLimit: 0 });
      // Wake this process's workers now instead of at their next poll.
      for (const id of this.workerIds) this.queue.notifyWorker(id);
    }
    return result;
  }

  /**
   * Claims the run and executes it to its end in this process; null if another worker holds it.
   * A run already executing in this process (e.g. picked up by the queue worker while a CLI command
   * waits on it) is joined, never started a second time.
   */
  execute(tenantId: string, runId: string): Promise<RunRow | null> {
    const under = this.executions.get(runId);
    if (under) return under;
    const execution = this.executeOnce(tenantId, runId).finally(() => this.executions.delete(runId));
    this.executions.set(runId, execution);
    return execution;
  }

  private async executeOnce(tenantId: string, runId: string): Promise<RunRow | null> {
    const claimed = await this.db.withTenant(tenantId, async (tx) => {
      const dependsOn = await runDependencies(tx, runId, (platform) => this.deps.registry.get(platform)?.streams);
      return claimRun(tx, runId, this.owner, this.leaseMs, dependsOn);
    });
    if (!claimed) return null;
    const controller = new AbortController();
    this.running.set(runId, controller);
    const deadlineAt = claimed.deadline_at?.getTime();
    const deadline = deadlineAt
      ? setTimeout(() => controller.abort(new SyncError('deadline_exceeded', `run deadline reached at ${new Date(deadlineAt).toISOString()}`)), Math.max(0, deadlineAt - Date.now()))
      : null;
    const beat = setInterval(() => {
      void this.db
        .withTenant(tenantId, (tx) => heartbeat(tx, runId, this.owner, this.leaseMs))
        .then((hb) => {
          if (!hb) controller.abort(new SyncError('conflict', 'run lease lost'));
          else if (hb.cancelRequested) controller.abort(new SyncError('cancelled', 'run cancelled on request'));
        })
        .catch((err) => this.deps.logger.warn({ err, runId }, 'heartbeat failed'));
    }, Math.max(50, Math.floor(this.leaseMs / 3)));
    try {
      if (claimed.cancel_requested) controller.abort(new SyncError('cancelled', 'run cancelled on request'));
      return await executePull(this.deps, this.pullOptions, claimed, { signal: controller.signal, owner: this.owner });
    } finally {
      if (deadline) clearTimeout(deadline);
      clearInterval(beat);
      this.running.delete(runId);
    }
  }

  async cancel(tenantId: string, runId: string): Promise<RunRow | null> {
    const row = await this.db.withTenant(tenantId, (tx) => requestCancel(tx, tenantId, runId));
    // Runs of this process stop at once; others see the flag at their next heartbeat.
    if (row) this.running.get(runId)?.abort(new SyncError('cancelled', 'run cancelled on request'));
    return row;
  }

  /** Verifies and stores a delivery, then applies it in the background (the caller answers 200 at once). */
  async receiveWebhook(platform: string, connectionId: string, req: RawRequest): Promise<Received> {
    const received = await receiveWebhook(this.deps, platform, connectionId, req);
    if (received.received > 0) this.processWebhooksSoon(received.tenantId, connectionId);
    return received;
  }

  /** Coalesced per connection: a burst of deliveries is applied by one pass, plus one more if more arrived meanwhile. */
  processWebhooksSoon(tenantId: string, connectionId: string): Promise<void> {
    const running = this.webhookWork.get(connectionId);
    if (running) {
      this.webhookDirty.add(connectionId);
      return running;
    }
    const work = (async () => {
      do {
        this.webhookDirty.delete(connectionId);
        await processWebhookEvents(this.deps, tenantId, connectionId);
      } while (this.webhookDirty.has(connectionId));
    })()
      .catch((err) => this.deps.logger.error({ err, connectionId }, 'webhook processing failed; the sweeper retries'))
      .finally(() => this.webhookWork.delete(connectionId));
    this.webhookWork.set(connectionId, work);
    return work;
  }

  /** Resolves when no webhook processing is under way for the connection (tests, shutdown). */
  async webhooksIdle(connectionId: string): Promise<void> {
    while (this.webhookWork.has(connectionId)) await this.webhookWork.get(connectionId);
  }

  /** Subscribes the platform's webhook deliveries to `callbackUrl`, where the connector can. */
  async registerWebhooks(tenantId: string, connectionId: string, callbackUrl: string): Promise<{ created: number; existing: number } | null> {
    const conn = await loadConnectionForSync(this.deps, tenantId, connectionId);
    const register = conn.connector.webhooks?.register;
    if (!register) return null;
    const ctx = buildCtx(this.deps, conn, { signal: AbortSignal.timeout(60_000), budget: new RetryBudget(), startedAt: new Date() });
    return register(ctx, callbackUrl);
  }

  retryDeadLetters(tenantId: string, filter: DeadLetterFilter = {}, opts: { limit?: number } = {}): Promise<RetryOutcome> {
    return retryDeadLetters(this.deps, tenantId, filter, opts);
  }

  /** Polls the run until it ends (or `timeoutMs` passes: the run is returned as it is then). */
  async waitForRun(tenantId: string, runId: string, timeoutMs: number, intervalMs = 100): Promise<RunRow> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const run = await this.db.withTenant(tenantId, (tx) => getRun(tx, tenantId, runId));
      if (!run) throw new SyncError('not_found', `run ${runId} not found`);
      if ((run.status !== 'queued' && run.status !== 'running') || Date.now() >= until) return run;
      await new Promise((r) => setTimeout(r, Math.min(intervalMs, Math.max(1, until - Date.now()))));
    }
  }

  /** Works queued runs and resumes orphaned ones. `embedded`: this process owns the database. */
  async start(queue: PgBoss, opts: { embedded?: boolean } = {}): Promise<void> {
    this.queue = queue;
    this.stopped = false;
    if (opts.embedded) await this.db.transaction((tx) => expireAllLeases(tx));
    await ensureQueue(queue, RUN_QUEUE);
    for (let i = 0; i < this.opts.concurrency; i++) {
      const id = await queue.work<{ tenantId: string; runIds: string[] }>(RUN_QUEUE, { pollingIntervalSeconds: 1 }, async (jobs) => {
        for (const job of jobs) for (const runId of job.data.runIds) if (!this.stopped) await this.execute(job.data.tenantId, runId);
      });
      this.workerIds.push(id);
    }
    // Scheduled pulls: one cron tick per minute for the whole cluster.
    await ensureQueue(queue, SCHEDULE_QUEUE);
    await queue.schedule(SCHEDULE_QUEUE, '* * * * *', {}, { retryLimit: 0 });
    this.workerIds.push(
      await queue.work(SCHEDULE_QUEUE, { pollingIntervalSeconds: 5 }, async () => {
        if (!this.stopped) await runDueSchedules(this);
      }),
    );
    const sweep = async () => {
      if (this.stopped || this.running.size >= this.opts.concurrency) return;
      const orphans = await this.db.transaction((tx) => findOrphanedRuns(tx, this.opts.staleQueuedMs, this.opts.concurrency - this.running.size));
      for (const run of orphans) {
        if (this.stopped || this.running.has(run.id)) continue;
        void this.execute(run.tenant_id, run.id).catch((err) => this.deps.logger.error({ err, runId: run.id }, 'resumed run failed'));
      }
      // Deliveries stored but never applied (the receiving process died): apply them here.
      const { rows: stale } = await this.db.query<{ tenant_id: string; connection_id: string }>(
        `SELECT DISTINCT tenant_id, connection_id FROM webhook_events WHERE status = 'received' AND received_at < now() - interval '10 seconds' LIMIT 20`,
      );
      for (const w of stale) void this.processWebhooksSoon(w.tenant_id, w.connection_id);
    };
    this.sweeper = setInterval(() => void sweep().catch((err) => this.deps.logger.warn({ err }, 'orphan sweep failed')), Math.max(100, Math.floor(this.leaseMs / 2)));
    void sweep();
  }

  /** Stops taking work; runs in flight stop at their next boundary and keep their checkpoint and lease to expire. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    for (const c of this.running.values()) c.abort(new SyncError('conflict', 'worker shutting down'));
    if (this.queue) {
      await this.queue.offWork(RUN_QUEUE).catch(() => undefined);
      await this.queue.offWork(SCHEDULE_QUEUE).catch(() => undefined);
    }
    this.workerIds = [];
    // Hand the runs over at once instead of letting their leases run out.
    await this.db
      .query(`UPDATE sync_runs SET lease_expires_at = now() WHERE lease_owner = $1 AND status IN ('queued','running')`, [this.owner])
      .catch(() => undefined);
  }
}
