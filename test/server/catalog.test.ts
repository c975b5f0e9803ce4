// DB-first catalog reads against the Printful sandbox: a stale catalog is refreshed once in the
// background however many readers arrive, reads never call the platform, the minimum interval and
// single-flight live in the database (a failed refresh frees its lock, a restart keeps the rules).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printfulConnector } from '../../src/connectors/printful/index.js';
import { startPrintfulSandbox, type PrintfulSandbox } from '../../src/sandbox/printful/index.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { waitFor } from '../helpers/db.js';

const PRODUCTS = 60;

describe('GET /api/v1/catalog', () => {
  let h: TestApp;
  let sb: PrintfulSandbox;
  let tenant: Awaited<ReturnType<TestApp['newTenant']>>;
  let connId: string;
  let variants: number;

  const runCount = async () => (await h.t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM sync_runs WHERE stream = 'catalog'`)).rows[0]!.n;
  const read = (query = '') => h.app.inject({ method: 'GET', url: `/api/v1/catalog${query}`, headers: tenant.auth });
  const makeStale = () => h.t.db.query(`UPDATE stream_state SET last_success_at = now() - interval '2 days' WHERE connection_id = $1 AND stream = 'catalog'`, [connId]);

  beforeAll(async () => {
    // 120 requests per second of real time: a pass of 61 requests fits one window.
    sb = await startPrintfulSandbox({ timeScale: 60, catalog: { products: PRODUCTS, storeProducts: 5 } });
    variants = sb.catalogCounts().variants;
    h = await createTestApp({ connectors: [printfulConnector], worker: true, engine: { http: { timeoutMs: 5_000, backoff: { baseMs: 5, capMs: 20 } } } });
    tenant = await h.newTenant('catalog');
    const res = await h.app.inject({
      method: 'POST', url: '/api/v1/connections', headers: tenant.auth,
      payload: { platform: 'printful', name: 'pf', settings: { baseUrl: sb.url }, credentials: { token: sb.token } },
    });
    expect(res.statusCode).toBe(201);
    connId = res.json().id;
  });
  afterAll(async () => {
    await h?.close();
    await sb?.close();
  });

  it('100 concurrent reads of a stale catalog start exactly one refresh, one catalog pass, and no read calls the platform', async () => {
    sb.clearRequests();
    const answers = await Promise.all(Array.from({ length: 100 }, () => read('?limit=10')));
    expect(answers.every((a) => a.statusCode === 200)).toBe(true);
    const bodies = answers.map((a) => a.json());
    expect(bodies.every((b) => b.stale === true && b.items.length === 0)).toBe(true);
    const runIds = new Set(bodies.map((b) => b.refreshRunId));
    expect(runIds.size).toBe(1);
    expect([...runIds][0]).toEqual(expect.any(String));
    expect(await runCount()).toBe(1);

    const run = await h.engine.waitForRun(tenant.id, [...runIds][0], 30_000);
    expect(run.status).toBe('succeeded');
    const stats = sb.stats();
    expect(stats.catalog.passes).toBe(1);
    // Exactly the cost of one pass (one listing page + one detail per product): no read added a call.
    expect(stats.v1.requests).toBe(Math.ceil(PRODUCTS / 100) + PRODUCTS);
    expect(stats.v1.throttled).toBe(0);

    const fresh = (await read('?limit=500')).json();
    expect(fresh).toMatchObject({ stale: false, refreshRunId: null });
    expect(fresh.items).toHaveLength(Math.min(500, variants));
    expect((await h.t.db.query(`SELECT count(*)::int AS n FROM catalog_items WHERE connection_id = $1 AND deleted_at IS NULL`, [connId])).rows[0]).toEqual({ n: variants });
    expect(fresh.lastSyncAt).toEqual(expect.any(String));
    expect(sb.stats().v1.requests).toBe(stats.v1.requests);
  });

  it('filters and pages with an opaque cursor; bad input answers 400 and unknown ids 404', async () => {
    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const res = await read(`?limit=97${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      for (const i of body.items) seen.add(i.id);
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen.size).toBe(variants);

    const product = (await read('?productId=1&limit=100')).json();
    const truth = sb.runtime.store.variantsOf(sb.runtime.store.products.get(1)!);
    expect(product.items.map((i: { externalId: string }) => i.externalId).sort()).toEqual(truth.map((v) => String(v.id)).sort());
    const first = product.items[0];
    expect(first).toMatchObject({ productExternalId: '1', currency: 'USD', price: truth[0]!.price, connectionId: connId });

    const inStock = (await read('?inStock=false&limit=500')).json();
    expect(inStock.items.every((i: { inStock: boolean }) => i.inStock === false)).toBe(true);
    const cheap = (await read('?maxPrice=10&limit=500')).json();
    expect(cheap.items.every((i: { price: string }) => Number(i.price) <= 10)).toBe(true);
    const named = (await read(`?q=${encodeURIComponent(first.productName.slice(0, 8))}&limit=500`)).json();
    expect(named.items.length).toBeGreaterThan(0);

    const one = await h.app.inject({ method: 'GET', url: `/api/v1/catalog/${first.id}`, headers: tenant.auth });
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ id: first.id, externalId: first.externalId, stale: false });

    for (const q of ['?cursor=nonsense', '?limit=0', '?inStock=maybe', '?minPrice=5&maxPrice=1', '?connectionId=x']) {
      const bad = await read(q);
      expect(bad.statusCode, q).toBe(400);
      expect(bad.json().error.code).toBe('validation_failed');
    }
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/catalog/not-a-uuid', headers: tenant.auth })).statusCode).toBe(400);
    const other = await h.newTenant('other');
    expect((await h.app.inject({ method: 'GET', url: `/api/v1/catalog/${first.id}`, headers: other.auth })).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/catalog', headers: other.auth })).json()).toMatchObject({ items: [], stale: false, connections: [] });
  });

  it('reads within the minimum interval start no new sync; a failed refresh frees its lock and the next one runs after the interval', async () => {
    const before = await runCount();
    await makeStale();
    const throttled = await Promise.all(Array.from({ length: 20 }, () => read()));
    for (const r of throttled) expect(r.json()).toMatchObject({ stale: true, refreshRunId: null, connections: [{ retryAfterMs: expect.any(Number) }] });
    expect(await runCount()).toBe(before);

    // The interval has passed, but the platform fails: the run ends failed and holds no lock.
    await h.t.db.query(`UPDATE stream_state SET last_attempt_at = now() - interval '6 minutes' WHERE connection_id = $1 AND stream = 'catalog'`, [connId]);
    sb.setFaults({ rate5xx: 1 });
    const failing = (await read()).json();
    expect(failing.refreshRunId).toEqual(expect.any(String));
    const failed = await h.engine.waitForRun(tenant.id, failing.refreshRunId, 30_000);
    expect(failed.status).toBe('failed');
    expect((await h.t.db.query(`SELECT count(*)::int AS n FROM sync_runs WHERE status IN ('queued','running')`)).rows[0]).toEqual({ n: 0 });
    // Right after the failure: throttled, not retried in a loop.
    expect((await read()).json()).toMatchObject({ stale: true, refreshRunId: null });

    sb.clearFaults();
    await h.t.db.query(`UPDATE stream_state SET last_attempt_at = now() - interval '6 minutes' WHERE connection_id = $1 AND stream = 'catalog'`, [connId]);
    const retried = (await read()).json();
    expect(retried.refreshRunId).toEqual(expect.any(String));
    expect(retried.refreshRunId).not.toBe(failing.refreshRunId);
    expect((await h.engine.waitForRun(tenant.id, retried.refreshRunId, 30_000)).status).toBe('succeeded');
    await waitFor(async () => (await read()).json().stale === false, 5_000, 'a fresh catalog');
  });

  it('a catalog webhook (v2, signed) updates availability without touching the price; a forged one is refused', async () => {
    const { signPrintful } = await import('../../src/connectors/printful/webhooks.js');
    const secret = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
    await h.app.inject({ method: 'PATCH', url: `/api/v1/connections/${connId}`, headers: tenant.auth, payload: { credentials: { token: sb.token, webhookSecret: secret } } });
    const variant = sb.runtime.store.variantsOf(sb.runtime.store.products.get(2)!)[0]!;
    const body = JSON.stringify({
      type: 'catalog_stock_updated', occurred_at: new Date().toISOString(), retries: 0, store_id: 4242,
      data: [{ catalog_product_id: 2, catalog_variant_id: variant.id, techniques: ['dtg'], availability: [{ region: 'US', status: 'out of stock' }, { region: 'EU', status: 'discontinued' }] }],
    });
    const post = (signature: string) => h.app.inject({ method: 'POST', url: `/webhooks/printful/${connId}`, headers: { 'content-type': 'application/json', 'x-pf-webhook-signature': signature }, payload: body });
    expect((await post(signPrintful(body, secret.replace(/0/g, '1')))).statusCode).toBe(401);
    expect((await post(signPrintful(body, secret).toUpperCase())).statusCode).toBe(200);
    await h.engine.webhooksIdle(connId);
    const item = (await read(`?productId=2&limit=100`)).json().items.find((i: { externalId: string }) => i.externalId === String(variant.id));
    expect(item).toMatchObject({ inStock: false, price: variant.price, availability: { US: 'out_of_stock', EU: 'discontinued' } });
  });

  it('a price change names products, not prices: just those are re-read and applied; when they cannot be, the catalog is marked stale', async () => {
    const { signPrintful } = await import('../../src/connectors/printful/webhooks.js');
    const secret = 'fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210';
    await h.app.inject({ method: 'PATCH', url: `/api/v1/connections/${connId}`, headers: tenant.auth, payload: { credentials: { token: sb.token, webhookSecret: secret } } });
    await fetch(`${sb.url}/_sandbox/faults`, { method: 'DELETE' });
    await h.t.db.query(`UPDATE stream_state SET last_success_at = now() WHERE connection_id = $1 AND stream = 'catalog'`, [connId]);
    const lastSuccess = async () => (await h.t.db.query<{ at: Date | null }>(`SELECT last_success_at AS at FROM stream_state WHERE connection_id = $1 AND stream = 'catalog'`, [connId])).rows[0]!.at;
    const priceOf = async (variantId: number) => (await h.t.db.query<{ p: string }>(`SELECT price::text AS p FROM catalog_items WHERE connection_id = $1 AND external_id = $2`, [connId, String(variantId)])).rows[0]!.p;
    const deliver = async (ids: number[]) => {
      const body = JSON.stringify({ type: 'catalog_price_changed', occurred_at: new Date().toISOString(), retries: 0, store_id: 4242, data: { catalog_product_ids: ids } });
      const res = await h.app.inject({ method: 'POST', url: `/webhooks/printful/${connId}`, headers: { 'content-type': 'application/json', 'x-pf-webhook-signature': signPrintful(body, secret) }, payload: body });
      expect(res.statusCode).toBe(200);
      await h.engine.webhooksIdle(connId);
      return (await h.t.db.query<{ error: string | null }>(`SELECT error FROM webhook_events WHERE connection_id = $1 AND topic = 'catalog:upsert' ORDER BY received_at DESC LIMIT 1`, [connId])).rows[0]!.error;
    };

    // The sandbox changes product 4's prices without telling them (as Printful does).
    const changed = sb.setCatalogPrice({ productId: 4, price: '44.40' });
    await fetch(`${sb.url}/_sandbox/requests`, { method: 'DELETE' });
    const note = await deliver([4]);
    expect(note).toMatch(/^re-read 1 of 1: 0 added, \d+ updated/);
    for (const v of changed) expect(await priceOf(v.id)).toBe('44.4000');
    // One request for the one product, no catalog pass, and the catalog is still fresh.
    const requests = (await (await fetch(`${sb.url}/_sandbox/requests`)).json()) as { method: string; path: string }[];
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /products/4']);
    expect(await lastSuccess()).not.toBeNull();

    // The platform fails every request: the price cannot be re-read, so the catalog is marked stale.
    const [unread] = sb.setCatalogPrice({ productId: 5, price: '55.50' });
    await fetch(`${sb.url}/_sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rate5xx: 1 }) });
    expect(await deliver([5])).toMatch(/^catalog marked stale \(re-reading 5 failed: /);
    expect(await lastSuccess()).toBeNull();
    expect(await priceOf(unread!.id)).not.toBe('55.5000');
    await fetch(`${sb.url}/_sandbox/faults`, { method: 'DELETE' });

    // More products than one event re-reads: a full pass's job.
    await h.t.db.query(`UPDATE stream_state SET last_success_at = now() WHERE connection_id = $1 AND stream = 'catalog'`, [connId]);
    expect(await deliver(Array.from({ length: 21 }, (_, i) => i + 1))).toMatch(/^catalog marked stale \(the event names 21 records/);
    expect(await lastSuccess()).toBeNull();
  });
});
