// Catalog items (Printful catalog variants) as the catalog API reads them: always from the
// database, filtered, with keyset paging on the row id (time-ordered, so a pass's order) behind an
// opaque cursor. Every query names the tenant; row-level security checks it a second time.
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

interface Row {
  id: string;
  connection_id: string;
  external_id: string;
  product_external_id: string | null;
  product_name: string | null;
  variant_name: string | null;
  price: string | null;
  currency: string | null;
  in_stock: boolean | null;
  data: Record<string, unknown>;
  updated_at: Date;
}

const COLUMNS = 'id, connection_id, external_id, product_external_id, product_name, variant_name, price::text AS price, currency, in_stock, data, updated_at';

const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function toView(r: Row): CatalogItemView {
  return {
    id: r.id,
    connectionId: r.connection_id,
    externalId: r.external_id,
    productExternalId: r.product_external_id,
    productName: r.product_name,
    variantName: r.variant_name,
    size: text(r.data.size),
    color: text(r.data.color),
    colorCode: text(r.data.colorCode),
    imageUrl: text(r.data.imageUrl),
    // numeric(14,4) comes back as "12.5000"; money is shown with its significant decimals, at least two.
    price: r.price === null ? null : trimPrice(r.price),
    currency: r.currency,
    inStock: r.in_stock,
    availability: typeof r.data.availability === 'object' && r.data.availability !== null ? (r.data.availability as Record<string, string>) : null,
    updatedAt: r.updated_at.toISOString(),
  };
}

function trimPrice(p: string): string {
  const [whole, frac = ''] = p.split('.');
  const kept = frac.replace(/0+$/, '').padEnd(2, '0');
  return `${whole}.${kept}`;
}

export function encodeCatalogCursor(id: string): string {
  return Buffer.from(JSON.stringify(['catalog', id]), 'utf8').toString('base64url');
}

/** null for a cursor this module did not produce (the caller answers 400). */
export function decodeCatalogCursor(cursor: string): string | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(v) || v.length !== 2 || v[0] !== 'catalog') return null;
    return typeof v[1] === 'string' && /^[0-9a-f-]{36}$/i.test(v[1]) ? v[1] : null;
  } catch {
    return null;
  }
}

export async function listCatalogItems(
  tx: Queryable,
  tenantId: string,
  opts: CatalogFilter & { limit: number; afterId?: string | null },
): Promise<{ items: CatalogItemView[]; nextCursor: string | null }> {
  const params: unknown[] = [opts.limit + 1, tenantId];
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
  const { rows } = await tx.query<Row>(`SELECT ${COLUMNS} FROM catalog_items WHERE ${where.join(' AND ')} ORDER BY id LIMIT $1`, params);
  const more = rows.length > opts.limit;
  const kept = more ? rows.slice(0, opts.limit) : rows;
  return { items: kept.map(toView), nextCursor: more && kept.length > 0 ? encodeCatalogCursor(kept[kept.length - 1]!.id) : null };
}

export async function getCatalogItem(tx: Queryable, tenantId: string, id: string): Promise<(CatalogItemView & { products: { id: string; sku: string | null; name: string | null }[] }) | null> {
  const { rows } = await tx.query<Row>(`SELECT ${COLUMNS} FROM catalog_items WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL`, [tenantId, id]);
  if (!rows[0]) return null;
  // Store products printed from this catalog variant (their catalogVariantId, see the Printful mapping).
  const { rows: products } = await tx.query<{ id: string; sku: string | null; name: string | null }>(
    `SELECT id, sku, name FROM products WHERE tenant_id = $1 AND deleted_at IS NULL AND data->>'catalogVariantId' = $2 ORDER BY created_at, id LIMIT 100`,
    [tenantId, rows[0].external_id],
  );
  return { ...toView(rows[0]), products };
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
