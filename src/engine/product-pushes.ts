// The product push outbox (DESIGN.md 5.6): hub changes reach every other linked platform through
// pg-boss jobs of the `product-push` queue, coalesced per target (push-jobs.ts), pushed by
// product-push.ts.
//
// enqueueProductPushes is called AFTER the commit that changed the products (a job must never run
// before the state it is to push is visible). It marks the target links as waiting for a push
// (links.push_requested_at, in the same statement that finds them) and queues one job per target with a
// short debounce, so a burst of edits is one push of the latest state.
//
// Retries follow the error's kind, as pull-writes does: transient and rate-limited failures (and a
// retry budget used up by them) are retried with backoff — the next attempt is a new job of the same key
// with `startAfter` set to the delay, so while it waits, new edits join it instead of queueing another;
// anything else, or the last attempt, is a dead letter of kind `push` on each SKU of the target.
import type PgBoss from 'pg-boss';
import { abortableSleep } from '../connectors/limiter.js';
import { isRetryableKind, SyncError } from '../core/errors.js';
import { nextDelay } from '../core/retry.js';
import { Platform } from '../core/records.js';
import { asSyncError, pushTarget, recordPushFailure } from './product-push.js';
import { pushStatusOf, type PushTargetStatus } from './push-status.js';
import { ensurePushQueue, hurryPushJob, insertPushJobs, otherPushActive, PRODUCT_PUSH_QUEUE, pushKey, type PushJob, queuedPushKeys, sendPushJob } from './push-jobs.js';
import type { ContextDeps } from './run-context.js';
import { pushesTotal, pushLatencySeconds } from './metrics.js';

export interface ProductPushOptions {
  /** How long a queued push waits for more edits before it runs. Default 1 s. */
  debounceMs?: number;
  /** Attempts per push before it becomes a dead letter. Default 5. */
  maxAttempts?: number;
  /** Backoff between attempts (full jitter, doubling). Default 1 s up to 60 s. */
  backoff?: { baseMs: number; capMs: number };
  /** Pushes this process works at once (each target is pushed by one worker at a time). Default 2. */
  concurrency?: number;
  /**
   * What a push asked for while no queue is attached does: 'defer' (default) leaves the targets marked
   * pending for a worker (POST /products/:id/sync or full-sync queues them), 'push' pushes at once in
   * this process. Deferring keeps a process without workers (a test, a one-off script) from calling
   * platforms in the background.
   */
  withoutQueue?: 'defer' | 'push';
}

export interface EnqueueOptions {
  /** The connection the change came from: it already holds it. */
  exceptConnectionId?: string;
  /** Only these connections. */
  onlyConnectionIds?: string[];
  /** No debounce: run as soon as a worker is free (a queued job of the target is hurried). */
  now?: boolean;
  /** pg-boss priority (higher first). Default 0. */
  priority?: number;
}

export interface QueuedPush {
  productId: string;
  connectionId: string;
  platform: string;
  externalId: string;
  /** The target's job key (push-jobs.ts). */
  key: string;
  /** false: a job of the target was already queued and carries this change. */
  newJob: boolean;
}

interface TargetRow {
  hub_id: string;
  connection_id: string;
  platform: string;
  external_id: string;
  parent_external_id: string | null;
}

const DEFAULTS: Required<ProductPushOptions> = { debounceMs: 1_000, maxAttempts: 5, backoff: { baseMs: 1_000, capMs: 60_000 }, concurrency: 2, withoutQueue: 'defer' };
/** Full syncs page through the tenant's links this many at a time. */
const FULL_SYNC_PAGE = 500;
/** Below interactive pushes: a full sync must not delay the merchant's edits. */
const FULL_SYNC_PRIORITY = -1;

/** The platforms whose connector can push products. */
export function pushPlatforms(deps: Pick<ContextDeps, 'registry'>): string[] {
  return Platform.options.filter((p) => deps.registry.get(p)?.push?.upsertProduct);
}

const jobOf = (tenantId: string, t: TargetRow): PushJob => ({
  tenantId, connectionId: t.connection_id, parentExternalId: t.parent_external_id, externalId: t.external_id, productId: t.hub_id, attempt: 1,
});

// Live links of live products on usable connections that can push, marked as waiting for a push; their
// products become PENDING (a change from a pull or webhook, too, until every target has it).
const TARGETS_SQL = (which: string) => `
  WITH t AS (
    UPDATE links l SET push_requested_at = now()
      FROM connections c, products p
     WHERE l.tenant_id = $1 AND l.entity = 'product' AND l.deleted_at IS NULL AND ${which}
       AND c.tenant_id = l.tenant_id AND c.id = l.connection_id AND c.status <> 'disabled' AND c.platform = ANY($2::text[])
       AND p.tenant_id = l.tenant_id AND p.id = l.hub_id AND p.deleted_at IS NULL
    RETURNING l.hub_id, l.connection_id, c.platform, l.external_id, l.parent_external_id),
  pending AS (
    UPDATE products p SET sync_status = 'PENDING' WHERE p.tenant_id = $1 AND p.id IN (SELECT hub_id FROM t) AND p.sync_status = 'SYNCED')
  SELECT * FROM t`;

export class ProductPushes {
  readonly options: typeof DEFAULTS;
  private queue: PgBoss | null = null;
  private workerIds: string[] = [];
  private stopper = new AbortController();
  /** Without a queue: pushes under way in this process, per key, and keys that got more work meanwhile. */
  private readonly local = new Map<string, Promise<void>>();
  private readonly dirty = new Set<string>();
  /** Platform per connection, for the metrics' label (a connection's platform never changes). */
  private readonly platforms = new Map<string, string>();

  constructor(
    private readonly deps: ContextDeps,
    options: ProductPushOptions = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  async attach(queue: PgBoss): Promise<void> {
    this.queue = queue;
    await ensurePushQueue(queue);
  }

  async startWorking(queue: PgBoss): Promise<void> {
    this.stopper = new AbortController();
    for (let i = 0; i < this.options.concurrency; i++) {
      this.workerIds.push(await queue.work<PushJob>(PRODUCT_PUSH_QUEUE, { pollingIntervalSeconds: 1, batchSize: 1 }, async ([job]) => {
        if (job && !this.stopper.signal.aborted) await this.runJob(job.id, job.data);
      }));
    }
  }

  async stop(): Promise<void> {
    this.stopper.abort(new SyncError('cancelled', 'worker shutting down'));
    if (this.queue && this.workerIds.length > 0) await this.queue.offWork(PRODUCT_PUSH_QUEUE).catch(() => undefined);
    this.workerIds = [];
  }

  /** Queues a push of each product to each of its targets (see the top of this file). */
  async enqueue(tenantId: string, productIds: string[], opts: EnqueueOptions = {}): Promise<QueuedPush[]> {
    if (productIds.length === 0) return [];
    const { rows } = await this.deps.db.withTenant(tenantId, (tx) =>
      tx.query<TargetRow>(
        TARGETS_SQL(`l.hub_id = ANY($3::uuid[]) AND ($4::uuid IS NULL OR l.connection_id <> $4::uuid) AND ($5::uuid[] IS NULL OR l.connection_id = ANY($5::uuid[]))`),
        [tenantId, pushPlatforms(this.deps), productIds, opts.exceptConnectionId ?? null, opts.onlyConnectionIds ?? null],
      ),
    );
    const send = { delayMs: opts.now ? 0 : this.options.debounceMs, priority: opts.priority ?? 0 };
    const sent = new Map<string, boolean>();
    const out: QueuedPush[] = [];
    for (const t of rows) {
      const job = jobOf(tenantId, t);
      const key = pushKey(job);
      if (!sent.has(key)) sent.set(key, await this.dispatch(job, key, send));
      out.push({ productId: t.hub_id, connectionId: t.connection_id, platform: t.platform, externalId: t.external_id, key, newJob: sent.get(key)! });
    }
    return out;
  }

  /**
   * Queues a push of every linked product of the tenant (POST /products/full-sync). Pages through the
   * links and queues each page's jobs in one statement, so memory stays bounded by a page.
   */
  async enqueueAll(tenantId: string): Promise<{ products: number; targets: number }> {
    const platforms = pushPlatforms(this.deps);
    const send = { delayMs: this.options.debounceMs, priority: FULL_SYNC_PRIORITY };
    let after = '00000000-0000-0000-0000-000000000000';
    let targets = 0;
    for (;;) {
      const page = await this.deps.db.withTenant(tenantId, async (tx) => {
        const { rows: window } = await tx.query<{ id: string }>(
          `SELECT id FROM links WHERE tenant_id = $1 AND entity = 'product' AND deleted_at IS NULL AND id > $2::uuid ORDER BY id LIMIT ${FULL_SYNC_PAGE}`,
          [tenantId, after],
        );
        if (window.length === 0) return null;
        const { rows } = await tx.query<TargetRow>(TARGETS_SQL('l.id = ANY($3::uuid[])'), [tenantId, platforms, window.map((w) => w.id)]);
        return { last: window[window.length - 1]!.id, rows };
      });
      if (!page) break;
      after = page.last;
      targets += page.rows.length;
      const jobs = [...new Map(page.rows.map((t) => [pushKey(jobOf(tenantId, t)), jobOf(tenantId, t)] as const)).values()];
      if (this.queue) await insertPushJobs(this.queue, jobs, send);
      // Without a queue the pushes are made here, one after the other: a catalog is not pushed all at once.
      else for (const j of jobs) await this.runLocal(j, pushKey(j));
    }
    const { rows } = await this.deps.db.withTenant(tenantId, (tx) =>
      tx.query<{ n: number }>(
        `SELECT count(DISTINCT l.hub_id)::int AS n FROM links l
           JOIN connections c ON c.tenant_id = l.tenant_id AND c.id = l.connection_id AND c.status <> 'disabled' AND c.platform = ANY($2::text[])
           JOIN products p ON p.tenant_id = l.tenant_id AND p.id = l.hub_id AND p.deleted_at IS NULL
          WHERE l.tenant_id = $1 AND l.entity = 'product' AND l.deleted_at IS NULL`,
        [tenantId, platforms],
      ),
    );
    return { products: rows[0]!.n, targets };
  }

  /** A job when a queue is attached (true: a new one); without one, per `withoutQueue`. */
  private async dispatch(job: PushJob, key: string, send: { delayMs: number; priority: number }): Promise<boolean> {
    if (!this.queue) {
      if (this.options.withoutQueue !== 'push') return false;
      void this.runLocal(job, key);
      return true;
    }
    const created = await sendPushJob(this.queue, job, send);
    if (!created && (send.delayMs === 0 || send.priority > 0)) await hurryPushJob(this.deps.db, key, send);
    // A push is taken by this process's workers when it is due, not at their next poll (up to a second
    // later): at once, or when its debounce ends.
    const wake = () => {
      if (this.queue) for (const id of this.workerIds) this.queue.notifyWorker(id);
    };
    if (send.delayMs === 0) wake();
    else if (created) setTimeout(wake, send.delayMs + 5).unref();
    return created;
  }

  /**
   * Queues a job for targets that wait for a push no job will make: the process that marked them ended
   * between its commit and the queueing (a crash), or had no queue and deferred them. A target whose
   * push was dead-lettered is left alone (it waits for a new change or a manual sync), and so is one
   * with a job of its key in the queue. A system query across tenants, like the other re-dispatches.
   */
  async redispatchStale(staleMs = Math.max(30_000, this.options.debounceMs * 10), limit = 200): Promise<number> {
    if (!this.queue) return 0;
    const { rows } = await this.deps.db.query<TargetRow & { tenant_id: string }>(
      `SELECT l.tenant_id, l.hub_id, l.connection_id, c.platform, l.external_id, l.parent_external_id
         FROM links l JOIN connections c ON c.id = l.connection_id AND c.status <> 'disabled' AND c.platform = ANY($1::text[])
        WHERE l.push_requested_at < now() - $2::float8 * interval '1 millisecond' AND l.deleted_at IS NULL AND l.entity = 'product'
          AND NOT EXISTS (SELECT 1 FROM dead_letters d WHERE d.tenant_id = l.tenant_id AND d.connection_id = l.connection_id
                             AND d.kind = 'push' AND d.status = 'open' AND d.external_id = l.external_id)
        ORDER BY l.push_requested_at LIMIT $3`,
      [pushPlatforms(this.deps), staleMs, limit],
    );
    const jobs = new Map(rows.map((t) => {
      const job = jobOf(t.tenant_id, t);
      return [pushKey(job), job] as const;
    }));
    if (jobs.size === 0) return 0;
    const queued = new Set(await queuedPushKeys(this.deps.db, [...jobs.keys()]));
    const orphans = [...jobs.entries()].filter(([key]) => !queued.has(key)).map(([, job]) => job);
    await insertPushJobs(this.queue, orphans, { delayMs: 0, priority: 0 });
    if (orphans.length > 0) this.deps.logger.info({ targets: orphans.length }, 'product pushes waiting without a job: queued');
    return orphans.length;
  }

  /** The body of a job: one attempt, then a retry job or a dead letter when it failed. */
  private async runJob(jobId: string, job: PushJob): Promise<void> {
    const key = pushKey(job);
    if (await otherPushActive(this.deps.db, key, jobId)) {
      // Another worker pushes this target now; a job after it pushes what it did not see.
      await sendPushJob(this.queue!, job, { delayMs: this.options.debounceMs, priority: 0 });
      return;
    }
    const failure = await this.attempt(job);
    if (!failure) return;
    if (failure.retryInMs !== null) {
      await sendPushJob(this.queue!, { ...job, attempt: job.attempt + 1, lastError: { code: failure.error.code, message: failure.error.message } }, { delayMs: failure.retryInMs, priority: 0 });
      return;
    }
    await recordPushFailure(this.deps, job, failure.error);
  }

  /** Without a queue: the attempts in this process, one push per key at a time. */
  private runLocal(first: PushJob, key: string): Promise<void> {
    const running = this.local.get(key);
    if (running) {
      this.dirty.add(key);
      return running;
    }
    const signal = this.stopper.signal;
    const work = (async () => {
      do {
        this.dirty.delete(key);
        for (let job = first; !signal.aborted; job = { ...job, attempt: job.attempt + 1 }) {
          const failure = await this.attempt(job);
          if (!failure) break;
          if (failure.retryInMs === null) {
            await recordPushFailure(this.deps, job, failure.error);
            break;
          }
          await abortableSleep(failure.retryInMs, signal).catch(() => undefined);
        }
      } while (this.dirty.has(key) && !signal.aborted);
    })()
      .catch((err) => this.deps.logger.error({ err, key }, 'product push failed; the product stays pending'))
      .finally(() => this.local.delete(key));
    this.local.set(key, work);
    return work;
  }

  private async platformOf(job: PushJob): Promise<string> {
    const known = this.platforms.get(job.connectionId);
    if (known) return known;
    const { rows } = await this.deps.db
      .withTenant(job.tenantId, (tx) => tx.query<{ platform: string }>('SELECT platform FROM connections WHERE tenant_id = $1 AND id = $2', [job.tenantId, job.connectionId]))
      .catch(() => ({ rows: [] as { platform: string }[] }));
    if (rows[0]) this.platforms.set(job.connectionId, rows[0].platform);
    return rows[0]?.platform ?? 'unknown';
  }

  /** One attempt; null when it succeeded, else the error and the wait before the next (null: none). Counted here (metrics). */
  private async attempt(job: PushJob): Promise<{ error: SyncError; retryInMs: number | null } | null> {
    const signal = this.stopper.signal;
    try {
      const done = await pushTarget(this.deps, job, signal);
      this.deps.logger.debug({ connectionId: job.connectionId, key: pushKey(job), ...done }, 'product push');
      const platform = await this.platformOf(job);
      pushesTotal.inc({ platform, outcome: done.outcome });
      if (done.outcome === 'pushed' && done.waitedSeconds !== null) pushLatencySeconds.observe({ platform }, done.waitedSeconds);
      return null;
    } catch (err) {
      // Shutting down: the job fails and pg-boss hands it to a worker again; nothing was decided.
      if (signal.aborted) throw err;
      const error = asSyncError(err);
      const retryable = isRetryableKind(error.kind) || error.code === 'retry_budget_exhausted';
      // retry_budget_exhausted stands for the transient failures that used the budget up: back off as from those.
      const delay = retryable && job.attempt < this.options.maxAttempts ? nextDelay(job.attempt - 1, isRetryableKind(error.kind) ? error : { kind: 'transient' }, this.options.backoff) : null;
      const log = { connectionId: job.connectionId, key: pushKey(job), attempt: job.attempt, error: { code: error.code, message: error.message } };
      if (delay === null) this.deps.logger.warn(log, 'product push failed; recorded as a dead letter');
      else this.deps.logger.info({ ...log, retryInMs: Math.round(delay) }, 'product push failed; retrying');
      pushesTotal.inc({ platform: await this.platformOf(job), outcome: delay === null ? 'failed' : 'retrying' });
      return { error, retryInMs: delay };
    }
  }

  /** Per target of the product: its queued, running or retried push and the last outcome; null: no such product. */
  status(tenantId: string, productId: string): Promise<PushTargetStatus[] | null> {
    return pushStatusOf(this.deps, tenantId, productId, pushPlatforms(this.deps));
  }

  /** Resolves when no push is under way in this process (without a queue; tests). */
  async idle(): Promise<void> {
    while (this.local.size > 0) await Promise.all([...this.local.values()]);
  }
}

/** Anything that holds the outbox: the engine, or the outbox itself. */
export type PushOutbox = ProductPushes | { productPushes: ProductPushes };

/**
 * Queues pushes of the products to every live link on a connection whose connector can push products
 * (Shopify, eMAG), except `exceptConnectionId` (the origin of the change). Call it after the commit that
 * changed them. Returns one entry per (product, target).
 */
export function enqueueProductPushes(via: PushOutbox, tenantId: string, productIds: string[], opts: EnqueueOptions = {}): Promise<QueuedPush[]> {
  const outbox = via instanceof ProductPushes ? via : via.productPushes;
  return outbox.enqueue(tenantId, productIds, opts);
}
