// PUT /api/v1/products/:id/stock: the hub's own stock of a product at one of its locations.
//
// The hub and JTL-FFN are where stock comes from (core/ownership.ts STOCK_AUTHORITIES): a level set
// here is stored with origin 'hub' and no connection, and the product is then pushed to its storefronts
// (engine/stock-push.ts sends the sum of the hub's and JTL's levels). An absolute set, not a delta: a
// retried request sets the same value. The levels channels report are not changed here.
import { z } from 'zod';
import { SyncError } from '../core/errors.js';
import type { Db, Queryable } from './db.js';
import { isoSql } from './hub-reads.js';

export const HUB_LOCATION = 'hub';

export const StockSetInput = z.strictObject({
  locationId: z.string().trim().min(1).max(255).default(HUB_LOCATION).describe(`the hub's location; default "${HUB_LOCATION}"`),
  available: z.int().min(-1_000_000_000).max(1_000_000_000).describe('units available to sell (negative: oversold)'),
  reserved: z.int().min(0).max(1_000_000_000).optional().describe('units held for orders; unchanged when absent'),
  announced: z.int().min(0).max(1_000_000_000).optional().describe('units on their way in; unchanged when absent'),
});
export type StockSetInput = z.input<typeof StockSetInput>;

export interface HubStockView {
  productId: string;
  /** The hub's stock: the sum of `available` over the levels below, what the storefronts are sent. */
  available: number;
  levels: { locationId: string; origin: string; available: number; reserved: number; announced: number; updatedAt: string }[];
}

/** Sets the level and returns the product's hub stock; 404 for a product the tenant does not have. */
export async function setHubStock(db: Db, tenantId: string, productId: string, raw: StockSetInput): Promise<HubStockView> {
  const input = StockSetInput.parse(raw);
  return db.withTenant(tenantId, async (tx) => {
    const { rows: product } = await tx.query<{ sku: string | null }>(
      'SELECT coalesce(data->>\'sku\', sku) AS sku FROM products WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL FOR UPDATE',
      [tenantId, productId],
    );
    if (!product[0]) throw new SyncError('not_found', `product ${productId} not found`);
    await tx.query(
      `WITH prior AS (SELECT available, reserved, announced FROM stock_levels
                       WHERE tenant_id = $1 AND product_id = $2 AND connection_id IS NULL AND location_id = $4),
            up AS (
              INSERT INTO stock_levels (tenant_id, product_id, connection_id, origin, sku, location_id, available, reserved, announced)
              VALUES ($1, $2, NULL, 'hub', $3, $4, $5, coalesce($6, (SELECT reserved FROM prior), 0), coalesce($7, (SELECT announced FROM prior), 0))
              ON CONFLICT (tenant_id, product_id, (coalesce(connection_id, '00000000-0000-0000-0000-000000000000'::uuid)), location_id) DO UPDATE
                 SET origin = 'hub', sku = EXCLUDED.sku, available = EXCLUDED.available, reserved = EXCLUDED.reserved,
                     announced = EXCLUDED.announced, updated_at = now()
              RETURNING available)
       INSERT INTO sync_log (tenant_id, entity, hub_id, direction, origin, action, changes)
       SELECT $1, 'product', $2, 'api', 'hub', 'update',
              jsonb_build_object('available', jsonb_build_object('location', $4::text, 'old', (SELECT available FROM prior), 'new', up.available))
         FROM up`,
      [tenantId, productId, product[0].sku, input.locationId, input.available, input.reserved ?? null, input.announced ?? null],
    );
    return hubStockOf(tx, tenantId, productId);
  });
}

async function hubStockOf(tx: Queryable, tenantId: string, productId: string): Promise<HubStockView> {
  const { rows } = await tx.query<HubStockView['levels'][number]>(
    `SELECT location_id AS "locationId", origin, available, reserved, announced, ${isoSql('updated_at')} AS "updatedAt"
       FROM stock_levels WHERE tenant_id = $1 AND product_id = $2 AND origin IN ('hub', 'jtl-ffn') ORDER BY origin, location_id`,
    [tenantId, productId],
  );
  return { productId, available: rows.reduce((n, r) => n + r.available, 0), levels: rows };
}
