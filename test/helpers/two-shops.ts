// Two Shopify shops of one tenant that sell the same SKUs, pulled into one hub: every hub product is
// linked to a variant in shop A and to one in shop B. The job queue and the engine's workers run, and
// the API listens on a local port where both sandboxes deliver their product webhooks, so an edit in
// either shop or in the hub travels as it does under `serve`. Used by
// test/connectors/shopify-two-shops.test.ts and bench/propagation.ts.
//
// Shop B is seeded with the same seed spec as shop A: the sandbox's generator is deterministic, so both
// catalogs are identical (SKUs, titles, prices, tags and the seeded history timestamps), as when a
// merchant opens a second storefront from a copy of the first. Identical data matters: the pull of B then
// merges nothing (every field is unchanged), so the setup pushes nothing and the request logs start clean.
// Identical timestamps matter too: copies made now (createProduct) would stamp every field's edit with the
// current second, and a shop edit in that same second would lose the merge's tie-break at random.
// The sandbox ids coincide between the shops as a consequence; the links keep them apart per connection.
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type PgBoss from 'pg-boss';
import { shopifyConnector } from '../../src/connectors/shopify/index.js';
import { generateMasterKey, parseMasterKey, SecretBox } from '../../src/core/secret-box.js';
import { Engine } from '../../src/engine/engine.js';
import { PRODUCT_PUSH_QUEUE } from '../../src/engine/push-jobs.js';
import { QUEUE_SCHEMA, startQueue } from '../../src/engine/queue.js';
import { connectorRegistry } from '../../src/engine/registry.js';
import { type ShopifySandbox, startShopifySandbox } from '../../src/sandbox/shopify/index.js';
import { buildApp } from '../../src/server/app.js';
import { createLogger } from '../../src/server/logger.js';
import { insertConnection } from '../../src/store/connections.js';
import type { Db } from '../../src/store/db.js';
import { createApiKey, createTenant } from '../../src/store/tenants.js';
import { createTestDb, waitFor } from './db.js';
import { SANDBOX_OUTBOUND } from './outbound.js';

export type ShopName = 'a' | 'b';

export interface Shop {
  sb: ShopifySandbox;
  connectionId: string;
}

/** A hub product with its variant (and the variant's product) in each shop. */
export interface TwoShopProduct {
  id: string;
  sku: string;
  price: string;
  a: { variant: string; product: string };
  b: { variant: string; product: string };
}

export interface TwoShopsOptions {
  seed: Parameters<ShopifySandbox['seed']>[0];
  /** Sandbox time compression (bucket restore, webhook retry delays). Default 50, as the other Shopify tests. */
  timeScale?: number;
  /** The time compression of the first pulls (setup only); default timeScale. The shops are at timeScale afterwards. */
  pullTimeScale?: number;
  /** The outbox's debounce (EngineOptions.productPush.debounceMs). Default 1000, the engine's default. */
  debounceMs?: number;
  /** A migrated database to use (the bench's driver); default a fresh test database. */
  database?: { db: Db; cleanup(): Promise<void> };
  logLevel?: string;
}

export interface TwoShops {
  db: Db;
  engine: Engine;
  queue: PgBoss;
  app: FastifyInstance;
  tenantId: string;
  a: Shop;
  b: Shop;
  debounceMs: number;
  /**
   * Hub products linked in both shops (one row per variant), ordered by shop A's product and variant ids:
   * with two variants per product, rows 2k and 2k+1 are the k-th product's. (Not by link creation: the
   * links of one page share created_at and their ids are not ordered within a millisecond.)
   */
  linked(): Promise<TwoShopProduct[]>;
  /** PATCH /products/:id at its current version. */
  patch(id: string, fields: Record<string, unknown>): Promise<{ statusCode: number; body: Record<string, unknown> }>;
  product(id: string): Promise<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** A merchant's edit of one variant's price in a shop (emits the shop's products/update webhook). */
  editPrice(shop: ShopName, p: TwoShopProduct, price: string): void;
  /** The variant's price in the shop's store, read in process (no request). */
  shopPrice(shop: ShopName, p: TwoShopProduct): string | undefined;
  /** The hub's price of the product. */
  hubPrice(id: string): Promise<string | null>;
  /** productSet requests (attempts, whatever their answer) the shop received since its last clearRequests. */
  productSets(shop: ShopName): number;
  /** Empties both shops' request logs and throttle statistics. */
  clearRequests(): void;
  /** Every webhook either shop sent so far has been answered and applied (or ignored) by the hub. */
  webhooksSettled(timeoutMs?: number): Promise<void>;
  /** Product push jobs queued, retrying or running (pg-boss), for any target. */
  pushJobsPending(): Promise<number>;
  /** The product is synced again (no target waits for a push). */
  settled(id: string, timeoutMs?: number): Promise<void>;
  /** sync_log lines of the product with that action (e.g. 'echo', 'conflict'), per connection. */
  logLines(id: string, action: string, connectionId?: string): Promise<number>;
  close(): Promise<void>;
}

const numeric = (gid: string) => Number(gid.split('/').pop());
const TOPICS = ['products/create', 'products/update'];

export async function twoShops(opts: TwoShopsOptions): Promise<TwoShops> {
  const database: { db: Db; cleanup(): Promise<void> } = opts.database ?? (await createTestDb());
  const { db } = database;
  const timeScale = opts.timeScale ?? 50;
  const debounceMs = opts.debounceMs ?? 1_000;
  const logger = createLogger({ level: opts.logLevel ?? process.env.TEST_LOG_LEVEL ?? 'silent' });
  const box = new SecretBox(parseMasterKey(generateMasterKey()));
  const { tenant } = await db.transaction((tx) => createTenant(tx, 'two-shops'));

  const open = (name: ShopName) => openShopifyShop(db, box, tenant.id, { name, seed: opts.seed, timeScale: opts.pullTimeScale ?? timeScale });
  const a = await open('a');
  const b = await open('b');
  const shops = { a, b };

  const engine = new Engine({
    db, box, logger, registry: connectorRegistry([shopifyConnector]), outbound: SANDBOX_OUTBOUND,
    http: { timeoutMs: 5_000, backoff: { baseMs: 5, capMs: 100 } },
    productPush: { debounceMs, backoff: { baseMs: 50, capMs: 500 } },
  });
  let queue: PgBoss | undefined;
  let app: FastifyInstance | undefined;
  const close = async () => {
    await app?.close();
    await engine.stop();
    await queue?.stop({ graceful: false, wait: true });
    await a.sb.close();
    await b.sb.close();
    await database.cleanup();
  };

  try {
    // A first, then B: B's records find A's hub products by SKU and link to them.
    for (const shop of [a, b]) await fullPull(engine, tenant.id, shop.connectionId, shop.sb.url);
    const pushed = [a, b].map((s) => s.sb.requests().filter((r) => r.operationName === 'Push').length);
    if (pushed.some((n) => n > 0)) throw new Error(`the setup pushed to the shops (${pushed.join(', ')} productSets): their catalogs were expected to be identical`);
    for (const shop of [a, b]) shop.sb.setTimeScale(timeScale);

    queue = await startQueue(db, logger);
    await engine.start(queue, { embedded: db.driver === 'pglite' });
    app = await buildApp({ db, box, logger, engine });
    await app.listen({ port: 0, host: '127.0.0.1' });
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
  const { port } = app.server.address() as AddressInfo;
  for (const shop of [a, b]) {
    for (const topic of TOPICS) shop.sb.subscribeWebhook({ topic, address: `http://127.0.0.1:${port}/webhooks/shopify/${shop.connectionId}` });
  }
  const key = await db.transaction((tx) => createApiKey(tx, tenant.id, 'two-shops'));
  const auth = { authorization: `Bearer ${key}` };
  const { product, patch } = hubApi(app, auth);
  const variantOf = (shop: ShopName, p: TwoShopProduct) => shops[shop].sb.store.variants.get(numeric(p[shop].variant));

  return {
    db, engine, queue: queue!, app, tenantId: tenant.id, a, b, debounceMs,
    async linked() {
      const { rows } = await db.query<{ id: string; sku: string; price: string; av: string; ap: string; bv: string; bp: string }>(
        `SELECT p.id, coalesce(p.data->>'sku', p.sku) AS sku, p.data->>'price' AS price,
                la.external_id AS av, la.parent_external_id AS ap, lb.external_id AS bv, lb.parent_external_id AS bp
           FROM products p
           JOIN links la ON la.hub_id = p.id AND la.connection_id = $1 AND la.entity = 'product' AND la.deleted_at IS NULL
           JOIN links lb ON lb.hub_id = p.id AND lb.connection_id = $2 AND lb.entity = 'product' AND lb.deleted_at IS NULL
          WHERE p.deleted_at IS NULL ORDER BY la.parent_external_id, la.external_id`,
        [a.connectionId, b.connectionId],
      );
      return rows.map((r) => ({ id: r.id, sku: r.sku, price: r.price, a: { variant: r.av, product: r.ap }, b: { variant: r.bv, product: r.bp } }));
    },
    patch,
    product,
    editPrice(shop, p, price) {
      shops[shop].sb.editProduct(numeric(p[shop].product), { variants: [{ id: numeric(p[shop].variant), price }] });
    },
    shopPrice: (shop, p) => variantOf(shop, p)?.price,
    hubPrice: (id) => hubPrice(db, id),
    productSets: (shop) => shops[shop].sb.requests().filter((r) => r.operationName === 'Push').length,
    clearRequests() {
      a.sb.clearRequests();
      b.sb.clearRequests();
    },
    async webhooksSettled(timeoutMs = 15_000) {
      await waitFor(
        async () => {
          const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_events WHERE tenant_id = $1 AND status = 'received'`, [tenant.id]);
          return rows[0]!.n === 0 && [a, b].every((s) => s.sb.deliveries().every((d) => d.status === 'delivered'));
        },
        timeoutMs,
        'the webhooks of both shops applied',
      );
    },
    pushJobsPending: () => pushJobsPending(db),
    async settled(id, timeoutMs = 15_000) {
      await waitFor(async () => (await product(id)).syncStatus === 'in_sync', timeoutMs, `product ${id} in sync`);
    },
    logLines: (id, action, connectionId) => syncLogLines(db, id, action, { connectionId }),
    close,
  };
}

// Pieces of the setup shared with the other multi-platform harness (test/helpers/shop-and-woo.ts).

/** A Shopify sandbox seeded with `seed`, and a connection of the tenant to it (GraphQL). */
export async function openShopifyShop(db: Db, box: SecretBox, tenantId: string, opts: { name: string; seed: TwoShopsOptions['seed']; timeScale: number }): Promise<Shop> {
  const shop = `shop-${opts.name}.myshopify.com`;
  const apiSecret = `shpss_secret_${opts.name}`;
  const sb = await startShopifySandbox({ timeScale: opts.timeScale, shop, apiSecret });
  sb.seed(opts.seed);
  const conn = await db.withTenant(tenantId, (tx) =>
    insertConnection(tx, box, {
      tenantId, platform: 'shopify', name: `shop ${opts.name.toUpperCase()}`,
      settings: { shopDomain: shop, baseUrl: sb.url, apiVersion: '2026-07', mode: 'graphql' },
      credentials: { accessToken: 'shpat_sandbox', apiSecret },
    }),
  );
  return { sb, connectionId: conn.id };
}

/** A full pull of the connection run to its end in this process (setup, before any worker runs). */
export async function fullPull(engine: Engine, tenantId: string, connectionId: string, what: string): Promise<void> {
  const res = await engine.trigger({ tenantId, connectionId, mode: 'full', trigger: 'cli', force: true });
  for (const run of res.created) {
    const done = await engine.execute(tenantId, run.id);
    if (done?.status !== 'succeeded') throw new Error(`the first pull of ${what} ended ${done?.status}: ${JSON.stringify(done?.error)}`);
  }
}

/** GET /products/:id, and PATCH /products/:id at the version just read (If-Match), through the app. */
export function hubApi(app: FastifyInstance, auth: Record<string, string>) {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const product = async (id: string): Promise<Record<string, any>> => (await app.inject({ method: 'GET', url: `/api/v1/products/${id}`, headers: auth })).json();
  const patch = async (id: string, fields: Record<string, unknown>) => {
    const current = await product(id);
    const res = await app.inject({ method: 'PATCH', url: `/api/v1/products/${id}`, headers: { ...auth, 'if-match': `"${current.version}"` }, payload: fields });
    return { statusCode: res.statusCode, body: res.json() as Record<string, unknown> };
  };
  return { product, patch };
}

/** The hub's price of the product. */
export async function hubPrice(db: Db, id: string): Promise<string | null> {
  const { rows } = await db.query<{ price: string | null }>(`SELECT data->>'price' AS price FROM products WHERE id = $1`, [id]);
  return rows[0]?.price ?? null;
}

/** Product push jobs queued, retrying or running (pg-boss), for any target. */
export async function pushJobsPending(db: Db): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${QUEUE_SCHEMA}.job WHERE name = $1 AND state IN ('created', 'retry', 'active')`,
    [PRODUCT_PUSH_QUEUE],
  );
  return rows[0]!.n;
}

/** sync_log lines of the product with that action, optionally of one connection and after a line id. */
export async function syncLogLines(db: Db, id: string, action: string, opts: { connectionId?: string; afterId?: number } = {}): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM sync_log WHERE hub_id = $1 AND action = $2 AND ($3::uuid IS NULL OR connection_id = $3::uuid) AND id > $4`,
    [id, action, opts.connectionId ?? null, opts.afterId ?? 0],
  );
  return rows[0]!.n;
}
