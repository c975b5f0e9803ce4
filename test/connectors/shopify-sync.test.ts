// The Shopify connector against the Shopify sandbox: the initial (bulk) pull and incremental pulls
// make the hub equal to the shop; with faults on and merchant edits during the pull, a final
// incremental run converges.
import { afterEach, describe, expect, it } from 'vitest';
import type { OrderView } from '../../src/sandbox/shopify/control/views.js';
import { compare, type Harness, shopifyHarness as harness } from '../helpers/shopify.js';

/** Every hub order carries the shop order's buyer email and shipping address (what JTL-FFN outbounds need). */
async function expectAddresses(h: Harness): Promise<void> {
  const shop = (await (await fetch(`${h.sb.url}/_sandbox/data/orders`)).json()) as OrderView[];
  const { rows } = await h.t.db.query<{ id: string; data: { customer?: { email?: string }; addresses?: { shipping?: Record<string, string> } } }>(
    `SELECT l.external_id AS id, o.data FROM links l JOIN orders o ON o.id = l.hub_id
      WHERE l.connection_id = $1 AND l.entity = 'order' AND l.deleted_at IS NULL`, [h.connectionId]);
  const hub = new Map(rows.map((r) => [r.id, r.data]));
  expect(hub.size).toBe(shop.length);
  for (const o of shop) {
    const data = hub.get(o.gid);
    const a = o.shippingAddress!;
    expect(data?.customer?.email).toBe(o.email ?? undefined);
    expect(data?.addresses?.shipping).toMatchObject({ name: a.name, address1: a.address1, city: a.city, zip: a.zip, countryCode: a.countryCode });
  }
}

describe('Shopify connector against the sandbox', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it.each([
    { version: '2026-07', note: 'ungrouped bulk output, children written before their parents' },
    { version: '2025-01', note: 'grouped bulk output, polled through currentBulkOperation' },
  ])('the initial bulk pull and incremental pulls make the hub equal to the shop ($version: $note)', async ({ version }) => {
    h = await harness({ products: 40, variantsPerProduct: 3, orders: 200, linesPerOrder: 3, customers: 60, locations: 2, seed: 7 }, {}, version);
    if (version >= '2026-01') h.sb.setFaults({ bulkUngroupedChildrenFirst: true });
    const runs = await h.sync('full');
    expect(runs.map((r) => [r.stream, r.status, r.error?.message ?? ''])).toEqual([['customers', 'succeeded', ''], ['products', 'succeeded', ''], ['orders', 'succeeded', '']]);
    let c = await compare(h);
    expect(c.hub).toEqual(c.shop);
    expect(c.hub.variants.length).toBe(120);
    expect(c.hub.stock.length).toBeGreaterThanOrEqual(120); // every SKU stocked at one location or more
    // Each SKU's link keeps its inventory item, which stock webhooks name instead of the variant.
    const withItem = (await h.t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM links WHERE connection_id = $1 AND entity = 'product' AND platform_ids->>'inventoryItemId' LIKE 'gid://shopify/InventoryItem/%'`,
      [h.connectionId])).rows[0]!.n;
    expect(withItem).toBe(120);
    await expectAddresses(h);

    // Merchant edits, then an incremental pull picks them up.
    const products = (await (await fetch(`${h.sb.url}/_sandbox/data/products`)).json()) as { id: number }[];
    h.sb.editProduct(products[0]!.id, { title: 'Renamed board', price: '99.00' } as never);
    const orders = (await (await fetch(`${h.sb.url}/_sandbox/data/orders`)).json()) as { id: number }[];
    h.sb.editOrder(orders[5]!.id, { note: 'edited' } as never);
    const inc = await h.sync('incremental');
    expect(inc.every((r) => r.status === 'succeeded')).toBe(true);
    c = await compare(h);
    expect(c.hub).toEqual(c.shop);
    expect(c.hub.variants.find((v) => v.name.startsWith('Renamed board'))).toBeTruthy();
  });

  it('in REST legacy mode, full and incremental pulls make the hub equal to the shop, within the leaky bucket', async () => {
    h = await harness({ products: 30, variantsPerProduct: 2, orders: 600, linesPerOrder: 2, customers: 40, locations: 1, seed: 11 }, {}, '2024-10', 'rest');
    const runs = await h.sync('full');
    expect(runs.map((r) => [r.stream, r.status, r.error?.message ?? ''])).toEqual([['customers', 'succeeded', ''], ['products', 'succeeded', ''], ['orders', 'succeeded', '']]);
    let c = await compare(h);
    const { stock: _hubStock, ...hub } = c.hub; // REST products carry no stock per location
    const { stock: _shopStock, ...shop } = c.shop;
    expect(hub).toEqual(shop);
    expect(hub.orders.length).toBe(600); // 3 pages of 250: Link page_info paging, status=any
    await expectAddresses(h);

    const products = (await (await fetch(`${h.sb.url}/_sandbox/data/products`)).json()) as { id: number }[];
    h.sb.editProduct(products[3]!.id, { title: 'Renamed over REST' } as never);
    const inc = await h.sync('incremental');
    expect(inc.every((r) => r.status === 'succeeded')).toBe(true);
    c = await compare(h);
    expect(c.hub.variants).toEqual(c.shop.variants);
    expect(c.hub.variants.some((v) => v.name.startsWith('Renamed over REST'))).toBe(true);
    const stats = (await (await fetch(`${h.sb.url}/_sandbox/stats`)).json()) as { rest: { requests: number; throttled: number } };
    expect(stats.rest.requests).toBeGreaterThan(6);
    expect(stats.rest.throttled).toBe(0);
  });

  it('with faults on and merchant edits during the pull, a final incremental run converges', async () => {
    h = await harness({ products: 60, variantsPerProduct: 2, orders: 300, linesPerOrder: 2, customers: 80, locations: 1, seed: 11 });
    const harnessNow = h;
    h.sb.setFaults({ rate5xx: 0.1, rate429: 0.03, rateHang: 0.02, hangMs: 3_000, rateReset: 0.01, rateMalformed: 0.01, spuriousUpdatedAtBump: 0.05 });
    const products = (await (await fetch(`${h.sb.url}/_sandbox/data/products`)).json()) as { id: number }[];
    const orders = (await (await fetch(`${h.sb.url}/_sandbox/data/orders`)).json()) as { id: number }[];
    let edits = 0;
    // A merchant keeps editing while the pulls run.
    const merchant = setInterval(() => {
      if (edits >= 30) return;
      const i = edits++;
      harnessNow.sb.editProduct(products[(i * 7) % products.length]!.id, { title: `Edited ${i}`, price: `${10 + i}.00` } as never);
      harnessNow.sb.editOrder(orders[(i * 13) % orders.length]!.id, { note: `n${i}` } as never);
    }, 20);
    try {
      const full = await h.sync('full');
      expect(full.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
      await h.sync('incremental');
    } finally {
      clearInterval(merchant);
    }
    expect(edits).toBeGreaterThan(0);
    // the faults really happened
    const faults = h.sb.requests().map((r) => r.fault).filter(Boolean);
    expect(faults.length).toBeGreaterThanOrEqual(3);
    expect(new Set(faults).size).toBeGreaterThanOrEqual(2);
    h.sb.clearFaults();
    const last = await h.sync('incremental');
    expect(last.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    const c = await compare(h);
    expect(c.hub).toEqual(c.shop);
  });
});
