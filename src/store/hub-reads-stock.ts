// Stock levels as the read API shows them: one row per product (SKU) and location, in id order.
//
// A reorder point is an ops field of the product (products.data.reorderPoint, set from the hub or an
// ops platform), not of a location: a product is below it when its hub stock (the levels set in the hub
// or reported by JTL-FFN, summed) is less than it; a product without hub stock is measured by what its
// channels report, summed. Products without a reorder point are never below.
import type { Queryable } from './db.js';
import { isoSql, type JsonPage, pageSql, queryPage, Where } from './hub-reads.js';

/** An item of a stock page, as the JSON listStock has the database write. */
export interface StockView {
  id: string;
  productId: string | null;
  /** The product's SKU when it has one (SKU-less variants have stock too). */
  sku: string | null;
  productName: string | null;
  locationId: string;
  origin: string;
  connectionId: string | null;
  available: number;
  reserved: number;
  announced: number;
  reorderPoint: number | null;
  updatedAt: string;
}

export interface StockFilter {
  sku?: string | undefined;
  productId?: string | undefined;
  belowReorderPoint?: boolean | undefined;
}

/** Products (alias r) of the tenant with a reorder point above their total available stock. */
const BELOW_REORDER = `SELECT r.id FROM products r
  WHERE r.tenant_id = $2 AND r.deleted_at IS NULL AND jsonb_typeof(r.data->'reorderPoint') = 'number'
    AND coalesce(
          (SELECT sum(x.available) FROM stock_levels x WHERE x.tenant_id = $2 AND x.product_id = r.id AND x.origin IN ('hub', 'jtl-ffn')),
          (SELECT sum(x.available) FROM stock_levels x WHERE x.tenant_id = $2 AND x.product_id = r.id), 0) < (r.data->>'reorderPoint')::numeric`;

export async function listStock(tx: Queryable, tenantId: string, f: StockFilter & { limit: number; afterId?: string | null }): Promise<JsonPage> {
  // Stock of a product that was deleted is not listed; rows stored before their product was linked are.
  // (Phrased as "no deleted product", a probe of the primary key per row: "a live product or none"
  // made the planner hash every live product of the tenant first.)
  const w = new Where(f.limit + 1, tenantId, 's.tenant_id = $2', `NOT EXISTS (
    SELECT 1 FROM products lp WHERE lp.tenant_id = $2 AND lp.id = s.product_id AND lp.deleted_at IS NOT NULL)`);
  if (f.sku !== undefined) {
    // The SKU shown: the product's, else the one stored with the stock row.
    const x = w.param(f.sku);
    w.add(`s.id IN (
      SELECT ss.id FROM products sp JOIN stock_levels ss ON ss.tenant_id = sp.tenant_id AND ss.product_id = sp.id
       WHERE sp.tenant_id = $2 AND sp.deleted_at IS NULL AND sp.sku_key = lower(${x}) AND coalesce(sp.data->>'sku', sp.sku) = ${x}
      UNION ALL
      SELECT ss.id FROM stock_levels ss LEFT JOIN products sp ON sp.tenant_id = ss.tenant_id AND sp.id = ss.product_id
       WHERE ss.tenant_id = $2 AND ss.sku = ${x} AND coalesce(sp.data->>'sku', sp.sku) IS NULL)`);
  }
  if (f.productId !== undefined) w.add(`s.product_id = ${w.param(f.productId)}::uuid`);
  if (f.belowReorderPoint === true) w.add(`s.product_id IN (${BELOW_REORDER})`);
  // Rows without a product (stored before their product was linked) have no reorder point either.
  if (f.belowReorderPoint === false) w.add(`(s.product_id IS NULL OR s.product_id NOT IN (${BELOW_REORDER}))`);
  if (f.afterId) w.add(`s.id > ${w.param(f.afterId)}::uuid`);
  const item = `json_build_object(
    'id', s.id, 'productId', s.product_id, 'sku', coalesce(p.data->>'sku', p.sku, s.sku), 'productName', p.name, 'locationId', s.location_id,
    'origin', s.origin, 'connectionId', s.connection_id,
    'available', s.available, 'reserved', s.reserved, 'announced', s.announced,
    'reorderPoint', CASE WHEN jsonb_typeof(p.data->'reorderPoint') = 'number' THEN p.data->'reorderPoint' END,
    'updatedAt', ${isoSql('s.updated_at')})`;
  const rows = `SELECT s.*, NULL::text AS cursor_ts FROM stock_levels s WHERE ${w.sql()} ORDER BY s.id LIMIT $1`;
  return queryPage(tx, pageSql(rows, 's', 's.id', item, 'LEFT JOIN products p ON p.tenant_id = s.tenant_id AND p.id = s.product_id'), w.params, 'stock');
}
