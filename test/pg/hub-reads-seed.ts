// A large hub for the read API's plan test (test/pg/hub-reads-explain.test.ts) and benchmark
// (bench/api-reads.ts), written with set-based SQL (a few statements whatever the size), shaped like a
// real shop: variants in pulls of 250 (rows of one page share created_at), time-ordered ids, a SKU-less
// variant in twenty, Shopify ids beyond 2^53, a third of the SKUs also offered on eMAG, two stock
// locations per SKU, orders over two years with vouchers, one to two lines, a fifth from eMAG, a
// customer with thousands of orders, resolved dead letters and conflicts far outnumbering open ones.
// Then the list requests each endpoint is measured and explained with.
import type { SecretBox } from '../../src/core/secret-box.js';
import { insertConnection } from '../../src/store/connections.js';
import type { Db } from '../../src/store/db.js';
import { encodeHubCursor, encodeIdCursor } from '../../src/store/hub-reads.js';
import { createTenant } from '../../src/store/tenants.js';

export interface HubSizes {
  products: number;
  orders: number;
  customers: number;
}

/** A version 7 UUID from a timestamp expression and a per-row key, as the engine mints them. */
const v7 = (ts: string, key: string) =>
  `(lpad(to_hex((extract(epoch FROM ${ts}) * 1000)::bigint), 12, '0') || '7' || substr(md5($7 || ${key}), 1, 3) || '8' || substr(md5($7 || ${key}), 4, 15))::uuid`;

/** Rows g = 1..n in pulls of 250, 2 s apart from `base`. */
const pulls = (n: string, base: string) => `(SELECT g, TIMESTAMPTZ '${base}' + (g / 250) * interval '2 seconds' AS ts FROM generate_series(1, ${n}) g) s`;

const BIG = '9007199254740993';

/** Types every parameter, so that a statement may leave some of them unused. */
const PARAMS = 'WITH _params AS (SELECT $1::uuid, $2::uuid, $3::uuid, $4::int, $5::int, $6::int, $7::text)';

// $1 tenant, $2 Shopify connection, $3 eMAG connection, $4 products, $5 orders, $6 customers, $7 id salt.
const FILL = [
  `INSERT INTO products (id, tenant_id, sku, name, group_key, group_title, data, content_hash, field_meta, last_updated_by, sync_status, created_at, updated_at)
   SELECT ${v7('s.ts', "'p' || g")}, $1, sku, name, 'gid://shopify/Product/' || (${BIG} + g / 3), grp,
          jsonb_build_object('name', name, 'price', (9 + g % 40) || '.90', 'compareAtPrice', (19 + g % 40) || '.90', 'tags', jsonb_build_array('summer'),
                             'group', jsonb_build_object('externalId', 'gid://shopify/Product/' || (${BIG} + g / 3), 'title', grp))
            || CASE WHEN sku IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('sku', sku) END
            || CASE WHEN g % 50 = 0 THEN jsonb_build_object('reorderPoint', 20) ELSE '{}'::jsonb END,
          md5($7 || g), jsonb_build_object('price', jsonb_build_object('origin', 'shopify', 'at', s.ts)), 'shopify',
          CASE WHEN g % 200 = 7 THEN 'PENDING' WHEN g % 1000 = 11 THEN 'CONFLICT' WHEN g % 2000 = 13 THEN 'ERROR' ELSE 'SYNCED' END,
          s.ts, s.ts + CASE WHEN g % 10 = 0 THEN (g % 5000) * interval '1 minute' ELSE interval '0' END
     FROM (SELECT g, ts, CASE WHEN g % 20 = 0 THEN NULL ELSE 'SKU-' || lpad(g::text, 7, '0') END AS sku,
                  (ARRAY['Blue','Red','Green','Black','White','Grey','Navy','Olive'])[g % 8 + 1] || ' ' || (ARRAY['Tee','Hoodie','Mug','Cap','Poster','Tote'])[(g / 8) % 6 + 1]
                    || ' ' || (g / 48) AS grp,
                  (ARRAY['Blue','Red','Green','Black','White','Grey','Navy','Olive'])[g % 8 + 1] || ' ' || (ARRAY['Tee','Hoodie','Mug','Cap','Poster','Tote'])[(g / 8) % 6 + 1]
                    || ' ' || (g / 48) || ' / ' || (ARRAY['S','M','L','XL'])[(g / 3) % 4 + 1] AS name
             FROM ${pulls('$4', '2024-01-01T00:00:00Z')}) s`,
  // Every product on Shopify (a variant gid and its inventory item), three in ten also an eMAG offer.
  `INSERT INTO links (id, tenant_id, entity, hub_id, connection_id, external_id, parent_external_id, platform_ids, last_pulled_hash, created_at, updated_at)
   SELECT ${v7('p.created_at', "'l' || p.n")}, $1, 'product', p.id, $2, 'gid://shopify/ProductVariant/' || (${BIG} + p.n),
          'gid://shopify/Product/' || (${BIG} + p.n / 3), jsonb_build_object('inventoryItemId', 'gid://shopify/InventoryItem/' || (${BIG} + p.n)), md5($7 || p.n), p.created_at, p.created_at
     FROM (SELECT id, created_at, row_number() OVER (ORDER BY created_at, id) AS n FROM products WHERE tenant_id = $1) p`,
  `INSERT INTO links (tenant_id, entity, hub_id, connection_id, external_id, created_at, updated_at)
   SELECT $1, 'product', p.id, $3, (${BIG} + p.n)::text, p.created_at, p.created_at
     FROM (SELECT id, created_at, row_number() OVER (ORDER BY created_at, id) AS n FROM products WHERE tenant_id = $1) p WHERE p.n % 10 < 3`,
  `INSERT INTO stock_levels (tenant_id, product_id, sku, location_id, available, reserved, announced, updated_at)
   SELECT $1, p.id, p.sku, 'gid://shopify/Location/' || loc, (p.n * 7 + loc) % 50 - 2, p.n % 3, 0, p.created_at
     FROM (SELECT id, sku, created_at, row_number() OVER (ORDER BY created_at, id) AS n FROM products WHERE tenant_id = $1) p, generate_series(1, 2) loc`,
  `INSERT INTO customers (id, tenant_id, email, first_name, last_name, data, created_at, updated_at)
   SELECT ${v7('s.ts', "'c' || g")}, $1, CASE WHEN g % 3 = 0 THEN 'Customer' || g || '@Example.com' ELSE 'customer' || g || '@example.com' END,
          'First' || g, 'Last' || g, jsonb_build_object('phone', '+49 30 ' || g, 'tags', '[]'::jsonb, 'acceptsMarketing', g % 2 = 0), s.ts, s.ts
     FROM ${pulls('$6', '2024-01-01T00:00:00Z')}`,
  `INSERT INTO links (tenant_id, entity, hub_id, connection_id, external_id, created_at, updated_at)
   SELECT $1, 'customer', u.id, $2, 'gid://shopify/Customer/' || (${BIG} + u.n), u.created_at, u.created_at
     FROM (SELECT id, created_at, row_number() OVER (ORDER BY created_at, id) AS n FROM customers WHERE tenant_id = $1) u`,
  // Orders placed over two years (one in fifty without a date); one in five from eMAG; customer 1 places one in 97.
  `INSERT INTO orders (id, tenant_id, customer_id, number, status, financial_status, fulfillment_status, currency, total, placed_at, data, created_at, updated_at)
   SELECT ${v7('s.ts', "'o' || g")}, $1, c.id, '#' || (1000 + g),
          CASE WHEN g % 5 = 0 THEN (ARRAY['new','in_progress','prepared','finalized','finalized','finalized','canceled','returned'])[(g / 5) % 8 + 1]
               ELSE (ARRAY['open','open','closed','closed','closed','cancelled'])[g % 6 + 1] END,
          'paid', 'fulfilled', 'EUR', 39.8 + 7.56 + 4.9 - CASE WHEN g % 4 = 0 THEN 5 ELSE 0 END,
          CASE WHEN g % 50 = 0 THEN NULL ELSE TIMESTAMPTZ '2023-01-01T00:00:00Z' + ((g::bigint * 7211) % (730 * 1440)) * interval '1 minute' END,
          jsonb_build_object('totals', jsonb_build_object('subtotal', '39.80', 'tax', '7.56', 'shipping', '4.90', 'discount', CASE WHEN g % 4 = 0 THEN '5.00' ELSE '0.00' END,
                                                          'total', CASE WHEN g % 4 = 0 THEN '47.26' ELSE '52.26' END),
                             'customer', jsonb_build_object('externalId', 'gid://shopify/Customer/' || (${BIG} + g), 'email', 'buyer' || g || '@example.com'),
                             'addresses', jsonb_build_object('shipping', jsonb_build_object('city', 'Berlin', 'countryCode', 'DE'))),
          s.ts, s.ts
     FROM ${pulls('$5', '2024-06-01T00:00:00Z')}
     LEFT JOIN (SELECT id, row_number() OVER (ORDER BY created_at, id) AS n FROM customers WHERE tenant_id = $1) c
       ON g % 10 < 7 AND c.n = CASE WHEN g % 97 = 0 THEN 1 ELSE 1 + (g::bigint * 7919) % $6 END`,
  `INSERT INTO order_lines (tenant_id, order_id, line_no, external_id, sku, name, quantity, unit_price, total)
   SELECT $1, o.id, k, 'gid://shopify/LineItem/' || (${BIG} + o.g * 2 + k), 'SKU-' || lpad(((o.g * 31 + k) % $4 + 1)::text, 7, '0'), 'Item', k, 19.90, 19.90 * k
     FROM (SELECT id, substr(number, 2)::int - 1000 AS g FROM orders WHERE tenant_id = $1) o, generate_series(1, 1 + o.g % 2) k`,
  `INSERT INTO links (tenant_id, entity, hub_id, connection_id, external_id, created_at, updated_at)
   SELECT $1, 'order', o.id, CASE WHEN o.g % 5 = 0 THEN $3 ELSE $2 END,
          CASE WHEN o.g % 5 = 0 THEN (${BIG} + o.g)::text ELSE 'gid://shopify/Order/' || (${BIG} + o.g) END, o.created_at, o.created_at
     FROM (SELECT id, created_at, substr(number, 2)::int - 1000 AS g FROM orders WHERE tenant_id = $1) o`,
  // Dead letters: many resolved, a few open on product records (and some open on orders).
  `INSERT INTO dead_letters (tenant_id, connection_id, stream, kind, external_id, payload, reason, error_code, status, resolved_at)
   SELECT $1, $2, CASE WHEN g % 2000 = 0 THEN 'orders' ELSE 'products' END, 'record', 'gid://shopify/ProductVariant/' || (${BIG} + (g * 13) % $4 + 1), '{}',
          'price: must be a non-negative decimal string like "12.50"', 'record_invalid', CASE WHEN g % 1000 = 0 THEN 'open' ELSE 'resolved' END,
          CASE WHEN g % 1000 = 0 THEN NULL ELSE now() END
     FROM generate_series(1, greatest($4 / 5, 10)) g`,
  `INSERT INTO conflicts (tenant_id, product_id, field, local_origin, remote_origin, local_at, remote_at, status, resolution, resolved_at)
   SELECT $1, p.id, 'name', 'hub', 'shopify', p.created_at, p.created_at, CASE WHEN p.n % 50 = 0 THEN 'open' ELSE 'resolved' END,
          CASE WHEN p.n % 50 = 0 THEN NULL ELSE 'accept_remote' END, CASE WHEN p.n % 50 = 0 THEN NULL ELSE now() END
     FROM (SELECT id, created_at, row_number() OVER (ORDER BY created_at, id) AS n FROM products WHERE tenant_id = $1) p WHERE p.n % 20 = 3`,
  `INSERT INTO stream_state (tenant_id, connection_id, stream, last_success_at) VALUES ($1, $2, 'products', now()), ($1, $3, 'offers', now() - interval '1 hour')`,
];

export interface BulkHub {
  tenantId: string;
  apiKey: string;
  otherTenantId: string;
  shop: string;
  emag: string;
  /** Linked to the newest hundredth of the products only. */
  woo: string;
  sizes: HubSizes;
}

async function fillTenant(db: Db, box: SecretBox, name: string, sizes: HubSizes, log: (m: string) => void) {
  const { tenant, apiKey } = await db.transaction((tx) => createTenant(tx, name));
  const conn = (platform: string, cname: string) =>
    db.withTenant(tenant.id, (tx) => insertConnection(tx, box, { tenantId: tenant.id, platform, name: cname, settings: {}, credentials: { token: 'x' } }));
  const shop = (await conn('shopify', 'shop')).id;
  const emag = (await conn('emag', 'emag-main')).id;
  for (const [i, sql] of FILL.entries()) {
    const started = performance.now();
    await db.query(`${PARAMS} ${sql}`, [tenant.id, shop, emag, sizes.products, sizes.orders, sizes.customers, tenant.id]);
    log(`${name}: statement ${i + 1}/${FILL.length} in ${Math.round(performance.now() - started)} ms`);
  }
  // A shop connected later, whose own products are the newest hundredth: bunched at the end of the list.
  const woo = (await conn('woocommerce', 'woo')).id;
  await db.query(
    `INSERT INTO links (tenant_id, entity, hub_id, connection_id, external_id, created_at, updated_at)
     SELECT $1, 'product', p.id, $2, 'woo-' || p.n, p.created_at, p.created_at
       FROM (SELECT id, created_at, row_number() OVER (ORDER BY created_at DESC, id DESC) AS n FROM products WHERE tenant_id = $1) p
      WHERE p.n <= greatest($3::int / 100, 1)`,
    [tenant.id, woo, sizes.products],
  );
  return { tenantId: tenant.id, apiKey, shop, emag, woo };
}

/** The hub for `sizes`, plus a second tenant a tenth its size (so a tenant's rows are not the whole table). */
export async function seedBulkHub(db: Db, box: SecretBox, sizes: HubSizes, log: (m: string) => void = () => undefined): Promise<BulkHub> {
  const main = await fillTenant(db, box, 'bulk', sizes, log);
  const small = (n: number) => Math.max(10, Math.round(n / 10));
  const other = await fillTenant(db, box, 'bulk-other', { products: small(sizes.products), orders: small(sizes.orders), customers: small(sizes.customers) }, log);
  // Statistics and the visibility map, as autovacuum would leave them.
  for (const t of ['products', 'links', 'stock_levels', 'customers', 'orders', 'order_lines', 'dead_letters', 'conflicts', 'stream_state', 'connections']) {
    await db.query(db.driver === 'pg' ? `VACUUM ANALYZE ${t}` : `ANALYZE ${t}`);
  }
  return { ...main, otherTenantId: other.tenantId, sizes };
}

export interface ReadScenario {
  name: string;
  /** The request path under /api/v1 for the i-th request (filter values vary between requests). */
  path(i: number): string;
}

/** A keyset cursor at `fraction` of a list: a page deep in the list, as a reader paging far would send. */
async function deepCursors(db: Db, tenantId: string, fraction: number) {
  const at = async (sql: string) => (await db.query<{ ts: string; id: string }>(sql, [tenantId, fraction])).rows[0]!;
  const ts = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ts`;
  const offset = (table: string) => `OFFSET (SELECT floor(count(*) * $2::float8)::int FROM ${table} WHERE tenant_id = $1) LIMIT 1`;
  const p = await at(`SELECT ${ts('created_at')}, id FROM products WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY created_at, id ${offset('products')}`);
  const pu = await at(`SELECT ${ts('updated_at')}, id FROM products WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY updated_at, id ${offset('products')}`);
  const o = await at(`SELECT ${ts('ordered_at')}, id FROM orders WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY ordered_at DESC, id DESC ${offset('orders')}`);
  const c = await at(`SELECT ${ts('created_at')}, id FROM customers WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY created_at, id ${offset('customers')}`);
  const s = await at(`SELECT '' AS ts, id FROM stock_levels WHERE tenant_id = $1 ORDER BY id ${offset('stock_levels')}`);
  const key = (r: { ts: string; id: string }) => ({ createdAt: r.ts, id: r.id });
  return {
    products: encodeHubCursor('products', key(p)),
    productsUpdated: encodeHubCursor('products-updated', key(pu)),
    orders: encodeHubCursor('orders', key(o)),
    customers: encodeHubCursor('customers', key(c)),
    stock: encodeIdCursor(s.id),
  };
}

/** Every list request measured (bench) and explained (plan test): first page, a deep page, each filter. */
export async function readScenarios(db: Db, hub: BulkHub, limit = 100): Promise<ReadScenario[]> {
  const deep = await deepCursors(db, hub.tenantId, 0.9);
  const ids = async (sql: string) => (await db.query<{ id: string }>(sql, [hub.tenantId])).rows.map((r) => r.id);
  const sample = await ids(`SELECT id FROM products WHERE tenant_id = $1 ORDER BY md5(id::text) LIMIT 50`);
  const orderIds = await ids(`SELECT id FROM orders WHERE tenant_id = $1 ORDER BY md5(id::text) LIMIT 50`);
  // The first customer places one order in 97; the others a few each.
  const heavy = (await ids(`SELECT id FROM customers WHERE tenant_id = $1 ORDER BY created_at, id LIMIT 1`))[0]!;
  const buyers = await ids(`SELECT DISTINCT customer_id AS id FROM orders WHERE tenant_id = $1 AND customer_id IS NOT NULL ORDER BY 1 LIMIT 51`);
  const customers = [heavy, ...buyers.filter((id) => id !== heavy)];
  const P = hub.sizes.products;
  const C = hub.sizes.customers;
  const pick = <T>(xs: T[], i: number) => xs[i % xs.length]!;
  // A product that has a SKU (every twentieth has none).
  const sku = (i: number) => {
    const g = ((i * 7919) % P) + 1;
    return `SKU-${String(g % 20 === 0 ? g - 1 : g).padStart(7, '0')}`;
  };
  const l = `limit=${limit}`;
  const enc = encodeURIComponent;
  return [
    { name: 'products: first page', path: () => `/products?${l}` },
    { name: 'products: deep page', path: () => `/products?${l}&cursor=${enc(deep.products)}` },
    { name: 'products: sku', path: (i) => `/products?${l}&sku=${sku(i)}` },
    { name: 'products: q (name prefix, broad)', path: (i) => `/products?${l}&q=${enc(pick(['blue hoodie 1', 'red mug 2', 'navy tee 3'], i))}` },
    { name: 'products: q (SKU prefix)', path: (i) => `/products?${l}&q=sku-00${String(100 + (i % 800)).padStart(3, '0')}` },
    { name: 'products: q (one letter: read in order)', path: (i) => `/products?${l}&q=${pick(['b', 'r', 'g', 'w'], i)}` },
    { name: 'products: syncStatus=error', path: () => `/products?${l}&syncStatus=error` },
    { name: 'products: syncStatus=conflict', path: () => `/products?${l}&syncStatus=conflict` },
    { name: 'products: syncStatus=pending', path: () => `/products?${l}&syncStatus=pending` },
    { name: 'products: syncStatus=in_sync', path: () => `/products?${l}&syncStatus=in_sync` },
    { name: 'products: syncStatus=in_sync, deep page', path: () => `/products?${l}&syncStatus=in_sync&cursor=${enc(deep.products)}` },
    { name: 'products: connectionId (eMAG, 30 %)', path: () => `/products?${l}&connectionId=${hub.emag}` },
    { name: 'products: connectionId, deep page', path: () => `/products?${l}&connectionId=${hub.emag}&cursor=${enc(deep.products)}` },
    { name: 'products: connectionId (later shop, newest 1 %)', path: () => `/products?${l}&connectionId=${hub.woo}` },
    { name: 'products: updatedSince (recent)', path: () => `/products?${l}&updatedSince=2024-01-01T02:00:00Z` },
    { name: 'products: updatedSince, deep page', path: () => `/products?${l}&updatedSince=2023-01-01&cursor=${enc(deep.productsUpdated)}` },
    { name: 'product by id', path: (i) => `/products/${pick(sample, i)}` },
    { name: 'orders: first page', path: () => `/orders?${l}` },
    { name: 'orders: deep page', path: () => `/orders?${l}&cursor=${enc(deep.orders)}` },
    { name: 'orders: status (common)', path: () => `/orders?${l}&status=closed` },
    { name: 'orders: status (rare)', path: () => `/orders?${l}&status=returned` },
    { name: 'orders: createdFrom/createdTo (a month)', path: (i) => `/orders?${l}&createdFrom=2024-0${1 + (i % 8)}-01&createdTo=2024-0${2 + (i % 8)}-01` },
    { name: 'orders: createdTo (old orders)', path: () => `/orders?${l}&createdTo=2023-03-01` },
    { name: 'orders: customerId (thousands of orders)', path: () => `/orders?${l}&customerId=${customers[0]}` },
    { name: 'orders: customerId (a few orders)', path: (i) => `/orders?${l}&customerId=${pick(customers.slice(1), i)}` },
    { name: 'orders: connectionId (eMAG, 20 %)', path: () => `/orders?${l}&connectionId=${hub.emag}` },
    { name: 'order by id', path: (i) => `/orders/${pick(orderIds, i)}` },
    { name: 'customers: first page', path: () => `/customers?${l}` },
    { name: 'customers: deep page', path: () => `/customers?${l}&cursor=${enc(deep.customers)}` },
    { name: 'customers: email', path: (i) => `/customers?${l}&email=${enc(`CUSTOMER${1 + ((i * 31) % C)}@EXAMPLE.COM`)}` },
    { name: 'customer by id (thousands of orders)', path: () => `/customers/${customers[0]}` },
    { name: 'stock: first page', path: () => `/stock?${l}` },
    { name: 'stock: deep page', path: () => `/stock?${l}&cursor=${enc(deep.stock)}` },
    { name: 'stock: sku', path: (i) => `/stock?${l}&sku=${sku(i)}` },
    { name: 'stock: productId', path: (i) => `/stock?${l}&productId=${pick(sample, i)}` },
    { name: 'stock: belowReorderPoint', path: () => `/stock?${l}&belowReorderPoint=true` },
    { name: 'sync-status', path: () => '/sync-status' },
  ];
}
