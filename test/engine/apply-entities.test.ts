// applyRecords for every entity type, on the driver under test (PGlite, or PostgreSQL in test:pg):
// hub rows, links and one audit line per created or changed record; a repeat writes nothing; changes
// are updates (order lines replaced); products match across connections by SKU; stock is placed by
// the linked product's SKU or rejected; a soft-deleted link comes back as a create.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMasterKey, parseMasterKey, SecretBox } from '../../src/core/secret-box.js';
import type { CanonicalRecord } from '../../src/core/records.js';
import { applyRecords } from '../../src/engine/apply.js';
import { insertConnection } from '../../src/store/connections.js';
import { createTenant } from '../../src/store/tenants.js';
import { createTestDb, type TestDb } from '../helpers/db.js';

const at = '2026-03-01T10:00:00.000Z';

const page: CanonicalRecord[] = [
  { entity: 'product', externalId: 'p1', parentExternalId: null, sku: 'SKU-1', name: 'Mug', price: '10.00', remoteUpdatedAt: at },
  { entity: 'product', externalId: 'p2', parentExternalId: 'g1', group: { externalId: 'g1', title: 'Shirts' }, sku: 'SKU-2', name: 'Shirt M', remoteUpdatedAt: at },
  { entity: 'customer', externalId: 'c1', email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace', remoteUpdatedAt: at },
  { entity: 'catalog_item', externalId: 'v1', productExternalId: 'pf1', productName: 'Poster', variantName: 'A3', price: '9.50', currency: 'EUR', inStock: true },
  { entity: 'stock_level', productExternalId: 'p1', locationId: 'main', available: 5, reserved: 1 },
  { entity: 'stock_level', productExternalId: 'unknown', locationId: 'main', available: 2 },
  {
    entity: 'order',
    externalId: 'o1',
    number: '#1001',
    status: 'open',
    currency: 'EUR',
    totals: { total: '25.00' },
    customer: { externalId: 'c1' },
    lines: [
      { externalId: 'l1', sku: 'SKU-1', quantity: 2, unitPrice: '10.00', total: '20.00' },
      { externalId: 'l2', sku: 'SKU-X', quantity: 1, unitPrice: '5.00', total: '5.00' },
    ],
    placedAt: at,
    remoteUpdatedAt: at,
  },
];

describe('applyRecords writes every entity type', () => {
  let t: TestDb;
  let tenantId: string;
  let connA: string;
  let connB: string;
  const apply = (connectionId: string, records: CanonicalRecord[]) =>
    t.db.withTenant(tenantId, (tx) => applyRecords(tx, { tenantId, connectionId, runId: null, origin: 'shopify', passId: null }, records));
  const hubIdOf = async (connectionId: string, entity: string, externalId: string) =>
    (await t.db.query<{ hub_id: string }>('SELECT hub_id FROM links WHERE connection_id = $1 AND entity = $2 AND external_id = $3', [connectionId, entity, externalId])).rows[0]?.hub_id;
  const logActions = async (hubId: string) =>
    (await t.db.query<{ action: string }>('SELECT action FROM sync_log WHERE hub_id = $1 ORDER BY id', [hubId])).rows.map((r) => r.action);

  beforeAll(async () => {
    t = await createTestDb();
    const box = new SecretBox(parseMasterKey(generateMasterKey()));
    tenantId = (await t.db.transaction((tx) => createTenant(tx, 'apply'))).tenant.id;
    const connect = (name: string) =>
      t.db.withTenant(tenantId, (tx) => insertConnection(tx, box, { tenantId, platform: 'shopify', name, settings: {}, credentials: { token: 'x' } }));
    connA = (await connect('a')).id;
    connB = (await connect('b')).id;
  });
  afterAll(() => t?.cleanup());

  it('writes hub rows, links and one create per record; stock for an unknown product is rejected', async () => {
    const result = await apply(connA, page);
    expect(result).toMatchObject({ added: 6, updated: 0, unchanged: 0 });
    expect(result.rejected.map((r) => r.record)).toEqual([page[5]]);

    const links = (await t.db.query<{ entity: string; external_id: string }>('SELECT entity, external_id FROM links WHERE connection_id = $1 ORDER BY entity, external_id', [connA])).rows;
    expect(links).toEqual([
      { entity: 'catalog_item', external_id: 'v1' },
      { entity: 'customer', external_id: 'c1' },
      { entity: 'order', external_id: 'o1' },
      { entity: 'product', external_id: 'p1' },
      { entity: 'product', external_id: 'p2' },
      { entity: 'stock_level', external_id: 'p1@main' },
    ]);

    const p1 = (await hubIdOf(connA, 'product', 'p1'))!;
    const p2 = (await hubIdOf(connA, 'product', 'p2'))!;
    const products = (await t.db.query<{ id: string; sku: string; group_key: string | null; group_title: string | null; data: Record<string, unknown>; field_meta: Record<string, { origin: string }>; last_updated_by: string }>(
      'SELECT id, sku, group_key, group_title, data, field_meta, last_updated_by FROM products WHERE tenant_id = $1 ORDER BY sku', [tenantId],
    )).rows;
    expect(products.map((p) => [p.id, p.sku, p.group_key, p.group_title])).toEqual([[p1, 'SKU-1', null, null], [p2, 'SKU-2', 'g1', 'Shirts']]);
    expect(products[0]!.data).toEqual({ sku: 'SKU-1', name: 'Mug', price: '10.00' });
    expect(Object.keys(products[0]!.field_meta).sort()).toEqual(['name', 'price', 'sku']);
    expect(products[0]!.field_meta.price?.origin).toBe('shopify');
    expect(products[0]!.last_updated_by).toBe('shopify');

    const c1 = (await hubIdOf(connA, 'customer', 'c1'))!;
    const customer = (await t.db.query('SELECT email, first_name, last_name FROM customers WHERE id = $1', [c1])).rows;
    expect(customer).toEqual([{ email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace' }]);

    const catalog = (await t.db.query<{ id: string; price: string; in_stock: boolean }>('SELECT id, price::text AS price, in_stock FROM catalog_items WHERE connection_id = $1', [connA])).rows;
    expect(catalog).toEqual([{ id: await hubIdOf(connA, 'catalog_item', 'v1'), price: '9.5000', in_stock: true }]);

    const stock = (await t.db.query('SELECT id, product_id, sku, location_id, available, reserved FROM stock_levels WHERE tenant_id = $1', [tenantId])).rows;
    expect(stock).toEqual([{ id: await hubIdOf(connA, 'stock_level', 'p1@main'), product_id: p1, sku: 'SKU-1', location_id: 'main', available: 5, reserved: 1 }]);

    const o1 = (await hubIdOf(connA, 'order', 'o1'))!;
    const order = (await t.db.query('SELECT customer_id, number, total::text AS total FROM orders WHERE id = $1', [o1])).rows;
    expect(order).toEqual([{ customer_id: c1, number: '#1001', total: '25.0000' }]);
    const lines = (await t.db.query('SELECT line_no, sku, product_id, quantity FROM order_lines WHERE order_id = $1 ORDER BY line_no', [o1])).rows;
    expect(lines).toEqual([
      { line_no: 1, sku: 'SKU-1', product_id: p1, quantity: 2 },
      { line_no: 2, sku: 'SKU-X', product_id: null, quantity: 1 },
    ]);

    const log = (await t.db.query<{ entity: string; hub_id: string; direction: string; origin: string; action: string; connection_id: string }>(
      'SELECT entity, hub_id, direction, origin, action, connection_id FROM sync_log WHERE tenant_id = $1', [tenantId],
    )).rows;
    expect(log).toHaveLength(6);
    expect(new Set(log.map((l) => `${l.direction}/${l.origin}/${l.action}/${l.connection_id}`))).toEqual(new Set([`pull/shopify/create/${connA}`]));
    const linked = (await t.db.query<{ entity: string; hub_id: string }>('SELECT entity, hub_id FROM links WHERE connection_id = $1', [connA])).rows;
    expect(log.map((l) => `${l.entity}:${l.hub_id}`).sort()).toEqual(linked.map((l) => `${l.entity}:${l.hub_id}`).sort());
  });

  it('a repeat of the same records writes nothing', async () => {
    const logBefore = (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM sync_log')).rows[0]!.n;
    const result = await apply(connA, page);
    expect(result).toMatchObject({ added: 0, updated: 0, unchanged: 6 });
    expect(result.rejected).toHaveLength(1);
    expect((await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM sync_log')).rows[0]!.n).toBe(logBefore);
  });

  it('changed records are updates: the hub id stays, order lines are replaced', async () => {
    const p1 = (await hubIdOf(connA, 'product', 'p1'))!;
    const o1 = (await hubIdOf(connA, 'order', 'o1'))!;
    const order = page[6] as Extract<CanonicalRecord, { entity: 'order' }>;
    const result = await apply(connA, [
      { ...(page[0] as Extract<CanonicalRecord, { entity: 'product' }>), price: '12.00' },
      { ...order, status: 'paid', lines: [{ externalId: 'l1', sku: 'SKU-1', quantity: 3 }] },
    ]);
    expect(result).toMatchObject({ added: 0, updated: 2, unchanged: 0 });
    expect(await hubIdOf(connA, 'product', 'p1')).toBe(p1);
    const product = (await t.db.query<{ data: { price: string } }>('SELECT data FROM products WHERE id = $1', [p1])).rows[0]!;
    expect(product.data.price).toBe('12.00');
    const lines = (await t.db.query('SELECT line_no, quantity, product_id FROM order_lines WHERE order_id = $1', [o1])).rows;
    expect(lines).toEqual([{ line_no: 1, quantity: 3, product_id: p1 }]);
    expect(await logActions(p1)).toEqual(['create', 'update']);
    expect(await logActions(o1)).toEqual(['create', 'update']);
  });

  it('a product of another connection with the same SKU joins the same hub product', async () => {
    const p1 = (await hubIdOf(connA, 'product', 'p1'))!;
    const result = await apply(connB, [{ entity: 'product', externalId: 'other-1', parentExternalId: null, sku: 'SKU-1', name: 'Mug (B)' }]);
    expect(result).toMatchObject({ added: 1, updated: 0 });
    expect(await hubIdOf(connB, 'product', 'other-1')).toBe(p1);
    expect((await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM products WHERE tenant_id = $1', [tenantId])).rows[0]!.n).toBe(2);
    const merged = (await t.db.query<{ name: string; data: Record<string, unknown> }>('SELECT name, data FROM products WHERE id = $1', [p1])).rows[0]!;
    expect(merged).toEqual({ name: 'Mug (B)', data: { sku: 'SKU-1', name: 'Mug (B)', price: '12.00' } });
    expect(await logActions(p1)).toEqual(['create', 'update', 'create']);
  });

  it('stock of a SKU-less product belongs to that product; stock of an unlinked id is refused with the real cause', async () => {
    const result = await apply(connA, [
      { entity: 'product', externalId: 'no-sku-1', parentExternalId: 'g9', name: 'Poster (no SKU)' },
      { entity: 'product', externalId: 'no-sku-2', parentExternalId: 'g9', name: 'Poster B (no SKU)' },
      { entity: 'stock_level', productExternalId: 'no-sku-1', locationId: 'main', available: -3, reserved: 2 },
      { entity: 'stock_level', productExternalId: 'no-sku-1', locationId: 'annex', available: 4 },
      { entity: 'stock_level', productExternalId: 'no-sku-2', locationId: 'main', available: 9 },
      { entity: 'stock_level', productExternalId: 'never-pulled', locationId: 'main', available: 1 },
    ]);
    expect(result).toMatchObject({ added: 5, updated: 0 });
    expect(result.rejected.map((r) => r.reason)).toEqual([
      'stock at main for never-pulled, which no live product of this connection is linked to (its product record was not pulled, was refused, or was deleted)',
    ]);
    const a = (await hubIdOf(connA, 'product', 'no-sku-1'))!;
    const b = (await hubIdOf(connA, 'product', 'no-sku-2'))!;
    expect(a).not.toBe(b); // two SKU-less records are two hub products, never merged
    const stock = (await t.db.query('SELECT product_id, sku, location_id, available, reserved FROM stock_levels WHERE product_id = ANY($1::uuid[]) ORDER BY available', [[a, b]])).rows;
    expect(stock).toEqual([
      { product_id: a, sku: null, location_id: 'main', available: -3, reserved: 2 },
      { product_id: a, sku: null, location_id: 'annex', available: 4, reserved: 0 },
      { product_id: b, sku: null, location_id: 'main', available: 9, reserved: 0 },
    ]);
    // A later report of `available` alone keeps the reserved quantity it does not carry.
    await apply(connA, [{ entity: 'stock_level', productExternalId: 'no-sku-1', locationId: 'main', available: 5 }]);
    expect((await t.db.query(`SELECT available, reserved FROM stock_levels WHERE product_id = $1 AND location_id = 'main'`, [a])).rows).toEqual([{ available: 5, reserved: 2 }]);
  });

  it('duplicate SKUs within one shop stay separate products with stock of their own; another platform joins the SKU holder', async () => {
    const result = await apply(connA, [
      { entity: 'product', externalId: 'dup-a', parentExternalId: 'g7', sku: 'DUP-1', name: 'Cap red' },
      { entity: 'product', externalId: 'dup-b', parentExternalId: 'g7', sku: 'DUP-1', name: 'Cap blue' },
      { entity: 'stock_level', productExternalId: 'dup-a', locationId: 'main', available: 3 },
      { entity: 'stock_level', productExternalId: 'dup-b', locationId: 'main', available: 8 },
    ]);
    expect(result).toMatchObject({ added: 4, rejected: [] });
    expect((await apply(connA, [{ entity: 'product', externalId: 'dup-c', parentExternalId: 'g7', sku: 'DUP-1', name: 'Cap green' }])).added).toBe(1);
    const ids = await Promise.all(['dup-a', 'dup-b', 'dup-c'].map((x) => hubIdOf(connA, 'product', x)));
    expect(new Set(ids).size).toBe(3);
    const rows = (await t.db.query<{ id: string; sku: string | null; data_sku: string }>(`SELECT id, sku, data->>'sku' AS data_sku FROM products WHERE id = ANY($1::uuid[])`, [ids])).rows;
    expect(rows.find((r) => r.id === ids[0])).toMatchObject({ sku: 'DUP-1', data_sku: 'DUP-1' });
    expect(rows.filter((r) => r.sku === null && r.data_sku === 'DUP-1')).toHaveLength(2);
    const stock = (await t.db.query<{ product_id: string; available: number }>(`SELECT product_id, available FROM stock_levels WHERE product_id = ANY($1::uuid[]) ORDER BY available`, [ids])).rows;
    expect(stock).toEqual([{ product_id: ids[0], available: 3 }, { product_id: ids[1], available: 8 }]);
    // Another platform's record with that SKU links to the product that holds it.
    await apply(connB, [{ entity: 'product', externalId: 'b-dup', parentExternalId: null, sku: 'DUP-1', name: 'Cap (B)' }]);
    expect(await hubIdOf(connB, 'product', 'b-dup')).toBe(ids[0]);
    // A record whose SKU changes to one another product holds is written; the unique column keeps its value.
    await apply(connA, [{ entity: 'product', externalId: 'mv-1', parentExternalId: null, sku: 'MV-1', name: 'Hat' }]);
    const moved = await apply(connA, [{ entity: 'product', externalId: 'mv-1', parentExternalId: null, sku: 'DUP-1', name: 'Hat' }]);
    expect(moved).toMatchObject({ updated: 1 });
    const hat = (await t.db.query<{ sku: string; data_sku: string }>(`SELECT sku, data->>'sku' AS data_sku FROM products WHERE id = $1`, [await hubIdOf(connA, 'product', 'mv-1')])).rows[0];
    expect(hat).toEqual({ sku: 'MV-1', data_sku: 'DUP-1' });
  });

  it('a soft-deleted link that comes back is written again as a create, keeping its hub id', async () => {
    const p2 = (await hubIdOf(connA, 'product', 'p2'))!;
    await t.db.query(`UPDATE links SET deleted_at = now() WHERE connection_id = $1 AND external_id = 'p2'`, [connA]);
    const result = await apply(connA, [page[1]!]);
    expect(result).toMatchObject({ added: 1, updated: 0, unchanged: 0 });
    const link = (await t.db.query<{ hub_id: string; deleted_at: Date | null }>(`SELECT hub_id, deleted_at FROM links WHERE connection_id = $1 AND external_id = 'p2'`, [connA])).rows;
    expect(link).toEqual([{ hub_id: p2, deleted_at: null }]);
    expect(await logActions(p2)).toEqual(['create', 'create']);
  });
});
