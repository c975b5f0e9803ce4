// The engine: triggers runs (single-flight, throttle), executes them under a heartbeat lease with a
// deadline, and — as a worker — takes jobs from the queue and resumes runs whose holder died.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type PgBoss from 'pg-boss';
import { SyncError } from '../core/errors.js';
import type { SyncMode } from '../connectors/types.js';
import type { Db } from '../store/db.js';
import { markAttempt, loadCheckpoint } from './checkpoints.js';
import { executePull, isWorkerShutdown, type PullOptions, workerShutdown } from './pull.js';
import { LimiterRegistry } from './registry.js';
import type { ContextDeps } from './run-context.js';
import { buildCtx, loadConnectionForSync } from './run-context.js';
import { RetryBudget } from '../core/retry-budget.js';
import { activeRunOf, claimRun, createOrGetActiveRun, expireAllLeases, getRun, heartbeat, requestCancel, runDependencies, type RunRow } from './runs.js';
import { ensureRunQueue, findOrphans, queuedRunsOf, RUN_QUEUE, type RunJob, sendRunJob } from './dispatch.js';
import { orderStreams } from './stream-order.js';
import { DEFAULT_SYNC_LOG_RETENTION_DAYS, startRetention } from './retention.js';
import { ensureQueue } from './queue.js';
import { runDueSchedules, SCHEDULE_QUEUE } from './schedules.js';
import { DEFAULT_WEBHOOK_HEALTH_MINUTES } from './webhook-health.js';
import { retryDeadLetters, type RetryOutcome } from './dead-letter-retry.js';
import { type Received, receiveWebhook } from './webhooks.js';
import { pullWritePasses, webhookPasses } from './background-passes.js';
import type { ConnectionPasses } from './connection-passes.js';
import type { RawRequest } from '../connectors/types.js';
import type { DeadLetterFilter } from './dead-letters.js';
import { ProductPushes, type ProductPushOptions } from './product-pushes.js';
import { runsTotal } from './metrics.js';

export { RUN_QUEUE } from './dispatch.js';
export { PULL_WRITES_QUEUE, WEBHOOK_QUEUE } from './background-passes.js';

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
  /** How long a queued run may wait unclaimed before a worker sends it a job again (its job was lost). */
  staleQueuedMs?: number;
  /** Runs this process executes at once. */
  concurrency?: number;
  pull?: Partial<PullOptions>;
  /** The product push outbox: debounce, attempts, backoff (product-pushes.ts). */
  productPush?: ProductPushOptions;
  /** Days the audit trail (sync_log) is kept; older lines are deleted daily (retention.ts). Default 30. */
  syncLogRetentionDays?: number;
  /** Minutes between checks of a connection's webhook subscriptions (webhook-health.ts). Default 15. */
  webhookHealthEveryMinutes?: number;
}

/** Why a run was started; `webhook-repair` is the catch-up pull after disabled webhooks were re-enabled. */
export type TriggerKind = 'api' | 'cli' | 'schedule' | 'webhook' | 'staleness' | 'webhook-repair';

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
  /** How long a connection's webhook check holds before the schedule tick checks it again. */
  readonly webhookHealthIntervalMs: number;
  private readonly retentionDays: number;
  private readonly opts: Required<Pick<EngineOptions, 'autoMinIntervalMs' | 'manualMinIntervalMs' | 'defaultDeadlineMs' | 'staleQueuedMs' | 'concurrency'>>;
  private readonly pullOptions: PullOptions;
  private readonly running = new Map<string, AbortController>();
  private readonly executions = new Map<string, Promise<RunRow | null>>();
  /** Runs this engine handed back at shutdown: their jobs are sent again once they are released. */
  private readonly released: (RunJob & { deadlineAt: Date | null })[] = [];
  private queue: PgBoss | null = null;
  private workerIds: string[] = [];
  /** Webhook deliveries to apply and platform writes of committed pages: jobs per connection. */
  private readonly webhooks: ConnectionPasses;
  private readonly pullWrites: ConnectionPasses;
  /** Hub changes pushed to the other linked platforms (enqueueProductPushes). */
  readonly productPushes: ProductPushes;
  private sweeper: NodeJS.Timeout | null = null;
  /** The connections whose runs this engine works (`sync --wait`, `sync-all`); null: every connection. */
  private onlyConnection: ReadonlySet<string> | null = null;
  private stopped = false;

  constructor(options: EngineOptions) {
    this.owner = options.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.deps = { ...options, limiters: new LimiterRegistry() };
    this.webhooks = webhookPasses(this.deps);
    this.pullWrites = pullWritePasses(this.deps);
    // A committed page asked for platform writes (eMAG acknowledge): they are a job of their own.
    this.deps.onPullWrites ??= (tenantId, connectionId) => void this.pullWrites.dispatch({ tenantId, connectionId });
    this.productPushes = new ProductPushes(this.deps, options.productPush);
    this.deps.enqueueProductPushes ??= (tenantId, productIds, opts) => this.productPushes.enqueue(tenantId, productIds, opts);
    this.leaseMs = options.leaseMs ?? 30_000;
    this.retentionDays = options.syncLogRetentionDays ?? DEFAULT_SYNC_LOG_RETENTION_DAYS;
    this.webhookHealthIntervalMs = (options.webhookHealthEveryMinutes ?? DEFAULT_WEBHOOK_HEALTH_MINUTES) * 60_000;
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
    // One job per stream; a stream that depends on another is refused where it is claimed until that
    // one has ended, and is sent again when it does (see executeOnce).
    for (const run of result.created) await this.dispatch({ tenantId: req.tenantId, connectionId: req.connectionId, stream: run.stream }, run.deadline_at);
    return result;
  }

  /**
   * Claims the run and executes it to its end in this process; null if another worker holds it.
   * A run already executing in this process (e.g. picked up by the queue worker while a CLI command
   * waits on it) is joined, never started a second time.
   */
  /**
   * Queues the job that executes (connection, stream)'s active run; without a started queue (an engine
   * used as a library, tests) the run stays queued for `execute` or for the next worker to dispatch it.
   */
  private async dispatch(job: RunJob, deadlineAt: Date | null): Promise<void> {
    if (!this.queue) return;
    try {
      await sendRunJob(this.queue, job, deadlineAt);
    } catch (err) {
      // The run is stored and stays queued: the re-dispatch pass sends its job after `staleQueuedMs`.
      this.deps.logger.warn({ err, ...job }, 'could not queue the run job; it will be re-dispatched');
      return;
    }
    // Wake this process's workers now instead of at their next poll.
    for (const id of this.workerIds) this.queue.notifyWorker(id);
  }

  /** The body of a `sync-run` job: executes the stream's active run if this worker may claim it now. */
  private async runJob(job: RunJob): Promise<void> {
    if (this.stopped) return;
    if (this.onlyConnection && !this.onlyConnection.has(job.connectionId)) {
      // A command working one connection's runs (`sync --wait`) puts other work back for the workers,
      // a little later so that it does not take the same job again at once.
      await this.queue?.send(RUN_QUEUE, job, { singletonKey: `${job.connectionId}:${job.stream}`, startAfter: 2 });
      return;
    }
    const run = await this.db.withTenant(job.tenantId, (tx) => activeRunOf(tx, job.connectionId, job.stream));
    if (run) await this.execute(job.tenantId, run.id);
  }

  /**
   * Executes a run in this process: the body of the queue's jobs, also called directly by tests and by
   * embedded callers that already hold the run. Claims the run first (lease free or expired,
   * dependencies ended) and returns null if it cannot. A run already executing in this process is
   * joined, never started a second time.
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
    // Claimed while the engine was stopping: handed back at once (see stop).
    if (this.stopped) controller.abort(workerShutdown());
    const deadlineAt = claimed.deadline_at?.getTime();
    const deadline = deadlineAt
      ? setTimeout(() => controller.abort(new SyncError('deadline_exceeded', `run deadline reached at ${new Date(deadlineAt).toISOString()}`)), Math.max(0, deadlineAt - Date.now()))
      : null;
    const beat = setInterval(() => {
      // A run handed back at shutdown is no longer this worker's to renew.
      if (controller.signal.aborted && isWorkerShutdown(controller.signal.reason)) return;
      void this.db
        .withTenant(tenantId, (tx) => heartbeat(tx, runId, this.owner, this.leaseMs))
        .then((hb) => {
          if (!hb) controller.abort(new SyncError('conflict', 'run lease lost'));
          else if (hb.cancelRequested) controller.abort(new SyncError('cancelled', 'run cancelled on request'));
        })
        .catch((err) => this.deps.logger.warn({ err, runId, connectionId: claimed.connection_id }, 'heartbeat failed'));
    }, Math.max(50, Math.floor(this.leaseMs / 3)));
    try {
      if (claimed.cancel_requested) controller.abort(new SyncError('cancelled', 'run cancelled on request'));
      const ended = await executePull(this.deps, this.pullOptions, claimed, { signal: controller.signal, owner: this.owner });
      // Streams that waited for this one (orders for customers and products) may be claimable now.
      if (ended) await this.dispatchQueuedOf(tenantId, claimed.connection_id);
      else if (controller.signal.aborted && isWorkerShutdown(controller.signal.reason)) {
        this.released.push({ tenantId, connectionId: claimed.connection_id, stream: claimed.stream, deadlineAt: claimed.deadline_at });
      }
      return ended;
    } finally {
      if (deadline) clearTimeout(deadline);
      clearInterval(beat);
      this.running.delete(runId);
    }
  }

  private async dispatchQueuedOf(tenantId: string, connectionId: string): Promise<void> {
    if (!this.queue || this.stopped) return;
    try {
      for (const q of await queuedRunsOf(this.db, tenantId, connectionId)) await this.dispatch({ tenantId, connectionId, stream: q.stream }, q.deadline_at);
    } catch (err) {
      // Not lost: the orphan pass sends the job once the run has waited `staleQueuedMs`.
      this.deps.logger.warn({ err, connectionId }, 'could not dispatch the queued runs of the connection');
    }
  }

  async cancel(tenantId: string, runId: string): Promise<RunRow | null> {
    const { row, before } = await this.db.withTenant(tenantId, async (tx) => {
      const { rows } = await tx.query<{ status: string; platform: string }>(
        'SELECT r.status, c.platform FROM sync_runs r JOIN connections c ON c.id = r.connection_id WHERE r.tenant_id = $1 AND r.id = $2 FOR UPDATE OF r',
        [tenantId, runId],
      );
      return { row: await requestCancel(tx, tenantId, runId), before: rows[0] };
    });
    // A queued run no worker held ends here, never reaching executePull's finish: counted here.
    if (row && before?.status === 'queued' && row.status === 'cancelled') runsTotal.inc({ platform: before.platform, stream: row.stream, outcome: 'cancelled' });
    // Runs of this process stop at once; others see the flag at their next heartbeat.
    if (row) this.running.get(runId)?.abort(new SyncError('cancelled', 'run cancelled on request'));
    return row;
  }

  /** Verifies and stores a delivery, then applies it in the background (the caller answers 200 at once). */
  async receiveWebhook(platform: string, connectionId: string, req: RawRequest): Promise<Received> {
    const received = await receiveWebhook(this.deps, platform, connectionId, req);
    if (received.received > 0) await this.webhooks.dispatch({ tenantId: received.tenantId, connectionId });
    return received;
  }

  /** Applies the connection's stored deliveries in this process now (coalesced with a pass under way). */
  processWebhooksSoon(tenantId: string, connectionId: string): Promise<void> {
    return this.webhooks.run({ tenantId, connectionId });
  }

  /** Resolves when the connection has no delivery left to apply and no pass under way here (tests, shutdown). */
  webhooksIdle(connectionId: string, timeoutMs?: number): Promise<void> {
    return this.webhooks.idle(connectionId, timeoutMs);
  }

  /** Resolves when the connection has no platform write pending and no pass under way here. */
  pullWritesIdle(connectionId: string, timeoutMs?: number): Promise<void> {
    return this.pullWrites.idle(connectionId, timeoutMs);
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

  /**
   * Takes jobs: runs, webhook deliveries and the schedule tick; and re-dispatches runs no worker is on.
   * `embedded`: this process owns the database, so every lease found is a dead one.
   */
  async start(queue: PgBoss, opts: { embedded?: boolean; onlyConnection?: string | readonly string[] } = {}): Promise<void> {
    await this.attachQueue(queue);
    this.stopped = false;
    const only = opts.onlyConnection;
    this.onlyConnection = only === undefined ? null : new Set(typeof only === 'string' ? [only] : only);
    if (opts.embedded) await this.db.transaction((tx) => expireAllLeases(tx));
    for (let i = 0; i < this.opts.concurrency; i++) {
      this.workerIds.push(
        await queue.work<RunJob>(RUN_QUEUE, { pollingIntervalSeconds: 1, batchSize: 1 }, async ([job]) => {
          if (job) await this.runJob(job.data);
        }),
      );
    }
    if (this.onlyConnection) {
      // This connection's platform writes are part of what `sync --wait` waits for; the rest is the workers' business.
      await this.pullWrites.startWorking(queue);
      return;
    }
    await this.webhooks.startWorking(queue);
    await this.pullWrites.startWorking(queue);
    await this.productPushes.startWorking(queue);
    // Scheduled pulls: one cron tick per minute for the whole cluster.
    await ensureQueue(queue, SCHEDULE_QUEUE);
    await queue.schedule(SCHEDULE_QUEUE, '* * * * *', {}, { retryLimit: 0 });
    this.workerIds.push(
      await queue.work(SCHEDULE_QUEUE, { pollingIntervalSeconds: 5 }, async () => {
        if (!this.stopped) await runDueSchedules(this);
      }),
    );
    const days = this.retentionDays;
    this.workerIds.push(await startRetention(queue, this.db, days, (deleted) => deleted > 0 && this.deps.logger.info({ deleted, days }, 'audit lines past retention deleted')));
    // What pg-boss cannot see (see dispatch.ts): runs whose worker died, runs and deliveries stored
    // without a job. They get a job; nothing is executed here.
    const redispatch = async () => {
      if (this.stopped) return;
      const streamsOf = (platform: string, stream: string) => this.deps.registry.get(platform)?.streams.find((s) => s.name === stream)?.dependsOn ?? [];
      for (const o of await findOrphans(this.db, this.opts.staleQueuedMs, streamsOf)) {
        if (!this.stopped) await this.dispatch({ tenantId: o.tenant_id, connectionId: o.connection_id, stream: o.stream }, o.deadline_at);
      }
      await this.webhooks.redispatchStale();
      await this.pullWrites.redispatchStale();
      await this.productPushes.redispatchStale();
    };
    this.sweeper = setInterval(() => void redispatch().catch((err) => this.deps.logger.warn({ err }, 're-dispatch pass failed')), Math.max(100, Math.floor(this.leaseMs / 2)));
    void redispatch().catch((err) => this.deps.logger.warn({ err }, 're-dispatch pass failed'));
  }

  /** Lets this engine send jobs (triggers, deliveries) without taking any: a CLI command that only queues. */
  async attachQueue(queue: PgBoss): Promise<void> {
    this.queue = queue;
    await ensureRunQueue(queue);
    await this.webhooks.attach(queue);
    await this.pullWrites.attach(queue);
    await this.productPushes.attach(queue);
  }

  /** True while this engine takes jobs (between start and stop). */
  get working(): boolean {
    return this.workerIds.length > 0 && !this.stopped;
  }

  /**
   * Stops taking work and hands the runs in flight back: each is aborted (the page request in flight
   * too), keeps its checkpoint at its last committed page, and is queued again with its lease released
   * (pull.ts), so that another worker resumes it at once. Waits for that at most `graceMs`; a run that
   * has not let go by then (stuck in a database call) gets its lease expired instead.
   */
  async stop(opts: { graceMs?: number } = {}): Promise<void> {
    this.stopped = true;
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    const shutdown = workerShutdown();
    for (const c of this.running.values()) c.abort(shutdown);
    await this.webhooks.stop();
    await this.pullWrites.stop();
    await this.productPushes.stop();
    if (this.queue) {
      await this.queue.offWork(RUN_QUEUE).catch(() => undefined);
      await this.queue.offWork(SCHEDULE_QUEUE).catch(() => undefined);
    }
    this.workerIds = [];
    const inFlight = [...this.executions.values()];
    if (inFlight.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      const graceMs = opts.graceMs ?? 5_000;
      const settled = await Promise.race([
        Promise.allSettled(inFlight).then(() => true),
        new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), graceMs))),
      ]);
      clearTimeout(timer);
      if (!settled) this.deps.logger.warn({ graceMs, runs: this.executions.size }, 'runs still in flight at shutdown; their leases are expired instead');
    }
    // Whatever this worker still holds (not released in time): hand it over at once instead of letting the lease run out.
    await this.db
      .query(`UPDATE sync_runs SET lease_expires_at = now() WHERE lease_owner = $1 AND status IN ('queued','running')`, [this.owner])
      .catch(() => undefined);
    // The released runs' jobs: the workers still running take them at their next poll (this one took none since offWork).
    for (const r of this.released.splice(0)) {
      if (!this.queue) break;
      await sendRunJob(this.queue, { tenantId: r.tenantId, connectionId: r.connectionId, stream: r.stream }, r.deadlineAt).catch((err: unknown) =>
        this.deps.logger.warn({ err, connectionId: r.connectionId, stream: r.stream }, 'could not queue the job of a released run; it will be re-dispatched'),
      );
    }
  }

}
