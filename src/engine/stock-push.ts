// The stock half of a product push (product-push.ts): each SKU of the target is sent the hub's stock —
// the sum of its levels set in the hub or reported by JTL-FFN (core/ownership.ts STOCK_AUTHORITIES), of
// the JTL warehouses the target's `stockWarehouses` setting names (default: all) —
// through the connector's push.setStock, at one location of the platform:
//   1. the connection's `stockLocationId` setting, else
//   2. the one location the platform reports the SKU at (its pulled level), else
//   3. the connector's default (a store with one location: WooCommerce, eMAG's warehouse 1).
// A SKU the platform stocks at several locations, without the setting, is not guessed: it is reported.
//
// Skipped when the platform already holds it: links.last_pushed_stock remembers what the last push set
// per location (a channel's own change clears it, stock-levels.ts, so the next push re-asserts). A SKU
// without hub stock is not sent: the hub then does not manage that SKU's stock, the channel keeps its own.
// Never sent to a stock authority itself (JTL-FFN is where the stock comes from).
import type { StockPush } from '../connectors/types.js';
import { SyncError } from '../core/errors.js';
import { isStockAuthority } from '../core/ownership.js';
import type { Queryable } from '../store/db.js';
import type { PushJob } from './push-jobs.js';

interface StockRow {
  link_id: string;
  hub_id: string;
  external_id: string;
  platform_ids: Record<string, string> | null;
  last_pushed_stock: Record<string, number> | null;
  hub_available: string | null;
  hub_at: Date | null;
  reported: string[] | null;
}

export interface StockSend extends StockPush {
  linkId: string;
  hubId: string;
}

export interface StockPlan {
  sends: StockSend[];
  /** SKUs whose location cannot be chosen: reported after the others were sent. */
  problems: string[];
}

/** What the target's SKUs must be sent; empty when the connector sets no stock or the target is an authority. */
export async function planStockPush(
  tx: Queryable,
  job: PushJob,
  linkIds: string[],
  target: { platform: string; stockLocationId?: string | undefined; stockWarehouses?: string[] | undefined; defaultStockLocationId?: string | undefined },
): Promise<StockPlan> {
  const plan: StockPlan = { sends: [], problems: [] };
  if (isStockAuthority(target.platform) || linkIds.length === 0) return plan;
  const { rows } = await tx.query<StockRow>(
    `SELECT l.id AS link_id, l.hub_id, l.external_id, l.platform_ids, l.last_pushed_stock, h.available AS hub_available, h.at AS hub_at,
            (SELECT array_agg(DISTINCT s.location_id ORDER BY s.location_id) FROM stock_levels s
              WHERE s.tenant_id = l.tenant_id AND s.product_id = l.hub_id AND s.connection_id = l.connection_id) AS reported
       FROM links l
       CROSS JOIN LATERAL (SELECT sum(s.available) AS available, max(s.updated_at) AS at FROM stock_levels s
                            WHERE s.tenant_id = l.tenant_id AND s.product_id = l.hub_id
                              AND (s.origin = 'hub' OR (s.origin = 'jtl-ffn' AND ($3::text[] IS NULL OR s.location_id = ANY($3::text[]))))) h
      WHERE l.tenant_id = $1 AND l.id = ANY($2::uuid[]) ORDER BY length(l.external_id), l.external_id`,
    [job.tenantId, linkIds, target.stockWarehouses ?? null],
  );
  for (const r of rows) {
    if (r.hub_available === null) continue;
    const available = Number(r.hub_available);
    const reported = r.reported ?? [];
    const locationId = target.stockLocationId ?? (reported.length === 1 ? reported[0] : reported.length > 1 ? undefined : target.defaultStockLocationId);
    if (!locationId) {
      plan.problems.push(
        reported.length > 1
          ? `${r.external_id} is stocked at ${reported.length} locations (${reported.join(', ')}): set the connection's stockLocationId to the one the hub's stock goes to`
          : `${r.external_id} has no stock location on the platform yet: set the connection's stockLocationId`,
      );
      continue;
    }
    if (r.last_pushed_stock?.[locationId] === available) continue;
    plan.sends.push({
      linkId: r.link_id,
      hubId: r.hub_id,
      productExternalId: r.external_id,
      locationId,
      available: Math.trunc(available),
      // One key per state of the hub's stock: a retry of this push applies once; a later change (even back
      // to an earlier quantity) is a new key, which idempotent platforms (Shopify's @idempotent) run again.
      idempotencyKey: `${r.link_id}:${locationId}:${available}:${r.hub_at?.getTime() ?? 0}`,
      platformIds: r.platform_ids ?? {},
    });
  }
  return plan;
}

/** Marks (or, with null, clears) the levels being sent on their links: their webhooks are our echo. */
export async function setPushingStock(tx: Queryable, job: PushJob, sends: StockSend[] | null, linkIds: string[]): Promise<void> {
  const rows = sends ? sends.map((s) => ({ id: s.linkId, stock: { [s.locationId]: s.available } })) : linkIds.map((id) => ({ id, stock: null }));
  if (rows.length === 0) return;
  await tx.query(
    `UPDATE links l SET pushing_stock = r.stock FROM jsonb_to_recordset($2::jsonb) AS r(id uuid, stock jsonb) WHERE l.tenant_id = $1 AND l.id = r.id`,
    [job.tenantId, JSON.stringify(rows)],
  );
}

/** Records on the links what the sends set, with an audit line each; in the caller's transaction. */
export async function recordStockPushed(tx: Queryable, job: PushJob, sent: StockSend[]): Promise<void> {
  if (sent.length === 0) return;
  const rows = sent.map((s) => ({ link_id: s.linkId, hub_id: s.hubId, location: s.locationId, available: s.available }));
  await tx.query(
    `WITH r AS (SELECT * FROM jsonb_to_recordset($2::jsonb) AS r(link_id uuid, hub_id uuid, location text, available int)),
          l AS (UPDATE links l SET last_pushed_stock = coalesce(l.last_pushed_stock, '{}'::jsonb) || jsonb_build_object(r.location, r.available), last_pushed_at = now()
                  FROM r WHERE l.tenant_id = $1 AND l.id = r.link_id RETURNING l.id)
     INSERT INTO sync_log (tenant_id, entity, hub_id, connection_id, direction, origin, action, changes)
     SELECT $1, 'product', r.hub_id, $3, 'push', 'hub', 'update', jsonb_build_object('available', jsonb_build_object('location', r.location, 'new', r.available)) FROM r`,
    [job.tenantId, JSON.stringify(rows), job.connectionId],
  );
}

/** The SKUs whose stock could not be placed, as the error the push's dead letter carries. */
export function stockProblemsError(problems: string[]): SyncError {
  return new SyncError('validation_failed', `stock not pushed: ${problems.join('; ')}`, { details: { problems } });
}
