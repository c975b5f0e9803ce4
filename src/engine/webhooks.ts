// Webhooks (DESIGN.md 5.5): receive -> verify the signature on the raw body (timing-safe, fail
// closed) -> store in webhook_events, deduplicated on the platform's delivery id -> answer at once ->
// apply asynchronously. An event older than what the hub already holds for a record (the link's
// remote_updated_at) is recorded but not applied, so out-of-order deliveries never regress the hub.
import type { RawRequest, WebhookEvent, WebhookLookup } from '../connectors/types.js';
import { SyncError } from '../core/errors.js';
import { type CanonicalRecord, isInvalidRecord, parseCanonicalRecord, recordKey } from '../core/records.js';
import type { Queryable } from '../store/db.js';
import { loadConnectionSecrets, updateConnection } from '../store/connections.js';
import { applyRecords } from './apply.js';
import { insertDeadLetters } from './dead-letters.js';
import { mapPage } from './pull.js';
import type { ContextDeps } from './run-context.js';
import { GroupRefetcher, type Refetched } from './webhook-refetch.js';

/** The most one processing round spends re-reading records that events name. */
const REFETCH_TIMEOUT_MS = 60_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface Received {
  tenantId: string;
  received: number;
  duplicates: number;
}

export async function receiveWebhook(deps: ContextDeps, platform: string, connectionId: string, req: RawRequest): Promise<Received> {
  const row = UUID.test(connectionId)
    ? (await deps.db.query<{ tenant_id: string; platform: string }>('SELECT tenant_id, platform FROM connections WHERE id = $1', [connectionId])).rows[0]
    : undefined;
  const connector = deps.registry.get(platform);
  if (!row || row.platform !== platform || !connector?.webhooks) throw new SyncError('not_found', `no ${platform} webhook endpoint ${connectionId}`);
  const tenantId = row.tenant_id;
  const secrets = await deps.db.withTenant(tenantId, (tx) => loadConnectionSecrets(tx, deps.box, tenantId, connectionId));
  const secret = secrets?.webhookSecret ?? connector.webhooks.secretFrom?.(secrets?.credentials ?? {}) ?? null;
  if (!connector.webhooks.verify(req, secret, secrets?.credentials ?? {})) {
    throw new SyncError('webhook_signature_invalid', secret ? 'webhook signature does not match' : 'no webhook secret is configured for this connection; deliveries are refused');
  }
  const events = connector.webhooks.parse(req);
  if (events.length === 0) return { tenantId, received: 0, duplicates: 0 };
  const inserted = await deps.db.withTenant(tenantId, (tx) =>
    tx.query<{ id: string }>(
      `INSERT INTO webhook_events (tenant_id, connection_id, platform, event_id, topic, external_id, payload, occurred_at)
       SELECT $1, $2, $3, e.event_id, e.topic, e.external_id, e.payload, e.occurred_at
         FROM jsonb_to_recordset($4::jsonb) AS e(event_id text, topic text, external_id text, payload jsonb, occurred_at timestamptz)
       ON CONFLICT (connection_id, event_id) DO NOTHING RETURNING id`,
      [
        tenantId,
        connectionId,
        platform,
        JSON.stringify(events.map((e) => ({ event_id: e.eventId, topic: `${e.stream}:${e.op}`, external_id: e.externalId, payload: e, occurred_at: e.occurredAt }))),
      ],
    ),
  );
  return { tenantId, received: inserted.rows.length, duplicates: events.length - inserted.rows.length };
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
  }
  return handled;
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
