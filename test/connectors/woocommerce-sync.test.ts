// The WooCommerce connector against the WooCommerce sandbox: a full pull then incremental pulls make
// the hub equal to the store (one SKU per simple product or variation, orders with their lines,
// customers), with host faults (5xx, 429/503 with and without Retry-After, empty 200s) along the way.
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/db.js';
import { createWooHarness, hubCopy, openDeadLetters, storeTruth, type WooHarness } from '../helpers/woocommerce.js';

/** A window ends at the last whole second before its run started (WooCommerce dates have seconds):
 * an edit of the current second belongs to the next run. Tests that expect an edit at once let it pass. */
async function nextSecond(): Promise<void> {
  const next = Math.floor(Date.now() / 1000) * 1000 + 1000;
  await waitFor(() => Date.now() >= next, 2_000, 'the next second');
}

describe('WooCommerce connector against the sandbox', () => {
  let h: WooHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('a full pull then incremental pulls make the hub equal to the store', async () => {
    h = await createWooHarness();
    const seeded = h.sb.seed({ products: 130, variableProducts: 12, variationsPerProduct: 4, customers: 120, orders: 260, seed: 4 });
    const runs = await h.sync('full');
    expect(runs.map((r) => [r.stream, r.status, r.error?.message ?? ''])).toEqual([['customers', 'succeeded', ''], ['products', 'succeeded', ''], ['orders', 'succeeded', '']]);
    let hub = await hubCopy(h.t.db, h.connectionId);
    expect(hub).toEqual(storeTruth(h.sb));
    // 130 simple products and 12 x 4 variations; the 12 variable products are only their groups.
    expect(hub.skus).toHaveLength(130 + seeded.variations);
    expect(seeded.variations).toBe(48);
    expect(hub.orders).toHaveLength(seeded.orders);
    expect(await openDeadLetters(h.t.db, h.connectionId)).toEqual([]);
    // 100 a page: more than one page of products and orders, read backwards after counting them.
    const lists = h.sb.requests().filter((r) => r.path.endsWith('/wc/v3/orders') && r.status === 200);
    expect(lists.length).toBeGreaterThanOrEqual(4);

    // Merchant edits; the next incremental pull asks only for what changed since the last one.
    const simple = h.sb.products().find((p) => p.type === 'simple')!;
    h.sb.editProduct(simple.id as number, { name: 'Renamed mug', regular_price: '12.34', sale_price: '' });
    const variable = h.sb.products().find((p) => p.type === 'variable')!;
    const variation = variable.variation_objects[1]!;
    h.sb.editVariation(variable.id as number, variation.id as number, { regular_price: '77.00', sale_price: '' });
    const order = h.sb.orders()[3]!;
    h.sb.editOrder(order.id as number, { status: 'completed' });
    h.sb.clearRequests();
    await nextSecond();
    const inc = await h.sync('incremental');
    expect(inc.map((r) => [r.stream, r.status])).toEqual([['customers', 'succeeded'], ['products', 'succeeded'], ['orders', 'succeeded']]);
    // Products modified in the window; then every variable product, with only its variations modified in it.
    const reqs = h.sb.requests();
    const modifiedLists = reqs.filter((r) => r.path.endsWith('/wc/v3/products') && r.query.type === undefined);
    expect(modifiedLists.length).toBeGreaterThan(0);
    expect(modifiedLists.every((r) => typeof r.query.modified_after === 'string')).toBe(true);
    expect(reqs.filter((r) => r.path.endsWith('/variations')).every((r) => typeof r.query.modified_after === 'string')).toBe(true);
    hub = await hubCopy(h.t.db, h.connectionId);
    expect(hub).toEqual(storeTruth(h.sb));
    expect(hub.skus.find((s) => s.id === String(simple.id))).toMatchObject({ name: 'Renamed mug', price: '12.34' });
    expect(hub.orders.find((o) => o.id === String(order.id))).toMatchObject({ status: 'completed' });
  });

  it('converges through host faults: 5xx, 429 and 503 with and without Retry-After, empty 200 bodies, resets', async () => {
    h = await createWooHarness({ sandbox: { seed: 9 } });
    // Enough requests (40 variation reads, 5 order pages ...) that every kind of fault is drawn.
    h.sb.seed({ products: 60, variableProducts: 40, variationsPerProduct: 3, customers: 50, orders: 400, seed: 5 });
    h.sb.setFaults({ rate5xx: 0.08, rate429: 0.06, retryAfter429: 1, rate503: 0.06, retryAfter503: null, rateEmpty: 0.1, rateReset: 0.04 });
    const runs = await h.sync('full');
    expect(runs.map((r) => [r.stream, r.status, r.error?.message ?? ''])).toEqual([['customers', 'succeeded', ''], ['products', 'succeeded', ''], ['orders', 'succeeded', '']]);
    const faults = h.sb.requests().filter((r) => r.fault !== null).map((r) => r.fault);
    expect(new Set(faults)).toEqual(new Set(['5xx', '429', '503', 'empty', 'reset']));
    expect(await hubCopy(h.t.db, h.connectionId)).toEqual(storeTruth(h.sb));
    h.sb.clearFaults();
    const inc = await h.sync('incremental');
    expect(inc.every((r) => r.status === 'succeeded')).toBe(true);
    expect(await hubCopy(h.t.db, h.connectionId)).toEqual(storeTruth(h.sb));
    expect(await openDeadLetters(h.t.db, h.connectionId)).toEqual([]);
  });

  it('a full pass cancelled mid-way resumes from its checkpoint: every page read, none more than twice', async () => {
    h = await createWooHarness();
    h.sb.seed({ products: 5, variableProducts: 0, customers: 5, orders: 1_500, seed: 12 });
    // Slow answers (platform ms, time-scaled), so the cancel lands mid-pass.
    h.sb.setFaults({ latencyMs: 2_000 });
    const trigger = () => h!.engine.trigger({ tenantId: h!.tenantId, connectionId: h!.connectionId, mode: 'full', streams: ['orders'], trigger: 'cli', force: true });
    const first = (await trigger()).created[0]!;
    const running = h.engine.execute(h.tenantId, first.id);
    await waitFor(async () => {
      const { rows } = await h!.t.db.query<{ page: number }>(`SELECT (progress->>'page')::int AS page FROM sync_runs WHERE id = $1`, [first.id]);
      return (rows[0]?.page ?? 0) >= 4;
    }, 20_000, 'four committed pages');
    await h.engine.cancel(h.tenantId, first.id);
    expect((await running)!.status).toBe('cancelled');
    expect((await hubCopy(h.t.db, h.connectionId)).orders.length).toBeLessThan(1_500);
    h.sb.clearFaults();
    const second = (await trigger()).created[0]!;
    expect((await h.engine.execute(h.tenantId, second.id))!.status).toBe('succeeded');
    expect((await hubCopy(h.t.db, h.connectionId)).orders).toEqual(storeTruth(h.sb).orders);
    // 15 pages of 100, counted once per pass: the resumed pass goes on where the checkpoint stood.
    const pages = h.sb.requests().filter((r) => r.path.endsWith('/wc/v3/orders') && r.status === 200 && r.query._fields === undefined).map((r) => r.query.page);
    expect(new Set(pages).size).toBe(15);
    expect(pages.length - new Set(pages).size).toBeLessThanOrEqual(1);
    expect(h.sb.requests().filter((r) => r.path.endsWith('/wc/v3/orders') && r.query._fields === 'id' && r.status === 200)).toHaveLength(1);
  });

  it('a plugin that saves products on read does not make pulls write anything twice', async () => {
    h = await createWooHarness();
    h.sb.seed({ products: 20, variableProducts: 3, variationsPerProduct: 2, customers: 5, orders: 10, seed: 2 });
    await h.sync('full');
    h.sb.setFaults({ writeOnRead: true });
    // Another client reads three products one by one: the plugin saves them, date_modified moves.
    const auth = Buffer.from(`${h.sb.consumerKey}:${h.sb.consumerSecret}`).toString('base64');
    const touched = h.sb.products().filter((p) => p.type === 'simple').slice(0, 3);
    const before = touched.map((p) => p.date_modified_gmt);
    await nextSecond();
    for (const p of touched) expect((await fetch(`${h.sb.url}/wp-json/wc/v3/products/${p.id as number}`, { headers: { authorization: `Basic ${auth}` } })).status).toBe(200);
    expect(h.sb.products().filter((p) => touched.some((t) => t.id === p.id)).map((p) => p.date_modified_gmt)).not.toEqual(before);
    await nextSecond();
    const again = await h.sync('incremental', ['products']);
    expect(again.map((r) => [r.stream, r.status])).toEqual([['products', 'succeeded']]);
    // Read again (modified in the window), hashed unchanged: nothing is written, and the pull itself
    // never reads a product one by one, so it saves nothing either.
    expect(again[0]!.counts).toMatchObject({ added: 0, updated: 0 });
    expect(again[0]!.counts.unchanged).toBeGreaterThanOrEqual(3);
    expect(h.sb.requests().filter((r) => /\/products\/\d+$/.test(r.path))).toHaveLength(3);
    expect(await hubCopy(h.t.db, h.connectionId)).toEqual(storeTruth(h.sb));
  });
});
