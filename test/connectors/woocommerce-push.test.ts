// WooCommerce writes and re-reads against the sandbox: a product pushed reads back with the same push
// hash (echo suppression), a refused SKU inside a batch's 200 is reported by SKU, stock lands with
// manage_stock, and re-reading a group never triggers the save-on-read quirk (no webhook loop).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../src/connectors/http.js';
import { Limiter } from '../../src/connectors/limiter.js';
import type { Ctx } from '../../src/connectors/types.js';
import type { WooConfig } from '../../src/connectors/woocommerce/config-merged.js';
import { wooConnector } from '../../src/connectors/woocommerce/index.js';
import type { WooProductItem } from '../../src/connectors/woocommerce/mapping.js';
import { productsStream } from '../../src/connectors/woocommerce/streams.js';
import { pushedFields, pushHashOf } from '../../src/core/push-hash.js';
import type { ProductRecord } from '../../src/core/records.js';
import { RetryBudget } from '../../src/core/retry-budget.js';
import { startWooSandbox, type WooSandbox } from '../../src/sandbox/woocommerce/index.js';
import { SANDBOX_OUTBOUND } from '../helpers/outbound.js';

describe('WooCommerce push against the sandbox', () => {
  let sb: WooSandbox;
  let ctx: Ctx<WooConfig>;

  beforeAll(async () => {
    sb = await startWooSandbox({ timeScale: 50 });
    const config = wooConnector.config.parse({ siteUrl: sb.url, consumerKey: sb.consumerKey, consumerSecret: sb.consumerSecret });
    const http = createHttpClient({
      baseUrl: wooConnector.baseUrl(config), limiter: new Limiter(wooConnector.rateLimit(config)), defaultHeaders: wooConnector.defaultHeaders!(config),
      signal: new AbortController().signal, budget: new RetryBudget(), classify: wooConnector.classify, backoff: { baseMs: 5, capMs: 20 }, outbound: SANDBOX_OUTBOUND,
    });
    ctx = { config, http, signal: new AbortController().signal, runStartedAt: new Date(), log: { debug() {}, info() {}, warn() {} } };
  });
  beforeEach(() => {
    sb.seed({ products: 3, variableProducts: 1, variationsPerProduct: 2, customers: 0, orders: 0, seed: 3 });
    sb.clearFaults();
    sb.clearRequests();
  });
  afterAll(async () => {
    await sb?.close();
  });

  const simple = () => sb.products().filter((p) => p.type === 'simple');
  const variable = () => sb.products().find((p) => p.type === 'variable')!;
  /** A group as the pull reads it. */
  async function reread(id: string): Promise<ProductRecord[]> {
    const group = await productsStream.fetchGroup!(ctx, id);
    for (const child of group!.children ?? []) {
      for (let after: string | number | null = child.after; after !== null;) {
        const page = await child.fetch(ctx as Ctx<unknown>, after);
        child.attach(page!.nodes);
        after = page!.done ? null : page!.next;
      }
    }
    return productsStream.toRecords(group!.item).filter((r): r is ProductRecord => r.entity === 'product');
  }
  const fields = wooConnector.push!.productFields!;

  it('a pushed simple product and variation read back with the push hash of what was sent', async () => {
    const p = simple()[0]!;
    const sent = { name: 'Hub mug', description: 'From the hub', sku: 'HUB-MUG', price: '9.50', compareAtPrice: '12.00', taxable: true, isActive: true };
    await wooConnector.push!.upsertProduct!(ctx, {
      parentExternalId: null, title: 'Hub mug', description: sent.description, isActive: true,
      skus: [{ externalId: String(p.id), sku: sent.sku, variantName: 'Default Title', price: sent.price, compareAtPrice: sent.compareAtPrice, taxable: true }],
    });
    const [back] = await reread(String(p.id));
    expect(pushHashOf(pushedFields(fields, back!))).toBe(pushHashOf(pushedFields(fields, sent)));

    const v = variable();
    const variation = v.variation_objects[0]!;
    const res = await wooConnector.push!.upsertProduct!(ctx, {
      parentExternalId: String(v.id), title: v.name as string, isActive: false,
      // taxable stays true: the sandbox serves tax_status as 'taxable' whatever was written.
      skus: [{ externalId: String(variation.id), sku: 'HUB-VAR', variantName: 'x', price: '5.00', compareAtPrice: null, taxable: true }],
    });
    expect(res.skus).toEqual([{ sku: 'HUB-VAR', externalId: String(variation.id), platformIds: { parentId: String(v.id) } }]);
    const readBack = (await reread(String(v.id))).find((r) => r.externalId === String(variation.id))!;
    expect(readBack).toMatchObject({ sku: 'HUB-VAR', price: '5.00', compareAtPrice: null, taxable: true, isActive: false });
  });

  it('reports a SKU WooCommerce refuses inside the batch answer by SKU, and still writes the others', async () => {
    const [a, b] = simple();
    const err = await wooConnector.push!.upsertProduct!(ctx, {
      parentExternalId: null, title: 'Pair',
      // b takes a's SKU: WooCommerce refuses the duplicate for b only.
      skus: [{ externalId: String(a!.id), sku: 'PAIR-1', variantName: 'A', price: '1.00' }, { externalId: String(b!.id), sku: 'PAIR-1', variantName: 'B', price: '2.00' }],
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'upstream_rejected', message: expect.stringMatching(new RegExp(`^WooCommerce refused 1 of 2 SKUs: SKU PAIR-1 \\(#${b!.id}\\): product_invalid_sku`)) });
    expect(sb.products().find((p) => p.id === a!.id)).toMatchObject({ sku: 'PAIR-1', regular_price: '1.00' });
  });

  it('sets stock with manage_stock on a product and on a variation', async () => {
    const p = simple()[1]!;
    await wooConnector.push!.setStock!(ctx, { productExternalId: String(p.id), locationId: 'default', available: 13, idempotencyKey: 'k1' });
    expect(sb.products().find((x) => x.id === p.id)).toMatchObject({ manage_stock: true, stock_quantity: 13 });
    const v = variable();
    const variation = v.variation_objects[1]!;
    await wooConnector.push!.setStock!(ctx, { productExternalId: String(variation.id), locationId: 'default', available: 0, idempotencyKey: 'k2', platformIds: { parentId: String(v.id) } });
    expect(variable().variation_objects[1]).toMatchObject({ manage_stock: true, stock_quantity: 0, stock_status: 'outofstock' });
  });

  it('re-reads a group through the list, so a save-on-read plugin fires no new product.updated', async () => {
    sb.setFaults({ writeOnRead: true });
    const v = variable();
    const before = v.date_modified_gmt;
    const records = await reread(String(v.id));
    expect(records).toHaveLength(2);
    expect(variable().date_modified_gmt).toBe(before);
    expect(variable().variation_objects.map((x) => x.date_modified_gmt)).toEqual(v.variation_objects.map((x) => x.date_modified_gmt));
    expect(sb.requests().every((r) => !/\/products\/\d+$/.test(r.path))).toBe(true);
    expect(await productsStream.fetchGroup!(ctx, '999999')).toBeNull();
    const item = (await productsStream.fetchGroup!(ctx, String(simple()[0]!.id)))!.item as WooProductItem;
    expect(item.variations).toEqual([]);
  });
});
