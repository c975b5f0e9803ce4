// The Shopify connector against the Shopify sandbox: the initial (bulk) pull and incremental pulls
// make the hub equal to the shop; with faults on and merchant edits during the pull, a final
// incremental run converges.
import { afterEach, describe, expect, it } from 'vitest';
import { shopifyConnector } from '../../src/connectors/shopify/index.js';
import { generateMasterKey, parseMasterKey, SecretBox } from '../../src/core/secret-box.js';
import { Engine } from '../../src/engine/engine.js';
import { connectorRegistry } from '../../src/engine/registry.js';
import type { RunRow } from '../../src/engine/runs.js';
import { createLogger } from '../../src/server/logger.js';
import { insertConnection } from '../../src/store/connections.js';
import { createTenant } from '../../src/store/tenants.js';
import { type ShopifySandbox, startShopifySandbox } from '../../src/sandbox/shopify/index.js';
import { createTestDb, type TestDb } from '../helpers/db.js';

interface Harness {
  t: TestDb;
  sb: ShopifySandbox;
  engine: Engine;
  tenantId: string;
  connectionId: string;
  sync(mode: 'full' | 'incremental'): Promise<RunRow[]>;
  close(): Promise<void>;
}

async function harness(
  seed: Parameters<ShopifySandbox['seed']>[0], sandbox: Parameters<typeof startShopifySandbox>[0] = {}, apiVersion = '2026-07', mode: 'graphql' | 'rest' = 'graphql',
): Promise<Harness> {
  const t = await createTestDb();
  const sb = await startShopifySandbox({ timeScale: 50, ...sandbox });
  sb.seed(seed);
  const box = new SecretBox(parseMasterKey(generateMasterKey()));
  const { tenant } = await t.db.transaction((tx) => createTenant(tx, 'shop'));
  const conn = await t.db.withTenant(tenant.id, (tx) =>
    insertConnection(tx, box, {
      tenantId: tenant.id, platform: 'shopify', name: 'shop',
      settings: { shopDomain: 'sandbox-shop.myshopify.com', baseUrl: sb.url, apiVersion, mode },
      credentials: { accessToken: 'shpat_sandbox', apiSecret: 'sandbox-api-secret' },
    }),
  );
  const engine = new Engine({
    db: t.db, box, logger: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    registry: connectorRegistry([shopifyConnector]), http: { timeoutMs: 2_000, backoff: { baseMs: 5, capMs: 100 } },
  });
  return {
    t, sb, engine, tenantId: tenant.id, connectionId: conn.id,
    async sync(mode) {
      const res = await engine.trigger({ tenantId: tenant.id, connectionId: conn.id, mode, trigger: 'cli', force: true });
      const out: RunRow[] = [];
      for (const run of res.created) out.push((await engine.execute(tenant.id, run.id))!);
      return out;
    },
    async close() {
      await engine.stop();
      await sb.close();
      await t.cleanup();
    },
  };
}

/** The shop's truth and the hub's copy, in the same shape. */
async function compare(h: Harness) {
  const products = h.sb.store && (await (await fetch(`${h.sb.url}/_sandbox/data/products`)).json()) as {
    title: string; variants: { gid: string; sku: string | null; price: string; title: string; inventory: { locationId: number; available: number }[] }[];
  }[];
  const expectedStock = products
    .flatMap((p) => p.variants.flatMap((v) => v.inventory.map((l) => ({ variant: v.gid, location: `gid://shopify/Location/${l.locationId}`, available: l.available }))))
    .sort((a, b) => `${a.variant}@${a.location}`.localeCompare(`${b.variant}@${b.location}`));
  const hubStock = (await h.t.db.query<{ variant: string; location: string; available: number }>(
    `SELECT pl.external_id AS variant, s.location_id AS location, s.available FROM links sl JOIN stock_levels s ON s.id = sl.hub_id
       JOIN links pl ON pl.connection_id = sl.connection_id AND pl.entity = 'product' AND pl.hub_id = s.product_id
      WHERE sl.connection_id = $1 AND sl.entity = 'stock_level' AND sl.deleted_at IS NULL ORDER BY pl.external_id || '@' || s.location_id`,
    [h.connectionId])).rows;
  const expectedVariants = products
    .flatMap((p) => p.variants.map((v) => ({ id: v.gid, sku: v.sku || null, price: v.price, name: v.title === 'Default Title' ? p.title : `${p.title} - ${v.title}` })))
    .sort((a, b) => a.id.localeCompare(b.id));
  const hubVariants = (await h.t.db.query<{ id: string; sku: string | null; price: string; name: string }>(
    `SELECT l.external_id AS id, p.sku, p.data->>'price' AS price, p.name FROM links l JOIN products p ON p.id = l.hub_id
      WHERE l.connection_id = $1 AND l.entity = 'product' AND l.deleted_at IS NULL ORDER BY l.external_id`, [h.connectionId])).rows;
  const orders = (await (await fetch(`${h.sb.url}/_sandbox/data/orders`)).json()) as { gid: string; name: string; total: string; lines: unknown[] }[];
  const expectedOrders = orders.map((o) => ({ id: o.gid, number: o.name, total: Number(o.total), lines: o.lines.length })).sort((a, b) => a.id.localeCompare(b.id));
  const hubOrders = (await h.t.db.query<{ id: string; number: string; total: string; lines: number }>(
    `SELECT l.external_id AS id, o.number, o.total, (SELECT count(*)::int FROM order_lines ol WHERE ol.order_id = o.id) AS lines
       FROM links l JOIN orders o ON o.id = l.hub_id WHERE l.connection_id = $1 AND l.entity = 'order' AND l.deleted_at IS NULL ORDER BY l.external_id`,
    [h.connectionId])).rows.map((r) => ({ ...r, total: Number(r.total) }));
  const customers = (await (await fetch(`${h.sb.url}/_sandbox/data/customers`)).json()) as { gid: string; email: string | null }[];
  const hubCustomers = (await h.t.db.query<{ id: string; email: string | null }>(
    `SELECT l.external_id AS id, c.email FROM links l JOIN customers c ON c.id = l.hub_id WHERE l.connection_id = $1 AND l.entity = 'customer' AND l.deleted_at IS NULL ORDER BY 1`,
    [h.connectionId])).rows;
  return {
    hub: { variants: hubVariants, stock: hubStock, orders: hubOrders, customers: hubCustomers },
    shop: { variants: expectedVariants, stock: expectedStock, orders: expectedOrders, customers: customers.map((c) => ({ id: c.gid, email: c.email })).sort((a, b) => a.id.localeCompare(b.id)) },
  };
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
