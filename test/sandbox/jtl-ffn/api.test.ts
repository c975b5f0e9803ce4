// Collections, products and stock (platforms/jtl-ffn.md sections 2, 3, 5, 7): the paging envelope, the $filter
// whitelist (plain params ignored), $orderBy, product create/duplicate/patch, float stock per warehouse.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startJtlFfnSandbox, type JtlFfnSandbox, type SeedResult } from '../../../src/sandbox/jtl-ffn/index.js';
import { accessToken, api } from './helpers.js';

let sb: JtlFfnSandbox;
let token: string;
let seeded: SeedResult;
beforeAll(async () => {
  sb = await startJtlFfnSandbox();
  token = await accessToken(sb);
});
beforeEach(() => {
  seeded = sb.seed({ products: 120, seed: 4, stockPerWarehouse: 10 });
});
afterAll(async () => {
  await sb?.close();
});

describe('collections', () => {
  it('pages with $top (default 50) and $skip in the {items,_page,_links,nextPageLink,count} envelope', async () => {
    const first = await api(sb, 'GET', 'v1/merchant/products', { token });
    expect(first.status).toBe(200);
    expect(first.body.count).toBe(50);
    expect(first.body._page).toEqual({ total: 120, limit: 50, offset: 0 });
    expect(first.body._links.previous).toBeNull();
    expect(first.body.nextPageLink).toBe(first.body._links.next);
    // Default order: creation order.
    expect(first.body.items.map((p: { jfsku: string }) => p.jfsku)).toEqual(seeded.products.slice(0, 50).map((p) => p.jfsku));
    const seen: string[] = [];
    let next: string | null = `${sb.url}/v1/merchant/products?$top=40`;
    while (next) {
      const page = await api(sb, 'GET', next, { token });
      seen.push(...page.body.items.map((p: { jfsku: string }) => p.jfsku));
      next = page.body.nextPageLink;
    }
    expect(seen).toEqual(seeded.products.map((p) => p.jfsku));
    const last = await api(sb, 'GET', 'v1/merchant/products', { token, query: { $top: 50, $skip: 100 } });
    expect(last.body).toMatchObject({ count: 20, _page: { total: 120, limit: 50, offset: 100 }, nextPageLink: null, _links: { next: null } });
    expect(new URL(last.body._links.previous).searchParams.get('$skip')).toBe('50');
  });

  it('refuses $top above 200 and bad $skip with 400', async () => {
    expect((await api(sb, 'GET', 'v1/merchant/products', { token, query: { $top: 200 } })).body.count).toBe(120);
    const tooBig = await api(sb, 'GET', 'v1/merchant/products', { token, query: { $top: 201 } });
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.errorCode.code).toBe('InvalidQuery');
    expect((await api(sb, 'GET', 'v1/merchant/products', { token, query: { $skip: -1 } })).status).toBe(400);
  });

  it('filters with eq on whitelisted fields joined by and; ignores plain params; 400 for other fields and operators', async () => {
    const target = seeded.products[7];
    const hit = await api(sb, 'GET', 'v1/merchant/products', { token, query: { $filter: `merchantSku eq '${target?.merchantSku}'` } });
    expect(hit.body.items.map((p: { jfsku: string }) => p.jfsku)).toEqual([target?.jfsku]);
    expect(hit.body._page.total).toBe(1);
    const both = await api(sb, 'GET', 'v1/merchant/products', { token, query: { $filter: `merchantSku eq '${target?.merchantSku}' and jfsku eq 'NOPE'` } });
    expect(both.body.count).toBe(0);
    const ean = hit.body.items[0].identifier.ean as string;
    expect((await api(sb, 'GET', 'v1/merchant/products', { token, query: { $filter: `identifier/ean eq '${ean}'` } })).body.count).toBe(1);
    // The observed pitfall: a plain parameter is silently ignored.
    const plain = await api(sb, 'GET', 'v1/merchant/products', { token, query: { merchantSku: target?.merchantSku ?? '' } });
    expect(plain.status).toBe(200);
    expect(plain.body._page.total).toBe(120);
    const bad = await api(sb, 'GET', 'v1/merchant/products', { token, query: { $filter: "netRetailPrice eq '5'" } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ errorCode: { code: 'InvalidQuery' }, errorMessages: [{ message: expect.stringContaining('netRetailPrice') }] });
    expect((await api(sb, 'GET', 'v1/merchant/products', { token, query: { $filter: "name ne 'x'" } })).status).toBe(400);
    expect((await api(sb, 'GET', 'v1/merchant/products', { token, query: { $filter: "name eq 'x' or name eq 'y'" } })).status).toBe(400);
  });

  it('orders with $orderBy and keeps creation order on ties', async () => {
    const res = await api(sb, 'GET', 'v1/merchant/products', { token, query: { $orderBy: 'merchantSku desc', $top: 3 } });
    expect(res.body.items.map((p: { merchantSku: string }) => p.merchantSku)).toEqual(['SKU-00120', 'SKU-00119', 'SKU-00118']);
    expect((await api(sb, 'GET', 'v1/merchant/products', { token, query: { $orderBy: 'weight' } })).status).toBe(400);
  });

  it('lists warehouses and filters stocks by warehouse', async () => {
    const wh = await api(sb, 'GET', 'v1/merchant/warehouses', { token });
    expect(wh.body.items.map((w: { warehouseId: string }) => w.warehouseId)).toEqual(seeded.warehouses);
    const [w1] = seeded.warehouses;
    sb.addProduct({ merchantSku: 'NO-STOCK', name: 'No stock' });
    const inW1 = await api(sb, 'GET', 'v1/merchant/stocks', { token, query: { $filter: `warehouses/warehouseId eq '${w1}'`, $top: 200 } });
    expect(inW1.body._page.total).toBe(120);
    const all = await api(sb, 'GET', 'v1/merchant/stocks', { token, query: { $top: 200 } });
    expect(all.body._page.total).toBe(121);
  });
});

describe('products', () => {
  it('creates with an assigned 8-character jfsku and the full shape; duplicate merchantSku is Products_DuplicateProduct with Jfsku', async () => {
    const body = {
      merchantSku: 'NEW-1', name: 'New thing', identifier: { ean: '4006381333931' }, dimensions: { length: 0.3, width: 0.2, height: 0.1 },
      weight: 1.25, netRetailPrice: 19.99, attributes: [{ key: 'material', value: 'oak', attributeType: 'String' }],
    };
    const created = await api(sb, 'POST', 'v1/merchant/products', { token, body });
    expect(created.status).toBe(201);
    expect(created.body.jfsku).toMatch(/^[A-Z0-9]{8}$/);
    expect(created.body).toMatchObject({
      merchantSku: 'NEW-1', merchantId: 'SBX1', identifier: { ean: '4006381333931', upc: null }, dimensions: { length: 0.3 }, weight: 1.25,
      condition: 'Default', specifications: { isDivisible: false }, modificationInfo: { state: 'New' },
    });
    expect(Date.parse(created.body.modificationInfo.createdAt)).toBeGreaterThan(0);
    const dup = await api(sb, 'POST', 'v1/merchant/products', { token, body: { merchantSku: 'NEW-1', name: 'Again' } });
    expect(dup.status).toBe(400);
    expect(dup.body).toEqual({
      errorCode: { code: 'Products_DuplicateProduct', description: expect.any(String) }, errorMessages: [{ message: expect.any(String) }],
      errorMetaData: { Jfsku: created.body.jfsku },
    });
    const invalid = await api(sb, 'POST', 'v1/merchant/products', { token, body: { name: 'no sku' } });
    expect(invalid.status).toBe(400);
  });

  it('patches partially (nested objects merge) and answers 404 Products_ProductNotFound for unknown jfskus', async () => {
    const jfsku = seeded.products[0]?.jfsku ?? '';
    const before = (await api(sb, 'GET', `v1/merchant/products/${jfsku}`, { token })).body;
    const patched = await api(sb, 'PATCH', `v1/merchant/products/${jfsku}`, { token, body: { name: 'Renamed', dimensions: { height: 0.5 } } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'Renamed', merchantSku: before.merchantSku, dimensions: { length: before.dimensions.length, height: 0.5 }, modificationInfo: { state: 'Modified' } });
    expect(Date.parse(patched.body.modificationInfo.updatedAt)).toBeGreaterThan(Date.parse(before.modificationInfo.updatedAt));
    const missing = await api(sb, 'GET', 'v1/merchant/products/ZZZZZZZZ', { token });
    expect(missing.status).toBe(404);
    expect(missing.body.errorCode.code).toBe('Products_ProductNotFound');
    expect((await api(sb, 'PATCH', 'v1/merchant/products/ZZZZZZZZ', { token, body: { name: 'x' } })).status).toBe(404);
  });
});

describe('stock', () => {
  it('keeps four float levels per warehouse and sums them at the top level', async () => {
    const { jfsku } = seeded.products[2] ?? { jfsku: '' };
    const [w1, w2] = seeded.warehouses as [string, string];
    sb.setStock(jfsku, w1, 2.5);
    sb.setStock(seeded.products[2]?.merchantSku ?? '', w2, 0.25);
    const res = await api(sb, 'GET', `v1/merchant/stocks/${jfsku}`, { token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ jfsku, stockLevel: 12.75, stockLevelReserved: 0, stockLevelBlocked: 0, stockLevelAnnounced: 0 });
    expect(res.body.warehouses).toEqual(expect.arrayContaining([
      { warehouseId: w1, stockLevel: 2.5, stockLevelReserved: 0, stockLevelBlocked: 0, stockLevelAnnounced: 0 },
      { warehouseId: w2, stockLevel: 0.25, stockLevelReserved: 0, stockLevelBlocked: 0, stockLevelAnnounced: 0 },
    ]));
    expect(sb.stock(jfsku)).toEqual(res.body);
    const perWarehouse = await api(sb, 'GET', `v1/merchant/stocks/warehouse/${w1}`, { token, query: { $filter: `jfsku eq '${jfsku}'` } });
    expect(perWarehouse.body.items).toEqual([expect.objectContaining({ jfsku, stockLevel: 2.5, warehouses: [expect.objectContaining({ warehouseId: w1 })] })]);
    expect((await api(sb, 'GET', 'v1/merchant/stocks/warehouse/NOPE', { token })).status).toBe(404);
  });
});
