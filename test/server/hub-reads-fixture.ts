// Hub data shaped like real shops, written through the engine's own write path (applyRecords), for the
// read API tests: Shopify variants with 64-bit ids beyond 2^53 and inventory item ids, variants without
// a SKU, two variants of one shop sharing a SKU, an eMAG offer and a JTL-FFN product joining a Shopify
// SKU, stock per location, customers in mixed-case emails, orders with vouchers (discounts) and lines.
import { expect } from 'vitest';
import type { CanonicalRecord, CustomerRecord, OrderRecord, ProductRecord, StockLevelRecord } from '../../src/core/records.js';
import { applyRecords } from '../../src/engine/apply.js';
import { customerPage } from '../../src/server/routes/customers.js';
import { orderPage } from '../../src/server/routes/orders.js';
import { productPage } from '../../src/server/routes/products.js';
import { stockPage } from '../../src/server/routes/stock.js';
import { insertConnection } from '../../src/store/connections.js';
import type { TestApp } from '../helpers/app.js';

/** 2^53 + 1: the first integer a JavaScript number cannot hold. */
export const BIG = 9_007_199_254_740_993n;
export const variantGid = (i: number) => `gid://shopify/ProductVariant/${BIG + BigInt(i)}`;
export const customerGid = (i: number) => `gid://shopify/Customer/${BIG + BigInt(i)}`;
export const orderGid = (i: number) => `gid://shopify/Order/${BIG + BigInt(i)}`;

export const PRODUCTS = 130; // Shopify variants: more than two pages of 50
export const SKULESS = (i: number) => i % 10 === 9; // every tenth variant has no SKU
export const ORDERS = 75;
export const DAY = 24 * 3600_000;
/** Orders are placed one a day, the newest on this date minus one day. */
export const ORDER_BASE = Date.parse('2025-03-01T12:00:00Z');

/** The raw JSON text has `"externalId": "<id>"` (the digits as a string, never a JSON number). */
export const rawExternalId = (id: string) => new RegExp(`"externalId"\\s*:\\s*"${id.replace(/[/.]/g, (c) => `\\${c}`)}"`);

type Tenant = Awaited<ReturnType<TestApp['newTenant']>>;

/**
 * GET under /api/v1. A page of a list is written as JSON by the database and sent past the response
 * serializer, so every page a test reads is checked against the route's documented schema here.
 */
export function getter(h: TestApp, auth: () => { authorization: string }) {
  const pages: Record<string, { parse(v: unknown): unknown }> = { '/products': productPage, '/orders': orderPage, '/customers': customerPage, '/stock': stockPage };
  return async (url: string, as = auth()) => {
    const res = await h.app.inject({ method: 'GET', url: `/api/v1${url}`, headers: as });
    const schema = pages[url.split('?')[0]!];
    if (schema && res.statusCode === 200) schema.parse(res.json());
    return res;
  };
}

export interface Fixture {
  tenant: Tenant;
  other: Tenant;
  shop: string;
  emag: string;
  ffn: string;
  otherShop: string;
  /** hub ids by Shopify variant index */
  productIds: string[];
  otherProductId: string;
  otherOrderId: string;
  otherCustomerId: string;
  customerIds: string[];
}

async function connection(h: TestApp, tenantId: string, platform: string, name: string): Promise<string> {
  const c = await h.t.db.withTenant(tenantId, (tx) => insertConnection(tx, h.box, { tenantId, platform, name, settings: {}, credentials: { token: 'x' } }));
  return c.id;
}

async function apply(h: TestApp, tenantId: string, connectionId: string, origin: string, records: CanonicalRecord[]): Promise<void> {
  await h.t.db.withTenant(tenantId, async (tx) => {
    const res = await applyRecords(tx, { tenantId, connectionId, runId: null, origin, passId: null }, records);
    if (res.rejected.length > 0) throw new Error(`rejected: ${JSON.stringify(res.rejected)}`);
  });
}

export function variant(i: number, over: Partial<ProductRecord> = {}): ProductRecord {
  const colour = ['Blue', 'Red', 'Green'][i % 3]!;
  return {
    entity: 'product',
    externalId: variantGid(i),
    parentExternalId: `gid://shopify/Product/${BIG + BigInt(Math.floor(i / 3))}`,
    group: { externalId: `gid://shopify/Product/${BIG + BigInt(Math.floor(i / 3))}`, title: `${colour} Tee ${Math.floor(i / 3)}` },
    platformIds: { inventoryItemId: `gid://shopify/InventoryItem/${BIG + 1000n + BigInt(i)}` },
    ...(SKULESS(i) ? {} : { sku: `TEE-${String(i).padStart(3, '0')}` }),
    name: `${colour} Tee ${Math.floor(i / 3)} / ${['S', 'M', 'L'][i % 3]}`,
    price: '19.90',
    compareAtPrice: '24.90',
    tags: ['summer'],
    ...over,
  };
}

function order(i: number, customer: number | null, over: Partial<OrderRecord> = {}): OrderRecord {
  return {
    entity: 'order',
    externalId: orderGid(i),
    number: `#${1001 + i}`,
    status: i % 5 === 0 ? 'cancelled' : 'open',
    financialStatus: 'PAID',
    fulfillmentStatus: 'UNFULFILLED',
    currency: 'EUR',
    // A voucher of 5.00: total = subtotal + tax + shipping - discount.
    totals: { subtotal: '39.80', tax: '7.56', shipping: '4.90', discount: '5.00', total: '47.26' },
    customer: customer === null ? null : { externalId: customerGid(customer), email: `buyer${customer}@example.com` },
    addresses: { shipping: { name: 'A Buyer', city: 'Berlin', countryCode: 'DE' } },
    lines: [
      { externalId: `gid://shopify/LineItem/${BIG + BigInt(i * 2)}`, sku: 'TEE-000', name: 'Blue Tee 0 / S', quantity: 2, unitPrice: '19.90', total: '39.80' },
      { externalId: `gid://shopify/LineItem/${BIG + BigInt(i * 2 + 1)}`, sku: null, name: 'Gift wrap', quantity: 1, unitPrice: '0', total: '0.00' },
    ],
    placedAt: new Date(ORDER_BASE - (i + 1) * DAY).toISOString(),
    ...over,
  };
}

const stock = (productExternalId: string, locationId: string, available: number): StockLevelRecord => ({ entity: 'stock_level', productExternalId, locationId, available, reserved: 1 });

export async function seedHub(h: TestApp): Promise<Fixture> {
  const tenant = await h.newTenant('hub-reads');
  const other = await h.newTenant('hub-reads-other');
  const shop = await connection(h, tenant.id, 'shopify', 'shop');
  const emag = await connection(h, tenant.id, 'emag', 'emag-main');
  const ffn = await connection(h, tenant.id, 'jtl-ffn', 'ffn');
  const otherShop = await connection(h, other.id, 'shopify', 'other-shop');

  const variants = Array.from({ length: PRODUCTS }, (_, i) => variant(i));
  // Two variants of one shop with the same SKU: two sellable units, two hub products.
  variants.push(variant(PRODUCTS, { sku: 'DUP-1', name: 'Mug / white' }), variant(PRODUCTS + 1, { sku: 'DUP-1', name: 'Mug / black' }));
  await apply(h, tenant.id, shop, 'shopify', variants);
  // eMAG offers for the first five SKUs (numeric ids beyond 2^53), and the ops platform's reorder points.
  await apply(h, tenant.id, emag, 'emag', [0, 1, 2, 3, 4].map((i) => ({ entity: 'product', externalId: String(BIG + BigInt(i)), parentExternalId: null, sku: `TEE-00${i}`, price: '99.00' }) satisfies ProductRecord));
  await apply(h, tenant.id, ffn, 'jtl-ffn', [0, 1].map((i) => ({ entity: 'product', externalId: `JTL-${i}`, parentExternalId: null, sku: `TEE-00${i}`, reorderPoint: 10, weight: { value: 0.2, unit: 'kg' } }) satisfies ProductRecord));
  // Stock: TEE-000 is below its reorder point (3 + 4 < 10), TEE-001 is not (8 + 7), a SKU-less variant has stock too.
  await apply(h, tenant.id, shop, 'shopify', [
    stock(variantGid(0), 'gid://shopify/Location/1', 3), stock(variantGid(0), 'gid://shopify/Location/2', 4),
    stock(variantGid(1), 'gid://shopify/Location/1', 8), stock(variantGid(1), 'gid://shopify/Location/2', 7),
    stock(variantGid(9), 'gid://shopify/Location/1', 5), stock(variantGid(PRODUCTS + 1), 'gid://shopify/Location/1', 2),
  ]);

  const customers: CustomerRecord[] = Array.from({ length: 12 }, (_, i) => ({
    entity: 'customer', externalId: customerGid(i), email: i === 0 ? 'Alice.Example@Example.COM' : `buyer${i}@example.com`,
    firstName: `First${i}`, lastName: `Last${i}`, phone: '+49 30 1234567', tags: ['vip'], acceptsMarketing: i % 2 === 0,
    addresses: [{ city: 'Berlin', countryCode: 'DE' }],
  }));
  await apply(h, tenant.id, shop, 'shopify', customers);
  // Customer 1 has 106 orders (more than a customer view shows), customers 0 and 2-9 one each.
  const orders: OrderRecord[] = Array.from({ length: ORDERS }, (_, i) => order(i, i < 10 ? i : null));
  const many = Array.from({ length: 105 }, (_, j) => order(1000 + j, 1, { placedAt: new Date(ORDER_BASE - 400 * DAY - j * 3600_000).toISOString() }));
  // An order the platform sent without a date: it is dated when the hub stored it.
  orders.push(order(500, null, { placedAt: null }));
  await apply(h, tenant.id, shop, 'shopify', [...orders, ...many]);
  await apply(h, tenant.id, emag, 'emag', [{
    entity: 'order', externalId: String(BIG + 77n), number: String(BIG + 77n), status: 'new', currency: 'RON',
    totals: { subtotal: '100.00', discount: '10.00', total: '90.00' }, lines: [{ externalId: '1', sku: 'TEE-001', quantity: 1, unitPrice: '100.00', total: '100.00' }],
    placedAt: new Date(ORDER_BASE - 30.5 * DAY).toISOString(),
  } satisfies OrderRecord]);

  await apply(h, other.id, otherShop, 'shopify', [variant(0), { ...customers[0]! }, order(0, 0)]);
  const ids = async (tenantId: string, sql: string, params: unknown[] = []) =>
    (await h.t.db.withTenant(tenantId, (tx) => tx.query<{ id: string }>(sql, params))).rows.map((r) => r.id);
  const link = (tenantId: string, entity: string, externalIds: string[]) =>
    ids(tenantId, `SELECT l.hub_id AS id FROM links l, unnest($2::text[]) WITH ORDINALITY AS x(e, n) WHERE l.tenant_id = $1 AND l.entity = '${entity}' AND l.external_id = x.e ORDER BY x.n`, [tenantId, externalIds]);
  return {
    tenant, other, shop, emag, ffn, otherShop,
    productIds: await link(tenant.id, 'product', Array.from({ length: PRODUCTS + 2 }, (_, i) => variantGid(i))),
    customerIds: await link(tenant.id, 'customer', customers.map((c) => c.externalId)),
    otherProductId: (await link(other.id, 'product', [variantGid(0)]))[0]!,
    otherCustomerId: (await link(other.id, 'customer', [customerGid(0)]))[0]!,
    otherOrderId: (await link(other.id, 'order', [orderGid(0)]))[0]!,
  };
}

/** Every item of a list, following nextCursor page by page; fails on a page over `limit` or a repeated item. */
export async function allPages(
  get: (url: string) => Promise<{ statusCode: number; body: string; json(): { items: Record<string, unknown>[]; nextCursor: string | null } }>,
  path: string,
  limit: number,
): Promise<{ items: Record<string, unknown>[]; pages: number }> {
  const items: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const res = await get(`${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.items.length).toBeLessThanOrEqual(limit);
    items.push(...body.items);
    cursor = body.nextCursor;
    pages++;
  } while (cursor);
  expect(new Set(items.map((i) => i.id)).size).toBe(items.length);
  return { items, pages };
}
