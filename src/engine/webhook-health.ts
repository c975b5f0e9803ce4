// Webhook health. A platform that stops delivering says nothing: WooCommerce disables a webhook after
// consecutive failed deliveries (a short outage of our receiver is enough) and never retries, so the hub
// would fall behind silently until the next scheduled pull — or for good on a connection without one.
//
// The schedule tick (schedules.ts) calls checkDueWebhookHealth once a minute. Each active connection whose
// connector can check its subscriptions (`webhooks.health`) is checked at most once per interval (default
// 15 min): the check is claimed in the database, so however many workers run the tick, one checks it. A
// check lists the connection's subscriptions, and the connector re-enables those the platform disabled.
// The finding is recorded on the connection (`webhook_health`, shown by the API and the CLI) and logged as
// a warning, and an incremental pull of the streams whose deliveries were lost reads what the store did
// not send meanwhile. Failures (store unreachable, credentials refused) are recorded on the connection,
// never thrown into the tick.
import type { WebhookHealthReport, WebhookSubscription } from '../connectors/types.js';
import { isSyncError, SyncError, toSyncError } from '../core/errors.js';
import { Platform } from '../core/records.js';
import { RetryBudget } from '../core/retry-budget.js';
import { claimWebhookChecks, type ClaimedWebhookCheck, loadConnectionSecrets, recordWebhookHealth, type WebhookHealth } from '../store/connections.js';
import type { Engine } from './engine.js';
import { buildCtx, loadConnectionForSync } from './run-context.js';

export const DEFAULT_WEBHOOK_HEALTH_MINUTES = 15;

/** A store that hangs must not hold the tick: the check ends here and is recorded as failed. */
const CHECK_TIMEOUT_MS = 60_000;
/** Connections checked side by side, so that one slow store does not delay the others. */
const CONCURRENCY = 4;
/** Checks claimed per tick: the tick stays bounded; the rest are claimed by the next ticks, oldest first. */
const MAX_CHECKS_PER_TICK = 50;

export interface WebhookCheckResult {
  connection: string;
  /** The connection's subscriptions found; null when the check failed or did not run. */
  subscriptions: number | null;
  disabledTopics: string[];
  repairedTopics: string[];
  catchUpRunIds: string[];
  error?: string;
  /** Why nothing was checked: the connection has no webhook secret, so it refuses every delivery anyway. */
  skipped?: 'no_webhook_secret';
}

/**
 * The streams a catch-up pull reads: those the repaired subscriptions feed. A subscription whose stream
 * the connector does not name could feed any of them, so then every stream is read.
 */
export function catchUpStreams(repaired: WebhookSubscription[], streams: readonly string[]): string[] {
  if (repaired.some((s) => s.stream === undefined)) return [...streams];
  const wanted = new Set(repaired.map((s) => s.stream).filter((s): s is string => typeof s === 'string'));
  return streams.filter((s) => wanted.has(s));
}

/** Checks every connection whose check is due, a few at a time; never throws. */
export async function checkDueWebhookHealth(engine: Engine, opts: { intervalMs?: number } = {}): Promise<WebhookCheckResult[]> {
  const platforms = Platform.options.filter((p) => engine.deps.registry.get(p)?.webhooks?.health);
  if (platforms.length === 0) return [];
  let claimed: ClaimedWebhookCheck[];
  try {
    claimed = await claimWebhookChecks(engine.db, platforms, opts.intervalMs ?? engine.webhookHealthIntervalMs, MAX_CHECKS_PER_TICK);
  } catch (err) {
    engine.deps.logger.warn({ err }, 'could not claim the due webhook checks');
    return [];
  }
  const results: WebhookCheckResult[] = new Array(claimed.length);
  let next = 0;
  const lane = async () => {
    while (next < claimed.length) {
      const i = next++;
      results[i] = await checkConnection(engine, claimed[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, claimed.length) }, lane));
  return results;
}

async function checkConnection(engine: Engine, claim: ClaimedWebhookCheck): Promise<WebhookCheckResult> {
  const { id, tenantId } = claim;
  const log = engine.deps.logger;
  const startedAt = new Date();
  const prev = claim.previous;
  // The last repair stays visible until the next one: a clean check a quarter of an hour later must not
  // erase that deliveries were lost and caught up.
  const health: WebhookHealth = {
    checkedAt: startedAt.toISOString(), subscriptions: null, disabledTopics: [], pausedTopics: [], unrepairedTopics: [],
    repairedAt: prev?.repairedAt ?? null, repairedTopics: prev?.repairedTopics ?? [], catchUpRunIds: prev?.catchUpRunIds ?? [], error: null,
  };
  const result: WebhookCheckResult = { connection: id, subscriptions: null, disabledTopics: [], repairedTopics: [], catchUpRunIds: [] };
  // The reason says what happened: a bare abort would read as a cancelled run.
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new SyncError('upstream_timeout', `the webhook check did not finish within ${CHECK_TIMEOUT_MS / 1000} s`)), CHECK_TIMEOUT_MS);
  try {
    const conn = await loadConnectionForSync(engine.deps, tenantId, id);
    const hooks = conn.connector.webhooks;
    const secrets = await engine.db.withTenant(tenantId, (tx) => loadConnectionSecrets(tx, engine.deps.box, tenantId, id));
    if (!hooks?.health) return result;
    if (!(secrets?.webhookSecret ?? hooks.secretFrom?.(secrets?.credentials ?? {}) ?? null)) {
      // Without a secret every delivery is refused (fail closed): there is nothing to keep healthy.
      return { ...result, skipped: 'no_webhook_secret' };
    }
    const ctx = buildCtx(engine.deps, conn, { signal: deadline.signal, budget: new RetryBudget({ base: 2, maxConsecutive: 2 }), startedAt });
    const report: WebhookHealthReport = await hooks.health(ctx, { path: `/webhooks/${conn.platform}/${id}` });
    const topics = (list: WebhookSubscription[]) => [...new Set(list.map((s) => s.topic))].sort();
    health.subscriptions = result.subscriptions = report.subscriptions.length;
    health.disabledTopics = result.disabledTopics = topics(report.subscriptions.filter((s) => s.state === 'disabled'));
    health.pausedTopics = topics(report.subscriptions.filter((s) => s.state === 'paused'));
    health.unrepairedTopics = topics(report.failed.map((f) => f.subscription));
    if (report.failed.length > 0) {
      // The first failure's code classifies them (a refused key says upstream_auth); the message names each.
      const errors = report.failed.map((f) => ({ f, e: toSyncError(f.error) }));
      health.error = { code: errors[0]!.e.code, message: `could not re-enable ${errors.map(({ f, e }) => `${f.subscription.topic} (webhook ${f.subscription.id}): ${e.message}`).join('; ')}` };
    }
    if (report.repaired.length > 0) {
      health.repairedAt = startedAt.toISOString();
      health.repairedTopics = result.repairedTopics = topics(report.repaired);
      health.catchUpRunIds = result.catchUpRunIds = await startCatchUp(engine, claim, report.repaired, conn.connector.streams.map((s) => s.name), health);
    }
    const found = { connectionId: id, tenantId, platform: conn.platform, disabledTopics: health.disabledTopics, repairedTopics: result.repairedTopics, unrepairedTopics: health.unrepairedTopics, catchUpRunIds: result.catchUpRunIds, error: health.error };
    if (report.repaired.length > 0) {
      log.warn(found, 'webhooks were disabled by the platform and deliveries lost: re-enabled them; a catch-up pull reads what was missed');
    } else if (health.disabledTopics.length > 0) {
      log.warn(found, 'webhooks were disabled by the platform and could not be re-enabled: deliveries stay off');
    } else {
      log.debug({ connectionId: id, subscriptions: health.subscriptions, pausedTopics: health.pausedTopics }, 'webhooks checked');
    }
  } catch (err) {
    const e = toSyncError(err);
    // Retries running out says little: the code of the error retried (unreachable, timing out) says why.
    const cause = e.code === 'retry_budget_exhausted' && isSyncError(e.cause) ? e.cause : e;
    health.error = { code: cause.code, message: e.message };
    log.warn({ connectionId: id, tenantId, err: e }, 'webhook check failed; it is tried again after the interval');
  } finally {
    clearTimeout(timer);
  }
  if (health.error) result.error = health.error.message;
  try {
    await engine.db.withTenant(tenantId, (tx) => recordWebhookHealth(tx, tenantId, id, health));
  } catch (err) {
    log.warn({ connectionId: id, err }, 'could not record the webhook check');
  }
  return result;
}

/**
 * The incremental pull that reads what was not delivered while the subscriptions were disabled. It
 * skips the throttle: the last scheduled pull may predate the end of the outage. Single-flight still
 * holds: a run already active for a stream is joined, not duplicated.
 */
async function startCatchUp(engine: Engine, claim: ClaimedWebhookCheck, repaired: WebhookSubscription[], all: string[], health: WebhookHealth): Promise<string[]> {
  const streams = catchUpStreams(repaired, all);
  if (streams.length === 0) return [];
  try {
    const r = await engine.trigger({ tenantId: claim.tenantId, connectionId: claim.id, streams, mode: 'incremental', trigger: 'webhook-repair', force: true });
    return [...r.created, ...r.active].map((run) => run.id);
  } catch (err) {
    const e = toSyncError(err);
    health.error = { code: e.code, message: `the catch-up pull could not start: ${e.message}` };
    return [];
  }
}
