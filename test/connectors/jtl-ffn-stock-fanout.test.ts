// Stock from JTL-FFN fanned out to the storefronts (DESIGN.md 5.6, docs/bidirectional.md "Stock"): a
// level changed in a JTL warehouse reaches the hub with the connection's scheduled poll (JTL has no
// webhooks) and is pushed by the outbox to every linked storefront, as the sum of the warehouses that
// storefront is stocked from (its `stockWarehouses` setting, default all). Harness:
// test/helpers/jtl-storefronts.ts (a Shopify shop, a WooCommerce store and a JTL-FFN account of one
// tenant selling the same SKUs; workers running).
//
// The poll interval. A JTL connection gets the schedule {everyMinutes: 2, streams: [stock, outbounds]};
// runDueSchedules (the minute cron's body) triggers a stream when its last attempt is older than the
// interval. Minutes cannot be waited for in a test, and the schedule cannot be made shorter: its
// resolution is whole minutes (the API refuses everyMinutes < 1) and runDueSchedules computes the
// throttle from it. So the test keeps the real schedule and throttle and moves time instead: `tick()`
// moves the connection's last attempts back by one interval (what the clock would have done) and calls
// runDueSchedules once, as the cron would after the interval. The cron itself is unscheduled in the
// harness, so every tick is one the test made.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/db.js';
import { jtlStorefronts, type JtlStorefronts, type TriSku } from '../helpers/jtl-storefronts.js';
import { runDueSchedules } from '../../src/engine/schedules.js';

const WAIT_MS = 20_000;

/** Every SKU's level in both storefronts is `level(sku)`. */
async function storefrontsAt(h: JtlStorefronts, shop: (s: TriSku) => number, woo: (s: TriSku) => number, what: string) {
  await waitFor(() => h.skus.every((s) => h.shopLevel(s) === shop(s) && h.wooLevel(s) === woo(s)), WAIT_MS, what).catch((err: Error) => {
    throw new Error(`${err.message}; storefronts: ${JSON.stringify(h.skus.map((s) => [s.sku, h.shopLevel(s), h.wooLevel(s)]))}`);
  });
}

describe('JTL-FFN stock fan-out: two warehouses, both storefronts stocked from all', () => {
  let h: JtlStorefronts;

  beforeAll(async () => {
    h = await jtlStorefronts({ products: 3, warehouses: 2, initialLevel: 5 });
  }, 60_000);
  afterAll(() => h?.close());

  it('stock changed in JTL is in the hub within one poll interval and pushed to the Shopify and WooCommerce sandboxes', async () => {
    const [w1, w2] = h.jtl.warehouses as [string, string];
    expect(h.jtl.schedule).toEqual({ everyMinutes: 2, streams: ['stock', 'outbounds'] });
    // After linking: 5 + 5 everywhere (the default sums every warehouse).
    await storefrontsAt(h, () => 10, () => 10, 'the initial sum in both storefronts');
    const s = h.skus[1]!;
    const before = await h.hubLevels(s.hubId);
    expect(before.map((l) => [l.location_id, l.available])).toEqual([[w1, 5], [w2, 5]]);

    // Within the interval the schedule does not poll: the tick right after the first pull is throttled.
    const early = (await runDueSchedules(h.engine)).find((r) => r.connection === h.jtl.connectionId);
    expect(early).toMatchObject({ created: 0, active: 0, throttled: 2 });

    h.jtl.sb.setStock(s.sku, w1, 17);
    const { result, runs } = await h.tick();
    expect(result).toMatchObject({ created: 2, throttled: 0 });
    expect(runs.map((r) => [r.stream, r.status]).sort()).toEqual([['outbounds', 'succeeded'], ['stock', 'succeeded']]);
    // The poll read the change from the feed, not by listing.
    expect(h.jtl.sb.requestLog().some((e) => e.path.endsWith('/stocks/updates'))).toBe(true);
    const after = await h.hubLevels(s.hubId);
    expect(after.map((l) => [l.location_id, l.available])).toEqual([[w1, 17], [w2, 5]]);
    expect(after[0]!.updated_at.getTime()).toBeGreaterThan(before[0]!.updated_at.getTime());
    expect(after[1]!.updated_at.getTime()).toBe(before[1]!.updated_at.getTime());

    await storefrontsAt(h, (x) => (x === s ? 22 : 10), (x) => (x === s ? 22 : 10), 'the new sum in both storefronts');
    await h.settled();
    // One stock write per storefront for the one change, and nothing else written.
    expect(h.stockWrites()).toEqual({ shopify: 1, woo: 1 });
    expect(h.stockWrites(s).woo).toBe(1);
    expect(h.storefrontWrites()).toEqual({ shopify: 1, woo: 1 });

    // The next tick reads the feed again (its window overlaps the last one) and finds nothing new: no write.
    h.clearRequests();
    const second = await h.tick();
    expect(second.runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    expect(h.jtl.sb.requestLog().some((e) => e.path.endsWith('/stocks/updates'))).toBe(true);
    await h.settled();
    expect(h.storefrontWrites()).toEqual({ shopify: 0, woo: 0 });
    expect((await h.hubLevels(s.hubId)).map((l) => l.updated_at.getTime())).toEqual(after.map((l) => l.updated_at.getTime()));
    expect([h.shopLevel(s), h.wooLevel(s)]).toEqual([22, 22]);
  });

  it('a JTL stock change for a SKU no storefront has does not fail the poll: rejected while its product is unknown, then stored and pushed nowhere', async () => {
    const [w1, w2] = h.jtl.warehouses as [string, string];
    const linked = h.skus[0]!;
    // A product created in the JTL portal after the last products pull, with stock; in the same
    // poll, a change of a linked SKU.
    h.jtl.sb.addProduct({ merchantSku: 'JTL-ONLY-1', name: 'Only in the warehouse' });
    h.jtl.sb.setStock('JTL-ONLY-1', w1, 40);
    h.jtl.sb.setStock(linked.sku, w2, 8);
    h.clearRequests();
    const { runs } = await h.tick();
    // The schedule polls stock and outbounds, not products: the stock change names a jfsku no link of
    // the connection knows. stock-levels.ts rejects it (no row written); the page commits the other
    // levels, the rejection becomes a dead letter and the run ends partial, not failed.
    const stock = runs.find((r) => r.stream === 'stock')!;
    expect(stock.status).toBe('partial');
    expect(stock.counts.deadLetters).toBe(1);
    const { rows: letters } = await h.db.query<{ reason: string; error_code: string; external_id: string }>(
      `SELECT reason, error_code, external_id FROM dead_letters WHERE run_id = $1`, [stock.id]);
    expect(letters).toHaveLength(1);
    expect(letters[0]!.error_code).toBe('record_invalid');
    expect(letters[0]!.reason).toMatch(new RegExp(`^stock at ${w1} for \\w+, which no live product of this connection is linked to`));
    const { rows: orphan } = await h.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM stock_levels WHERE tenant_id = $1 AND sku = 'JTL-ONLY-1'`, [h.tenantId]);
    expect(orphan[0]!.n).toBe(0);
    // The linked SKU's change of the same poll went through: 5 + 8.
    await storefrontsAt(h, (x) => (x === linked ? 13 : x === h.skus[1] ? 22 : 10), (x) => (x === linked ? 13 : x === h.skus[1] ? 22 : 10), 'the linked SKU\'s change');
    await h.settled();

    // Once the products are pulled, the JTL-only product is a hub product linked to JTL alone; the
    // dead letter, retried, stores its level under it; nothing is pushed (no storefront has the SKU).
    const products = await h.engine.trigger({ tenantId: h.tenantId, connectionId: h.jtl.connectionId, streams: ['products'], mode: 'incremental', trigger: 'cli', force: true });
    for (const run of products.created) await h.engine.waitForRun(h.tenantId, run.id, WAIT_MS);
    h.clearRequests();
    const retried = await h.engine.retryDeadLetters(h.tenantId, { connectionId: h.jtl.connectionId });
    expect(retried).toMatchObject({ attempted: 1, resolved: 1, failed: [] });
    const { rows: stored } = await h.db.query<{ location_id: string; available: number; origin: string }>(
      `SELECT s.location_id, s.available, s.origin FROM stock_levels s JOIN products p ON p.id = s.product_id WHERE p.tenant_id = $1 AND p.sku = 'JTL-ONLY-1'`, [h.tenantId]);
    expect(stored).toEqual([{ location_id: w1, available: 40, origin: 'jtl-ffn' }]);
    // A later change of it is polled like any other (stored, run succeeded) and written nowhere.
    h.jtl.sb.setStock('JTL-ONLY-1', w2, 3);
    const later = await h.tick();
    expect(later.runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    await h.settled();
    expect(h.storefrontWrites()).toEqual({ shopify: 0, woo: 0 });
  });
});

describe('JTL-FFN stock fan-out: three warehouses, storefronts mapped to different ones', () => {
  let h: JtlStorefronts;
  let w: [string, string, string];

  beforeAll(async () => {
    // Feed chunks of one change: every change is its own page (commit), as on a busy account whose poll
    // window holds more changes than a chunk. Each page queues the pushes of what it changed; the
    // outbox's debounce (the engine's default, 1 s) makes the pages of one poll one push of the result.
    h = await jtlStorefronts({
      products: 3, warehouses: 3, initialLevel: 1, sandbox: { feedChunkSize: 1 }, debounceMs: 1_000,
      shopifySettings: (ws) => ({ stockWarehouses: [ws[0], ws[1]] }),
    });
    w = h.jtl.warehouses as [string, string, string];
  }, 60_000);
  afterAll(() => h?.close());

  it('multi-warehouse: 3 warehouses, 3 stock rows per SKU, each storefront gets the sum of the warehouses it is mapped to', async () => {
    // One row per SKU and warehouse, under the JTL connection, origin jtl-ffn, location = warehouse id.
    const { rows } = await h.db.query<{ product_id: string; n: number; locations: string[] }>(
      `SELECT product_id, count(*)::int AS n, array_agg(location_id ORDER BY location_id) AS locations FROM stock_levels
        WHERE tenant_id = $1 AND origin = 'jtl-ffn' AND connection_id = $2 GROUP BY product_id`, [h.tenantId, h.jtl.connectionId]);
    expect(rows).toHaveLength(h.skus.length);
    for (const r of rows) expect(r).toMatchObject({ n: 3, locations: [...w].sort() });
    // Shopify is stocked from w1 and w2 (1 + 1), WooCommerce from all three (1 + 1 + 1).
    await storefrontsAt(h, () => 2, () => 3, 'the initial sums');

    // Float levels: JTL reports divisible products in fractions; each warehouse's level is floored to
    // whole units when read (connectors/jtl-ffn/mapping.ts `units`), before any sum: 2.5 -> 2,
    // 4.75 -> 4, so Shopify gets 2 + 4 = 6 (not floor(7.25) = 7) and WooCommerce 2 + 4 + 10 = 16 (not 17).
    const s = h.skus[0]!;
    h.jtl.sb.setStock(s.sku, w[0], 2.5);
    h.jtl.sb.setStock(s.sku, w[1], 4.75);
    h.jtl.sb.setStock(s.sku, w[2], 10);
    h.clearRequests();
    const { runs } = await h.tick();
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    expect((await h.hubLevels(s.hubId)).map((l) => [l.location_id, l.available])).toEqual([[w[0], 2], [w[1], 4], [w[2], 10]]);
    await storefrontsAt(h, (x) => (x === s ? 6 : 2), (x) => (x === s ? 16 : 3), 'the mapped sums');
    await h.settled();
    expect(h.stockWrites()).toEqual({ shopify: 1, woo: 1 });

    // A change in the warehouse Shopify is not stocked from moves WooCommerce's level only.
    const t = h.skus[1]!;
    h.jtl.sb.setStock(t.sku, w[2], 7);
    h.clearRequests();
    await h.tick();
    await storefrontsAt(h, (x) => (x === s ? 6 : 2), (x) => (x === s ? 16 : x === t ? 9 : 3), 'the w3 change in WooCommerce');
    await h.settled();
    expect(h.stockWrites()).toEqual({ shopify: 0, woo: 1 });
    expect(h.stockWrites(t).woo).toBe(1);
    expect(h.storefrontWrites()).toEqual({ shopify: 0, woo: 1 });
  });

  it('the poll window re-reads older changes of a cell (overlap): the hub never goes back to them, the storefronts get one write', async () => {
    const u = h.skus[2]!;
    const stockLog = async (runId: string) =>
      (await h.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM sync_log WHERE run_id = $1 AND entity = 'stock_level'`, [runId])).rows[0]!.n;
    // Two changes of one cell within one interval: the poll applies the latest, once.
    h.jtl.sb.setStock(u.sku, w[0], 30);
    h.jtl.sb.setStock(u.sku, w[0], 31);
    h.clearRequests();
    const first = await h.tick();
    expect(first.runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    await storefrontsAt(h, (x) => (x === h.skus[0] ? 6 : x === u ? 32 : 2), (x) => (x === h.skus[0] ? 16 : x === h.skus[1] ? 9 : x === u ? 33 : 3), 'the latest level');
    await h.settled();
    expect(h.stockWrites()).toEqual({ shopify: 1, woo: 1 });
    const levels = await h.hubLevels(u.hubId);
    expect(levels.map((l) => [l.location_id, l.available])).toEqual([[w[0], 31], [w[1], 1], [w[2], 1]]);

    // The next window starts before the last one ended (FEED_OVERLAP_MS) and reads the cell's earlier
    // changes (its first level 1, then 30) again, each in a chunk of its own before the latest one:
    // they are not the cell's state any more and must not be applied (no write, no audit line, no push).
    h.clearRequests();
    const second = await h.tick();
    const stock = second.runs.find((r) => r.stream === 'stock')!;
    expect(stock.status).toBe('succeeded');
    expect(h.jtl.sb.requestLog().filter((e) => e.path.endsWith('/stocks/updates')).length).toBeGreaterThan(2); // re-read, chunk by chunk
    expect(await stockLog(stock.id)).toBe(0);
    expect((await h.hubLevels(u.hubId)).map((l) => [l.location_id, l.available, l.updated_at.getTime()])).toEqual(levels.map((l) => [l.location_id, l.available, l.updated_at.getTime()]));
    await h.settled();
    expect(h.storefrontWrites()).toEqual({ shopify: 0, woo: 0 });
    expect([h.shopLevel(u), h.wooLevel(u)]).toEqual([32, 33]);
  });
});
