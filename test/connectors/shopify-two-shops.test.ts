// Two Shopify shops selling the same SKUs, both linked to one hub product per SKU, with the webhooks of
// both delivered to a listening server (test/helpers/two-shops.ts). The hub is the hub: an edit in shop
// A reaches shop B through it and is not sent back to A; a hub edit reaches both shops; each push's
// webhook is our own echo, so nothing is pushed again; and a burst of edits is coalesced per shop.
// Push counts come from the sandboxes' request logs ("Push" is the connector's productSet operation);
// "nothing more is pushed" is checked as no product-push job left queued or running once every webhook
// has been applied, rather than by waiting a while and counting again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/db.js';
import { type TwoShopProduct, type TwoShops, twoShops } from '../helpers/two-shops.js';

const SEED = { products: 6, variantsPerProduct: 2, locations: 1, orders: 0, customers: 0, seed: 29 };
const BURST = 50;

describe('two Shopify shops sharing SKUs through one hub (webhooks on)', () => {
  let h: TwoShops;
  let products: TwoShopProduct[];

  /** Every webhook applied, no push queued or running, the product synced: nothing further will be sent. */
  const quiet = async (p: TwoShopProduct) => {
    await h.webhooksSettled();
    await h.settled(p.id);
    await waitFor(async () => (await h.pushJobsPending()) === 0, 15_000, 'no product push queued or running');
  };

  beforeAll(async () => {
    // The engine's default debounce: the burst test relies on edits joining a waiting push.
    h = await twoShops({ seed: SEED, debounceMs: 1_000 });
    products = await h.linked();
  }, 60_000);
  afterAll(() => h?.close());

  it('links every variant of shop A and of shop B to one hub product per SKU', () => {
    expect(products).toHaveLength(SEED.products * SEED.variantsPerProduct);
    expect(new Set(products.map((p) => p.sku)).size).toBe(products.length);
    for (const p of products) expect([h.shopPrice('a', p), h.shopPrice('b', p)]).toEqual([p.price, p.price]);
  });

  it('a price edited in shop A reaches the hub, then shop B with one productSet, none to A; B\'s webhook of it is our echo', async () => {
    const p = products[0]!;
    h.clearRequests();
    h.editPrice('a', p, '41.00');
    await waitFor(async () => (await h.hubPrice(p.id)) === '41.00', 15_000, 'the shop A price in the hub');
    await waitFor(() => h.shopPrice('b', p) === '41.00', 15_000, 'the price in shop B');
    await waitFor(async () => (await h.logLines(p.id, 'echo', h.b.connectionId)) > 0, 15_000, "shop B's webhook recognised as our echo");
    await quiet(p);
    expect({ a: h.productSets('a'), b: h.productSets('b') }).toEqual({ a: 0, b: 1 });
    const shown = await h.product(p.id);
    expect([shown.fields.price, shown.fieldMeta.price.origin, shown.syncStatus]).toEqual(['41.00', 'shopify', 'in_sync']);
    expect(await h.logLines(p.id, 'conflict')).toBe(0);
    expect(h.shopPrice('a', p)).toBe('41.00');
  });

  it('a hub edit reaches both shops with one productSet each and both webhooks are echoes', async () => {
    const p = products[2]!;
    expect(p.a.product).not.toBe(products[0]!.a.product);
    h.clearRequests();
    expect((await h.patch(p.id, { price: '23.45' })).statusCode).toBe(200);
    await waitFor(() => h.shopPrice('a', p) === '23.45' && h.shopPrice('b', p) === '23.45', 15_000, 'the hub price in both shops');
    await waitFor(
      async () => (await h.logLines(p.id, 'echo', h.a.connectionId)) > 0 && (await h.logLines(p.id, 'echo', h.b.connectionId)) > 0,
      15_000,
      'both webhooks recognised as echoes',
    );
    await quiet(p);
    expect({ a: h.productSets('a'), b: h.productSets('b') }).toEqual({ a: 1, b: 1 });
    const shown = await h.product(p.id);
    expect([shown.fields.price, shown.fieldMeta.price.origin, shown.syncStatus]).toEqual(['23.45', 'hub', 'in_sync']);
  });

  it(`${BURST} rapid hub edits of one product are at most two productSets per shop, and both shops end with the last value`, async () => {
    const p = products[4]!;
    h.clearRequests();
    const prices = Array.from({ length: BURST }, (_, i) => `${30 + i}.99`);
    const started = performance.now();
    for (const price of prices) expect((await h.patch(p.id, { price })).statusCode).toBe(200);
    const burstMs = performance.now() - started;
    const last = prices.at(-1)!;
    await waitFor(() => h.shopPrice('a', p) === last && h.shopPrice('b', p) === last, 20_000, 'the last price in both shops');
    await quiet(p);
    const sets = { a: h.productSets('a'), b: h.productSets('b') };
    // The burst's length decides how many pushes it can take (the debounce plus the workers' 1 s poll): say it on failure.
    expect(sets.a, `productSets to A after a ${Math.round(burstMs)} ms burst`).toBeGreaterThanOrEqual(1);
    expect(sets.a, `productSets to A after a ${Math.round(burstMs)} ms burst`).toBeLessThanOrEqual(2);
    expect(sets.b, `productSets to B after a ${Math.round(burstMs)} ms burst`).toBeGreaterThanOrEqual(1);
    expect(sets.b, `productSets to B after a ${Math.round(burstMs)} ms burst`).toBeLessThanOrEqual(2);
    expect([await h.hubPrice(p.id), h.shopPrice('a', p), h.shopPrice('b', p)]).toEqual([last, last, last]);
    expect((await h.product(p.id)).syncStatus).toBe('in_sync');
    expect(await h.logLines(p.id, 'conflict')).toBe(0);
  });
});
