// Orders to fulfilment and back (engine/fulfilments.ts, connectors/jtl-ffn/outbounds.ts): a JTL-FFN
// connection with an outboundRule receives the tenant's paid, unfulfilled channel orders as outbounds —
// exactly one per hub order, however often the order is read or changed, and however often the write is
// performed (a crash or a lost answer in the middle) — and the outbounds' status and tracking come back
// onto the hub order (GET /api/v1/orders/:id).
//
// The full round trip runs with a WooCommerce shop: the Shopify connector reads no shipping address (its
// order query has none, and the Shopify sandbox models none), so a Shopify order cannot become an outbound
// yet; the Shopify test below pins that down next to what does work for Shopify (one write per paid order).
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { jtlConnector } from '../../src/connectors/jtl-ffn/index.js';
import { shopifyConnector } from '../../src/connectors/shopify/index.js';
import { wooConnector } from '../../src/connectors/woocommerce/index.js';
import { generateMasterKey, parseMasterKey, SecretBox } from '../../src/core/secret-box.js';
import { Engine } from '../../src/engine/engine.js';
import { OUTBOUND_WRITE } from '../../src/engine/fulfilments.js';
import { clearTokenCache } from '../../src/engine/oauth-tokens.js';
import { processPullWrites } from '../../src/engine/pull-writes.js';
import { connectorRegistry } from '../../src/engine/registry.js';
import type { RunRow } from '../../src/engine/runs.js';
import { type JtlFfnSandbox, startJtlFfnSandbox } from '../../src/sandbox/jtl-ffn/index.js';
import { type ShopifySandbox, startShopifySandbox } from '../../src/sandbox/shopify/index.js';
import { startWooSandbox, type WooSandbox } from '../../src/sandbox/woocommerce/index.js';
import { createLogger } from '../../src/server/logger.js';
import { insertConnection } from '../../src/store/connections.js';
import { type Db, openDatabase } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { createTenant } from '../../src/store/tenants.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { waitFor } from '../helpers/db.js';
import { jtlConnectionConfig } from '../helpers/jtl-ffn.js';
import { SANDBOX_OUTBOUND } from '../helpers/outbound.js';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.js';

const HTTP = { timeoutMs: 2_000, backoff: { baseMs: 5, capMs: 100 } };
const CHILD = fileURLToPath(new URL('../helpers/jtl-outbound-child.ts', import.meta.url));
const SHIP_TO = { first_name: 'Ada', last_name: 'Lovelace', address_1: 'Hauptstraße 1', city: 'Berlin', postcode: '10115', country: 'DE' };

interface WriteRow {
  key: string;
  status: string;
  attempts: number;
  last_error: string | null;
  error_code: string | null;
  payload: { lines: { sku: string | null; quantity: number }[] };
  claimed_until: Date | null;
}

/** The connection's outbound writes, oldest first. */
async function outboundWrites(db: Db, connectionId: string): Promise<WriteRow[]> {
  const { rows } = await db.query<WriteRow>(
    `SELECT key, status, attempts, last_error, error_code, payload, claimed_until FROM pull_writes WHERE connection_id = $1 AND kind = $2 ORDER BY created_at, id`,
    [connectionId, OUTBOUND_WRITE],
  );
  return rows;
}

async function hubOrderId(db: Db, connectionId: string, externalId: string): Promise<string> {
  const { rows } = await db.query<{ hub_id: string }>(`SELECT hub_id FROM links WHERE connection_id = $1 AND entity = 'order' AND external_id = $2 AND deleted_at IS NULL`, [connectionId, externalId]);
  if (!rows[0]) throw new Error(`order ${externalId} of connection ${connectionId} is not in the hub`);
  return rows[0].hub_id;
}

async function sync(engine: Engine, tenantId: string, connectionId: string, opts: { streams?: string[]; mode?: 'full' | 'incremental' } = {}): Promise<RunRow[]> {
  const res = await engine.trigger({ tenantId, connectionId, mode: opts.mode ?? 'incremental', streams: opts.streams, trigger: 'cli', force: true });
  const runs: RunRow[] = [];
  for (const run of res.created) runs.push((await engine.execute(tenantId, run.id))!);
  expect(runs.length).toBeGreaterThan(0);
  return runs;
}

const statuses = (runs: RunRow[]) => runs.map((r) => `${r.stream}:${r.status}`);
const succeeded = (runs: RunRow[]) => runs.map((r) => `${r.stream}:succeeded`);
const numbered = (jtl: JtlFfnSandbox, number: string) => jtl.outbounds().filter((o) => o.merchantOutboundNumber === number);
const outboundPosts = (jtl: JtlFfnSandbox) => jtl.requestLog().filter((r) => r.method === 'POST' && /\/merchant\/outbounds$/.test(r.path)).length;

/** A WooCommerce shop with three simple products whose SKUs the JTL merchant also has. */
async function wooShop(jtl: JtlFfnSandbox): Promise<{ woo: WooSandbox; products: { id: number; sku: string; name: string }[] }> {
  const woo = await startWooSandbox({ timeScale: 20 });
  woo.seed({ products: 3, variableProducts: 0, customers: 0, orders: 0, seed: 5 });
  const products = woo.products().map((p) => ({ id: p.id as number, sku: p.sku as string, name: p.name as string }));
  expect(products.every((p) => p.sku)).toBe(true);
  for (const p of products) jtl.addProduct({ merchantSku: p.sku, name: p.name });
  return { woo, products };
}

async function connect(db: Db, box: SecretBox, tenantId: string, platform: string, config: { settings: Record<string, unknown>; credentials: Record<string, unknown> }): Promise<string> {
  const conn = await db.withTenant(tenantId, (tx) => insertConnection(tx, box, { tenantId, platform, name: platform, ...config }));
  return conn.id;
}

const wooConfig = (woo: WooSandbox) => ({ settings: { siteUrl: woo.url }, credentials: { consumerKey: woo.consumerKey, consumerSecret: woo.consumerSecret } });

/**
 * A pass-through proxy in front of the JTL sandbox that can lose answers: while `hold` is on, a POST
 * .../outbounds reaches the sandbox (which creates the outbound) but its answer never reaches the client.
 */
async function answerLosingProxy(target: string) {
  const held: ServerResponse[] = [];
  const state = { hold: false, heldPosts: 0 };
  const server: Server = createServer((req, res) => {
    const up = httpRequest(new URL(req.url!, target), { method: req.method, headers: req.headers }, (answer) => {
      if (state.hold && req.method === 'POST' && /\/merchant\/outbounds$/.test(req.url!.split('?')[0]!)) {
        state.heldPosts++;
        answer.resume();
        held.push(res); // never answered
        return;
      }
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    state,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

describe('JTL-FFN outbounds of channel orders', () => {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /** The API server with WooCommerce, Shopify and JTL-FFN connectors, one tenant, the JTL sandbox. */
  async function hub() {
    clearTokenCache();
    const app: TestApp = await createTestApp({ connectors: [wooConnector, shopifyConnector, jtlConnector], engine: { http: HTTP } });
    cleanups.push(() => app.close());
    const tenant = await app.newTenant('fulfil');
    const jtl = await startJtlFfnSandbox({});
    cleanups.push(() => jtl.close());
    const jtlConn = await connect(app.t.db, app.box, tenant.id, 'jtl-ffn', jtlConnectionConfig(jtl, { outboundRule: {} }));
    return { app, db: app.t.db, engine: app.engine, tenant, jtl, jtlConn };
  }

  it('a paid WooCommerce order becomes exactly one JTL outbound, and its shipment comes back with tracking on the hub order', async () => {
    const { app, db, engine, tenant, jtl, jtlConn } = await hub();
    const { woo, products } = await wooShop(jtl);
    cleanups.push(() => woo.close());
    const wooConn = await connect(db, app.box, tenant.id, 'woocommerce', wooConfig(woo));
    const [a, b] = [products[0]!, products[1]!];
    const paid = woo.createOrder({
      set_paid: true, shipping: SHIP_TO, billing: { ...SHIP_TO, email: 'ada@example.com' },
      line_items: [{ product_id: a.id, quantity: 2 }, { product_id: b.id, quantity: 1 }],
    });
    const unpaid = woo.createOrder({ shipping: SHIP_TO, line_items: [{ product_id: a.id, quantity: 1 }] });

    const first = await sync(engine, tenant.id, wooConn, { mode: 'full' });
    expect(statuses(first)).toEqual(succeeded(first));
    const paidId = await hubOrderId(db, wooConn, String(paid.id));
    const unpaidId = await hubOrderId(db, wooConn, String(unpaid.id));

    // The write is performed after the commit, by the engine's pull-writes pass.
    const [outbound] = await waitFor(() => (numbered(jtl, paidId).length > 0 ? numbered(jtl, paidId) : null), 10_000, 'the outbound of the paid order');
    await engine.pullWritesIdle(jtlConn, 10_000);
    expect(outbound).toMatchObject({
      merchantOutboundNumber: paidId, externalNumber: String(paid.number), currency: 'EUR', status: 'Pending',
      shippingAddress: { firstname: 'Ada', lastname: 'Lovelace', street: 'Hauptstraße 1', city: 'Berlin', zip: '10115', country: 'DE', email: 'ada@example.com' },
    });
    expect((outbound!.items as { merchantSku: string; quantity: number }[]).map((i) => ({ merchantSku: i.merchantSku, quantity: i.quantity })))
      .toEqual([{ merchantSku: a.sku, quantity: 2 }, { merchantSku: b.sku, quantity: 1 }]);
    expect((await outboundWrites(db, jtlConn)).map((w) => [w.key, w.status, w.attempts])).toEqual([[paidId, 'done', 1]]);
    expect(jtl.outbounds()).toHaveLength(1); // the unpaid order asked for none

    // Read again, and read again after a change (a new shipping phone changes the order's hash): no second outbound.
    expect(statuses(await sync(engine, tenant.id, wooConn))).toEqual(expect.arrayContaining(['orders:succeeded']));
    woo.editOrder(paid.id as number, { shipping: { phone: '+49 30 123456' } });
    // Full: WooCommerce's modified_after has second granularity, an edit in the second of the last read would wait for the next.
    const afterChange = await sync(engine, tenant.id, wooConn, { mode: 'full' });
    expect(statuses(afterChange)).toEqual(succeeded(afterChange));
    expect(afterChange.find((r) => r.stream === 'orders')!.counts.updated).toBe(1);
    const { rows: [changed] } = await db.query<{ phone: string }>(`SELECT data->'addresses'->'shipping'->>'phone' AS phone FROM orders WHERE id = $1`, [paidId]);
    expect(changed!.phone).toBe('+49 30 123456');
    await engine.pullWritesIdle(jtlConn, 10_000);
    expect(numbered(jtl, paidId)).toHaveLength(1);
    expect(jtl.outboundNumberDuplicates()).toBe(0);
    expect(outboundPosts(jtl)).toBe(1);
    expect(await outboundWrites(db, jtlConn)).toHaveLength(1);

    // The fulfiller ships it; the next read of the outbounds brings status and tracking onto the hub order.
    jtl.shipOutbound(outbound!.outboundId as string, { trackingUrl: 'https://tracking.example/dhl/JJD0001', identifier: ['JJD0001'], carrier: 'DHL' });
    const jtlRuns = await sync(engine, tenant.id, jtlConn, { streams: ['outbounds'] });
    expect(statuses(jtlRuns)).toEqual(succeeded(jtlRuns));
    const res = await app.app.inject({ method: 'GET', url: `/api/v1/orders/${paidId}`, headers: tenant.auth });
    expect(res.statusCode).toBe(200);
    expect(res.json().fulfilments).toEqual([{
      connectionId: jtlConn, externalId: outbound!.outboundId, status: 'Shipped', warehouseId: outbound!.warehouseId,
      shipments: [{ trackingNumber: 'JJD0001', trackingUrl: 'https://tracking.example/dhl/JJD0001', carrier: 'DHL', shippedAt: expect.any(String) }],
      updatedAt: expect.any(String),
    }]);
    const other = await app.app.inject({ method: 'GET', url: `/api/v1/orders/${unpaidId}`, headers: tenant.auth });
    expect(other.json().fulfilments).toEqual([]);

    // Paid later, the other order becomes its outbound then.
    woo.editOrder(unpaid.id as number, { set_paid: true });
    await sync(engine, tenant.id, wooConn, { mode: 'full' });
    await waitFor(() => numbered(jtl, unpaidId).length === 1, 10_000, 'the outbound of the order paid later');
    await engine.pullWritesIdle(jtlConn, 10_000);
    expect(jtl.outbounds()).toHaveLength(2);
    expect(jtl.outboundNumberDuplicates()).toBe(0);
  });

  it('a paid Shopify order asks for exactly one outbound (an unpaid or cancelled one none, a re-read or a change no second); and its shipment comes back with tracking', async () => {
    const { app, db, engine, tenant, jtl, jtlConn } = await hub();
    const shop: ShopifySandbox = await startShopifySandbox({ timeScale: 50 });
    cleanups.push(() => shop.close());
    shop.seed({ products: 2, variantsPerProduct: 1, skuLessRate: 0, orders: 0, customers: 0, locations: 1, seed: 7 });
    const variants = shop.products().flatMap((p) => p.variants.map((v) => ({ id: v.id, sku: v.sku!, name: p.title })));
    for (const v of variants) jtl.addProduct({ merchantSku: v.sku, name: v.name });
    const shopConn = await connect(db, app.box, tenant.id, 'shopify', {
      settings: { shopDomain: 'sandbox-shop.myshopify.com', baseUrl: shop.url, apiVersion: '2026-07', mode: 'graphql' },
      credentials: { accessToken: 'shpat_sandbox', apiSecret: 'sandbox-api-secret' },
    });
    const paid = shop.createOrder({ financialStatus: 'PAID', fulfillmentStatus: 'UNFULFILLED', lines: [{ variantId: variants[0]!.id, quantity: 3 }] });
    shop.createOrder({ financialStatus: 'PENDING', fulfillmentStatus: 'UNFULFILLED', lines: [{ variantId: variants[1]!.id, quantity: 1 }] });
    // Cancelled without a refund: still PAID and UNFULFILLED, but never to be shipped.
    shop.createOrder({ financialStatus: 'PAID', fulfillmentStatus: 'UNFULFILLED', cancelled: true, lines: [{ variantId: variants[1]!.id, quantity: 2 }] });

    const runs = await sync(engine, tenant.id, shopConn);
    expect(statuses(runs)).toEqual(succeeded(runs));
    const paidId = await hubOrderId(db, shopConn, paid.gid);
    await waitFor(async () => (await outboundWrites(db, jtlConn)).some((w) => w.status !== 'pending'), 10_000, 'the outbound write to be performed');
    await engine.pullWritesIdle(jtlConn, 10_000);
    const [write, ...more] = await outboundWrites(db, jtlConn);
    expect(more).toEqual([]);
    expect(write).toMatchObject({ key: paidId, payload: { lines: [{ sku: variants[0]!.sku, quantity: 3 }] } });
    expect(write).toMatchObject({ status: 'done', attempts: 1 });
    const [outbound, ...others] = numbered(jtl, paidId);
    expect(others).toEqual([]);
    expect(outbound).toMatchObject({ externalNumber: paid.name, items: [expect.objectContaining({ merchantSku: variants[0]!.sku, quantity: 3 })] });
    expect((outbound!.shippingAddress as Record<string, unknown>).street).toEqual(expect.any(String));

    // A change of the paid order (closed) and another read ask for nothing more.
    shop.editOrder(paid.id, { closed: true });
    const again = await sync(engine, tenant.id, shopConn);
    expect(again.find((r) => r.stream === 'orders')!.counts.updated).toBe(1);
    await engine.pullWritesIdle(jtlConn, 10_000);
    expect(await outboundWrites(db, jtlConn)).toHaveLength(1);
    expect(outboundPosts(jtl)).toBe(1);
    expect(jtl.outboundNumberDuplicates()).toBe(0);

    // Shipped at the fulfiller: status and tracking come back onto the hub order.
    jtl.shipOutbound(outbound!.outboundId as string, { trackingUrl: 'https://tracking.example/ups/1Z999', identifier: ['1Z999'], carrier: 'UPS' });
    const jtlRuns = await sync(engine, tenant.id, jtlConn, { streams: ['outbounds'] });
    expect(statuses(jtlRuns)).toEqual(succeeded(jtlRuns));
    const res = await app.app.inject({ method: 'GET', url: `/api/v1/orders/${paidId}`, headers: tenant.auth });
    expect(res.json().fulfilments).toEqual([expect.objectContaining({
      connectionId: jtlConn, externalId: outbound!.outboundId, status: 'Shipped',
      shipments: [{ trackingNumber: '1Z999', trackingUrl: 'https://tracking.example/ups/1Z999', carrier: 'UPS', shippedAt: expect.any(String) }],
    })]);
  });

  describe('a crash and a retry in the middle', () => {
    let dataDir: string | undefined;
    let child: WorkerProcess | undefined;
    afterEach(async () => {
      child?.kill();
      await child?.exited;
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
      child = undefined;
      dataDir = undefined;
    });

    it('a paid Shopify order: a crash and a retry in the middle create no duplicate', async () => {
      // A real process kill: a child process performs the write against the JTL sandbox through a proxy that
      // lets the POST reach the sandbox (the outbound is created) but never delivers its answer; once the
      // outbound exists the child is killed with SIGKILL, before it could mark the write done. The write
      // stays pending under the dead child's claim (CS_CLAIM_MS, shortened from the default 2 min); once the
      // claim has run out another worker performs it again and must find the outbound instead of creating a
      // second one. The embedded database is owned by one process at a time, as in emag-crash.test.ts.
      const key = generateMasterKey();
      const box = new SecretBox(parseMasterKey(key));
      const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
      dataDir = mkdtempSync(join(tmpdir(), 'cs-jtl-outbound-crash-'));
      clearTokenCache();
      const jtl = await startJtlFfnSandbox({});
      cleanups.push(() => jtl.close());
      const proxy = await answerLosingProxy(new URL(jtl.url).origin);
      cleanups.push(() => proxy.close());
      // A paid order from the Shopify sandbox, its SKUs known to JTL.
      const shop = await startShopifySandbox({ timeScale: 50 });
      cleanups.push(() => shop.close());
      shop.seed({ products: 2, variantsPerProduct: 1, skuLessRate: 0, orders: 0, customers: 0, locations: 1, seed: 7 });
      const variants = shop.products().flatMap((p) => p.variants.map((v) => ({ id: v.id, sku: v.sku!, name: p.title })));
      for (const v of variants) jtl.addProduct({ merchantSku: v.sku, name: v.name });

      let db = await openDatabase({ dataDir });
      await migrate(db);
      const { tenant } = await db.transaction((tx) => createTenant(tx, 'crash'));
      const shopConn = await connect(db, box, tenant.id, 'shopify', {
        settings: { shopDomain: 'sandbox-shop.myshopify.com', baseUrl: shop.url, apiVersion: '2026-07', mode: 'graphql' },
        credentials: { accessToken: 'shpat_sandbox', apiSecret: 'sandbox-api-secret' },
      });
      const jtlConn = await connect(db, box, tenant.id, 'jtl-ffn', jtlConnectionConfig(jtl, { outboundRule: {}, baseUrl: `${proxy.url}/api` }));
      // This process only stores the order (and its write): performing it is the child's job.
      const storing = new Engine({ db, box, logger, registry: connectorRegistry([shopifyConnector, jtlConnector]), http: HTTP, outbound: SANDBOX_OUTBOUND, onPullWrites: () => undefined });
      const order = shop.createOrder({ financialStatus: 'PAID', fulfillmentStatus: 'UNFULFILLED', lines: [{ variantId: variants[0]!.id, quantity: 2 }] });
      const runs = await sync(storing, tenant.id, shopConn);
      expect(statuses(runs)).toEqual(succeeded(runs));
      const orderId = await hubOrderId(db, shopConn, order.gid);
      expect((await outboundWrites(db, jtlConn)).map((w) => [w.key, w.status, w.attempts])).toEqual([[orderId, 'pending', 0]]);
      await storing.stop();
      await db.close();

      proxy.state.hold = true;
      child = startWorkerProcess({ CS_DATA_DIR: dataDir, CS_MASTER_KEY: key, CS_TENANT: tenant.id, CS_CONNECTION: jtlConn, CS_CLAIM_MS: '1500', CS_HTTP_TIMEOUT_MS: '30000' }, 1, CHILD);
      await waitFor(() => proxy.state.heldPosts === 1 && numbered(jtl, orderId).length === 1, 30_000, 'the child to create the outbound');
      child.kill();
      await child.exited;
      expect(child.lines.find((l) => l.event === 'finished')).toBeUndefined();
      proxy.state.hold = false;

      db = await openDatabase({ dataDir });
      cleanups.push(() => db.close());
      // The dead child's claim holds the write: nothing was marked.
      const [claimed] = await outboundWrites(db, jtlConn);
      expect(claimed).toMatchObject({ key: orderId, status: 'pending', attempts: 0 });
      expect(claimed!.claimed_until).not.toBeNull();
      await waitFor(async () => (await db.query<{ due: boolean }>('SELECT claimed_until < now() AS due FROM pull_writes WHERE connection_id = $1', [jtlConn])).rows[0]?.due, 10_000, 'the dead claim to run out');

      const retrying = new Engine({ db, box, logger, registry: connectorRegistry([shopifyConnector, jtlConnector]), http: HTTP, outbound: SANDBOX_OUTBOUND });
      cleanups.push(() => retrying.stop());
      const summary = await processPullWrites(retrying.deps, tenant.id, jtlConn, { claimMs: 5_000 });
      expect(summary).toEqual({ done: 1, failed: 0, retried: 0 });

      expect(jtl.outboundNumberDuplicates()).toBe(0);
      expect(numbered(jtl, orderId)).toHaveLength(1);
      expect(jtl.outbounds()).toHaveLength(1);
      expect(outboundPosts(jtl)).toBe(1); // the retry looked the number up and created nothing
      expect(jtl.requestLog().some((r) => r.method === 'GET' && /\/merchant\/outbounds$/.test(r.path) && JSON.stringify(r.query).includes(orderId))).toBe(true);
      expect((await outboundWrites(db, jtlConn)).map((w) => [w.key, w.status, w.attempts, w.last_error])).toEqual([[orderId, 'done', 1, null]]);
    });
  });

  it('an order line without SKU or an order without a shipping address: the write fails with a clear reason, no outbound, the run succeeds', async () => {
    const { app, db, engine, tenant, jtl, jtlConn } = await hub();
    const { woo, products } = await wooShop(jtl);
    cleanups.push(() => woo.close());
    const wooConn = await connect(db, app.box, tenant.id, 'woocommerce', wooConfig(woo));
    // Created unpaid and paid later: the outbound is asked for by the read that sees them paid.
    const skuLess = woo.createOrder({ shipping: SHIP_TO, line_items: [{ product_id: products[0]!.id, quantity: 1 }, { name: 'Gift wrapping', quantity: 1, total: '2.50' }] });
    const noAddress = woo.createOrder({ billing: { email: 'no-address@example.com' }, line_items: [{ product_id: products[1]!.id, quantity: 1 }] });
    let runs = await sync(engine, tenant.id, wooConn, { mode: 'full' });
    expect(statuses(runs)).toEqual(succeeded(runs));
    expect(await outboundWrites(db, jtlConn)).toEqual([]);
    woo.editOrder(skuLess.id as number, { set_paid: true });
    woo.editOrder(noAddress.id as number, { set_paid: true });
    runs = await sync(engine, tenant.id, wooConn, { mode: 'full' });
    expect(statuses(runs)).toEqual(succeeded(runs));
    expect(runs.find((r) => r.stream === 'orders')!.counts).toMatchObject({ updated: 2, deadLetters: 0 });

    const skuLessId = await hubOrderId(db, wooConn, String(skuLess.id));
    const noAddressId = await hubOrderId(db, wooConn, String(noAddress.id));
    await waitFor(async () => (await outboundWrites(db, jtlConn)).filter((w) => w.status === 'failed').length === 2, 10_000, 'both writes to fail');
    await engine.pullWritesIdle(jtlConn, 10_000);
    const writes = new Map((await outboundWrites(db, jtlConn)).map((w) => [w.key, w]));
    expect(writes.size).toBe(2);
    // Refusals, not faults: failed at the first attempt, not retried.
    expect(writes.get(skuLessId)).toMatchObject({ status: 'failed', attempts: 1, error_code: 'upstream_rejected' });
    expect(writes.get(skuLessId)!.last_error).toBe(`order ${skuLess.number as string} cannot be fulfilled: 1 line(s) without a SKU`);
    expect(writes.get(noAddressId)).toMatchObject({ status: 'failed', attempts: 1, error_code: 'upstream_rejected' });
    expect(writes.get(noAddressId)!.last_error).toBe(`order ${noAddress.number as string} cannot be fulfilled: its shipping address lacks street, city, zip or country`);
    expect(jtl.outbounds()).toEqual([]);
    expect(outboundPosts(jtl)).toBe(0);

    // Another read asks for neither again (a refusal stays failed).
    await sync(engine, tenant.id, wooConn);
    await engine.pullWritesIdle(jtlConn, 10_000);
    expect([...(await outboundWrites(db, jtlConn))].map((w) => w.status)).toEqual(['failed', 'failed']);
    const res = await app.app.inject({ method: 'GET', url: `/api/v1/orders/${noAddressId}`, headers: tenant.auth });
    expect(res.statusCode).toBe(200);
    expect(res.json().fulfilments).toEqual([]);
  });
});
