// A Shopify shop and a WooCommerce store of one tenant that sell the same SKUs, both linked to one hub:
// every hub product is linked to a Shopify variant and to a WooCommerce simple product or variation. The
// job queue and the engine's workers run, and the API listens on a local port where both sandboxes
// deliver their product webhooks, so an edit in either store or in the hub travels as under `serve`.
// Used by test/connectors/woocommerce-bidirectional.test.ts; the Shopify side and the queries are
// test/helpers/two-shops.ts's.
//
// The WooCommerce catalog is a copy of the seeded Shopify one, made through the store's REST API as a
// merchant's import would: a single-variant Shopify product becomes a simple product, a multi-variant
// one a variable product with one variation per variant (attribute "Size", the variant's title as its
// option, so both read back under the same "<title> - <size>" names). Prices, compare-at prices,
// descriptions, tags and statuses are the same, so the WooCommerce pull links every record by SKU and
// finds no field with another value. It still brings fields Shopify has no place for (WooCommerce
// categories as `collections`, an empty image list), which would leave every product waiting for a
// push: the setup therefore runs the full sync a merchant runs after linking a second store, waits until
// both stores have answered with their webhooks, and only then starts the tests with clean request logs.
//
// The copy is made with the store's clock a day behind (the sandbox's clock-skew fault): its records
// read as edited yesterday, so no edit made during a test can share their second and lose the merge's
// tie-break on the clock.
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type PgBoss from 'pg-boss';
import { shopifyConnector } from '../../src/connectors/shopify/index.js';
import { wooConnector } from '../../src/connectors/woocommerce/index.js';
import { generateMasterKey, parseMasterKey, SecretBox } from '../../src/core/secret-box.js';
import { Engine } from '../../src/engine/engine.js';
import { startQueue } from '../../src/engine/queue.js';
import { connectorRegistry } from '../../src/engine/registry.js';
import type { ShopifySandbox } from '../../src/sandbox/shopify/index.js';
import { startWooSandbox, type WooSandbox } from '../../src/sandbox/woocommerce/index.js';
import { buildApp } from '../../src/server/app.js';
import { createLogger } from '../../src/server/logger.js';
import { insertConnection } from '../../src/store/connections.js';
import type { Db } from '../../src/store/db.js';
import { createApiKey, createTenant } from '../../src/store/tenants.js';
import { createTestDb, waitFor } from './db.js';
import { SANDBOX_OUTBOUND } from './outbound.js';
import { fullPull, hubApi, hubPrice, openShopifyShop, pushJobsPending, type Shop, syncLogLines, type TwoShopsOptions } from './two-shops.js';

const WEBHOOK_SECRET = 'woo-hook-secret';
const DAY_MS = 86_400_000;
const API = '/wp-json/wc/v3';

/** A hub product with its Shopify variant (and product) and its WooCommerce product or variation. */
export interface LinkedSku {
  id: string;
  sku: string;
  shopify: { variant: string; product: string };
  /** `id` is the simple product's or the variation's; `parent` the variable product's (null for a simple one). */
  woo: { id: number; parent: number | null };
}

/**
 * Writes the WooCommerce store received since clearRequests for one product (a simple product, or a
 * variable product with its variations), from the sandbox's request log. Each products/batch call is
 * counted once per product it carries, and each products/<id>/variations/batch call once for product
 * <id>, however many variations it carries. The request log has no bodies: a products/batch call is
 * known to carry the product because every API write since clearRequests saved that product or its
 * variations and no other (wooWritesOf throws otherwise).
 */
export interface WooWrites {
  products: number;
  variations: number;
  /** Any other non-GET API request (a single PUT, a stock write, ...). */
  other: number;
}

export interface ShopAndWoo {
  db: Db;
  engine: Engine;
  queue: PgBoss;
  app: FastifyInstance;
  tenantId: string;
  shop: Shop;
  woo: { sb: WooSandbox; connectionId: string };
  /** Every hub product linked in both stores, in the order of their WooCommerce ids. */
  linked(): Promise<LinkedSku[]>;
  /** PATCH /products/:id at its current version. */
  patch(id: string, fields: Record<string, unknown>): Promise<{ statusCode: number; body: Record<string, unknown> }>;
  product(id: string): Promise<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** PUT /products/:id/stock: the hub's own level (pushed to both stores). */
  setHubStock(id: string, available: number): Promise<number>;
  hubPrice(id: string): Promise<string | null>;
  /** The Shopify variant as the shop holds it, read in process (no request). */
  shopVariant(p: LinkedSku): { price: string; sku: string | null; title: string } | undefined;
  /** The variant's Shopify product (title, tags), read in process. */
  shopProduct(p: LinkedSku): { title: string; tags: string[] } | undefined;
  /** The WooCommerce product or variation in its REST shape, read in process (no request). */
  wooRecord(p: LinkedSku): Record<string, unknown> | undefined;
  /** A merchant's edit of the variant's price in the shop (fires products/update). */
  editShopPrice(p: LinkedSku, price: string): void;
  /** A merchant's edit in WooCommerce of the simple product or variation (fires product.updated). */
  editWoo(p: LinkedSku, patch: Record<string, unknown>): void;
  /** A merchant's edit of a WooCommerce product itself (for a variation: its variable product). */
  editWooProduct(id: number, patch: Record<string, unknown>): void;
  /** productSet requests (attempts, whatever their answer) the shop received since clearRequests. */
  productSets(): number;
  wooWritesOf(productId: number): WooWrites;
  clearRequests(): void;
  /** The id of the newest sync_log line: count lines after it to see what one edit logged. */
  logMark(): Promise<number>;
  logLines(id: string, action: string, opts?: { connectionId?: string; afterId?: number }): Promise<number>;
  /**
   * Every delivery of both stores answered and applied by the hub, each webhook pass finished (with the
   * pushes it queued), no push queued or running, and the products in sync: nothing further will be sent.
   */
  quiet(ids: string[], timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;
const numeric = (gid: string) => Number(gid.split('/').pop());

/** A call to the store's REST API as a merchant's tool makes it (Basic auth, as the sandbox allows on http). */
async function wooRest(sb: WooSandbox, method: string, path: string, body?: unknown): Promise<Json> {
  const auth = Buffer.from(`${sb.consumerKey}:${sb.consumerSecret}`).toString('base64');
  const res = await fetch(`${sb.url}${API}/${path}`, {
    method, headers: { authorization: `Basic ${auth}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as Json;
  if (res.status >= 300) throw new Error(`WooCommerce ${method} ${path} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

/** regular_price/sale_price of a Shopify variant: a compare-at price is WooCommerce's regular price on sale. */
const wooPrices = (v: { price: string; compareAtPrice: string | null }) =>
  v.compareAtPrice !== null && Number(v.compareAtPrice) > Number(v.price) ? { regular_price: v.compareAtPrice, sale_price: v.price } : { regular_price: v.price, sale_price: '' };

/** The Shopify catalog recreated in the WooCommerce store (see the top of this file). */
async function copyCatalog(shop: ShopifySandbox, woo: WooSandbox): Promise<void> {
  const tagIds = new Map<string, number>();
  const tags = (names: string[]) => names.map((name) => ({ id: tagIds.get(name) ?? tagIds.set(name, 100 + tagIds.size).get(name)!, name }));
  const products = [...shop.store.products.values()].sort((a, b) => a.id - b.id);
  for (const p of products) {
    if (p.status !== 'ACTIVE') throw new Error(`seed product ${p.id} is ${p.status}: WooCommerce sends no webhooks for drafts, pick a seed whose products are all active`);
    const variants = p.variantIds.map((id) => shop.store.variants.get(id)!);
    const base = { name: p.title, description: p.descriptionHtml, status: 'publish', tags: tags(p.tags) };
    if (variants.length === 1) {
      await wooRest(woo, 'POST', 'products', { ...base, type: 'simple', sku: variants[0]!.sku ?? '', ...wooPrices(variants[0]!) });
      continue;
    }
    const parent = await wooRest(woo, 'POST', 'products', {
      ...base, type: 'variable', attributes: [{ name: 'Size', position: 0, visible: true, variation: true, options: variants.map((v) => v.title) }],
    });
    for (const v of variants) {
      await wooRest(woo, 'POST', `products/${parent.id as number}/variations`, { sku: v.sku ?? '', ...wooPrices(v), attributes: [{ name: 'Size', option: v.title }] });
    }
  }
}

export async function shopAndWoo(opts: { seed: TwoShopsOptions['seed']; debounceMs?: number; timeScale?: number }): Promise<ShopAndWoo> {
  const database = await createTestDb();
  const { db } = database;
  const timeScale = opts.timeScale ?? 50;
  const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const box = new SecretBox(parseMasterKey(generateMasterKey()));
  const { tenant } = await db.transaction((tx) => createTenant(tx, 'shop-and-woo'));
  const shop = await openShopifyShop(db, box, tenant.id, { name: 'shop', seed: opts.seed, timeScale });
  const wooSb = await startWooSandbox({ timeScale });
  const engine = new Engine({
    db, box, logger, registry: connectorRegistry([shopifyConnector, wooConnector]), outbound: SANDBOX_OUTBOUND,
    http: { timeoutMs: 5_000, backoff: { baseMs: 5, capMs: 100 } },
    productPush: { debounceMs: opts.debounceMs ?? 1_000, backoff: { baseMs: 50, capMs: 500 } },
  });
  let queue: PgBoss | undefined;
  let app: FastifyInstance | undefined;
  const close = async () => {
    await app?.close();
    await engine.stop();
    await queue?.stop({ graceful: false, wait: true });
    await shop.sb.close();
    await wooSb.close();
    await database.cleanup();
  };

  // API writes the store saved since clearRequests (products and variations by id); a merchant's edit is not one.
  const apiSaves = new Set<number>();
  let merchantEditing = false;
  wooSb.runtime.store.onChange((e) => {
    if (e.resource === 'product' && !merchantEditing) apiSaves.add(e.id);
  });
  const merchant = (edit: () => void) => {
    merchantEditing = true;
    try {
      edit();
    } finally {
      merchantEditing = false;
    }
  };

  let woo: { sb: WooSandbox; connectionId: string };
  let key: string;
  try {
    wooSb.setFaults({ clockSkewMs: -DAY_MS });
    await copyCatalog(shop.sb, wooSb);
    wooSb.clearFaults();
    const conn = await db.withTenant(tenant.id, (tx) =>
      insertConnection(tx, box, {
        tenantId: tenant.id, platform: 'woocommerce', name: 'woo',
        // Plain http: the connector signs with OAuth 1.0a, as against a real http store.
        settings: { siteUrl: wooSb.url },
        credentials: { consumerKey: wooSb.consumerKey, consumerSecret: wooSb.consumerSecret, webhookSecret: WEBHOOK_SECRET },
      }),
    );
    woo = { sb: wooSb, connectionId: conn.id };
    // Shopify first: WooCommerce's records find its hub products by SKU and link to them.
    await fullPull(engine, tenant.id, shop.connectionId, 'the shop');
    await fullPull(engine, tenant.id, woo.connectionId, 'the WooCommerce store');

    queue = await startQueue(db, logger);
    await engine.start(queue, { embedded: db.driver === 'pglite' });
    app = await buildApp({ db, box, logger, engine });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    for (const topic of ['products/create', 'products/update']) {
      shop.sb.subscribeWebhook({ topic, address: `http://127.0.0.1:${port}/webhooks/shopify/${shop.connectionId}` });
    }
    // REST create pings the URL first (unsigned, answered 200 by the server); the store sends nothing else until an edit.
    for (const topic of ['product.created', 'product.updated']) {
      await wooRest(wooSb, 'POST', 'webhooks', { topic, delivery_url: `http://127.0.0.1:${port}/webhooks/woocommerce/${woo.connectionId}`, secret: WEBHOOK_SECRET });
    }
    const pings = wooSb.deliveries().filter((d) => d.kind === 'ping');
    if (pings.length !== 2 || pings.some((d) => d.responseStatus !== 200)) throw new Error(`the webhook pings were not answered 200: ${JSON.stringify(pings.map((d) => d.responseStatus))}`);
    key = await db.transaction((tx) => createApiKey(tx, tenant.id, 'shop-and-woo'));
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }

  const auth = { authorization: `Bearer ${key}` };
  const { product, patch } = hubApi(app, auth);
  const linkedRows = async (): Promise<LinkedSku[]> => {
    const { rows } = await db.query<{ id: string; sku: string; sv: string; sp: string; wv: string; wp: string | null }>(
      `SELECT p.id, coalesce(p.data->>'sku', p.sku) AS sku, ls.external_id AS sv, ls.parent_external_id AS sp, lw.external_id AS wv, lw.parent_external_id AS wp
         FROM products p
         JOIN links ls ON ls.hub_id = p.id AND ls.connection_id = $1 AND ls.entity = 'product' AND ls.deleted_at IS NULL
         JOIN links lw ON lw.hub_id = p.id AND lw.connection_id = $2 AND lw.entity = 'product' AND lw.deleted_at IS NULL
        WHERE p.deleted_at IS NULL ORDER BY lw.external_id::bigint`,
      [shop.connectionId, woo.connectionId],
    );
    return rows.map((r) => ({ id: r.id, sku: r.sku, shopify: { variant: r.sv, product: r.sp }, woo: { id: Number(r.wv), parent: r.wp === null ? null : Number(r.wp) } }));
  };
  /** What still moves, or null when nothing does. */
  const unsettled = async (ids: string[]): Promise<string | null> => {
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_events WHERE tenant_id = $1 AND status = 'received'`, [tenant.id]);
    if (rows[0]!.n > 0) return `${rows[0]!.n} webhook events not applied`;
    const undelivered = [...shop.sb.deliveries(), ...wooSb.deliveries()].filter((d) => d.status !== 'delivered');
    if (undelivered.length > 0) return `deliveries not delivered: ${JSON.stringify(undelivered.map((d) => [d.topic, d.status]))}`;
    const jobs = await pushJobsPending(db);
    if (jobs > 0) return `${jobs} push jobs queued or running`;
    for (const id of ids) {
      const shown = await product(id);
      if (shown.syncStatus !== 'in_sync') return `product ${id} is ${shown.syncStatus}: ${JSON.stringify(shown.links)}`;
    }
    return null;
  };
  const quiet = async (ids: string[], timeoutMs = 20_000) => {
    // A webhook pass queues its pushes after its commit: once the deliveries look applied, wait for the
    // passes to end and look again, until a look after them still finds nothing under way.
    for (let round = 0; ; round++) {
      await waitFor(async () => (await unsettled(ids)) === null, timeoutMs, 'both stores quiet').catch(async (err: Error) => {
        throw new Error(`${err.message}; still: ${await unsettled(ids)}`);
      });
      await engine.webhooksIdle(shop.connectionId, timeoutMs);
      await engine.webhooksIdle(woo.connectionId, timeoutMs);
      if ((await unsettled(ids)) === null) return;
      if (round >= 5) throw new Error('the stores did not stay quiet: pushes kept following webhooks');
    }
  };

  // The full sync after linking (see the top of this file), then clean logs.
  try {
    const linkedIds = (await linkedRows()).map((p) => p.id);
    await engine.productPushes.enqueueAll(tenant.id);
    await quiet(linkedIds, 30_000);
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
  const clearRequests = () => {
    shop.sb.clearRequests();
    wooSb.clearRequests();
    apiSaves.clear();
  };
  clearRequests();

  return {
    db, engine, queue: queue!, app: app!, tenantId: tenant.id, shop, woo: woo!,
    linked: linkedRows,
    patch,
    product,
    async setHubStock(id, available) {
      return (await app!.inject({ method: 'PUT', url: `/api/v1/products/${id}/stock`, headers: auth, payload: { available } })).statusCode;
    },
    hubPrice: (id) => hubPrice(db, id),
    shopVariant(p) {
      const v = shop.sb.store.variants.get(numeric(p.shopify.variant));
      return v && { price: v.price, sku: v.sku, title: v.title };
    },
    shopProduct(p) {
      const product = shop.sb.store.products.get(numeric(p.shopify.product));
      return product && { title: product.title, tags: [...product.tags] };
    },
    wooRecord(p) {
      const products = wooSb.products();
      if (p.woo.parent === null) return products.find((x) => x.id === p.woo.id);
      return products.find((x) => x.id === p.woo.parent)?.variation_objects.find((v) => v.id === p.woo.id);
    },
    editShopPrice(p, price) {
      shop.sb.editProduct(numeric(p.shopify.product), { variants: [{ id: numeric(p.shopify.variant), price }] });
    },
    editWoo(p, fields) {
      merchant(() => (p.woo.parent === null ? wooSb.editProduct(p.woo.id, fields) : wooSb.editVariation(p.woo.parent, p.woo.id, fields)));
    },
    editWooProduct(id, fields) {
      merchant(() => wooSb.editProduct(id, fields));
    },
    productSets: () => shop.sb.requests().filter((r) => r.operationName === 'Push').length,
    wooWritesOf(productId) {
      const family = new Set([productId, ...wooSb.runtime.store.variationsOf(productId).map((v) => v.id)]);
      const strangers = [...apiSaves].filter((id) => !family.has(id));
      if (strangers.length > 0) throw new Error(`API writes since clearRequests saved other products too (${strangers.join(', ')}): their batch calls cannot be told apart`);
      const writes = wooSb.requests().filter((r) => r.method !== 'GET');
      const variationsPath = `${API}/products/${productId}/variations/batch`;
      const products = writes.filter((r) => r.method === 'POST' && r.path === `${API}/products/batch`).length;
      const variations = writes.filter((r) => r.method === 'POST' && r.path === variationsPath).length;
      return { products, variations, other: writes.length - products - variations };
    },
    clearRequests,
    async logMark() {
      const { rows } = await db.query<{ id: string | null }>('SELECT max(id)::text AS id FROM sync_log');
      return Number(rows[0]!.id ?? 0);
    },
    logLines: (id, action, o) => syncLogLines(db, id, action, o),
    quiet,
    close,
  };
}
