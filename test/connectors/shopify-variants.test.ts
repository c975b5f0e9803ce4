// Products shaped like real shops' catalogs, pulled from the Shopify sandbox: products of 1, 20, 21,
// 250, 251 and 2,048 variants, 15 % of variants without a SKU, some oversold (negative) stock. A full
// (bulk) pull, merchant edits of variants past the first page of 20, an incremental pull; and an
// incremental pull from nothing. The hub must equal the shop variant by variant, with every run
// `succeeded` and no dead letter. A webhook for a product whose payload is cut at 100 variants
// re-reads the whole product; a variant stocked at more locations than the first page holds keeps
// every level.
import { afterEach, describe, expect, it } from 'vitest';
import { signShopify } from '../../src/connectors/shopify/webhooks.js';
import { processWebhookEvents, receiveWebhook } from '../../src/engine/webhooks.js';
import { compare, deadLetters, type Harness, REAL_SHOP, shopifyHarness } from '../helpers/shopify.js';


interface ShopProduct {
  id: number;
  gid: string;
  title: string;
  variants: { id: number; gid: string; sku: string | null; inventoryItemId: number; inventory: { available: number }[] }[];
}

const productsOf = async (h: Harness) => (await (await fetch(`${h.sb.url}/_sandbox/data/products`)).json()) as ShopProduct[];
const statuses = (runs: { stream: string; status: string; error?: { message?: string } | null }[]) => runs.map((r) => [r.stream, r.status, r.error?.message ?? '']);

describe('Shopify products shaped like real catalogs', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('full pull, edits past the 20th variant, incremental pull: the hub equals the shop, all succeeded, no dead letter', async () => {
    h = await shopifyHarness(REAL_SHOP, { timeScale: 200 });
    const shop = await productsOf(h);
    const all = shop.flatMap((p) => p.variants);
    expect(shop.map((p) => p.variants.length).slice(0, 6)).toEqual([1, 20, 21, 250, 251, 2048]);
    // the data really is shaped as intended
    const skuLess = all.filter((v) => !v.sku).length / all.length;
    expect(skuLess).toBeGreaterThan(0.1);
    expect(skuLess).toBeLessThan(0.2);
    expect(all.some((v) => v.inventory.some((l) => l.available < 0))).toBe(true);

    const full = await h.sync('full');
    expect(statuses(full)).toEqual([['customers', 'succeeded', ''], ['products', 'succeeded', ''], ['orders', 'succeeded', '']]);
    let c = await compare(h);
    expect(c.hub.variants).toEqual(c.shop.variants);
    expect(c.hub.stock).toEqual(c.shop.stock);
    expect(c.hub.variants).toHaveLength(all.length);
    expect(await deadLetters(h.t.db, h.connectionId)).toEqual([]);

    // A merchant edits variants past the first page of 20: prices, titles, a SKU given to a SKU-less
    // variant, and oversold stock on a variant of a product that was also edited.
    for (const [pi, positions] of [[2, [20]], [3, [21, 149, 249]], [4, [250]], [5, [20, 999, 2047]]] as const) {
      const product = shop[pi]!;
      const variants = positions.map((pos, k) => {
        const v = product.variants[pos]!;
        return { id: v.id, price: `${500 + pi * 10 + k}.25`, ...(v.sku ? {} : { sku: `NEW-${pi}-${pos}` }) };
      });
      h.sb.editProduct(product.id, { title: `${product.title} (edited)`, variants });
    }
    const oversold = shop[5]!.variants[1500]!;
    h.sb.setInventory({ inventoryItemId: oversold.inventoryItemId, available: -7 });
    h.sb.editProduct(shop[5]!.id, { variants: [{ id: oversold.id, price: '1.99' }] });

    const inc = await h.sync('incremental');
    expect(statuses(inc)).toEqual([['customers', 'succeeded', ''], ['products', 'succeeded', ''], ['orders', 'succeeded', '']]);
    c = await compare(h);
    expect(c.hub.variants).toEqual(c.shop.variants);
    expect(c.hub.stock).toEqual(c.shop.stock);
    expect(c.hub.variants.find((v) => v.id === oversold.gid)?.price).toBe('1.99');
    expect(c.hub.stock.filter((s) => s.variant === oversold.gid).map((s) => s.available)).toContain(-7);
    expect(c.hub.variants.filter((v) => v.name.includes('(edited)')).length).toBe(21 + 250 + 251 + 2048);
    expect(await deadLetters(h.t.db, h.connectionId)).toEqual([]);
  });

  it('an incremental pull from an empty hub brings every variant of every product, with its stock', async () => {
    h = await shopifyHarness(REAL_SHOP, { timeScale: 200 });
    const runs = await h.sync('incremental');
    expect(statuses(runs)).toEqual([['customers', 'succeeded', ''], ['products', 'succeeded', ''], ['orders', 'succeeded', '']]);
    const c = await compare(h);
    expect(c.hub.variants).toEqual(c.shop.variants);
    expect(c.hub.stock).toEqual(c.shop.stock);
    expect(c.hub.variants.length).toBe(1 + 20 + 21 + 250 + 251 + 2048 + 6 * 3);
    // SKU-less variants are hub products of their own, linked by their variant id, and so is their stock.
    const skuLess = (await h.t.db.query<{ n: number; stocked: number }>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE EXISTS (SELECT 1 FROM stock_levels s WHERE s.product_id = p.id))::int AS stocked
         FROM links l JOIN products p ON p.id = l.hub_id WHERE l.connection_id = $1 AND l.entity = 'product' AND p.sku IS NULL`, [h.connectionId])).rows[0]!;
    expect(skuLess.n).toBeGreaterThan(200);
    expect(skuLess.stocked).toBe(skuLess.n);
    expect(await deadLetters(h.t.db, h.connectionId)).toEqual([]);
    // The 2,048-variant product took its follow-up queries: 40 pages of 50 after the first 20.
    const followUps = h.sb.requests().filter((r) => JSON.stringify(r).includes('ProductVariants')).length;
    expect(followUps).toBeGreaterThanOrEqual(40 + 5 + 5 + 1);
  });

  it('a variant stocked at more locations than the first page holds keeps every level', async () => {
    h = await shopifyHarness({ products: 3, variantsPerProduct: 2, locations: 8, seed: 3 }, { timeScale: 200 });
    const runs = await h.sync('incremental');
    expect(runs.every((r) => r.status === 'succeeded')).toBe(true);
    const c = await compare(h);
    expect(c.hub.stock).toEqual(c.shop.stock);
    expect(c.hub.stock).toHaveLength(3 * 2 * 8);
  });

  it('a products webhook cut at 100 variants re-reads the whole product', async () => {
    h = await shopifyHarness({ variantCounts: [251], locations: 1, seed: 9 }, { timeScale: 200 });
    expect(statuses(await h.sync('full')).every(([, s]) => s === 'succeeded')).toBe(true);
    const [product] = await productsOf(h);
    // The merchant edits variants 150 and 250; the REST-shaped payload carries the first 100 only.
    h.sb.editProduct(product!.id, { variants: [{ id: product!.variants[150]!.id, price: '777.00' }, { id: product!.variants[250]!.id, price: '778.00' }] });
    // The webhook's payload is the REST view of the product, as Shopify sends it.
    const rest = (await (await fetch(`${h.sb.url}/admin/api/2026-07/products/${product!.id}.json`, { headers: { 'X-Shopify-Access-Token': 'shpat_sandbox' } })).json()) as { product: { variants: unknown[] } };
    expect(rest.product.variants).toHaveLength(100);
    const body = Buffer.from(JSON.stringify(rest.product));
    const deps = h.engine.deps;
    const received = await receiveWebhook(deps, 'shopify', h.connectionId, {
      headers: { 'x-shopify-topic': 'products/update', 'x-shopify-webhook-id': 'wh-251', 'x-shopify-hmac-sha256': signShopify(body, 'sandbox-api-secret') },
      rawBody: body,
      query: {},
    });
    expect(received.received).toBe(1);
    expect(await processWebhookEvents(deps, h.tenantId, h.connectionId)).toBe(1);
    const c = await compare(h);
    expect(c.hub.variants).toEqual(c.shop.variants);
    expect(c.hub.variants.filter((v) => v.price === '777.00' || v.price === '778.00')).toHaveLength(2);
    const event = (await h.t.db.query<{ status: string; error: string }>('SELECT status, error FROM webhook_events WHERE connection_id = $1', [h.connectionId])).rows[0];
    expect(event).toMatchObject({ status: 'applied' });
    expect(event!.error).toMatch(/^re-read 1 of 1/);
  });
});
