// Stock levels read from a platform (a pull page or a webhook), written in the page's transaction.
//
// Stock flows only from the hub and JTL-FFN to the storefronts (DESIGN.md 5.6, core/ownership.ts
// STOCK_AUTHORITIES). Every level is stored under its connection and origin, so GET /stock shows what
// each channel reports, but only the authorities' levels are the hub's stock:
// - a level from an authority that changes `available` makes its product pushed to the storefronts;
// - a level from any other platform is that channel's view. When it differs from what our last stock
//   push set there (links.last_pushed_stock), the channel changed it: the change is logged as refused
//   and the link forgets the pushed level, so the next push of the product re-asserts the hub's stock.
//   Its own echo (the level we pushed) is no change. It is not pushed back at once: a storefront's
//   level moves with its sales, and only the hub or the warehouse may say what is in stock.
import { isStockAuthority } from '../core/ownership.js';
import type { StockLevelRecord } from '../core/records.js';
import type { Queryable } from '../store/db.js';
import type { HubWrite } from './hub-writes.js';

interface Ctx {
  tenantId: string;
  connectionId: string;
  origin: string;
  runId?: string | null;
}

export interface StockApply {
  written: HubWrite<StockLevelRecord>[];
  rejected: { record: StockLevelRecord; reason: string }[];
  /** Hub products whose stock (an authority's level) changed: pushed to the storefronts after the commit. */
  changedProducts: Set<string>;
}

const json = (v: unknown) => JSON.stringify(v);

export async function upsertStockLevels(tx: Queryable, ctx: Ctx, writes: HubWrite<StockLevelRecord>[]): Promise<StockApply> {
  // A stock level belongs to the hub product its SKU-level record is linked to on this connection,
  // whether or not that product has a SKU (SKU-less variants are common). The stored `sku` is a copy
  // of the product's, for reading.
  const productIds = [...new Set(writes.map((w) => w.record.productExternalId))];
  const { rows } = await tx.query<{ external_id: string; link_id: string; product_id: string; sku: string | null; pushed: Record<string, number> | null; pushing: Record<string, number> | null }>(
    `SELECT l.external_id, l.id AS link_id, p.id AS product_id, p.sku, l.last_pushed_stock AS pushed, l.pushing_stock AS pushing FROM links l JOIN products p ON p.id = l.hub_id
      WHERE l.tenant_id = $1 AND l.connection_id = $2 AND l.entity = 'product' AND l.external_id = ANY($3::text[])
        AND l.deleted_at IS NULL`,
    [ctx.tenantId, ctx.connectionId, productIds],
  );
  const product = new Map(rows.map((r) => [r.external_id, r]));
  const out: StockApply = { written: [], rejected: [], changedProducts: new Set() };
  const payload = [];
  for (const w of writes) {
    const p = product.get(w.record.productExternalId);
    if (!p) {
      out.rejected.push({
        record: w.record,
        reason: `stock at ${w.record.locationId} for ${w.record.productExternalId}, which no live product of this connection is linked to (its product record was not pulled, was refused, or was deleted)`,
      });
      continue;
    }
    out.written.push(w);
    payload.push({
      product_id: p.product_id,
      sku: p.sku ?? w.record.sku ?? null,
      location_id: w.record.locationId,
      available: w.record.available,
      // Absent = not reported (a Shopify stock webhook carries `available` only): the stored value stays.
      reserved: w.record.reserved ?? null,
      announced: w.record.announced ?? null,
      hash: w.hash,
    });
  }
  if (payload.length === 0) return out;
  const { rows: ids } = await tx.query<{ id: string; product_id: string; location_id: string; available: number; before: number | null }>(
    `WITH r AS (SELECT * FROM jsonb_to_recordset($2::jsonb) AS r(product_id uuid, sku text, location_id text, available int, reserved int, announced int, hash text)),
          prior AS (SELECT s.product_id, s.location_id, s.available, s.reserved, s.announced FROM stock_levels s JOIN r USING (product_id, location_id)
                     WHERE s.tenant_id = $1 AND s.connection_id = $3),
          up AS (
            INSERT INTO stock_levels (tenant_id, product_id, connection_id, origin, sku, location_id, available, reserved, announced, content_hash)
            SELECT $1, r.product_id, $3, $4, r.sku, r.location_id, r.available, coalesce(r.reserved, s.reserved, 0), coalesce(r.announced, s.announced, 0), r.hash
              FROM r LEFT JOIN prior s USING (product_id, location_id)
            ON CONFLICT (tenant_id, product_id, (coalesce(connection_id, '00000000-0000-0000-0000-000000000000'::uuid)), location_id) DO UPDATE
               SET sku = EXCLUDED.sku, origin = EXCLUDED.origin, available = EXCLUDED.available,
                   reserved = EXCLUDED.reserved, announced = EXCLUDED.announced, content_hash = EXCLUDED.content_hash, updated_at = now()
            RETURNING id, product_id, location_id, available)
     SELECT up.*, prior.available AS before FROM up LEFT JOIN prior USING (product_id, location_id)`,
    [ctx.tenantId, json(payload), ctx.connectionId, ctx.origin],
  );
  const idOf = new Map(ids.map((r) => [`${r.product_id}@${r.location_id}`, r.id]));
  for (const [i, w] of out.written.entries()) w.hubId = idOf.get(`${payload[i]!.product_id}@${payload[i]!.location_id}`) ?? null;
  out.written = out.written.filter((w) => w.hubId);

  if (isStockAuthority(ctx.origin)) {
    for (const r of ids) if (r.before === null || r.before !== r.available) out.changedProducts.add(r.product_id);
    return out;
  }
  await refuseChannelChanges(tx, ctx, out.written.map((w) => ({ record: w.record, link: product.get(w.record.productExternalId)! })));
  return out;
}

/**
 * A channel's level that differs from what our last push set at that location: the channel changed the
 * hub's stock there. Logged once (the link forgets the pushed level, so a second report is not logged
 * again) and re-asserted by the next push, which sends every location the link no longer knows.
 */
async function refuseChannelChanges(
  tx: Queryable,
  ctx: Ctx,
  levels: { record: StockLevelRecord; link: { link_id: string; product_id: string; pushed: Record<string, number> | null; pushing: Record<string, number> | null } }[],
): Promise<void> {
  const refused = levels.filter(({ record, link }) => {
    const pushed = link.pushed?.[record.locationId];
    // The level a push is sending right now is its echo, even before the push's answer is recorded.
    return typeof pushed === 'number' && pushed !== record.available && link.pushing?.[record.locationId] !== record.available;
  });
  if (refused.length === 0) return;
  const rows = refused.map(({ record, link }) => ({
    link_id: link.link_id,
    hub_id: link.product_id,
    changes: { available: { location: record.locationId, hub: link.pushed![record.locationId], incoming: record.available } },
  }));
  await tx.query(
    `WITH r AS (SELECT * FROM jsonb_to_recordset($2::jsonb) AS r(link_id uuid, hub_id uuid, changes jsonb)),
          l AS (UPDATE links SET last_pushed_stock = NULL FROM r WHERE links.tenant_id = $1 AND links.id = r.link_id RETURNING links.id)
     INSERT INTO sync_log (tenant_id, entity, hub_id, connection_id, run_id, direction, origin, action, changes)
     SELECT $1, 'product', r.hub_id, $3, $4, 'pull', $5, 'refused', r.changes FROM r`,
    [ctx.tenantId, json(rows), ctx.connectionId, ctx.runId ?? null, ctx.origin],
  );
}
