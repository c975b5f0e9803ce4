// People, Shopify payloads and checks for the privacy webhook tests: customers and their orders are put
// in the hub the way production does it (signed deliveries through the server, applied by the apply
// pass, then a pull-shaped applyRecords with the addresses a REST webhook mapping leaves out), so the
// stored deliveries, a dead letter and the audit log hold copies of their personal data.
import { randomUUID } from 'node:crypto';
import { signShopify } from '../../src/connectors/shopify/webhooks.js';
import type { CanonicalRecord } from '../../src/core/records.js';
import { applyRecords } from '../../src/engine/apply.js';
import type { TestApp } from '../helpers/app.js';

export const SECRET = 'shpss_privacy_app_secret';
export const SHOP = 'privacy-shop.myshopify.com';
export const OTHER_SHOP = 'other-shop.myshopify.com';

export interface Person {
  id: number;
  email: string;
  phone: string;
  first: string;
  last: string;
  address1: string;
  orders: number[];
}

export const ADA: Person = { id: 7001001, email: 'ada.redact@example.org', phone: '+4915112345678', first: 'Adaline', last: 'Quixotegarten', address1: '7 Privacy Lane', orders: [8001001, 8001002] };
export const KEEP: Person = { id: 7002002, email: 'keep.me@example.org', phone: '+4915187654321', first: 'Bartholomew', last: 'Keepsake', address1: '99 Retained Road', orders: [8002001] };
export const CORA: Person = { id: 7003003, email: 'cora.other@example.org', phone: '+4915199990000', first: 'Coralie', last: 'Othershopper', address1: '3 Elsewhere Street', orders: [8003001] };

/** The values a redaction must leave nowhere. */
export const personalValues = (p: Person) => [p.email, p.phone, p.first, p.last, p.address1];
export const customerGid = (p: Person) => `gid://shopify/Customer/${p.id}`;
export const orderGid = (id: number) => `gid://shopify/Order/${id}`;

// Shopify's documented sample shapes (shopify.dev, privacy law compliance).
export const dataRequestBody = (shop: string, p: { id: number | null; email: string; phone: string | null }, orders: number[]) => ({
  shop_id: 954889, shop_domain: shop, orders_requested: orders, customer: { id: p.id, email: p.email, phone: p.phone }, data_request: { id: 9999 },
});
export const customerRedactBody = (shop: string, p: Person) => ({
  shop_id: 954889, shop_domain: shop, customer: { id: p.id, email: p.email, phone: p.phone }, orders_to_redact: p.orders,
});
export const shopRedactBody = (shop: string) => ({ shop_id: 954889, shop_domain: shop });

const address = (p: Person) => ({ first_name: p.first, last_name: p.last, address1: p.address1, city: 'Berlin', zip: '10115', country_code: 'DE', phone: p.phone });

const customerPayload = (p: Person) => ({
  id: p.id, admin_graphql_api_id: customerGid(p), email: p.email, first_name: p.first, last_name: p.last, phone: p.phone,
  tags: 'newsletter', updated_at: '2025-03-01T00:00:00Z', default_address: address(p), addresses: [address(p)],
});

const orderPayload = (p: Person, id: number, i: number) => ({
  id, admin_graphql_api_id: orderGid(id), name: `#${id}`, email: p.email, phone: p.phone, currency: 'EUR',
  subtotal_price: `${40 + i}.00`, total_tax: '7.60', total_price: `${47 + i}.60`, financial_status: 'paid',
  note: `Leave it with ${p.first} ${p.last}`, processed_at: '2025-03-02T00:00:00Z', updated_at: '2025-03-02T00:00:00Z',
  customer: { id: p.id, admin_graphql_api_id: customerGid(p), email: p.email, first_name: p.first, last_name: p.last, phone: p.phone },
  shipping_address: address(p), billing_address: address(p),
  line_items: [{ id: id * 10, admin_graphql_api_id: `gid://shopify/LineItem/${id * 10}`, sku: 'MUG-1', name: 'Mug', quantity: 2, price: `${20 + i}.00`, variant_id: 501 }],
});

export function productPayload(id: number, sku: string) {
  return {
    id, admin_graphql_api_id: `gid://shopify/Product/${id}`, title: `Product ${sku}`, status: 'active', updated_at: '2025-03-01T00:00:00Z',
    variants: [{ id: id * 10, admin_graphql_api_id: `gid://shopify/ProductVariant/${id * 10}`, title: 'Default Title', sku, price: '10.00', updated_at: '2025-03-01T00:00:00Z' }],
  };
}

/** A signed (or forged, or unsigned) Shopify delivery to a connection's endpoint. */
export function deliverer(h: () => TestApp) {
  return (connectionId: string, topic: string, body: unknown, opts: { webhookId?: string; signature?: string | null; raw?: string } = {}) => {
    const raw = opts.raw ?? JSON.stringify(body);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-shopify-topic': topic,
      'x-shopify-webhook-id': opts.webhookId ?? randomUUID(),
      'x-shopify-triggered-at': new Date().toISOString(),
    };
    if (opts.signature !== null) headers['x-shopify-hmac-sha256'] = opts.signature ?? signShopify(raw, SECRET);
    return h().app.inject({ method: 'POST', url: `/webhooks/shopify/${connectionId}`, headers, payload: raw });
  };
}

/**
 * Puts a person and their orders in the hub through `connectionId`: signed customers/update and
 * orders/create deliveries, a signed delivery whose body cannot be read (dead-lettered with its raw
 * text), the addresses a pull of another shape would add, and an audit-log line with a field change.
 */
export async function seedPerson(h: TestApp, tenantId: string, connectionId: string, p: Person): Promise<void> {
  const deliver = deliverer(() => h);
  const ok = async (res: Awaited<ReturnType<typeof deliver>>) => {
    if (res.statusCode !== 200) throw new Error(`seed delivery answered ${res.statusCode}: ${res.body}`);
  };
  await ok(await deliver(connectionId, 'customers/update', customerPayload(p)));
  for (const [i, id] of p.orders.entries()) await ok(await deliver(connectionId, 'orders/create', orderPayload(p, id, i)));
  const broken = JSON.stringify(orderPayload(p, p.orders[0]!, 0)).slice(0, -3);
  await ok(await deliver(connectionId, 'orders/updated', null, { raw: broken }));
  await h.engine.webhooksIdle(connectionId);

  const addr = { name: `${p.first} ${p.last}`, address1: p.address1, city: 'Berlin', zip: '10115', countryCode: 'DE', phone: p.phone };
  const records = [
    { entity: 'customer', externalId: customerGid(p), email: p.email, firstName: p.first, lastName: p.last, phone: p.phone, tags: ['newsletter'], addresses: [addr], remoteUpdatedAt: '2025-03-03T00:00:00Z' },
    ...p.orders.map((id, i) => ({
      entity: 'order', externalId: orderGid(id), number: `#${id}`, status: 'open', financialStatus: 'PAID', currency: 'EUR',
      totals: { subtotal: `${40 + i}.00`, tax: '7.60', total: `${47 + i}.60` }, customer: { externalId: customerGid(p), email: p.email },
      addresses: { shipping: addr, billing: addr }, lines: [{ externalId: `gid://shopify/LineItem/${id * 10}`, sku: 'MUG-1', name: 'Mug', quantity: 2, unitPrice: `${20 + i}.00` }],
      placedAt: '2025-03-02T00:00:00Z', remoteUpdatedAt: '2025-03-03T00:00:00Z',
    })),
  ] as CanonicalRecord[];
  await h.t.db.withTenant(tenantId, async (tx) => {
    await applyRecords(tx, { tenantId, connectionId, runId: null, origin: 'shopify', passId: null }, records);
    await tx.query(
      `INSERT INTO sync_log (tenant_id, entity, hub_id, connection_id, direction, origin, action, changes)
       SELECT $1, 'customer', hub_id, $2, 'api', 'api', 'update', $4::jsonb FROM links WHERE connection_id = $2 AND entity = 'customer' AND external_id = $3`,
      [tenantId, connectionId, customerGid(p), JSON.stringify({ email: { old: 'old@example.org', new: p.email }, phone: { old: null, new: p.phone } })],
    );
  });
}

/** Every text, varchar, json, jsonb and array column of every table of the database, from information_schema. */
export async function textColumns(h: TestApp): Promise<{ s: string; t: string; c: string }[]> {
  const { rows } = await h.t.db.query<{ s: string; t: string; c: string }>(
    `SELECT c.table_schema AS s, c.table_name AS t, c.column_name AS c
       FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
      WHERE c.table_schema NOT IN ('pg_catalog', 'information_schema') AND c.table_schema NOT LIKE 'pg\\_toast%'
        AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY')
      ORDER BY 1, 2, 3`,
  );
  return rows;
}

/** Where in the database any of `values` occurs (any letter case), as "table.column: value"; read as the owner, past row-level security. */
export async function whereFound(h: TestApp, values: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const { s, t, c } of await textColumns(h)) {
    const { rows } = await h.t.db.query<{ v: string }>(
      `SELECT v FROM unnest($1::text[]) AS v WHERE EXISTS (SELECT 1 FROM "${s}"."${t}" x WHERE strpos(lower(x."${c}"::text), lower(v)) > 0)`,
      [values],
    );
    for (const r of rows) found.push(`${s === 'public' ? '' : `${s}.`}${t}.${c}: ${r.v}`);
  }
  return found;
}
