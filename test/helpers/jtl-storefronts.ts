// A JTL-FFN fulfilment account and two storefronts of one tenant, on one hub: a Shopify shop and a
// WooCommerce store selling the same SKUs, and JTL-FFN holding those SKUs in its warehouses. The job
// queue and the engine's workers run, so stock pushes are performed by the outbox as under `serve`.
// No webhooks are subscribed: stock only flows from JTL-FFN (polled) to the storefronts here.
//
// Setup, as a merchant connecting the three:
//   1. the Shopify shop is seeded (one variant per product, one location) and pulled: the hub products;
//   2. the WooCommerce store gets a simple product per Shopify variant (same SKU, name, price,
//      description, tags; made with the store's clock a day behind, as in shop-and-woo.ts, so no edit
//      of a test shares their second) and is pulled: it links by SKU;
//   3. the JTL-FFN account gets one product per hub SKU (same merchantSku and name, so the JTL product
//      record changes no product field) with a level in each warehouse, and is pulled (full): it links
//      by SKU and its warehouse levels become the hub's stock;
//   4. the queue and workers start, every product is pushed once (enqueueAll, as after linking) and the
//      outbox settles; the request logs are cleared.
//
// The JTL connection is created without a schedule argument, so it gets DEFAULT_SCHEDULES['jtl-ffn']
// (every 2 minutes: stock, outbounds). The pg-boss minute cron that runs runDueSchedules in `serve` is
// unscheduled here: the test drives the tick itself (`tick()`), so no tick happens that it did not ask for.
import type PgBoss from 'pg-boss';
import { jtlConnector } from '../../src/connectors/jtl-ffn/index.js';
import { shopifyConnector } from '../../src/connectors/shopify/index.js';
import { wooConnector } from '../../src/connectors/woocommerce/index.js';
import { generateMasterKey, parseMasterKey, SecretBox } from '../../src/core/secret-box.js';
import { Engine } from '../../src/engine/engine.js';
import { clearTokenCache } from '../../src/engine/oauth-tokens.js';
import { startQueue } from '../../src/engine/queue.js';
import { connectorRegistry } from '../../src/engine/registry.js';
import type { RunRow } from '../../src/engine/runs.js';
import { runDueSchedules, SCHEDULE_QUEUE, type ScheduleTickResult } from '../../src/engine/schedules.js';
import { startJtlFfnSandbox, type JtlFfnSandbox, type JtlFfnSandboxOptions } from '../../src/sandbox/jtl-ffn/index.js';
import { startWooSandbox, type WooSandbox } from '../../src/sandbox/woocommerce/index.js';
import { createLogger } from '../../src/server/logger.js';
import { insertConnection, type SyncSchedule } from '../../src/store/connections.js';
import type { Db } from '../../src/store/db.js';
import { createTenant } from '../../src/store/tenants.js';
import { createTestDb, waitFor } from './db.js';
import { jtlConnectionConfig } from './jtl-ffn.js';
import { SANDBOX_OUTBOUND } from './outbound.js';
import { fullPull, openShopifyShop, pushJobsPending, type Shop } from './two-shops.js';

const DAY_MS = 86_400_000;
const WOO_API = '/wp-json/wc/v3';
/** The mutations of a Shopify product push (connectors/shopify/push.ts). */
const PUSH_MUTATIONS = new Set(['Push', 'SetStock', 'Activate']);

/** A hub product linked in all three: its Shopify variant, WooCommerce simple product and JTL jfsku. */
export interface TriSku {
  hubId: string;
  sku: string;
  name: string;
  shopifyVariant: number;
  wooId: number;
  jfsku: string;
}

export interface JtlStorefrontsOptions {
  /** Shopify products (one variant each). Default 3. */
  products?: number;
  /** JTL warehouses. Default 1. */
  warehouses?: number;
  /** The level each SKU starts with in each warehouse. Default 5. */
  initialLevel?: number;
  /** Settings added to the storefront connections (e.g. stockWarehouses), given the JTL warehouse ids. */
  shopifySettings?: (warehouses: string[]) => Record<string, unknown>;
  wooSettings?: (warehouses: string[]) => Record<string, unknown>;
  /** More JTL-FFN sandbox options (e.g. feedChunkSize). */
  sandbox?: Omit<JtlFfnSandboxOptions, 'warehouses'>;
  /** The outbox's debounce. Default 100 ms. */
  debounceMs?: number;
}

export interface JtlStorefronts {
  db: Db;
  engine: Engine;
  queue: PgBoss;
  tenantId: string;
  jtl: { sb: JtlFfnSandbox; connectionId: string; warehouses: string[]; schedule: SyncSchedule };
  shop: Shop;
  woo: { sb: WooSandbox; connectionId: string };
  /** Every hub product linked in all three, in SKU order. */
  skus: TriSku[];
  /** Shopify's available level of the SKU's variant at its (only) location, read in process. */
  shopLevel(s: TriSku): number | undefined;
  /** WooCommerce's stock_quantity of the SKU's product (null while stock is not managed), read in process. */
  wooLevel(s: TriSku): number | null | undefined;
  /** The hub's JTL-FFN stock rows of a hub product, by warehouse. */
  hubLevels(hubId: string): Promise<{ location_id: string; available: number; updated_at: Date }[]>;
  /**
   * Stock writes the storefronts received since clearRequests: Shopify SetStock mutations answered 200
   * (the log carries no variables: all variants together), WooCommerce PUTs of the product (setWooStock).
   */
  stockWrites(s?: TriSku): { shopify: number; woo: number };
  /** Writes either storefront received since clearRequests: Shopify push mutations, WooCommerce non-GET requests. */
  storefrontWrites(): { shopify: number; woo: number };
  clearRequests(): void;
  /**
   * One poll interval passes and the schedule ticks: the JTL connection's last attempts are moved back
   * by its schedule's interval, then runDueSchedules runs once (as the minute cron would), and the runs
   * it started are waited for. Returns the tick's result for the JTL connection and the runs.
   */
  tick(timeoutMs?: number): Promise<{ result: ScheduleTickResult | undefined; runs: RunRow[] }>;
  /** No push job queued or running, no link waiting for a push. */
  settled(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

async function wooRest(sb: WooSandbox, method: string, path: string, body?: unknown): Promise<Json> {
  const auth = Buffer.from(`${sb.consumerKey}:${sb.consumerSecret}`).toString('base64');
  const res = await fetch(`${sb.url}${WOO_API}/${path}`, {
    method, headers: { authorization: `Basic ${auth}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as Json;
  if (res.status >= 300) throw new Error(`WooCommerce ${method} ${path} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

export async function jtlStorefronts(opts: JtlStorefrontsOptions = {}): Promise<JtlStorefronts> {
  clearTokenCache();
  const database = await createTestDb();
  const { db } = database;
  const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const box = new SecretBox(parseMasterKey(generateMasterKey()));
  const { tenant } = await db.transaction((tx) => createTenant(tx, 'jtl-storefronts'));
  const shop = await openShopifyShop(db, box, tenant.id, {
    name: 'jtl', seed: { products: opts.products ?? 3, variantsPerProduct: 1, locations: 1, orders: 0, customers: 0, seed: 41 }, timeScale: 50,
  });
  const wooSb = await startWooSandbox({ timeScale: 50 });
  const jtlSb = await startJtlFfnSandbox({ ...opts.sandbox, warehouses: opts.warehouses ?? 1 });
  const engine = new Engine({
    db, box, logger, registry: connectorRegistry([shopifyConnector, wooConnector, jtlConnector]), outbound: SANDBOX_OUTBOUND,
    http: { timeoutMs: 5_000, backoff: { baseMs: 5, capMs: 100 } },
    productPush: { debounceMs: opts.debounceMs ?? 100, backoff: { baseMs: 50, capMs: 500 } },
  });
  let queue: PgBoss | undefined;
  const close = async () => {
    await engine.stop();
    await queue?.stop({ graceful: false, wait: true });
    await shop.sb.close();
    await wooSb.close();
    await jtlSb.close();
    await database.cleanup();
  };

  const linkedRows = async (wooConnectionId: string, jtlConnectionId: string) => {
    const { rows } = await db.query<{ id: string; sku: string; name: string; sv: string; wv: string; jv: string }>(
      `SELECT p.id, p.sku, p.name, ls.external_id AS sv, lw.external_id AS wv, lj.external_id AS jv
         FROM products p
         JOIN links ls ON ls.hub_id = p.id AND ls.connection_id = $1 AND ls.entity = 'product' AND ls.deleted_at IS NULL
         JOIN links lw ON lw.hub_id = p.id AND lw.connection_id = $2 AND lw.entity = 'product' AND lw.deleted_at IS NULL
         JOIN links lj ON lj.hub_id = p.id AND lj.connection_id = $3 AND lj.entity = 'product' AND lj.deleted_at IS NULL
        WHERE p.deleted_at IS NULL ORDER BY p.sku`,
      [shop.connectionId, wooConnectionId, jtlConnectionId],
    );
    return rows.map((r): TriSku => ({ hubId: r.id, sku: r.sku, name: r.name, shopifyVariant: Number(r.sv.split('/').pop()), wooId: Number(r.wv), jfsku: r.jv }));
  };
  const pendingLinks = async () =>
    (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM links WHERE tenant_id = $1 AND push_requested_at IS NOT NULL AND deleted_at IS NULL`, [tenant.id])).rows[0]!.n;
  const settled = async (timeoutMs = 20_000) => {
    await waitFor(async () => (await pushJobsPending(db)) === 0 && (await pendingLinks()) === 0, timeoutMs, 'the outbox settled');
  };

  let woo: { sb: WooSandbox; connectionId: string };
  let jtl: JtlStorefronts['jtl'];
  let skus: TriSku[];
  try {
    await fullPull(engine, tenant.id, shop.connectionId, 'the shop');
    // The WooCommerce catalog: one simple product per Shopify variant, as a merchant's import makes it.
    wooSb.setFaults({ clockSkewMs: -DAY_MS });
    const tagIds = new Map<string, number>();
    const tags = (names: string[]) => names.map((name) => ({ id: tagIds.get(name) ?? tagIds.set(name, 100 + tagIds.size).get(name)!, name }));
    for (const p of [...shop.sb.store.products.values()].sort((a, b) => a.id - b.id)) {
      const v = shop.sb.store.variants.get(p.variantIds[0]!)!;
      const prices = v.compareAtPrice !== null && Number(v.compareAtPrice) > Number(v.price) ? { regular_price: v.compareAtPrice, sale_price: v.price } : { regular_price: v.price, sale_price: '' };
      await wooRest(wooSb, 'POST', 'products', {
        name: p.title, description: p.descriptionHtml, status: p.status === 'ACTIVE' ? 'publish' : 'draft', tags: tags(p.tags), type: 'simple', sku: v.sku ?? '', ...prices,
      });
    }
    wooSb.clearFaults();
    const wooConn = await db.withTenant(tenant.id, (tx) =>
      insertConnection(tx, box, {
        tenantId: tenant.id, platform: 'woocommerce', name: 'woo',
        settings: { siteUrl: wooSb.url },
        credentials: { consumerKey: wooSb.consumerKey, consumerSecret: wooSb.consumerSecret },
      }),
    );
    woo = { sb: wooSb, connectionId: wooConn.id };
    await fullPull(engine, tenant.id, woo.connectionId, 'the WooCommerce store');

    // The JTL-FFN account: the hub's SKUs under the hub's names, a level in every warehouse.
    const { warehouses } = jtlSb.seed({ products: 0, warehouses: opts.warehouses ?? 1, seed: 5 });
    const { rows: hubProducts } = await db.query<{ sku: string; name: string }>(
      `SELECT sku, name FROM products WHERE tenant_id = $1 AND deleted_at IS NULL AND sku IS NOT NULL ORDER BY sku`, [tenant.id]);
    for (const p of hubProducts) {
      jtlSb.addProduct({ merchantSku: p.sku, name: p.name });
      for (const w of warehouses) jtlSb.setStock(p.sku, w, opts.initialLevel ?? 5);
    }
    const jtlConn = await db.withTenant(tenant.id, (tx) =>
      insertConnection(tx, box, { tenantId: tenant.id, platform: 'jtl-ffn', name: 'jtl', ...jtlConnectionConfig(jtlSb) }));
    if (!jtlConn.schedule) throw new Error('the JTL-FFN connection got no default schedule');
    jtl = { sb: jtlSb, connectionId: jtlConn.id, warehouses, schedule: jtlConn.schedule };
    await fullPull(engine, tenant.id, jtl.connectionId, 'the JTL-FFN account');
    skus = await linkedRows(woo.connectionId, jtl.connectionId);
    if (skus.length !== hubProducts.length) throw new Error(`${skus.length} of ${hubProducts.length} hub products are linked in all three`);

    // Storefront settings that name warehouses are made once the warehouses exist (before any push).
    for (const [id, settings] of [[shop.connectionId, opts.shopifySettings], [woo.connectionId, opts.wooSettings]] as const) {
      if (settings) await db.query(`UPDATE connections SET settings = settings || $2::jsonb WHERE id = $1`, [id, JSON.stringify(settings(warehouses))]);
    }
    queue = await startQueue(db, logger);
    await engine.start(queue, { embedded: db.driver === 'pglite' });
    // The test is the clock of the schedule (see the top of this file).
    await queue.unschedule(SCHEDULE_QUEUE);
    await engine.productPushes.enqueueAll(tenant.id);
    await settled(30_000);
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }

  const clearRequests = () => {
    shop.sb.clearRequests();
    wooSb.clearRequests();
    jtlSb.clearRequestLog();
  };
  clearRequests();

  return {
    db, engine, queue: queue!, tenantId: tenant.id, jtl: jtl!, shop, woo: woo!, skus: skus!,
    shopLevel(s) {
      for (const p of shop.sb.products()) for (const v of p.variants) if (v.id === s.shopifyVariant) return v.inventory[0]?.available;
      return undefined;
    },
    wooLevel(s) {
      const p = wooSb.products().find((x) => x.id === s.wooId);
      return p === undefined ? undefined : (p.stock_quantity as number | null);
    },
    async hubLevels(hubId) {
      const { rows } = await db.query<{ location_id: string; available: number; updated_at: Date }>(
        `SELECT location_id, available, updated_at FROM stock_levels WHERE product_id = $1 AND origin = 'jtl-ffn' ORDER BY location_id`, [hubId]);
      return rows;
    },
    stockWrites(s) {
      const shopify = shop.sb.requests().filter((r) => r.operationName === 'SetStock' && r.status === 200 && !r.fault).length;
      const wooPuts = wooSb.requests().filter((r) => r.method === 'PUT' && r.status === 200 && /^\/wp-json\/wc\/v3\/products\/\d+$/.test(r.path));
      return { shopify, woo: (s ? wooPuts.filter((r) => r.path === `${WOO_API}/products/${s.wooId}`) : wooPuts).length };
    },
    storefrontWrites() {
      return {
        shopify: shop.sb.requests().filter((r) => r.operationName !== null && PUSH_MUTATIONS.has(r.operationName)).length,
        woo: wooSb.requests().filter((r) => r.method !== 'GET').length,
      };
    },
    clearRequests,
    async tick(timeoutMs = 20_000) {
      const schedule = jtl!.schedule;
      await db.query(
        `UPDATE stream_state SET last_attempt_at = last_attempt_at - make_interval(secs => $2) WHERE connection_id = $1 AND last_attempt_at IS NOT NULL`,
        [jtl!.connectionId, schedule.everyMinutes * 60],
      );
      const before = new Date();
      const results = await runDueSchedules(engine);
      const result = results.find((r) => r.connection === jtl!.connectionId);
      const runsOf = async () =>
        (await db.query<RunRow>(`SELECT * FROM sync_runs WHERE connection_id = $1 AND trigger = 'schedule' AND created_at >= $2 ORDER BY created_at, stream`, [jtl!.connectionId, before])).rows;
      await waitFor(async () => (await runsOf()).every((r) => r.status !== 'queued' && r.status !== 'running'), timeoutMs, 'the scheduled JTL-FFN runs to end');
      return { result, runs: await runsOf() };
    },
    settled,
    close,
  };
}
