// Catalog items (Printful catalog variants) as the catalog API reads them: always from the
// database, filtered, with keyset paging on the row id (time-ordered, so a pass's order) behind an
// opaque cursor. Every query names the tenant; row-level security checks it a second time.
import { canonicalUuid } from '../core/ids.js';
import type { Queryable } from './db.js';

export interface CatalogItemView {
  id: string;
  connectionId: string;
  externalId: string;
  productExternalId: string | null;
  productName: string | null;
  variantName: string | null;
  size: string | null;
  color: string | null;
  colorCode: string | null;
  imageUrl: string | null;
  price: string | null;
  currency: string | null;
  inStock: boolean | null;
  availability: Record<string, string> | null;
  updatedAt: string;
}

export interface CatalogFilter {
  connectionId?: string | undefined;
  productId?: string | undefined;
  inStock?: boolean | undefined;
  /** Case-insensitive substring of the product or variant name. */
  q?: string | undefined;
  color?: string | undefined;
  size?: string | undefined;
  minPrice?: number | undefined;
  maxPrice?: number | undefined;
}

/**
 * A catalog item as the API shows it (CatalogItemView), built by the database as JSON. A page then
 * leaves PGlite as one text value and goes into the answer as it is: no per-row decoding, mapping
 * and re-encoding in this process, which a burst of readers would otherwise wait on.
 * Money keeps its significant decimals, at least two (numeric(14,4) stores 12.5 as 12.5000);
 * times are ISO 8601 in UTC with milliseconds, as Date.toISOString() writes them.
 */
const ITEM_JSON = `json_build_object(
  'id', id, 'connectionId', connection_id, 'externalId', external_id, 'productExternalId', product_external_id,
  'productName', product_name, 'variantName', variant_name,
  'size', CASE WHEN jsonb_typeof(data->'size') = 'string' THEN data->>'size' END,
  'color', CASE WHEN jsonb_typeof(data->'color') = 'string' THEN data->>'color' END,
  'colorCode', CASE WHEN jsonb_typeof(data->'colorCode') = 'string' THEN data->>'colorCode' END,
  'imageUrl', CASE WHEN jsonb_typeof(data->'imageUrl') = 'string' THEN data->>'imageUrl' END,
  'price', CASE WHEN price IS NULL THEN NULL WHEN scale(trim_scale(price)) < 2 THEN round(price, 2)::text ELSE trim_scale(price)::text END,
  'currency', currency, 'inStock', in_stock,
  'availability', CASE WHEN jsonb_typeof(data->'availability') = 'object' THEN data->'availability' END,
  'updatedAt', to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`;

export function encodeCatalogCursor(id: string): string {
  return Buffer.from(JSON.stringify(['catalog', id]), 'utf8').toString('base64url');
}

/** null for a cursor this module did not produce (the caller answers 400). */
export function decodeCatalogCursor(cursor: string): string | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(v) || v.length !== 2 || v[0] !== 'catalog') return null;
    // The id goes into SQL as a uuid: anything else (36 dashes fit the old, looser pattern) is refused here.
    return typeof v[1] === 'string' ? canonicalUuid(v[1]) : null;
  } catch {
    return null;
  }
}

/** A page of catalog items: `itemsJson` is the JSON array of CatalogItemView, as the database wrote it. */
export async function listCatalogItemsJson(
  tx: Queryable,
  tenantId: string,
  opts: CatalogFilter & { limit: number; afterId?: string | null },
): Promise<{ itemsJson: string; nextCursor: string | null }> {
  const params: unknown[] = [opts.limit, tenantId];
  const where = ['tenant_id = $2', 'deleted_at IS NULL'];
  const add = (sql: (n: number) => string, value: unknown) => {
    params.push(value);
    where.push(sql(params.length));
  };
  if (opts.afterId) add((n) => `id > $${n}::uuid`, opts.afterId);
  if (opts.connectionId) add((n) => `connection_id = $${n}::uuid`, opts.connectionId);
  if (opts.productId) add((n) => `product_external_id = $${n}`, opts.productId);
  if (opts.inStock !== undefined) add((n) => `in_stock = $${n}`, opts.inStock);
  if (opts.q) add((n) => `(product_name ILIKE $${n} OR variant_name ILIKE $${n})`, `%${opts.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  if (opts.color) add((n) => `lower(data->>'color') = lower($${n})`, opts.color);
  if (opts.size) add((n) => `lower(data->>'size') = lower($${n})`, opts.size);
  if (opts.minPrice !== undefined) add((n) => `price >= $${n}`, opts.minPrice);
  if (opts.maxPrice !== undefined) add((n) => `price <= $${n}`, opts.maxPrice);
  // One row past the page tells whether there is a next one; its cursor is the page's last id.
  const { rows } = await tx.query<{ items: string; last_id: string | null }>(
    `WITH page AS (
       SELECT *, row_number() OVER (ORDER BY id) AS n
         FROM (SELECT * FROM catalog_items WHERE ${where.join(' AND ')} ORDER BY id LIMIT $1::int + 1) p
     )
     SELECT coalesce((SELECT json_agg(${ITEM_JSON} ORDER BY id) FROM page WHERE n <= $1), '[]')::text AS items,
            (SELECT id FROM page WHERE n = $1 AND EXISTS (SELECT 1 FROM page WHERE n > $1)) AS last_id`,
    params,
  );
  const lastId = rows[0]?.last_id ?? null;
  return { itemsJson: rows[0]?.items ?? '[]', nextCursor: lastId ? encodeCatalogCursor(lastId) : null };
}

export async function getCatalogItem(tx: Queryable, tenantId: string, id: string): Promise<(CatalogItemView & { products: { id: string; sku: string | null; name: string | null }[] }) | null> {
  const { rows } = await tx.query<{ item: CatalogItemView }>(`SELECT ${ITEM_JSON} AS item FROM catalog_items WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL`, [tenantId, id]);
  const item = rows[0]?.item;
  if (!item) return null;
  // Store products printed from this catalog variant (their catalogVariantId, see the Printful mapping).
  const { rows: products } = await tx.query<{ id: string; sku: string | null; name: string | null }>(
    `SELECT id, sku, name FROM products WHERE tenant_id = $1 AND deleted_at IS NULL AND data->>'catalogVariantId' = $2 ORDER BY created_at, id LIMIT 100`,
    [tenantId, item.externalId],
  );
  return { ...item, products };
}

export interface CatalogConnection {
  id: string;
  status: string;
  settings: Record<string, unknown>;
  /** The catalog stream's last successful sync. */
  lastSuccessAt: Date | null;
  /** The catalog run queued or running now, if any. */
  activeRunId: string | null;
}

/**
 * The tenant's connections that have a catalog stream (Printful), with what the staleness check
 * needs — last success and active refresh — in one statement: every read pays for this, so a read
 * during a refresh costs one round trip here instead of a trigger's several transactions.
 */
export async function catalogConnections(tx: Queryable, tenantId: string, connectionId?: string): Promise<CatalogConnection[]> {
  const { rows } = await tx.query<{ id: string; status: string; settings: Record<string, unknown>; last_success_at: Date | null; active_run_id: string | null }>(
    `SELECT c.id, c.status, c.settings, s.last_success_at,
            (SELECT r.id FROM sync_runs r WHERE r.connection_id = c.id AND r.stream = 'catalog' AND r.status IN ('queued','running') LIMIT 1) AS active_run_id
       FROM connections c
       LEFT JOIN stream_state s ON s.tenant_id = c.tenant_id AND s.connection_id = c.id AND s.stream = 'catalog'
      WHERE c.tenant_id = $1 AND c.platform = 'printful' ${connectionId ? 'AND c.id = $2' : ''} ORDER BY c.created_at, c.id`,
    connectionId ? [tenantId, connectionId] : [tenantId],
  );
  return rows.map((r) => ({ id: r.id, status: r.status, settings: r.settings, lastSuccessAt: r.last_success_at, activeRunId: r.active_run_id }));
}
