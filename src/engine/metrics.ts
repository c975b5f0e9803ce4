// Prometheus metrics (prom-client): every metric this process exposes, in one registry. Each counter
// is incremented at the one place that owns its event (the end of a run in pull.ts, a page's commit,
// a webhook's receipt and apply, a push attempt, the HTTP client's hooks in run-context.ts); the
// queue gauges are read from the database when /metrics is scraped (queueMetrics). The HTTP side —
// who may read /metrics, and on which port — is src/server/routes/metrics.ts.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Entity } from '../core/records.js';
import type { Db } from '../store/db.js';

export const METRIC_PREFIX = 'commerce_sync_';

/** The process-wide registry of the engine's metrics (queue gauges are added per database at scrape time). */
export const metricsRegistry = new Registry();

export const runsTotal = new Counter({
  name: `${METRIC_PREFIX}runs_total`,
  help: 'Pull runs ended, by platform, stream and outcome (succeeded, partial, failed, timed_out, cancelled).',
  labelNames: ['platform', 'stream', 'outcome'] as const,
  registers: [metricsRegistry],
});

export const recordsAppliedTotal = new Counter({
  name: `${METRIC_PREFIX}records_applied_total`,
  help: 'Records written to the hub by pulls and webhooks (after commit), by platform, entity and action (added, updated, unchanged).',
  labelNames: ['platform', 'entity', 'action'] as const,
  registers: [metricsRegistry],
});

export const pushesTotal = new Counter({
  name: `${METRIC_PREFIX}pushes_total`,
  help: 'Product push attempts of the outbox, by platform and outcome (pushed, unchanged, nothing, retrying, failed).',
  labelNames: ['platform', 'outcome'] as const,
  registers: [metricsRegistry],
});

export const pushLatencySeconds = new Histogram({
  name: `${METRIC_PREFIX}push_latency_seconds`,
  help: 'Seconds from the oldest push request of a target (links.push_requested_at) to the platform accepting the push.',
  labelNames: ['platform'] as const,
  buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600],
  registers: [metricsRegistry],
});

export const webhooksTotal = new Counter({
  name: `${METRIC_PREFIX}webhooks_total`,
  help: 'Webhook deliveries received, by platform and result (accepted: stored; duplicate: every event already stored; rejected: refused).',
  labelNames: ['platform', 'result'] as const,
  registers: [metricsRegistry],
});

export const webhooksAppliedTotal = new Counter({
  name: `${METRIC_PREFIX}webhooks_applied_total`,
  help: 'Stored webhook events applied to the hub (status applied, after commit), by platform.',
  labelNames: ['platform'] as const,
  registers: [metricsRegistry],
});

export const rateLimitWaitsTotal = new Counter({
  name: `${METRIC_PREFIX}rate_limit_waits_total`,
  help: 'Times a platform request had to wait for the rate limiter (own budget or a throttle pause), by platform.',
  labelNames: ['platform'] as const,
  registers: [metricsRegistry],
});

export const httpThrottledTotal = new Counter({
  name: `${METRIC_PREFIX}http_throttled_total`,
  help: 'Platform answers classified as rate limited (HTTP 429 or the platform\'s own throttle answer), by platform.',
  labelNames: ['platform'] as const,
  registers: [metricsRegistry],
});

let defaultsOn = false;

/** Node's process metrics (CPU, memory, event loop lag, GC) under the same prefix; once per process. */
export function enableDefaultMetrics(): void {
  if (defaultsOn) return;
  defaultsOn = true;
  collectDefaultMetrics({ register: metricsRegistry, prefix: METRIC_PREFIX });
}

export type AppliedCounts = Map<Entity, { added: number; updated: number; unchanged: number }>;

/** Adds a committed apply's counts (ApplyResult.byEntity, summed over a page or a batch). */
export function countApplied(platform: string, counts: AppliedCounts): void {
  for (const [entity, c] of counts) {
    for (const action of ['added', 'updated', 'unchanged'] as const) {
      if (c[action] > 0) recordsAppliedTotal.inc({ platform, entity, action }, c[action]);
    }
  }
}

/** Folds `from` into `into` (per entity). */
export function addApplied(into: AppliedCounts, from: AppliedCounts): void {
  for (const [entity, c] of from) {
    const t = into.get(entity) ?? { added: 0, updated: 0, unchanged: 0 };
    into.set(entity, { added: t.added + c.added, updated: t.updated + c.updated, unchanged: t.unchanged + c.unchanged });
  }
}

/**
 * The work waiting in the database, per queue: how many items and the age of the oldest. System
 * queries across tenants (the owner role, as the schedule tick's), each on a partial or leading index.
 */
const QUEUES: Record<string, string> = {
  product_pushes: `SELECT count(*)::int AS depth, extract(epoch FROM now() - min(push_requested_at))::float8 AS oldest
                     FROM links WHERE push_requested_at IS NOT NULL AND deleted_at IS NULL`,
  pull_writes: `SELECT count(*)::int AS depth, extract(epoch FROM now() - min(created_at))::float8 AS oldest
                  FROM pull_writes WHERE status = 'pending'`,
  webhook_events: `SELECT count(*)::int AS depth, extract(epoch FROM now() - min(received_at))::float8 AS oldest
                     FROM webhook_events WHERE status = 'received'`,
  runs: `SELECT count(*)::int AS depth, extract(epoch FROM now() - min(created_at))::float8 AS oldest
           FROM sync_runs WHERE status = 'queued'`,
};

type QueueLog = { warn(o: object, m?: string): void };

/**
 * A registry of the two queue gauges over `db`, read when scraped: one round of queries serves both
 * gauges of a scrape. A query that fails is logged and its queue left out; the scrape goes on.
 */
export function queueMetrics(db: Pick<Db, 'query'>, log: QueueLog): Registry {
  const registry = new Registry();
  let reading: Promise<Map<string, { depth: number; oldest: number }>> | null = null;
  const read = () =>
    (reading ??= (async () => {
      const out = new Map<string, { depth: number; oldest: number }>();
      for (const [queue, sql] of Object.entries(QUEUES)) {
        try {
          const row = (await db.query<{ depth: number; oldest: number | null }>(sql)).rows[0];
          out.set(queue, { depth: row?.depth ?? 0, oldest: Math.max(0, row?.oldest ?? 0) });
        } catch (err) {
          log.warn({ err, queue }, 'metrics: could not read the queue depth');
        }
      }
      return out;
    })().finally(() => {
      reading = null;
    }));
  new Gauge({
    name: `${METRIC_PREFIX}queue_depth`,
    help: 'Items waiting, by queue: product_pushes (links awaiting a push), pull_writes (pending), webhook_events (received, not yet applied), runs (queued).',
    labelNames: ['queue'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const [queue, q] of await read()) this.set({ queue }, q.depth);
    },
  });
  new Gauge({
    name: `${METRIC_PREFIX}queue_oldest_age_seconds`,
    help: 'Age in seconds of the oldest item waiting in each queue (0 when it is empty).',
    labelNames: ['queue'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const [queue, q] of await read()) this.set({ queue }, q.oldest);
    },
  });
  return registry;
}

/** The Prometheus text of the engine's metrics and the queue gauges of `queues`. */
export async function metricsText(queues: Registry): Promise<{ contentType: string; body: string }> {
  const merged = Registry.merge([metricsRegistry, queues]);
  return { contentType: merged.contentType, body: await merged.metrics() };
}
