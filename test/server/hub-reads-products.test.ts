// GET /api/v1/products, /products/:id and /sync-status over hub data written by the engine's write path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeHubCursor, type JsonPage } from '../../src/store/hub-reads.js';
import { listProducts, type ProductFilter } from '../../src/store/hub-reads-products.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { BIG, type Fixture, getter, rawExternalId, PRODUCTS, seedHub, SKULESS, variantGid, allPages } from './hub-reads-fixture.js';

describe('hub read API: products and sync status', () => {
  let h: TestApp;
  let f: Fixture;
  /** Position of each product in the list's order (created_at, id): rows written together share created_at. */
  let rank: Map<string, number>;
  const inListOrder = (ids: (string | undefined)[]) => [...(ids as string[])].sort((a, b) => rank.get(a)! - rank.get(b)!);
  const get = (url: string, auth?: { authorization: string }) => getter(h, () => f.tenant.auth)(url, auth);
  const sql = (text: string, params: unknown[] = []) => h.t.db.query(text, params);

  const all = (path: string, limit: number) => allPages(get, path, limit);

  beforeAll(async () => {
    h = await createTestApp();
    f = await seedHub(h);
    const ordered = await h.t.db.query<{ id: string }>('SELECT id FROM products WHERE tenant_id = $1 ORDER BY created_at, id', [f.tenant.id]);
    rank = new Map(ordered.rows.map((r, i) => [r.id, i]));
    // Sync states: one product whose Shopify record is dead-lettered (plus a resolved dead letter and one
    // of another stream for the same id, which do not count), one with an open conflict, one whose hub
    // change is not pushed yet.
    await sql(
      `INSERT INTO dead_letters (tenant_id, connection_id, stream, kind, external_id, payload, reason, error_code, status) VALUES
         ($1, $2, 'products', 'record', $3, '{}', 'price: must be a non-negative decimal string like "12.50"', 'record_invalid', 'open'),
         ($1, $2, 'products', 'record', $4, '{}', 'old failure', 'record_invalid', 'resolved'),
         ($1, $2, 'orders', 'record', $4, '{}', 'an order with the same id', 'record_invalid', 'open')`,
      [f.tenant.id, f.shop, variantGid(3), variantGid(4)],
    );
    await sql(`INSERT INTO conflicts (tenant_id, product_id, field, local_origin, remote_origin, local_at, remote_at) VALUES ($1, $2, 'name', 'hub', 'shopify', now(), now())`, [f.tenant.id, f.productIds[5]]);
    await sql(`UPDATE products SET sync_status = 'PENDING' WHERE id = $1`, [f.productIds[6]]);
    await sql(`INSERT INTO stream_state (tenant_id, connection_id, stream, last_success_at) VALUES ($1, $2, 'products', '2025-03-01T10:00:00.123Z'), ($1, $3, 'offers', '2025-03-02T08:00:00Z'), ($1, $2, 'orders', '2025-04-01T00:00:00Z')`, [f.tenant.id, f.shop, f.emag]);
  });
  afterAll(() => h?.close());

  it('pages through every product exactly once, in order of creation, across page boundaries', async () => {
    const { items, pages } = await all('/products', 50);
    expect(items).toHaveLength(PRODUCTS + 2);
    expect(pages).toBe(3);
    expect(items.map((i) => i.id)).toEqual(inListOrder(f.productIds));
    const small = await all('/products', 7);
    expect(small.items.map((i) => i.id)).toEqual(items.map((i) => i.id));
    expect(small.pages).toBe(Math.ceil((PRODUCTS + 2) / 7));
  });

  it('shows each product with its links: platform, connection, external and platform ids as exact strings', async () => {
    const res = await get(`/products?sku=TEE-000`);
    // Ids beyond 2^53 reach the client digit for digit (no JSON number on the way).
    expect(res.body).toMatch(rawExternalId(variantGid(0)));
    expect(res.body).toMatch(rawExternalId(String(BIG)));
    const [p] = res.json().items;
    expect(p).toMatchObject({ id: f.productIds[0], sku: 'TEE-000', name: 'Blue Tee 0 / S', groupKey: `gid://shopify/Product/${BIG}`, groupTitle: 'Blue Tee 0', syncStatus: 'in_sync' });
    // The eMAG offer's price came last but eMAG may not write price (field ownership): Shopify's stays.
    expect(p.fields).toMatchObject({ price: '19.90', compareAtPrice: '24.90', reorderPoint: 10, weight: { value: 0.2, unit: 'kg' } });
    expect(p.links.map((l: { platform: string }) => l.platform)).toEqual(['shopify', 'emag', 'jtl-ffn']);
    expect(p.links[0]).toEqual({
      connectionId: f.shop, platform: 'shopify', connectionName: 'shop', externalId: variantGid(0), parentExternalId: `gid://shopify/Product/${BIG}`,
      platformIds: { inventoryItemId: `gid://shopify/InventoryItem/${BIG + 1000n}` }, remoteUpdatedAt: null, lastChangedAt: expect.any(String),
      lastPulledAt: expect.any(String), lastPushedAt: null, state: 'in_sync', error: null,
    });
    expect(p.links[1]).toMatchObject({ connectionId: f.emag, externalId: String(BIG), platformIds: {} });
  });

  it('filters by exact SKU (duplicates of one shop included, SKU-less variants never), and by name or SKU prefix in any case', async () => {
    const one = (await get('/products?sku=TEE-007')).json();
    expect(one.items.map((i: { id: string }) => i.id)).toEqual([f.productIds[7]]);
    const dup = (await get('/products?sku=DUP-1')).json();
    expect(dup.items.map((i: { id: string }) => i.id)).toEqual(inListOrder([f.productIds[PRODUCTS], f.productIds[PRODUCTS + 1]]));
    expect(dup.items.map((i: { sku: string }) => i.sku)).toEqual(['DUP-1', 'DUP-1']);
    expect((await get('/products?sku=tee-007')).json().items).toEqual([]);

    const skuless = (await all('/products', 100)).items.filter((i) => i.sku === null);
    expect(skuless).toHaveLength(Array.from({ length: PRODUCTS }, (_, i) => i).filter(SKULESS).length);

    const byName = await all('/products?q=blue%20tee%201', 4);
    const expected = Array.from({ length: PRODUCTS }, (_, i) => i).filter((i) => i % 3 === 0 && String(Math.floor(i / 3)).startsWith('1'));
    expect(byName.items.map((i) => i.id)).toEqual(inListOrder(expected.map((i) => f.productIds[i])));
    const bySku = (await get('/products?q=tee-01&limit=500')).json().items;
    expect(bySku.map((i: { sku: string }) => i.sku).sort()).toEqual(['TEE-010', 'TEE-011', 'TEE-012', 'TEE-013', 'TEE-014', 'TEE-015', 'TEE-016', 'TEE-017', 'TEE-018']);
    // A prefix, not a substring; LIKE wildcards are plain characters.
    expect((await get('/products?q=ee-01')).json().items).toEqual([]);
    expect((await get('/products?q=%25')).json().items).toEqual([]);
    expect((await get('/products?q=MUG%20/%20')).json().items.map((i: { name: string }) => i.name).sort()).toEqual(['Mug / black', 'Mug / white']);
  });

  it('derives each sync status from links, dead letters, conflicts and sync_status, and filters by it', async () => {
    const error = (await get('/products?syncStatus=error')).json().items;
    expect(error.map((i: { id: string }) => i.id)).toEqual([f.productIds[3]]);
    expect(error[0].links.find((l: { platform: string }) => l.platform === 'shopify')).toMatchObject({
      state: 'error', error: { message: 'price: must be a non-negative decimal string like "12.50"', code: 'record_invalid', deadLetterId: expect.any(String) },
    });
    // The same product's eMAG link is not in error: its dead letter names the Shopify record.
    expect(error[0].links.find((l: { platform: string }) => l.platform === 'emag')).toMatchObject({ state: 'in_sync', error: null });
    expect((await get('/products?syncStatus=conflict')).json().items.map((i: { id: string }) => i.id)).toEqual([f.productIds[5]]);
    const pending = (await get('/products?syncStatus=pending')).json().items;
    expect(pending.map((i: { id: string }) => i.id)).toEqual([f.productIds[6]]);
    expect(pending[0].links.every((l: { state: string }) => l.state === 'pending')).toBe(true);

    const inSync = await all('/products?syncStatus=in_sync', 40);
    expect(inSync.items).toHaveLength(PRODUCTS + 2 - 3);
    expect(inSync.items.every((i) => i.syncStatus === 'in_sync')).toBe(true);
    const byId = new Map((await all('/products', 500)).items.map((i) => [i.id, i.syncStatus]));
    expect([byId.get(f.productIds[3]!), byId.get(f.productIds[4]!), byId.get(f.productIds[5]!), byId.get(f.productIds[6]!)]).toEqual(['error', 'in_sync', 'conflict', 'pending']);
  });

  it('sync-status counts the same states per tenant, with the last successful product pull', async () => {
    const res = await get('/sync-status');
    expect(res.statusCode).toBe(200);
    // Unmatched: the variants pulled without a SKU, each a product of its own (never merged by name).
    const skuless = Array.from({ length: PRODUCTS }, (_, i) => i).filter(SKULESS).length;
    expect(skuless).toBeGreaterThan(0);
    expect(res.json()).toEqual({ total: PRODUCTS + 2, synced: PRODUCTS + 2 - 3, pending: 1, conflict: 1, error: 1, unmatched: skuless, lastSyncAt: '2025-03-02T08:00:00.000Z' });
    expect((await get('/sync-status', f.other.auth)).json()).toEqual({ total: 1, synced: 1, pending: 0, conflict: 0, error: 0, unmatched: 0, lastSyncAt: null });
  });

  it('filters by connection, and answers 404 for a connection of another tenant', async () => {
    const emag = (await get(`/products?connectionId=${f.emag}`)).json().items;
    expect(emag.map((i: { id: string }) => i.id)).toEqual(inListOrder(f.productIds.slice(0, 5)));
    const ffn = (await get(`/products?connectionId=${f.ffn.toUpperCase()}`)).json().items;
    expect(ffn.map((i: { sku: string }) => i.sku).sort()).toEqual(['TEE-000', 'TEE-001']);
    const foreign = await get(`/products?connectionId=${f.otherShop}`);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().error.code).toBe('not_found');
  });

  it('a filter gives the same pages whether its candidates are gathered first or the list is read in order', async () => {
    const pages = async (filter: ProductFilter, candidateCap: number) => {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const after = cursor ? decodeHubCursor('products', cursor) : null;
        const page: JsonPage = await h.t.db.withTenant(f.tenant.id, (tx) => listProducts(tx, f.tenant.id, { ...filter, limit: 4, after, candidateCap }));
        ids.push(...(JSON.parse(page.itemsJson) as { id: string }[]).map((p) => p.id));
        cursor = page.nextCursor;
      } while (cursor);
      return ids;
    };
    for (const filter of [{ q: 'blue tee 1' }, { q: 'TEE-01' }, { connectionId: f.emag }, { q: 'tee-0', connectionId: f.ffn }] as ProductFilter[]) {
      const gathered = await pages(filter, 1000);
      expect(gathered.length, JSON.stringify(filter)).toBeGreaterThan(1);
      expect(await pages(filter, 1), JSON.stringify(filter)).toEqual(gathered);
      expect(await pages(filter, 0), JSON.stringify(filter)).toEqual(gathered);
    }
  });

  it('updatedSince lists changed products in order of change, and refuses a cursor of the other order', async () => {
    await sql(`UPDATE products SET updated_at = $2::timestamptz + (array_position($1::uuid[], id) * interval '1 minute') WHERE id = ANY($1::uuid[])`, [
      [f.productIds[20], f.productIds[10], f.productIds[30]],
      '2030-01-01T00:00:00Z',
    ]);
    const changed = await all('/products?updatedSince=2030-01-01T00:00:00Z', 2);
    expect(changed.items.map((i) => i.id)).toEqual([f.productIds[20], f.productIds[10], f.productIds[30]]);
    expect((await get('/products?updatedSince=2030-01-01T00:02:00%2B00:00')).json().items.map((i: { id: string }) => i.id)).toEqual([f.productIds[10], f.productIds[30]]);
    expect((await get('/products?updatedSince=2030-01-02')).json().items).toEqual([]);

    const created = (await get('/products?limit=2')).json();
    const mixed = await get(`/products?updatedSince=2030-01-01&cursor=${created.nextCursor}`);
    expect(mixed.statusCode).toBe(400);
    expect(mixed.json().error.code).toBe('validation_failed');
  });

  it('shows one product with stock per location, field provenance and links; 404 across tenants', async () => {
    const res = await get(`/products/${f.productIds[0]!.toUpperCase()}`);
    expect(res.statusCode).toBe(200);
    const p = res.json();
    expect(p.id).toBe(f.productIds[0]);
    expect(p.stock).toEqual([
      { id: expect.any(String), locationId: 'gid://shopify/Location/1', available: 3, reserved: 1, announced: 0, updatedAt: expect.any(String) },
      { id: expect.any(String), locationId: 'gid://shopify/Location/2', available: 4, reserved: 1, announced: 0, updatedAt: expect.any(String) },
    ]);
    // Which origin set each field: Shopify's price (eMAG's later offer price was refused); JTL the ops fields.
    expect(p.fieldMeta.price).toEqual({ origin: 'shopify', at: expect.any(String) });
    expect(p.fieldMeta.compareAtPrice).toEqual({ origin: 'shopify', at: expect.any(String) });
    expect(p.fieldMeta.reorderPoint).toEqual({ origin: 'jtl-ffn', at: expect.any(String) });
    expect(p.links).toHaveLength(3);
    expect(p.conflicts).toEqual([]);
    expect((await get(`/products/${f.productIds[5]}`)).json().conflicts).toEqual([expect.objectContaining({ field: 'name', localOrigin: 'hub', remoteOrigin: 'shopify' })]);

    for (const [id, auth] of [[f.otherProductId, f.tenant.auth], [f.productIds[0]!, f.other.auth], ['00000000-0000-4000-8000-000000000000', f.tenant.auth]] as const) {
      const r = await get(`/products/${id}`, auth);
      expect(r.statusCode).toBe(404);
      expect(r.json().error.code).toBe('not_found');
    }
    await sql(`UPDATE products SET deleted_at = now() WHERE id = $1`, [f.productIds[PRODUCTS + 1]]);
    expect((await get(`/products/${f.productIds[PRODUCTS + 1]}`)).statusCode).toBe(404);
    expect((await get('/products?sku=DUP-1')).json().items).toHaveLength(1);
    await sql(`UPDATE products SET deleted_at = NULL WHERE id = $1`, [f.productIds[PRODUCTS + 1]]);
  });

  it.each([
    ['limit=0'], ['limit=501'], ['limit=ten'], ['syncStatus=synced'], ['syncStatus=ERROR'], ['connectionId=42'], ['updatedSince=2023-02-29'],
    ['updatedSince=yesterday'], ['updatedSince=2024-01-01T10:00:00'], ['cursor=bm90LWEtY3Vyc29y'], ['cursor=p.bm90LWEtY3Vyc29y'], ['sku='], [`q=${'x'.repeat(201)}`],
  ])('answers 400 validation_failed for %s', async (query) => {
    const res = await get(`/products?${query}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('validation_failed');
  });

  it('answers 400 for a malformed product id and 401 without a key', async () => {
    const bad = await get('/products/not-a-uuid');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('validation_failed');
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/products' })).statusCode).toBe(401);
  });

  it('documents every list endpoint and its filters in the OpenAPI document', async () => {
    const doc = (await h.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    const params = (path: string) => (doc.paths[path].get.parameters as { name: string }[]).map((p) => p.name).sort();
    expect(params('/api/v1/products')).toEqual(['connectionId', 'cursor', 'limit', 'q', 'sku', 'syncStatus', 'updatedSince']);
    expect(params('/api/v1/orders')).toEqual(['connectionId', 'createdFrom', 'createdTo', 'cursor', 'customerId', 'limit', 'status']);
    expect(params('/api/v1/customers')).toEqual(['cursor', 'email', 'limit']);
    expect(params('/api/v1/stock')).toEqual(['belowReorderPoint', 'cursor', 'limit', 'productId', 'sku']);
    for (const path of ['/api/v1/products/{id}', '/api/v1/orders/{id}', '/api/v1/customers/{id}', '/api/v1/sync-status']) expect(doc.paths[path]?.get).toBeTruthy();
  });
});
