// The control API under /_sandbox/: deterministic seeding, merchant edits, the data views, request log,
// stats, time scale, and per-request fault injection.
import { afterEach, describe, expect, it } from 'vitest';
import type { ShopifySandbox } from '../../../src/sandbox/shopify/index.js';
import { createShopifySandbox, startShopifySandbox } from '../../../src/sandbox/shopify/index.js';
import type { Loose } from './helpers.js';
import { gql } from './helpers.js';

let sb: ShopifySandbox;
afterEach(async () => sb?.close());

async function control(method: string, path: string, body?: unknown) {
  const response = await fetch(`${sb.url}/_sandbox/${path}`, {
    method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Loose };
}

describe('control API', () => {
  it('seeds the same data for the same seed', async () => {
    const spec = { products: 5, variantsPerProduct: 2, orders: 8, linesPerOrder: 2, customers: 3, locations: 2, seed: 7 };
    const a = createShopifySandbox();
    const b = createShopifySandbox();
    try {
      expect(a.seed(spec)).toEqual({ products: 5, variants: 10, orders: 8, lineItems: 16, customers: 3, locations: 2 });
      b.seed(spec);
      expect(b.products()).toEqual(a.products());
      expect(b.orders()).toEqual(a.orders());
      expect(b.customers()).toEqual(a.customers());
      b.seed({ ...spec, seed: 8 });
      expect(b.products()).not.toEqual(a.products());
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('seeds, edits and deletes over HTTP and serves the truth under /data', async () => {
    sb = await startShopifySandbox();
    expect((await control('POST', 'seed', { products: 2, orders: 2, customers: 2 })).body).toMatchObject({ products: 2, orders: 2 });
    const products = (await control('GET', 'data/products')).body;
    expect(products).toHaveLength(2);
    const edited = await control('POST', `products/${products[0].id}`, { title: 'Edited', price: '5.5', sku: 'NEW-SKU' });
    expect(edited.body).toMatchObject({ title: 'Edited', variants: [{ price: '5.50', sku: 'NEW-SKU' }] });
    expect(Date.parse(edited.body.updatedAt)).toBeGreaterThan(Date.parse(products[0].updatedAt));
    expect((await control('POST', `products/${products[0].id}`, { price: 'free' })).status).toBe(400);
    expect((await control('POST', 'products/1', { title: 'x' })).status).toBe(404);
    expect((await control('DELETE', `products/${products[1].id}`)).status).toBe(200);
    expect((await control('GET', 'data/products')).body.map((p: { title: string }) => p.title)).toEqual(['Edited']);
    const customers = (await control('GET', 'data/customers')).body;
    expect((await control('POST', `customers/${encodeURIComponent(customers[0].gid)}`, { tags: 'vip, gold' })).body.tags).toEqual(['gold', 'vip']);
    const orders = (await control('GET', 'data/orders')).body;
    expect((await control('POST', `orders/${orders[0].id}`, { cancelled: true })).body.cancelledAt).not.toBeNull();
    const variant = (await control('GET', 'data/products')).body[0].variants[0];
    const inventory = await control('POST', 'inventory', { inventoryItemId: variant.inventoryItemId, available: 42 });
    expect(inventory.body).toMatchObject({ available: 42 });
    expect((await control('GET', 'data/products')).body[0].variants[0].inventory[0].available).toBe(42);
  });

  it('logs requests with operation and cost, keeps stats, and changes the time scale', async () => {
    sb = await startShopifySandbox();
    await gql(sb, 'query Shop { shop { name } }');
    const log = (await control('GET', 'requests')).body;
    expect(log.at(-1)).toMatchObject({ api: 'graphql', operationName: 'Shop', requestedCost: 1, actualCost: 1, throttled: false, status: 200 });
    expect((await control('GET', 'stats')).body.graphql).toMatchObject({ requests: 1, pointsSpent: 1 });
    expect((await control('POST', 'time', { timeScale: 25 })).body).toEqual({ timeScale: 25 });
    expect((await control('GET', 'stats')).body.bucket.restoreRate).toBe(2500);
  });
});

describe('request faults', () => {
  const QUERY = '{ shop { name } }';
  const send = () => fetch(`${sb.url}/admin/api/2025-01/graphql.json`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-shopify-access-token': 'shpat_sandbox' },
    body: JSON.stringify({ query: QUERY }), signal: AbortSignal.timeout(2000),
  });

  it('injects 5xx, 429, 423, truncated bodies, resets and hangs, and stops when cleared', async () => {
    sb = await startShopifySandbox();
    sb.setFaults({ rate5xx: 1 });
    const error = await send();
    expect(error.status).toBe(500);
    expect(((await error.json()) as Loose).errors[0].extensions.code).toBe('INTERNAL_SERVER_ERROR');
    sb.setFaults({ rate5xx: 0, rate429: 1 });
    expect((await send()).status).toBe(429);
    sb.setFaults({ rate429: 0, shopLocked: true });
    expect((await send()).status).toBe(423);
    sb.setFaults({ shopLocked: false, rateMalformed: 1 });
    const malformed = await send();
    expect(malformed.status).toBe(200);
    await expect(malformed.json()).rejects.toThrow();
    sb.setFaults({ rateMalformed: 0, rateReset: 1 });
    await expect(send()).rejects.toThrow();
    sb.setFaults({ rateReset: 0, rateHang: 1, hangMs: 60_000 });
    const hung = await fetch(`${sb.url}/admin/api/2025-01/graphql.json`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-shopify-access-token': 'shpat_sandbox' },
      body: JSON.stringify({ query: QUERY }), signal: AbortSignal.timeout(150),
    }).catch((e: Error) => e);
    expect(hung).toBeInstanceOf(Error);
    sb.clearFaults();
    expect((await send()).status).toBe(200);
    expect(sb.stats().faultsInjected).toBe(6);
    expect(sb.stats().faults).toEqual({ '5xx': 1, '429': 1, locked: 1, malformed: 1, reset: 1, hang: 1 });
  });

  it('bumps updatedAt with no visible change under the spurious-bump fault', async () => {
    sb = await startShopifySandbox();
    sb.seed({ products: 1 });
    const before = sb.products()[0];
    sb.setFaults({ spuriousUpdatedAtBump: 1 });
    await gql(sb, QUERY);
    const after = sb.products()[0];
    expect(after?.updatedAt).not.toBe(before?.updatedAt);
    expect({ ...after, updatedAt: before?.updatedAt }).toEqual(before);
  });
});
