// The Shopify connector wired to a Shopify sandbox on a fresh database, and the comparison of the
// hub with the shop's truth (variant by variant, stock per variant and location, orders, customers).
import { shopifyConnector } from '../../src/connectors/shopify/index.js';
import { generateMasterKey, parseMasterKey, SecretBox } from '../../src/core/secret-box.js';
import { Engine, type EngineOptions } from '../../src/engine/engine.js';
import { connectorRegistry } from '../../src/engine/registry.js';
import type { RunRow } from '../../src/engine/runs.js';
import { createLogger } from '../../src/server/logger.js';
import { insertConnection } from '../../src/store/connections.js';
import type { Db } from '../../src/store/db.js';
import { createTenant } from '../../src/store/tenants.js';
import { type ShopifySandbox, startShopifySandbox } from '../../src/sandbox/shopify/index.js';
import { createTestDb, type TestDb } from './db.js';
import { SANDBOX_OUTBOUND } from './outbound.js';

/** A catalog shaped like real shops': products of 1, 20, 21, 250, 251 and 2,048 variants (and 6 of 3), 15 % SKU-less, some oversold. */
export const REAL_SHOP = { variantCounts: [1, 20, 21, 250, 251, 2048], products: 12, variantsPerProduct: 3, skuLessRate: 0.15, negativeStockRate: 0.05, locations: 2, seed: 5 };

export interface Harness {
  t: TestDb;
  sb: ShopifySandbox;
  engine: Engine;
  tenantId: string;
  connectionId: string;
  sync(mode: 'full' | 'incremental'): Promise<RunRow[]>;
  close(): Promise<void>;
}

export async function shopifyHarness(
  seed: Parameters<ShopifySandbox['seed']>[0], sandbox: Parameters<typeof startShopifySandbox>[0] = {}, apiVersion = '2026-07', mode: 'graphql' | 'rest' = 'graphql',
  engineOptions: Partial<EngineOptions> = {},
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
    registry: connectorRegistry([shopifyConnector]), http: { timeoutMs: 2_000, backoff: { baseMs: 5, capMs: 100 } }, outbound: SANDBOX_OUTBOUND,
    ...engineOptions,
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
export async function compareShop(db: Db, sbUrl: string, connectionId: string) {
  const products = (await (await fetch(`${sbUrl}/_sandbox/data/products`)).json()) as {
    title: string; variants: { gid: string; sku: string | null; price: string; title: string; inventory: { locationId: number; available: number }[] }[];
  }[];
  const expectedStock = products
    .flatMap((p) => p.variants.flatMap((v) => v.inventory.map((l) => ({ variant: v.gid, location: `gid://shopify/Location/${l.locationId}`, available: l.available }))))
    .sort((a, b) => `${a.variant}@${a.location}`.localeCompare(`${b.variant}@${b.location}`));
  const hubStock = (await db.query<{ variant: string; location: string; available: number }>(
    `SELECT pl.external_id AS variant, s.location_id AS location, s.available FROM links sl JOIN stock_levels s ON s.id = sl.hub_id
       JOIN links pl ON pl.connection_id = sl.connection_id AND pl.entity = 'product' AND pl.hub_id = s.product_id
      WHERE sl.connection_id = $1 AND sl.entity = 'stock_level' AND sl.deleted_at IS NULL ORDER BY pl.external_id || '@' || s.location_id`,
    [connectionId])).rows;
  const expectedVariants = products
    .flatMap((p) => p.variants.map((v) => ({ id: v.gid, sku: v.sku || null, price: v.price, name: v.title === 'Default Title' ? p.title : `${p.title} - ${v.title}` })))
    .sort((a, b) => a.id.localeCompare(b.id));
  const hubVariants = (await db.query<{ id: string; sku: string | null; price: string; name: string }>(
    `SELECT l.external_id AS id, p.sku, p.data->>'price' AS price, p.name FROM links l JOIN products p ON p.id = l.hub_id
      WHERE l.connection_id = $1 AND l.entity = 'product' AND l.deleted_at IS NULL ORDER BY l.external_id`, [connectionId])).rows;
  const orders = (await (await fetch(`${sbUrl}/_sandbox/data/orders`)).json()) as { gid: string; name: string; total: string; lines: unknown[] }[];
  const expectedOrders = orders.map((o) => ({ id: o.gid, number: o.name, total: Number(o.total), lines: o.lines.length })).sort((a, b) => a.id.localeCompare(b.id));
  const hubOrders = (await db.query<{ id: string; number: string; total: string; lines: number }>(
    `SELECT l.external_id AS id, o.number, o.total, (SELECT count(*)::int FROM order_lines ol WHERE ol.order_id = o.id) AS lines
       FROM links l JOIN orders o ON o.id = l.hub_id WHERE l.connection_id = $1 AND l.entity = 'order' AND l.deleted_at IS NULL ORDER BY l.external_id`,
    [connectionId])).rows.map((r) => ({ ...r, total: Number(r.total) }));
  const customers = (await (await fetch(`${sbUrl}/_sandbox/data/customers`)).json()) as { gid: string; email: string | null }[];
  const hubCustomers = (await db.query<{ id: string; email: string | null }>(
    `SELECT l.external_id AS id, c.email FROM links l JOIN customers c ON c.id = l.hub_id WHERE l.connection_id = $1 AND l.entity = 'customer' AND l.deleted_at IS NULL ORDER BY 1`,
    [connectionId])).rows;
  return {
    hub: { variants: hubVariants, stock: hubStock, orders: hubOrders, customers: hubCustomers },
    shop: { variants: expectedVariants, stock: expectedStock, orders: expectedOrders, customers: customers.map((c) => ({ id: c.gid, email: c.email })).sort((a, b) => a.id.localeCompare(b.id)) },
  };
}


export const compare = (h: Harness) => compareShop(h.t.db, h.sb.url, h.connectionId);

/** Open dead letters of a connection, with their reasons (expected: none). */
export async function deadLetters(db: Db, connectionId: string): Promise<string[]> {
  const { rows } = await db.query<{ reason: string }>(`SELECT reason FROM dead_letters WHERE connection_id = $1 AND status = 'open'`, [connectionId]);
  return rows.map((r) => r.reason);
}
