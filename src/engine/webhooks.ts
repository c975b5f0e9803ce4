// Webhooks (DESIGN.md 5.5): receive -> verify the signature on the raw body (timing-safe, fail
// closed) -> store in webhook_events, deduplicated on the platform's delivery id -> answer at once ->
// apply asynchronously. An event older than what the hub already holds for a record (the link's
// remote_updated_at) is recorded but not applied, so out-of-order deliveries never regress the hub.
//
// Only a delivery that cannot be verified is refused. A verified one whose payload cannot be read,
// stored or applied (not JSON, a NUL character, absurd nesting, a number too large for its column)
// is stored as escaped text, answered 200 and dead-lettered with the reason: refusing it would only
// make the platform retry it for days, and it must not be lost either.
//
// Applying is batched (one transaction per WEBHOOK_BATCH_SIZE events, webhook-batch.ts) and drains
// the connection's backlog before it returns, so it keeps up with acceptance and needs no sweeper
// once a flood stops.
import { createHash } from 'node:crypto';
import type { RawRequest, WebhookEvent } from '../connectors/types.js';
import { isSyncError, SyncError } from '../core/errors.js';
import { canonicalUuid } from '../core/ids.js';
import { findUnstorable, storableText } from '../core/storable.js';
import type { Queryable } from '../store/db.js';
import { loadConnectionSecrets } from '../store/connections.js';
import type { Entity } from '../core/records.js';
import { insertDeadLetters } from './dead-letters.js';
import { PlannerStats } from './planner-stats.js';
import type { ContextDeps } from './run-context.js';
import { applyBatch, type BatchResult, type Endpoint, type EventRow, isPoison, messageOf, type Outcome, type ToRecords, unappliable } from './webhook-batch.js';
import { queueProductPushes } from './apply.js';
import { GroupRefetcher, type Refetched } from './webhook-refetch.js';
import { type AppliedCounts, countApplied, webhooksAppliedTotal, webhooksTotal } from './metrics.js';

/** The most one round of re-reading records that events name may take. */
const REFETCH_TIMEOUT_MS = 60_000;

export interface Received {
  tenantId: string;
  /** Events stored for processing. */
  received: number;
  /** Events (or undeliverable deliveries) stored before. */
  duplicates: number;
  /** 1 when the delivery was stored as failed and dead-lettered instead. */
  deadLettered: number;
}

/** Codes of a delivery refused for what it is (the platform is told so), as opposed to a failure of ours. */
const REFUSALS = new Set(['webhook_signature_invalid', 'webhook_payload_invalid', 'not_found']);

/**
 * Receives one delivery (below) and counts it: accepted (stored, dead-lettered included), duplicate
 * (every event stored before), rejected (refused). A refusal for a platform no connector here knows is
 * not counted, so that requests to made-up paths cannot create label values.
 */
export async function receiveWebhook(deps: ContextDeps, platform: string, connectionIdAsSent: string, req: RawRequest): Promise<Received> {
  let received: Received;
  try {
    received = await receive(deps, platform, connectionIdAsSent, req);
  } catch (err) {
    if (isSyncError(err) && REFUSALS.has(err.code) && deps.registry.get(platform)) webhooksTotal.inc({ platform, result: 'rejected' });
    throw err;
  }
  const duplicate = received.received === 0 && received.deadLettered === 0 && received.duplicates > 0;
  webhooksTotal.inc({ platform, result: duplicate ? 'duplicate' : 'accepted' });
  return received;
}

async function receive(deps: ContextDeps, platform: string, connectionIdAsSent: string, req: RawRequest): Promise<Received> {
  const connectionId = canonicalUuid(connectionIdAsSent);
  const row = connectionId
    ? (await deps.db.query<{ tenant_id: string; platform: string }>('SELECT tenant_id, platform FROM connections WHERE id = $1', [connectionId])).rows[0]
    : undefined;
  const connector = deps.registry.get(platform);
  if (!connectionId || !row || row.platform !== platform || !connector?.webhooks) throw new SyncError('not_found', `no ${platform} webhook endpoint ${connectionIdAsSent}`);
  const hooks = connector.webhooks;
  const at: Endpoint = { tenantId: row.tenant_id, connectionId, platform };
  let secrets: Awaited<ReturnType<typeof loadConnectionSecrets>>;
  try {
    secrets = await deps.db.withTenant(at.tenantId, (tx) => loadConnectionSecrets(tx, deps.box, at.tenantId, connectionId));
  } catch (err) {
    if (isSyncError(err) && err.code === 'connection_unusable') throw new SyncError('webhook_signature_invalid', `deliveries cannot be verified: ${err.message}`);
    throw err;
  }
  const secret = secrets?.webhookSecret ?? hooks.secretFrom?.(secrets?.credentials ?? {}) ?? null;
  if (!verifies(() => hooks.verify(req, secret, secrets?.credentials ?? {}))) {
    throw new SyncError('webhook_signature_invalid', secret ? 'webhook signature does not match' : 'no webhook secret is configured for this connection; deliveries are refused');
  }
  // Authentic from here on: nothing below answers with an error the platform would retry.
  let events: WebhookEvent[];
  try {
    events = hooks.parse(req);
  } catch (err) {
    // A privacy request that cannot be read is refused, not kept (connectors/shopify/privacy.ts says why).
    if (isSyncError(err) && err.code === 'webhook_payload_invalid') throw err;
    return storeUndeliverable(deps, at, req, [], `the payload cannot be read: ${messageOf(err)}`);
  }
  const storable: WebhookEvent[] = [];
  const problems: string[] = [];
  const unstorable: WebhookEvent[] = [];
  for (const e of events) {
    const bad = findUnstorable(e);
    if (!bad) storable.push(e);
    else {
      unstorable.push(e);
      problems.push(`${bad.path} ${bad.reason}`);
    }
  }
  let counts = { received: 0, duplicates: 0 };
  if (storable.length > 0) {
    try {
      counts = await insertEvents(deps, at, storable);
    } catch (err) {
      // A value the checks above did not foresee; the delivery is kept all the same.
      if (!isPoison(err)) throw err;
      return storeUndeliverable(deps, at, req, events, `the payload cannot be stored: ${messageOf(err)}`);
    }
  }
  if (unstorable.length === 0) return { tenantId: at.tenantId, ...counts, deadLettered: 0 };
  const kept = await storeUndeliverable(deps, at, req, unstorable, `the payload cannot be stored: ${problems.join('; ')}`);
  return { tenantId: at.tenantId, received: counts.received, duplicates: counts.duplicates + kept.duplicates, deadLettered: kept.deadLettered };
}

/** A connector's verify that throws on a malformed request refuses it, like one that says no. */
function verifies(verify: () => boolean): boolean {
  try {
    return verify();
  } catch {
    return false;
  }
}

/**
 * A time for the occurred_at column, which orders processing: what Date.parse reads, within the
 * years PostgreSQL and toISOString agree on. Anything else is null; the event keeps its own text.
 */
function storableInstant(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const t = Date.parse(v);
  if (Number.isNaN(t)) return null;
  const d = new Date(t);
  return d.getUTCFullYear() >= 1 && d.getUTCFullYear() <= 9999 ? d.toISOString() : null;
}

async function insertEvents(deps: ContextDeps, at: Endpoint, events: WebhookEvent[]): Promise<{ received: number; duplicates: number }> {
  const inserted = await deps.db.withTenant(at.tenantId, (tx) =>
    tx.query<{ id: string }>(
      `INSERT INTO webhook_events (tenant_id, connection_id, platform, event_id, topic, external_id, payload, occurred_at)
       SELECT $1, $2, $3, e.event_id, e.topic, e.external_id, e.payload, e.occurred_at
         FROM jsonb_to_recordset($4::jsonb) AS e(event_id text, topic text, external_id text, payload jsonb, occurred_at timestamptz)
       ON CONFLICT (connection_id, event_id) DO NOTHING RETURNING id`,
      [
        at.tenantId,
        at.connectionId,
        at.platform,
        JSON.stringify(events.map((e) => ({ event_id: e.eventId, topic: `${e.stream}:${e.op}`, external_id: e.externalId, payload: e, occurred_at: storableInstant(e.occurredAt) }))),
      ],
    ),
  );
  return { received: inserted.rows.length, duplicates: events.length - inserted.rows.length };
}

/**
 * Keeps a verified delivery that cannot be processed: one failed webhook_events row (so a redelivery
 * of the same body is a duplicate, not a second dead letter) and one dead letter carrying the raw body
 * as text with NULs escaped, the events it named, and the reason.
 */
async function storeUndeliverable(deps: ContextDeps, at: Endpoint, req: RawRequest, events: WebhookEvent[], reason: string): Promise<Received> {
  const named = events.map((e) => ({ stream: storableText(String(e.stream)), externalId: storableText(String(e.externalId)), eventId: storableText(String(e.eventId)) }));
  const payload = { raw: storableText(req.rawBody.toString('utf8')), events: named, reason };
  const eventId = `undeliverable:${createHash('sha256').update(req.rawBody).digest('hex')}`;
  const externalId = named.length === 1 && named[0]!.externalId ? named[0]!.externalId : null;
  const stored = await deps.db.withTenant(at.tenantId, async (tx) => {
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO webhook_events (tenant_id, connection_id, platform, event_id, topic, external_id, payload, status, error, processed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, 'failed', $8, now())
       ON CONFLICT (connection_id, event_id) DO NOTHING RETURNING id`,
      [at.tenantId, at.connectionId, at.platform, eventId, named[0] ? `${named[0].stream}:undeliverable` : 'undeliverable', externalId, JSON.stringify(payload), reason],
    );
    if (rows.length === 0) return false;
    await insertDeadLetters(tx, { tenantId: at.tenantId, connectionId: at.connectionId, runId: null, stream: named[0]?.stream ?? null }, [
      { kind: 'webhook', externalId, payload, reason, errorCode: 'record_invalid' },
    ]);
    return true;
  });
  deps.logger.warn({ connectionId: at.connectionId, platform: at.platform, reason, duplicate: !stored }, 'webhook delivery dead-lettered');
  return { tenantId: at.tenantId, received: 0, duplicates: stored ? 0 : 1, deadLettered: stored ? 1 : 0 };
}


/**
 * Events per apply transaction. Large enough that a flood costs a few statements per batch rather
 * than per event; small enough that a transaction stays short (on PGlite it holds the only
 * connection, so deliveries wait for it) and a failed batch redoes little.
 */
export const WEBHOOK_BATCH_SIZE = 250;

/** How long a pass lets deliveries gather when they trickle in while it runs (see below). */
export const WEBHOOK_SETTLE_MS = 250;

/** Events whose records are re-read from the platform in one round, before their batch is applied. */
const REFETCH_ROUND = 20;

/**
 * The first key of the two-int advisory lock that serialises the apply passes of one connection
 * (the second is a hash of the connection id). Two-int keys do not overlap the single-bigint keys
 * that migrations and pg-boss lock.
 */
const APPLY_LOCK_CLASS = 52_177;

/** Immediate retries of a batch that lost a deadlock or a serialization conflict (e.g. with a pull writing the same links). */
const CONFLICT_RETRIES = 3;
const isConflict = (err: unknown) => ['40P01', '40001'].includes(String((err as { code?: unknown })?.code));

type Step =
  | { done: true }
  | { refetch: EventRow[] }
  /** caughtUp: the claim found fewer events than it asked for. */
  | { applied: number; caughtUp: boolean; records: Map<Entity, number>; pushes: BatchResult['pushes']; appliedEvents: number; counts: AppliedCounts };

/**
 * Applies the received events of a connection in order (occurred_at, then arrival) until none is
 * left, one transaction per batch; returns how many it settled. Any number of passes may run at once,
 * in this process or others: each batch is taken under a per-connection transaction lock and with
 * FOR UPDATE SKIP LOCKED, so every event is applied exactly once and a later event for a record is
 * never applied before an earlier one.
 *
 * A batch whose transaction fails with an error the same event would meet again is retried in
 * halves until the failing event is alone, which is then marked failed and dead-lettered; the others
 * are applied. A deadlock is retried a few times; other errors (a lost connection) end the pass with
 * the events received, for the next pass to retry. `signal` (shutdown) ends the pass between batches.
 */
export async function processWebhookEvents(
  deps: ContextDeps,
  tenantId: string,
  connectionId: string,
  opts: { batchSize?: number; settleMs?: number; signal?: AbortSignal } = {},
): Promise<number> {
  const platform = (await deps.db.query<{ platform: string }>('SELECT platform FROM connections WHERE id = $1', [connectionId])).rows[0]?.platform;
  const hooks = platform ? deps.registry.get(platform)?.webhooks : undefined;
  // Without the connector nothing can be applied: the events wait for a process that has it.
  if (!platform || !hooks) return 0;
  const at: Endpoint = { tenantId, connectionId, platform };
  const toRecords = hooks.toRecords as ToRecords;
  const max = Math.max(1, Math.floor(opts.batchSize ?? WEBHOOK_BATCH_SIZE));
  const settleMs = opts.settleMs ?? WEBHOOK_SETTLE_MS;
  // Re-read results by event id: read outside any transaction (an API call must not hold the
  // database), used when the event's batch is applied.
  const refetched = new Map<string, Refetched | null>();
  const stats = new AppliedStats(deps, connectionId);
  let size = max;
  let handled = 0;
  let conflicts = 0;
  for (;;) {
    if (opts.signal?.aborted) return handled;
    const taken: EventRow[] = [];
    let step: Step;
    try {
      step = await deps.db.withTenant(tenantId, async (tx): Promise<Step> => {
        const rows = await claimBatch(tx, at, size);
        if (rows.length === 0) return { done: true };
        const firstUnread = rows.findIndex((r) => needsRefetch(r) && !refetched.has(r.id));
        if (firstUnread === 0) return { refetch: rows.filter((r) => needsRefetch(r) && !refetched.has(r.id)).slice(0, REFETCH_ROUND) };
        // Up to the first event whose records are still to be read; the locks on the rest end with the transaction.
        taken.push(...(firstUnread < 0 ? rows : rows.slice(0, firstUnread)));
        const { outcomes, records, pushes, applied } = await applyBatch(tx, deps, at, toRecords, taken, refetched);
        await recordOutcomes(tx, outcomes);
        const appliedEvents = [...outcomes.values()].filter((o) => o.status === 'applied').length;
        return { applied: taken.length, caughtUp: rows.length < size, records, pushes, appliedEvents, counts: applied };
      });
    } catch (err) {
      if (isConflict(err) && ++conflicts <= CONFLICT_RETRIES) {
        size = Math.ceil(size / 2);
        continue;
      }
      if (!isPoison(err) || taken.length === 0) throw err;
      if (taken.length > 1) {
        size = Math.ceil(taken.length / 2);
        continue;
      }
      if (await deadLetterEvent(deps, at, taken[0]!, err)) handled++;
      refetched.delete(taken[0]!.id);
      continue;
    }
    if ('done' in step) return handled;
    if ('refetch' in step) {
      const refetcher = new GroupRefetcher(deps, tenantId, connectionId, AbortSignal.timeout(REFETCH_TIMEOUT_MS));
      for (const r of step.refetch) refetched.set(r.id, await refetcher.refetch(r.payload));
      continue;
    }
    handled += step.applied;
    conflicts = 0;
    // Committed: counted once, here.
    if (step.appliedEvents > 0) webhooksAppliedTotal.inc({ platform }, step.appliedEvents);
    countApplied(platform, step.counts);
    // Committed: what the batch changed goes to the product's other platforms (the outbox).
    await queueProductPushes(deps, tenantId, connectionId, step.pushes);
    for (const r of taken) refetched.delete(r.id);
    size = Math.min(max, size * 2);
    await stats.after(step.records);
    // Caught up: before looking again, let the deliveries that keep arriving gather, or under a
    // steady stream each batch pays a transaction and page-sized statements for one or two events
    // (on PGlite, where deliveries wait for the same connection, that cut acceptance several-fold).
    // Only the pass lingers; the events it found were applied at once.
    if (step.caughtUp && settleMs > 0) await settle(settleMs, opts.signal);
  }
}

/** A hub filled by webhooks alone is never analyzed by a pull: the pass analyzes as a pull does. */
class AppliedStats {
  private readonly byEntity = new Map<Entity, { seen: number; stats: PlannerStats }>();

  constructor(
    private readonly deps: ContextDeps,
    private readonly connectionId: string,
  ) {}

  async after(records: Map<Entity, number>): Promise<void> {
    for (const [entity, n] of records) {
      let e = this.byEntity.get(entity);
      if (!e) {
        const stats = new PlannerStats(this.deps.db, entity, (err) => this.deps.logger.warn({ err, connectionId: this.connectionId }, 'could not refresh planner statistics'));
        this.byEntity.set(entity, (e = { seen: 0, stats }));
      }
      e.seen += n;
      await e.stats.afterPage(e.seen);
    }
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function settle(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

const needsRefetch = (r: EventRow) => (r.payload.refetchGroups?.length ?? 0) > 0;

/**
 * The next events to apply, locked. The advisory lock makes passes over one connection take turns
 * batch by batch, so a batch is never applied while an earlier one is still open (which would let
 * an older version of a record overwrite a newer one); SKIP LOCKED leaves out an event another
 * transaction is settling.
 */
async function claimBatch(tx: Queryable, at: Endpoint, size: number): Promise<EventRow[]> {
  await tx.query('SELECT pg_advisory_xact_lock($1::int, hashtext($2::text))', [APPLY_LOCK_CLASS, at.connectionId]);
  const { rows } = await tx.query<EventRow>(
    `SELECT id, payload FROM webhook_events
      WHERE tenant_id = $1 AND connection_id = $2 AND status = 'received'
      ORDER BY occurred_at NULLS LAST, received_at
      LIMIT $3 FOR UPDATE SKIP LOCKED`,
    [at.tenantId, at.connectionId, size],
  );
  return rows;
}

/** Every outcome of a batch in one statement. */
async function recordOutcomes(tx: Queryable, outcomes: Map<string, Outcome>): Promise<void> {
  if (outcomes.size === 0) return;
  await tx.query(
    `UPDATE webhook_events w SET status = o.status, error = o.error, processed_at = now()
       FROM jsonb_to_recordset($1::jsonb) AS o(id uuid, status text, error text)
      WHERE w.id = o.id`,
    [JSON.stringify([...outcomes].map(([id, o]) => ({ id, status: o.status, error: o.note ?? null })))],
  );
}

/** Marks a received event failed and dead-letters it with the reason; false if another pass got to it first. */
async function deadLetterEvent(deps: ContextDeps, at: Endpoint, row: EventRow, err: unknown): Promise<boolean> {
  const { reason, letter } = unappliable(row.payload, err);
  deps.logger.warn({ err, connectionId: at.connectionId, eventId: row.id }, 'webhook event dead-lettered');
  return deps.db.withTenant(at.tenantId, async (tx) => {
    const { rows } = await tx.query(`UPDATE webhook_events SET status = 'failed', error = $2, processed_at = now() WHERE id = $1 AND status = 'received' RETURNING id`, [row.id, reason]);
    if (rows.length === 0) return false;
    await insertDeadLetters(tx, { tenantId: at.tenantId, connectionId: at.connectionId, runId: null, stream: row.payload.stream }, [letter]);
    return true;
  });
}
