// Orders to fulfilment and back (seed 003; docs/connectors/jtl-ffn.md "Orders to fulfilment").
//
// Out: a fulfilment connection (JTL-FFN) with an `outboundRule` in its settings receives the tenant's
// channel orders that match it (for example paid and not yet fulfilled) as outbounds. The decision is
// taken in the transaction that stores the order, and it is stored there too, as a pull write of the
// fulfilment connection (kind OUTBOUND_WRITE, key = the hub order's id): the same outbox that performs
// eMAG's acknowledgements performs it after the commit, at least once, and a (kind, key) is stored once,
// so an order read again, or changed again, never asks for a second outbound. A write the outbound's
// handler refused for the order's data (no shipping address, a line without SKU: upstream_rejected) is
// asked for again, with the order as it is now, when the order changes. The handler looks the key
// up at the fulfiller before creating (connectors/jtl-ffn/outbounds.ts): a retry after a crash finds the
// outbound the first attempt created.
//
// Back: the fulfiller's outbounds are records of entity 'fulfilment' (status and shipments with
// tracking), stored in order_fulfilments and shown on the hub order (GET /orders/:id).
import { timeOrderedUuid } from '../core/ids.js';
import type { FulfilmentRecord } from '../core/records.js';
import { OutboundRule } from '../core/outbound-rule.js';
import type { Queryable } from '../store/db.js';
import type { HubWrite } from './hub-writes.js';

const lower = (list: string[]) => list.map((s) => s.toLowerCase());

/** The pull-write kind that creates an outbound for a hub order. */
export const OUTBOUND_WRITE = 'fulfilment.outbound';



/**
 * Asks the tenant's fulfilment connections for outbounds of the orders just stored that match their rule;
 * returns the connections that got writes (told once the transaction has committed).
 */
export async function queueOutbounds(tx: Queryable, tenantId: string, orderIds: string[]): Promise<Set<string>> {
  const asked = new Set<string>();
  if (orderIds.length === 0) return asked;
  const { rows: targets } = await tx.query<{ id: string; rule: unknown }>(
    `SELECT id, settings->'outboundRule' AS rule FROM connections
      WHERE tenant_id = $1 AND platform = 'jtl-ffn' AND status = 'active' AND settings ? 'outboundRule'`,
    [tenantId],
  );
  for (const t of targets) {
    const parsed = OutboundRule.safeParse(t.rule);
    if (!parsed.success) continue; // the settings schema refuses a bad rule; an old row is skipped, not a failure
    const rule = parsed.data;
    const { rowCount } = await tx.query(
      `INSERT INTO pull_writes (tenant_id, connection_id, stream, kind, key, payload)
       SELECT $1, $2, 'outbounds', $3, o.id::text,
              jsonb_build_object('orderId', o.id, 'number', o.number, 'currency', o.currency, 'total', o.total,
                'email', o.data->'customer'->>'email', 'shippingAddress', o.data->'addresses'->'shipping',
                'lines', coalesce((SELECT jsonb_agg(jsonb_build_object('sku', x.sku, 'name', x.name, 'quantity', x.quantity, 'unitPrice', x.unit_price) ORDER BY x.line_no)
                                     FROM order_lines x WHERE x.tenant_id = $1 AND x.order_id = o.id), '[]'::jsonb))
         FROM orders o
        WHERE o.tenant_id = $1 AND o.id = ANY($4::uuid[]) AND o.deleted_at IS NULL
          AND NOT (lower(coalesce(o.status, '')) = ANY($9::text[]))
          AND lower(o.financial_status) = ANY($5::text[])
          AND (o.fulfillment_status IS NULL OR lower(o.fulfillment_status) = ANY($6::text[]))
          AND ($8::timestamptz IS NULL OR o.placed_at >= $8::timestamptz)
          AND EXISTS (SELECT 1 FROM links l JOIN connections c ON c.id = l.connection_id
                       WHERE l.tenant_id = $1 AND l.entity = 'order' AND l.hub_id = o.id AND l.deleted_at IS NULL AND c.platform = ANY($7::text[]))
       ON CONFLICT (connection_id, kind, key) DO UPDATE
          SET status = 'pending', attempts = 0, next_attempt_at = now(), payload = EXCLUDED.payload, last_error = NULL, error_code = NULL, updated_at = now()
        WHERE pull_writes.status = 'failed' AND pull_writes.error_code = 'upstream_rejected'`,
      [
        tenantId, t.id, OUTBOUND_WRITE, orderIds, lower(rule.financialStatus), lower(rule.fulfillmentStatus), rule.platforms, rule.placedAfter ?? null, lower(rule.excludeStatus),
      ],
    );
    if (rowCount > 0) asked.add(t.id);
  }
  return asked;
}

interface Ctx {
  tenantId: string;
  connectionId: string;
}

/** Stores fulfilments (one row per outbound), each on the hub order its order_ref names when there is one. */
export async function upsertFulfilments(tx: Queryable, ctx: Ctx, writes: HubWrite<FulfilmentRecord>[]): Promise<HubWrite<FulfilmentRecord>[]> {
  for (const w of writes) w.hubId ??= timeOrderedUuid();
  const rows = writes.map((w) => ({
    id: w.hubId,
    order_ref: w.record.orderRef,
    external_id: w.record.externalId,
    status: w.record.status,
    warehouse_id: w.record.warehouseId ?? null,
    shipments: w.record.shipments,
    remote_updated_at: w.record.remoteUpdatedAt ?? null,
  }));
  const { rows: stored } = await tx.query<{ id: string; external_id: string }>(
    `INSERT INTO order_fulfilments (id, tenant_id, connection_id, order_id, order_ref, external_id, status, warehouse_id, shipments, remote_updated_at)
     SELECT r.id, $1, $2,
            (SELECT o.id FROM orders o WHERE o.tenant_id = $1 AND o.id = CASE WHEN r.order_ref ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN r.order_ref::uuid END),
            r.order_ref, r.external_id, r.status, r.warehouse_id, r.shipments, r.remote_updated_at
       FROM jsonb_to_recordset($3::jsonb) AS r(id uuid, order_ref text, external_id text, status text, warehouse_id text, shipments jsonb, remote_updated_at timestamptz)
     ON CONFLICT (connection_id, external_id) DO UPDATE
        SET order_id = coalesce(EXCLUDED.order_id, order_fulfilments.order_id), order_ref = EXCLUDED.order_ref, status = EXCLUDED.status,
            warehouse_id = EXCLUDED.warehouse_id, shipments = EXCLUDED.shipments, remote_updated_at = EXCLUDED.remote_updated_at, updated_at = now()
     RETURNING id, external_id`,
    [ctx.tenantId, ctx.connectionId, JSON.stringify(rows)],
  );
  const idByExternal = new Map(stored.map((r) => [r.external_id, r.id]));
  for (const w of writes) w.hubId = idByExternal.get(w.record.externalId) ?? w.hubId;
  return writes;
}
