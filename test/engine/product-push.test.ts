// The product push outbox against the Shopify sandbox: hub edits reach the shop through pg-boss jobs
// coalesced per target, a push carries every variant of the shop's product (productSet deletes the ones
// left out), failures are retried by kind or become `push` dead letters, unchanged products are not sent
// again, and what a push stores on the link hashes equal to the same product read back (echoes).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHOPIFY_PUSHED_FIELDS } from '../../src/connectors/shopify/push.js';
import { productsStream } from '../../src/connectors/shopify/streams.js';
import { mapShopifyPayload } from '../../src/connectors/shopify/webhooks.js';
import type { CanonicalRecord, ProductRecord } from '../../src/core/records.js';
import { pushedFields, pushHashOf } from '../../src/core/push-hash.js';
import { RetryBudget } from '../../src/core/retry-budget.js';
import { buildCtx, loadConnectionForSync } from '../../src/engine/run-context.js';
import { restProduct } from '../../src/sandbox/shopify/rest/shapes.js';
import { createVariants } from '../../src/sandbox/shopify/store/product-writes.js';
import { enqueueProductPushes } from '../../src/engine/product-pushes.js';
import { updateHubProduct } from '../../src/store/hub-writes-products.js';
import { waitFor } from '../helpers/db.js';
import { type Harness, shopifyHarness } from '../helpers/shopify.js';
import { type PushHarness, pushHarness } from '../helpers/push.js';

const SEED = { products: 8, variantsPerProduct: 3, locations: 1, orders: 0, customers: 0, seed: 11 };

/** The shop's variant by its GID. */
const variantOf = (h: PushHarness, gid: string) => h.sb.products().flatMap((p) => p.variants).find((v) => v.gid === gid);
const shopProduct = (h: PushHarness, gid: string) => h.sb.products().find((p) => p.gid === gid)!;

/** The linked variants grouped by the shop's product, in link order. */
async function groups(h: PushHarness) {
  const by = new Map<string, Awaited<ReturnType<PushHarness['linked']>>>();
  for (const row of await h.linked()) by.set(row.parentExternalId, [...(by.get(row.parentExternalId) ?? []), row]);
  return [...by.values()];
}

const linkOf = async (h: PushHarness, externalId: string) =>
  (await h.t.db.query<{ last_pushed_hash: string | null; last_pushed_at: Date | null; push_requested_at: Date | null }>(
    `SELECT last_pushed_hash, last_pushed_at, push_requested_at FROM links WHERE connection_id = $1 AND external_id = $2`, [h.connectionId, externalId],
  )).rows[0]!;

describe('product pushes to Shopify', () => {
  let h: PushHarness;
  beforeAll(async () => {
    h = await pushHarness(SEED, { debounceMs: 150, maxAttempts: 8 });
  }, 30_000);
  afterAll(() => h?.close());

  it('a hub PATCH of a pulled product reaches the shop with one productSet, and its siblings stay', async () => {
    const [group] = await groups(h);
    const [v, ...siblings] = group!;
    h.sb.clearRequests();
    expect((await h.patch(v!.id, { price: '77.5', compareAtPrice: '99.00' })).statusCode).toBe(200);
    await waitFor(() => variantOf(h, v!.externalId)?.price === '77.50', 10_000, 'the new price in the shop');
    await h.settled(v!.id);
    expect(h.productSets()).toBe(1);
    expect(variantOf(h, v!.externalId)).toMatchObject({ price: '77.50', compareAtPrice: '99.00' });
    // productSet replaces the variant list: the push carried the siblings, which keep their ids and prices.
    const shop = shopProduct(h, v!.parentExternalId);
    expect(shop.variants.map((x) => x.gid)).toEqual(group!.map((x) => x.externalId));
    for (const s of siblings) expect(variantOf(h, s.externalId)?.price).toBe(Number(s.price).toFixed(2));

    const detail = await h.product(v!.id);
    expect(detail.syncStatus).toBe('in_sync');
    expect(detail.links[0]).toMatchObject({ state: 'in_sync', lastPushedAt: expect.any(String), error: null });
    const log = await h.t.db.query<{ changes: Record<string, { new: unknown }> }>(
      `SELECT changes FROM sync_log WHERE hub_id = $1 AND direction = 'push' AND origin = 'hub' AND connection_id = $2`, [v!.id, h.connectionId],
    );
    expect(log.rows.map((r) => r.changes.price?.new)).toEqual(['77.5']);
  });

  it('a repeat push of an unchanged product sends nothing', async () => {
    const [group] = await groups(h);
    const v = group![0]!;
    const before = await linkOf(h, v.externalId);
    h.sb.clearRequests();
    const res = await h.app.inject({ method: 'POST', url: `/api/v1/products/${v.id}/sync`, headers: h.auth, payload: {} });
    expect(res.statusCode).toBe(202);
    await waitFor(async () => (await linkOf(h, v.externalId)).push_requested_at === null, 10_000, 'the push request answered');
    expect(h.productSets()).toBe(0);
    expect((await linkOf(h, v.externalId)).last_pushed_at).toEqual(before.last_pushed_at);
  });

  it('what a push stores on the link hashes equal to the product read back by pull and by webhook', async () => {
    const [, group] = await groups(h);
    const v = group![1]!;
    await h.patch(v.id, { price: '12.3', tags: ['zeta', 'Alpha', 'zeta'], name: `${(await h.product(v.id)).groupTitle} - Extra large` });
    await waitFor(() => variantOf(h, v.externalId)?.title === 'Extra large', 10_000, 'the pushed variant in the shop');
    await h.settled(v.id);

    const conn = await loadConnectionForSync(h.engine.deps, h.tenantId, h.connectionId);
    const ctx = buildCtx(h.engine.deps, conn, { signal: AbortSignal.timeout(10_000), budget: new RetryBudget(), startedAt: new Date() });
    const read = await productsStream.fetchGroup!(ctx as never, v.parentExternalId);
    const pulled = productsStream.toRecords(read!.item);
    const shop = h.sb.store.products.get(Number(v.parentExternalId.split('/').pop()))!;
    const delivered = mapShopifyPayload('products/update', restProduct(h.sb.store, shop) as Record<string, unknown>);
    for (const records of [pulled, delivered]) {
      const variants = records.filter((r): r is ProductRecord => (r as CanonicalRecord).entity === 'product');
      expect(variants.map((r) => r.externalId)).toEqual(group!.map((g) => g.externalId));
      for (const r of variants) {
        const stored = (await linkOf(h, r.externalId)).last_pushed_hash;
        expect(pushHashOf(pushedFields(SHOPIFY_PUSHED_FIELDS, r)), r.externalId).toBe(stored);
      }
    }
  });

  it('a push that fails with 5xx is retried and then succeeds', async () => {
    const [, , group] = await groups(h);
    const v = group![0]!;
    h.sb.clearRequests();
    h.sb.setFaults({ rate5xx: 1 });
    try {
      await h.patch(v.id, { price: '55.00' });
      const status = await waitFor(async () => {
        const s = (await h.app.inject({ method: 'GET', url: `/api/v1/products/${v.id}/queue-status`, headers: h.auth })).json();
        return s.targets[0].state === 'retrying' ? s.targets[0] : null;
      }, 10_000, 'a retry to be scheduled');
      expect(status).toMatchObject({ attempt: 2, nextRunAt: expect.any(String), lastError: { code: expect.stringMatching(/upstream_transient|retry_budget_exhausted/) } });
    } finally {
      h.sb.clearFaults();
    }
    await waitFor(() => variantOf(h, v.externalId)?.price === '55.00', 10_000, 'the retried push in the shop');
    await h.settled(v.id);
    expect(h.productSets()).toBe(1);
    expect(h.sb.requests().some((r) => r.status >= 500)).toBe(true);
    expect((await h.product(v.id)).links[0].error).toBeNull();
  });

  it('a push the shop refuses is a push dead letter: the link shows the error until a later push succeeds', async () => {
    const [, , , group] = await groups(h);
    const v = group![0]!;
    // The link names a product the shop does not have: productSet answers userErrors.
    await h.t.db.query(`UPDATE links SET parent_external_id = 'gid://shopify/Product/999999' WHERE connection_id = $1 AND external_id = $2`, [h.connectionId, v.externalId]);
    await h.patch(v.id, { price: '66.00' });
    const failed = await waitFor(async () => {
      const p = await h.product(v.id);
      return p.links[0].state === 'error' ? p : null;
    }, 10_000, 'the link in error');
    expect(failed.syncStatus).toBe('error');
    expect(failed.links[0].error).toMatchObject({ code: 'upstream_rejected', message: expect.stringContaining('Product does not exist') });
    const letters = await h.t.db.query<{ kind: string; external_id: string }>(`SELECT kind, external_id FROM dead_letters WHERE connection_id = $1 AND status = 'open'`, [h.connectionId]);
    expect(letters.rows).toEqual([{ kind: 'push', external_id: v.externalId }]);
    expect(variantOf(h, v.externalId)?.price).not.toBe('66.00');

    await h.t.db.query(`UPDATE links SET parent_external_id = $3 WHERE connection_id = $1 AND external_id = $2`, [h.connectionId, v.externalId, v.parentExternalId]);
    expect((await h.app.inject({ method: 'POST', url: `/api/v1/products/${v.id}/sync`, headers: h.auth })).statusCode).toBe(202);
    await h.settled(v.id);
    expect(variantOf(h, v.externalId)?.price).toBe('66.00');
    expect((await h.product(v.id)).links[0]).toMatchObject({ state: 'in_sync', error: null });
    const open = await h.t.db.query(`SELECT 1 FROM dead_letters WHERE connection_id = $1 AND status = 'open'`, [h.connectionId]);
    expect(open.rows).toHaveLength(0);
  });

  it('a variant the shop has and the hub has not read yet is never deleted by a push', async () => {
    const [, , , , group] = await groups(h);
    const v = group![0]!;
    const shopId = Number(v.parentExternalId.split('/').pop());
    createVariants(h.sb.store, shopId, [{ sku: 'ADDED-IN-SHOP', price: '5.00', selectedOptions: [{ name: 'Size', value: 'Added' }] }]);
    h.sb.clearRequests();
    await h.patch(v.id, { price: '44.00' });
    // Held back, and retried: the push would have deleted the variant the hub does not know.
    const held = await waitFor(async () => {
      const t = (await h.app.inject({ method: 'GET', url: `/api/v1/products/${v.id}/queue-status`, headers: h.auth })).json().targets[0];
      return t.state === 'retrying' ? t : null;
    }, 10_000, 'the held-back push retrying');
    expect(held.lastError.code).toBe('push_would_delete');
    expect(h.productSets()).toBe(0);
    expect(shopProduct(h, v.parentExternalId).variants).toHaveLength(4);

    // Once the hub has read the new variant, a push carries it along.
    expect((await h.sync('full')).every((r) => r.status === 'succeeded')).toBe(true);
    await h.patch(v.id, { price: '45.00' });
    await waitFor(() => variantOf(h, v.externalId)?.price === '45.00', 15_000, 'the push with the new variant');
    await h.settled(v.id);
    expect(shopProduct(h, v.parentExternalId).variants.map((x) => x.sku)).toEqual([...group!.map((g) => g.sku), 'ADDED-IN-SHOP']);
    expect((await h.product(v.id)).links[0].error).toBeNull();
  });
});

describe('a burst of hub edits', () => {
  let h: PushHarness;
  beforeAll(async () => {
    // The debounce outlasts the burst, as the default 1 s outlasts a merchant's or an importer's burst.
    h = await pushHarness({ ...SEED, products: 2 }, { debounceMs: 2_000 });
  }, 30_000);
  afterAll(() => h?.close());

  it('50 rapid PATCHes of one product are at most 2 productSets, and the shop ends with the last state', async () => {
    const [v] = await h.linked();
    let version = (await h.product(v!.id)).version as number;
    h.sb.clearRequests();
    for (let i = 1; i <= 50; i++) {
      const res = await h.app.inject({
        method: 'PATCH', url: `/api/v1/products/${v!.id}`, headers: { ...h.auth, 'if-match': `"${version}"` }, payload: { price: `${100 + i}.00` },
      });
      expect(res.statusCode).toBe(200);
      version = res.json().version;
    }
    await waitFor(() => variantOf(h, v!.externalId)?.price === '150.00', 15_000, 'the last price in the shop');
    await h.settled(v!.id, 15_000);
    expect(h.productSets()).toBeGreaterThanOrEqual(1);
    expect(h.productSets()).toBeLessThanOrEqual(2);
    expect(variantOf(h, v!.externalId)?.price).toBe('150.00');
  });
});

describe('enqueueProductPushes without a started queue', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await shopifyHarness({ ...SEED, products: 1 }, {}, '2026-07', 'graphql', { productPush: { withoutQueue: 'push' } });
    await h.sync('full');
  }, 30_000);
  afterAll(() => h?.close());

  it('pushes at once in this process, and never back to the connection the change came from', async () => {
    const { rows } = await h.t.db.query<{ id: string; external_id: string; version: number }>(
      `SELECT p.id, l.external_id, p.version FROM links l JOIN products p ON p.id = l.hub_id WHERE l.connection_id = $1 AND l.entity = 'product' ORDER BY l.created_at, l.id LIMIT 1`,
      [h.connectionId],
    );
    const v = rows[0]!;
    await updateHubProduct(h.t.db, h.tenantId, v.id, { price: '88.00' }, Number(v.version));
    h.sb.clearRequests();
    expect(await enqueueProductPushes(h.engine, h.tenantId, [v.id], { exceptConnectionId: h.connectionId })).toEqual([]);
    const queued = await enqueueProductPushes(h.engine, h.tenantId, [v.id]);
    expect(queued).toEqual([expect.objectContaining({ productId: v.id, connectionId: h.connectionId, platform: 'shopify', externalId: v.external_id, newJob: true })]);
    await h.engine.productPushes.idle();
    expect(h.sb.products().flatMap((p) => p.variants).find((x) => x.gid === v.external_id)?.price).toBe('88.00');
    expect(h.sb.requests().filter((r) => r.operationName === 'Push')).toHaveLength(1);
  });
});

describe('enqueueProductPushes without a queue, by default', () => {
  it('calls no platform: the target is marked pending for a worker', async () => {
    const h = await shopifyHarness({ ...SEED, products: 1 });
    try {
      await h.sync('full');
      const { rows } = await h.t.db.query<{ id: string; external_id: string; version: number }>(
        `SELECT p.id, l.external_id, p.version FROM links l JOIN products p ON p.id = l.hub_id WHERE l.connection_id = $1 AND l.entity = 'product' ORDER BY l.created_at, l.id LIMIT 1`,
        [h.connectionId],
      );
      const v = rows[0]!;
      await updateHubProduct(h.t.db, h.tenantId, v.id, { price: '66.00' }, Number(v.version));
      h.sb.clearRequests();
      expect(await enqueueProductPushes(h.engine, h.tenantId, [v.id])).toEqual([expect.objectContaining({ productId: v.id, newJob: false })]);
      await h.engine.productPushes.idle();
      expect(h.sb.requests().filter((r) => r.operationName === 'Push')).toEqual([]);
      expect((await linkOfHarness(h, v.external_id)).push_requested_at).not.toBeNull();
    } finally {
      await h.close();
    }
  });
});

const linkOfHarness = async (h: Harness, externalId: string) =>
  (await h.t.db.query<{ push_requested_at: Date | null }>(`SELECT push_requested_at FROM links WHERE connection_id = $1 AND external_id = $2`, [h.connectionId, externalId])).rows[0]!;

describe('pushHashOf', () => {
  it('hashes the normalised fields: money formats, tag order and empty values do not change it', () => {
    const a = pushHashOf({ price: '10.5', tags: ['b', 'a'], vendor: null, name: ' Board ' });
    expect(pushHashOf({ price: '10.50', tags: ['a', 'b', 'a'], name: 'Board' })).toBe(a);
    expect(pushHashOf({ price: '10.51', tags: ['a', 'b'], name: 'Board' })).not.toBe(a);
  });
});
