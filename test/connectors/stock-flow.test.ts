// Stock flows only from the hub and JTL-FFN to the storefronts (DESIGN.md 5.6): a level set in the hub
// (PUT /products/:id/stock) or reported by a JTL-FFN connection is pushed to Shopify as the sum of those
// levels; Shopify's own change of its level is stored as what Shopify shows, never taken into the hub's
// stock, logged as refused, and set back by the next push; our own push read back is no refusal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StockLevelRecord } from '../../src/core/records.js';
import { applyRecords, queueProductPushes } from '../../src/engine/apply.js';
import { insertConnection } from '../../src/store/connections.js';
import { waitFor } from '../helpers/db.js';
import { type PushHarness, pushHarness } from '../helpers/push.js';

const SEED = { products: 3, variantsPerProduct: 2, locations: 1, orders: 0, customers: 0, seed: 41 };

describe('stock flow: hub and JTL-FFN to the storefronts, never back', () => {
  let h: PushHarness;
  let linked: Awaited<ReturnType<PushHarness['linked']>>;

  const numeric = (gid: string) => Number(gid.split('/').pop());
  /** Shopify's available level of the variant at its (only) location. */
  const shopLevel = (externalId: string) => {
    for (const p of h.sb.products()) for (const v of p.variants) if (v.id === numeric(externalId)) return v.inventory[0]?.available;
    return undefined;
  };
  const inventoryItem = (externalId: string) => {
    for (const p of h.sb.products()) for (const v of p.variants) if (v.id === numeric(externalId)) return v.inventoryItemId;
    throw new Error(`variant ${externalId} not in the shop`);
  };
  const setHubStock = (id: string, body: Record<string, unknown>) =>
    h.app.inject({ method: 'PUT', url: `/api/v1/products/${id}/stock`, headers: h.auth, payload: body });
  const stockSets = () => h.sb.requests().filter((r) => r.operationName === 'SetStock' && r.status === 200 && !r.fault).length;
  const logLines = async (id: string, action: string) =>
    (await h.t.db.query<{ changes: Record<string, unknown> }>(
      `SELECT changes FROM sync_log WHERE hub_id = $1 AND action = $2 AND changes ? 'available' ORDER BY id`,
      [id, action],
    )).rows.map((r) => r.changes);
  const hubLevels = async (id: string) =>
    (await h.t.db.query<{ origin: string; location_id: string; available: number }>(
      `SELECT origin, location_id, available FROM stock_levels WHERE product_id = $1 ORDER BY origin, location_id`,
      [id],
    )).rows;

  beforeAll(async () => {
    h = await pushHarness(SEED, { debounceMs: 100 });
    linked = await h.linked();
  }, 60_000);
  afterAll(() => h?.close());

  it('a level set in the hub reaches the shop at the location the shop reports, once', async () => {
    const p = linked[0]!;
    const res = await setHubStock(p.id, { available: 17 });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ productId: p.id, available: 17, levels: [{ locationId: 'hub', origin: 'hub', available: 17 }] });
    await waitFor(() => shopLevel(p.externalId) === 17, 15_000, 'the hub stock in the shop');
    await h.settled(p.id);
    const sets = stockSets();
    expect(sets).toBeGreaterThan(0);
    // The same level again changes nothing on the platform: no second write.
    expect((await setHubStock(p.id, { available: 17 })).statusCode).toBe(200);
    await h.settled(p.id);
    expect(stockSets()).toBe(sets);
    expect((await logLines(p.id, 'update')).some((c) => (c.available as { new?: number }).new === 17)).toBe(true);
  });

  it("the shop's own change is not taken into the hub: logged as refused, set back by the next push", async () => {
    const p = linked[0]!;
    h.sb.setInventory({ inventoryItemId: inventoryItem(p.externalId), available: 3 });
    // The next pull reads Shopify's level: stored as what Shopify shows, not as the hub's stock.
    await h.sync('incremental');
    const levels = await hubLevels(p.id);
    expect(levels.find((l) => l.origin === 'hub')?.available).toBe(17);
    expect(levels.find((l) => l.origin === 'shopify')?.available).toBe(3);
    expect(await logLines(p.id, 'refused')).toEqual([{ available: { location: expect.stringMatching(/^gid:\/\/shopify\/Location\//), hub: 17, incoming: 3 } }]);
    const api = (await h.app.inject({ method: 'GET', url: `/api/v1/stock?productId=${p.id}`, headers: h.auth })).json();
    expect(api.items.map((i: { origin: string; available: number }) => [i.origin, i.available]).sort()).toEqual([['hub', 17], ['shopify', 3]]);
    // Not pushed back at once: the shop keeps 3 until the product is pushed again.
    expect(shopLevel(p.externalId)).toBe(3);
    expect((await h.app.inject({ method: 'POST', url: `/api/v1/products/${p.id}/sync`, headers: h.auth, payload: {} })).statusCode).toBe(202);
    await waitFor(() => shopLevel(p.externalId) === 17, 15_000, 'the hub stock re-asserted');
    await h.settled(p.id);
    // Our own push read back by the next pull is no change of the shop's: no second refusal.
    await h.sync('incremental');
    expect(await logLines(p.id, 'refused')).toHaveLength(1);
  });

  it("JTL-FFN's warehouse levels are the hub's stock too: the shop gets the sum", async () => {
    const p = linked[2]!;
    const jtl = await h.t.db.withTenant(h.tenantId, (tx) =>
      insertConnection(tx, h.engine.deps.box, { tenantId: h.tenantId, platform: 'jtl-ffn', name: 'warehouse', settings: {}, credentials: { clientId: 'x', clientSecret: 'y' } }));
    const ctx = { tenantId: h.tenantId, connectionId: jtl.id, runId: null, origin: 'jtl-ffn', passId: null };
    // The warehouse's product record links by SKU to the Shopify product; its stock then lands on it.
    const level = (warehouse: string, available: number): StockLevelRecord => ({ entity: 'stock_level', productExternalId: 'JTL-P1', sku: p.sku!, locationId: warehouse, available });
    const result = await h.t.db.withTenant(h.tenantId, (tx) =>
      applyRecords(tx, ctx, [{ entity: 'product', externalId: 'JTL-P1', parentExternalId: null, sku: p.sku!, name: 'from the warehouse' }, level('W1', 5), level('W2', 6)]));
    expect(result.changedProducts.has(p.id)).toBe(true);
    await queueProductPushes(h.engine.deps, h.tenantId, jtl.id, result);
    await waitFor(() => shopLevel(p.externalId) === 11, 15_000, 'the warehouses\' sum in the shop');
    // A warehouse level that moves is pushed again; one that stays is not a change.
    const again = await h.t.db.withTenant(h.tenantId, (tx) => applyRecords(tx, ctx, [level('W1', 5), level('W2', 2)]));
    await queueProductPushes(h.engine.deps, h.tenantId, jtl.id, again);
    await waitFor(() => shopLevel(p.externalId) === 7, 15_000, 'the new sum in the shop');
  });

  it("two stores reporting the same location id for one product keep a level each (the connection is part of the key)", async () => {
    const p = linked[4]!;
    const store = async (name: string, available: number) => {
      const conn = await h.t.db.withTenant(h.tenantId, (tx) =>
        insertConnection(tx, h.engine.deps.box, { tenantId: h.tenantId, platform: 'woocommerce', name, settings: { siteUrl: 'https://shop.example' }, credentials: { consumerKey: 'ck_x', consumerSecret: 'cs_y' } }));
      const ctx = { tenantId: h.tenantId, connectionId: conn.id, runId: null, origin: 'woocommerce', passId: null };
      await h.t.db.withTenant(h.tenantId, (tx) => applyRecords(tx, ctx, [
        { entity: 'product', externalId: '501', parentExternalId: null, sku: p.sku!, name: 'woo' },
        { entity: 'stock_level', productExternalId: '501', locationId: 'default', available },
      ]));
    };
    await store('woo-a', 4);
    await store('woo-b', 9);
    expect((await hubLevels(p.id)).filter((l) => l.origin === 'woocommerce').map((l) => l.available).sort()).toEqual([4, 9]);
  });

  it('refuses a bad stock body with 400 and an unknown product with 404, leaving the stock as it was', async () => {
    const p = linked[1]!;
    for (const body of [{ available: 1.5 }, { available: '3' }, {}, { available: 1, reserved: -1 }, { available: 1, extra: true }, { locationId: '', available: 1 }]) {
      const res = await setHubStock(p.id, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
    }
    expect((await setHubStock('00000000-0000-4000-8000-000000000000', { available: 1 })).statusCode).toBe(404);
    expect((await hubLevels(p.id)).filter((l) => l.origin === 'hub')).toEqual([]);
  });
});

describe('stock flow: a shop with two locations', () => {
  let h: PushHarness;

  beforeAll(async () => {
    h = await pushHarness({ ...SEED, products: 1, locations: 2 }, { debounceMs: 50, maxAttempts: 1 });
  }, 60_000);
  afterAll(() => h?.close());

  it('is not guessed: the push says which setting to make; with stockLocationId set, the hub stock goes there', async () => {
    const [p] = await h.linked();
    const variant = () => h.sb.products().flatMap((x) => x.variants).find((v) => v.id === Number(p!.externalId.split('/').pop()))!;
    const [first, second] = variant().inventory.map((l) => l.locationId);
    expect(second).toBeDefined();
    expect((await h.app.inject({ method: 'PUT', url: `/api/v1/products/${p!.id}/stock`, headers: h.auth, payload: { available: 23 } })).statusCode).toBe(200);
    const reason = async () =>
      (await h.t.db.query<{ reason: string }>(`SELECT reason FROM dead_letters WHERE connection_id = $1 AND kind = 'push' AND status = 'open' AND external_id = $2`, [h.connectionId, p!.externalId])).rows[0]?.reason;
    await waitFor(async () => (await reason()) !== undefined, 15_000, 'the push dead letter');
    expect(await reason()).toMatch(/stocked at 2 locations .*set the connection's stockLocationId/);
    expect(variant().inventory.map((l) => l.available)).not.toContain(23);

    await h.t.db.query(`UPDATE connections SET settings = settings || jsonb_build_object('stockLocationId', $2::text) WHERE id = $1`, [h.connectionId, `gid://shopify/Location/${second}`]);
    expect((await h.app.inject({ method: 'POST', url: `/api/v1/products/${p!.id}/sync`, headers: h.auth, payload: {} })).statusCode).toBe(202);
    await waitFor(() => variant().inventory.find((l) => l.locationId === second)?.available === 23, 15_000, 'the hub stock at the chosen location');
    expect(variant().inventory.find((l) => l.locationId === first)?.available).not.toBe(23);
    await waitFor(async () => (await reason()) === undefined, 15_000, 'the dead letter resolved');
  });
});
