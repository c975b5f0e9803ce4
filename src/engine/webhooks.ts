// Webhooks (DESIGN.md 5.5): receive -> verify the signature on the raw body (timing-safe, fail
// closed) -> store in webhook_events, deduplicated on the platform's delivery id -> answer at once ->
// apply asynchronously. An event older than what the hub already holds for a record (the link's
// remote_updated_at) is recorded but not applied, so out-of-order deliveries never regress the hub.
//
// Only a delivery that cannot be verified is refused. A verified one whose payload cannot be read,
// stored or applied (not JSON, a NUL character, absurd nesting, a number too large for its column)
// is stored as escaped text, answered 200 and dead-lettered with the reason: refusing it would only
// make the platform retry it for days, and it must not be lost either.
import { createHash } from 'node:crypto';
import type { RawRequest, WebhookEvent, WebhookLookup } from '../connectors/types.js';
import { isRetryableKind, isSyncError, SyncError } from '../core/errors.js';
import { canonicalUuid } from '../core/ids.js';
import { type CanonicalRecord, isInvalidRecord, parseCanonicalRecord, recordKey } from '../core/records.js';
import { findUnstorable, storableText } from '../core/storable.js';
import type { Queryable } from '../store/db.js';
import { loadConnectionSecrets, updateConnection } from '../store/connections.js';
import { applyRecords } from './apply.js';
import { insertDeadLetters } from './dead-letters.js';
import { mapPage } from './pull.js';
import type { ContextDeps } from './run-context.js';
import { GroupRefetcher, type Refetched } from './webhook-refetch.js';

/** The most one processing round spends re-reading records that events name. */
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

interface Endpoint {
  tenantId: string;
  connectionId: string;
  platform: string;
}

export async function receiveWebhook(deps: ContextDeps, platform: string, connectionIdAsSent: string, req: RawRequest): Promise<Received> {
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

const messageOf = (err: unknown) => storableText(err instanceof Error ? err.message : String(err));

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
 * True for a failure that another attempt with the same event would meet again: a value the database
 * refuses (data exceptions, constraint violations, limits), a mapping that throws on this payload, or
 * an error the catalog says not to retry. Lost connections, deadlocks, a shutting-down database and
 * anything unknown are retried, as before.
 */
function isPoison(err: unknown): boolean {
  if (isSyncError(err)) return !isRetryableKind(err.kind);
  if (err instanceof TypeError || err instanceof RangeError || err instanceof SyntaxError) return true;
  const e = err as { code?: unknown; severity?: unknown };
  return typeof e?.code === 'string' && typeof e.severity === 'string' && /^(22|23|54)/.test(e.code);
}

interface EventRow {
  id: string;
  payload: WebhookEvent;
}

/** Applies received events of a connection, oldest first; returns how many were handled. */
export async function processWebhookEvents(deps: ContextDeps, tenantId: string, connectionId: string, limit = 500): Promise<number> {
  const { rows: pending } = await deps.db.withTenant(tenantId, (tx) =>
    tx.query<EventRow>(
      `SELECT id, payload FROM webhook_events WHERE tenant_id = $1 AND connection_id = $2 AND status = 'received'
        ORDER BY occurred_at NULLS LAST, received_at LIMIT $3`,
      [tenantId, connectionId, limit],
    ),
  );
  const platform = (await deps.db.query<{ platform: string }>('SELECT platform FROM connections WHERE id = $1', [connectionId])).rows[0]?.platform;
  const connector = platform ? deps.registry.get(platform) : undefined;
  const refetcher = new GroupRefetcher(deps, tenantId, connectionId, AbortSignal.timeout(REFETCH_TIMEOUT_MS));
  let handled = 0;
  for (const { id, payload } of pending) {
    try {
      // Outside the transaction: records the event only names are read from the platform first.
      const refetched = connector?.webhooks ? await refetcher.refetch(payload) : null;
      await deps.db.withTenant(tenantId, async (tx) => {
        // SKIP LOCKED: another worker handling the same event moves on instead of waiting.
        const { rows } = await tx.query<EventRow>(`SELECT id, payload FROM webhook_events WHERE id = $1 AND status = 'received' FOR UPDATE SKIP LOCKED`, [id]);
        const ev = rows[0];
        if (!ev || !connector?.webhooks) return;
        const outcome = await applyEvent(tx, deps, { tenantId, connectionId, platform: platform! }, ev.payload, connector.webhooks.toRecords, refetched);
        await tx.query(`UPDATE webhook_events SET status = $2, error = $3, processed_at = now() WHERE id = $1`, [id, outcome.status, outcome.note ?? null]);
        handled++;
      });
    } catch (err) {
      // An event that fails the same way every time (e.g. an order total too large for its
      // numeric(14,4) column) would otherwise stay `received` and be retried by the sweeper forever.
      if (!isPoison(err)) throw err;
      if (await deadLetterEvent(deps, tenantId, connectionId, id, payload, err)) handled++;
    }
  }
  return handled;
}

/** Marks a received event failed and dead-letters it with the reason; false if another worker got to it first. */
async function deadLetterEvent(deps: ContextDeps, tenantId: string, connectionId: string, id: string, ev: WebhookEvent, err: unknown): Promise<boolean> {
  const reason = `the event cannot be applied: ${messageOf(err)}`;
  deps.logger.warn({ err, connectionId, eventId: id }, 'webhook event dead-lettered');
  return deps.db.withTenant(tenantId, async (tx) => {
    const { rows } = await tx.query(`UPDATE webhook_events SET status = 'failed', error = $2, processed_at = now() WHERE id = $1 AND status = 'received' RETURNING id`, [id, reason]);
    if (rows.length === 0) return false;
    await insertDeadLetters(tx, { tenantId, connectionId, runId: null, stream: ev.stream }, [
      { kind: 'webhook', externalId: ev.externalId || null, payload: ev, reason, errorCode: isSyncError(err) ? err.code : 'record_invalid' },
    ]);
    return true;
  });
}

async function applyEvent(
  tx: Queryable,
  deps: ContextDeps,
  at: { tenantId: string; connectionId: string; platform: string },
  ev: WebhookEvent,
  toRecords: ((e: WebhookEvent, lookup: WebhookLookup) => unknown[] | Promise<unknown[]>) | undefined,
  refetched: Refetched | null,
): Promise<{ status: 'applied' | 'ignored' | 'failed'; note?: string }> {
  if (ev.stream === 'app' && ev.op === 'delete') {
    // The merchant uninstalled the app: the token is dead; stop syncing until reconnected.
    await updateConnection(tx, deps.box, at.tenantId, at.connectionId, { status: 'disabled', statusReason: 'the app was uninstalled from the shop' });
    return { status: 'applied', note: 'connection disabled' };
  }
  if (ev.op === 'delete') return deleteByEvent(tx, at, ev);
  if (refetched?.ok) return applyRefetched(tx, at, ev, refetched);
  if (ev.marksStale) {
    // No data to apply: the stream's stored data is out of date, so DB-first reads refresh it next.
    await tx.query('UPDATE stream_state SET last_success_at = NULL WHERE tenant_id = $1 AND connection_id = $2 AND stream = $3', [at.tenantId, at.connectionId, ev.stream]);
    return { status: 'applied', note: `${ev.stream} marked stale${refetched ? ` (${refetched.reason})` : ''}` };
  }
  const lookup: WebhookLookup = {
    async externalIdByPlatformId(entity, key, value) {
      const { rows } = await tx.query<{ external_id: string }>(
        `SELECT external_id FROM links
          WHERE tenant_id = $1 AND connection_id = $2 AND entity = $3 AND deleted_at IS NULL
            AND platform_ids <> '{}'::jsonb AND platform_ids @> jsonb_build_object($4::text, $5::text)
          LIMIT 1`,
        [at.tenantId, at.connectionId, entity, key, value],
      );
      return rows[0]?.external_id ?? null;
    },
  };
  const mapped = ((await toRecords?.(ev, lookup)) ?? []) as (CanonicalRecord | { raw: unknown; reason: string })[];
  const valid: CanonicalRecord[] = [];
  const invalid: { raw: unknown; reason: string }[] = [];
  for (const m of mapped) {
    if (isInvalidRecord(m as CanonicalRecord)) invalid.push(m as { raw: unknown; reason: string });
    else {
      const checked = parseCanonicalRecord(m);
      if (checked.ok) valid.push(checked.record);
      else invalid.push({ raw: m, reason: checked.reason });
    }
  }
  if (invalid.length > 0) {
    await insertDeadLetters(tx, { tenantId: at.tenantId, connectionId: at.connectionId, runId: null, stream: ev.stream }, invalid.map((i) => ({ kind: 'webhook', externalId: ev.externalId || null, payload: i.raw, reason: i.reason, errorCode: 'record_invalid' })));
  }
  if (valid.length === 0) return { status: invalid.length ? 'failed' : 'ignored', note: invalid[0]?.reason ?? 'no records in the event' };
  const fresh = await newerThanHub(tx, at, valid);
  if (fresh.length === 0) return { status: 'ignored', note: 'older than what the hub already holds' };
  await applyRecords(tx, { tenantId: at.tenantId, connectionId: at.connectionId, runId: null, origin: at.platform, passId: null }, fresh);
  return { status: 'applied' };
}

/** What was just re-read is the platform's current state: applied as it is (no timestamp check). */
async function applyRefetched(
  tx: Queryable,
  at: { tenantId: string; connectionId: string; platform: string },
  ev: WebhookEvent,
  r: Extract<Refetched, { ok: true }>,
): Promise<{ status: 'applied' | 'failed'; note: string }> {
  const { records, invalid } = mapPage(r.stream, r.raws);
  if (invalid.length > 0) {
    await insertDeadLetters(tx, { tenantId: at.tenantId, connectionId: at.connectionId, runId: null, stream: ev.stream }, invalid.map((i) => ({ kind: 'webhook', externalId: i.externalId ?? null, payload: i.raw, reason: i.reason, errorCode: 'record_invalid' })));
  }
  const applied = await applyRecords(tx, { tenantId: at.tenantId, connectionId: at.connectionId, runId: null, origin: at.platform, passId: null }, records);
  const gone = r.missing > 0 ? `; ${r.missing} no longer exist (the next full pass removes them)` : '';
  const note = `re-read ${r.raws.length} of ${ev.refetchGroups!.length}: ${applied.added} added, ${applied.updated} updated, ${applied.unchanged} unchanged${gone}`;
  return { status: invalid.length > 0 && records.length === 0 ? 'failed' : 'applied', note };
}

/** Drops records whose remote timestamp is older than the one the hub's link already holds. */
async function newerThanHub(tx: Queryable, at: { tenantId: string; connectionId: string }, records: CanonicalRecord[]): Promise<CanonicalRecord[]> {
  const { rows } = await tx.query<{ entity: string; external_id: string; remote_updated_at: Date | null }>(
    `SELECT entity, external_id, remote_updated_at FROM links WHERE tenant_id = $1 AND connection_id = $2 AND external_id = ANY($3::text[])`,
    [at.tenantId, at.connectionId, records.map(recordKey)],
  );
  const held = new Map(rows.map((r) => [`${r.entity}:${r.external_id}`, r.remote_updated_at?.getTime() ?? null]));
  return records.filter((r) => {
    const have = held.get(`${r.entity}:${recordKey(r)}`);
    const incoming = 'remoteUpdatedAt' in r && r.remoteUpdatedAt ? Date.parse(r.remoteUpdatedAt) : null;
    return have === undefined || have === null || incoming === null || incoming >= have;
  });
}

/** An explicit delete: the record (and, for a parent id, its SKUs) leaves the hub unless another platform still links it. */
async function deleteByEvent(tx: Queryable, at: { tenantId: string; connectionId: string }, ev: WebhookEvent): Promise<{ status: 'applied' | 'ignored'; note?: string }> {
  const { rows } = await tx.query<{ entity: string; hub_id: string }>(
    `UPDATE links SET deleted_at = now(), updated_at = now()
      WHERE tenant_id = $1 AND connection_id = $2 AND deleted_at IS NULL AND (external_id = $3 OR parent_external_id = $3)
      RETURNING entity, hub_id`,
    [at.tenantId, at.connectionId, ev.externalId],
  );
  if (rows.length === 0) return { status: 'ignored', note: 'not in the hub' };
  const table: Record<string, string> = { product: 'products', order: 'orders', customer: 'customers', catalog_item: 'catalog_items' };
  for (const r of rows) {
    const t = table[r.entity];
    if (!t) continue;
    await tx.query(
      `UPDATE ${t} h SET deleted_at = now() WHERE h.tenant_id = $1 AND h.id = $2 AND h.deleted_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM links l WHERE l.tenant_id = $1 AND l.hub_id = h.id AND l.deleted_at IS NULL)`,
      [at.tenantId, r.hub_id],
    );
    await tx.query(`INSERT INTO sync_log (tenant_id, entity, hub_id, connection_id, direction, origin, action) VALUES ($1, $2, $3, $4, 'webhook', 'webhook', 'delete')`, [
      at.tenantId,
      r.entity,
      r.hub_id,
      at.connectionId,
    ]);
  }
  return { status: 'applied' };
}
