// The WooCommerce connector through the engine against the sandbox with the faults real stores show
// (platforms/woocommerce.md sections 4 and 8) that woocommerce-sync.test.ts does not drive already: a
// burst of 429s with Retry-After in the middle of a pull, walls of 5xx/429/503 that never clear (the
// run must end, not retry for ever, and the next run resume), a host that strips the whole query string
// or only per_page, duplicate webhook deliveries and a created+updated pair for one save, and a plugin
// that saves products on read while webhooks are on. Each ends with the hub equal to the store, a
// bounded number of requests counted in the sandbox's request log, and no loop.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Received } from '../../src/engine/webhooks.js';
import type { FaultConfig, RequestLogEntry } from '../../src/sandbox/woocommerce/index.js';
import { waitFor } from '../helpers/db.js';
import { createWooHarness, hubCopy, openDeadLetters, storeTruth, type WooHarness } from '../helpers/woocommerce.js';
import { call } from '../sandbox/woocommerce/helpers.js';

const SECRET = 'whsec-faults';

const listOf = (path: string) => (r: RequestLogEntry) => r.path === `/wp-json/wc/v3/${path}`;
/** Answered reads of list pages (the counting request, `_fields=id`, and empty 200s left out). */
const pageReads = (rs: RequestLogEntry[], path: string) => rs.filter((r) => listOf(path)(r) && r.status === 200 && r.fault !== 'empty' && r.query._fields === undefined);

/** A run of `stream` started in the background, and how far it has committed. */
async function startRun(h: WooHarness, stream: string) {
  const { created } = await h.engine.trigger({ tenantId: h.tenantId, connectionId: h.connectionId, mode: 'full', streams: [stream], trigger: 'cli', force: true });
  const id = created[0]!.id;
  const page = async () => (await h.t.db.query<{ page: number }>(`SELECT (progress->>'page')::int AS page FROM sync_runs WHERE id = $1`, [id])).rows[0]?.page ?? 0;
  return { id, done: h.engine.execute(h.tenantId, id), page };
}

/** Hands each delivery to the engine as the server's receiver does; keeps what the engine said of it. */
async function startReceiver(h: WooHarness): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      h.engine.receiveWebhook('woocommerce', h.connectionId, { headers: req.headers, rawBody: Buffer.concat(chunks), query: {} }).then(
        (r) => (received.push(r), res.writeHead(200).end()),
        () => res.writeHead(500).end(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/woocommerce/${h.connectionId}`, received, server };
}

async function subscribe(h: WooHarness, url: string, topics: string[]): Promise<void> {
  for (const topic of topics) expect((await call(h.sb, 'POST', 'webhooks', { body: { topic, delivery_url: url, secret: SECRET } })).status).toBe(201);
  await waitFor(() => h.sb.deliveries().filter((d) => d.kind === 'ping' && d.status !== 'pending').length === topics.length, 5_000, 'the creation pings');
}

describe('WooCommerce connector with store faults', () => {
  let h: WooHarness | undefined;
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await h?.close();
    h = server = undefined;
  });

  it.each<[string, Partial<FaultConfig>]>([
    ['429', { rate429: 1, retryAfter429: 1 }],
    // A WAF or an overloaded host throttling with 503 + Retry-After (sheet section 4): the same wait is owed.
    ['503', { rate503: 1, retryAfter503: 1 }],
  ])('rides out a burst of %s with Retry-After mid-pull and sends nothing inside the pause announced', async (_status, burst) => {
    h = await createWooHarness();
    h.sb.seed({ products: 3, variableProducts: 0, customers: 3, orders: 800, seed: 21 });
    // 100 ms a request (2 s of store time at time scale 20), so the burst starts mid-pass.
    h.sb.setFaults({ latencyMs: 2_000 });
    const run = await startRun(h, 'orders');
    await waitFor(async () => (await run.page()) >= 2, 20_000, 'two committed pages');
    h.sb.setFaults(burst);
    // Each throttled answer costs a 1 s pause: three are seen long before the run's budget of 8 retries in a row is spent.
    await waitFor(() => h!.sb.requests().filter((r) => r.throttled).length >= 3, 15_000, 'three throttled answers');
    h.sb.setFaults({ rate429: 0, rate503: 0 });
    const ended = (await run.done)!;
    expect([ended.status, ended.error]).toEqual(['succeeded', null]);

    const log = h.sb.requests().sort((a, b) => a.at - b.at);
    const throttled = log.filter((r) => r.throttled);
    expect(throttled.length).toBeGreaterThanOrEqual(3);
    expect(throttled.length).toBeLessThanOrEqual(8);
    expect(ended.progress.retries).toBe(throttled.length);
    for (const t of throttled) {
      const next = log.find((r) => r.at > t.at);
      expect(next!.at - t.at).toBeGreaterThanOrEqual(1_000);
    }
    // The counting request and eight pages of 100, each answered once; nothing else but the throttled tries.
    expect(log.filter((r) => r.status === 200)).toHaveLength(9);
    expect(new Set(pageReads(log, 'orders').map((r) => r.query.page)).size).toBe(8);
    expect(log).toHaveLength(9 + throttled.length);
    expect((await hubCopy(h.t.db, h.connectionId)).orders).toEqual(storeTruth(h.sb).orders);
  });

  it.each<[string, Partial<FaultConfig>, string]>([
    ['5xx', { rate5xx: 1, status5xx: 502 }, '502'],
    ['429 without Retry-After', { rate429: 1, retryAfter429: null }, '429'],
    ['503 without Retry-After', { rate503: 1, retryAfter503: null }, '503'],
    ['empty 200 bodies', { rateEmpty: 1 }, '200'],
  ])('a wall of %s ends the run after a bounded number of requests; the next run resumes and converges', async (_name, wall, status) => {
    h = await createWooHarness();
    h.sb.seed({ products: 3, variableProducts: 0, customers: 3, orders: 1_000, seed: 22 });
    h.sb.setFaults({ latencyMs: 2_000 });
    const run = await startRun(h, 'orders');
    await waitFor(async () => (await run.page()) >= 3, 20_000, 'three committed pages');
    h.sb.setFaults(wall);
    const failed = (await run.done)!;
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'retry_budget_exhausted', message: expect.stringContaining(`answered ${status}`) });
    // The request in flight when the wall went up, and at most eight retries in a row without progress.
    const walled = h.sb.requests().filter((r) => r.fault !== null);
    expect(walled.length).toBeGreaterThanOrEqual(1);
    expect(walled.length).toBeLessThanOrEqual(9);
    const kept = (await hubCopy(h.t.db, h.connectionId)).orders;
    expect(kept.length).toBeGreaterThanOrEqual(300);
    expect(kept.length).toBeLessThan(1_000);

    h.sb.clearFaults();
    const again = await startRun(h, 'orders');
    expect((await again.done)!.status).toBe('succeeded');
    expect((await hubCopy(h.t.db, h.connectionId)).orders).toEqual(storeTruth(h.sb).orders);
    expect(await openDeadLetters(h.t.db, h.connectionId)).toEqual([]);
    // The second run went on with the failed run's pass: 10 pages in all, counted once, at most one read twice.
    const pages = pageReads(h.sb.requests(), 'orders').map((r) => r.query.page);
    expect(new Set(pages).size).toBe(10);
    expect(pages.length - 10).toBeLessThanOrEqual(1);
    expect(h.sb.requests().filter((r) => listOf('orders')(r) && r.query._fields === 'id' && r.status === 200)).toHaveLength(1);
  });

  it('a host that strips the query string stops every stream with pagination_loop at once and deletes nothing', async () => {
    h = await createWooHarness();
    h.sb.seed({ products: 24, variableProducts: 3, variationsPerProduct: 2, customers: 35, orders: 45, seed: 23 });
    expect((await h.sync('full')).every((r) => r.status === 'succeeded')).toBe(true);
    const before = await hubCopy(h.t.db, h.connectionId);
    h.sb.editProduct(h.sb.products()[0]!.id as number, { name: 'Edited behind the proxy' });
    h.sb.clearRequests();
    // Without `page` the store answers its first 10 rows to every request; the engine must see the repeat.
    h.sb.setFaults({ stripQueryString: true });
    const runs = await h.sync('full');
    expect(runs.map((r) => [r.stream, r.status, r.error?.code, r.counts.deleted])).toEqual([
      ['customers', 'failed', 'pagination_loop', 0], ['products', 'failed', 'pagination_loop', 0], ['orders', 'failed', 'pagination_loop', 0],
    ]);
    // The counting request and two pages per stream (the second repeats the first), plus the variations
    // of the variable products on the one page mapped.
    for (const path of ['customers', 'products', 'orders']) expect(h.sb.requests().filter(listOf(path))).toHaveLength(3);
    expect(h.sb.requests().filter((r) => r.path.endsWith('/variations')).length).toBeLessThanOrEqual(3);
    expect((await hubCopy(h.t.db, h.connectionId)).skus.map((s) => s.id)).toEqual(before.skus.map((s) => s.id));

    h.sb.clearFaults();
    expect((await h.sync('full')).map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(await hubCopy(h.t.db, h.connectionId)).toEqual(storeTruth(h.sb));
  });

  it('a proxy that drops only per_page gets 10 rows a page: every page is read once, by the count the store gives', async () => {
    h = await createWooHarness();
    const seeded = h.sb.seed({ products: 37, variableProducts: 4, variationsPerProduct: 3, customers: 43, orders: 52, seed: 24 });
    h.sb.setFaults({ stripQueryParams: ['per_page'] });
    const runs = await h.sync('full');
    expect(runs.map((r) => [r.stream, r.status, r.error?.message ?? ''])).toEqual([['customers', 'succeeded', ''], ['products', 'succeeded', ''], ['orders', 'succeeded', '']]);
    expect(await hubCopy(h.t.db, h.connectionId)).toEqual(storeTruth(h.sb));
    const log = h.sb.requests();
    expect(log.filter((r) => r.fault === 'strip-query').length).toBe(log.length);
    for (const [path, rows] of [['customers', 43], ['products', 41], ['orders', seeded.orders]] as const) {
      const pages = pageReads(log, path).map((r) => Number(r.query.page));
      expect(pages).toEqual(Array.from({ length: Math.ceil(rows / 10) }, (_, i) => Math.ceil(rows / 10) - i));
    }
    expect(log.filter((r) => r.path.endsWith('/variations'))).toHaveLength(4);
    expect(await openDeadLetters(h.t.db, h.connectionId)).toEqual([]);
  });

  it('applies duplicate deliveries and a created+updated pair once each', async () => {
    h = await createWooHarness({ credentials: { webhookSecret: SECRET } });
    h.sb.seed({ products: 4, variableProducts: 0, customers: 2, orders: 2, seed: 25 });
    await h.sync('full');
    const rx = await startReceiver(h);
    server = rx.server;
    await subscribe(h, rx.url, ['product.created', 'product.updated', 'order.created', 'order.updated']);
    h.sb.setFaults({ webhookDuplicateRate: 1, webhookCreatedUpdatedRate: 1 });

    const created = await call(h.sb, 'POST', 'products', { body: { name: 'Twice announced', sku: 'TWICE-1', regular_price: '7.50' } });
    expect(created.status).toBe(201);
    const productId = String(created.body.id);
    const product = h.sb.products().find((p) => p.id === created.body.id)!;
    const order = h.sb.createOrder({ line_items: [{ product_id: product.id, quantity: 2 }], set_paid: true });
    const orderId = String(order.id);

    // created and updated for each of the two saves, each delivered twice: eight deliveries, four events
    // (after the four creation pings, which carry nothing).
    await waitFor(() => rx.received.length === 4 + 8, 10_000, 'eight deliveries');
    await h.engine.webhooksIdle(h.connectionId, 10_000);
    expect(h.sb.deliveries().filter((d) => d.kind === 'event').map((d) => d.responseStatus)).toEqual(Array(8).fill(200));
    expect(rx.received.reduce((n, r) => n + r.received, 0)).toBe(4);
    expect(rx.received.reduce((n, r) => n + r.duplicates, 0)).toBe(4);
    const events = await h.t.db.query<{ external_id: string; topic: string; status: string }>(
      `SELECT external_id, topic, status FROM webhook_events WHERE connection_id = $1 ORDER BY topic, external_id`, [h.connectionId]);
    expect(events.rows.map((e) => [e.topic, e.external_id])).toEqual([
      ['orders:upsert', orderId], ['orders:upsert', orderId], ['products:upsert', productId], ['products:upsert', productId],
    ]);
    expect(events.rows.every((e) => e.status === 'applied' || e.status === 'ignored')).toBe(true);

    const hub = await hubCopy(h.t.db, h.connectionId);
    const truth = storeTruth(h.sb);
    expect(hub.skus).toEqual(truth.skus);
    expect(hub.orders).toEqual(truth.orders);
    // One hub write each: the second event of a pair carries what the first already applied.
    const log = await h.t.db.query<{ entity: string; action: string }>(
      `SELECT s.entity, s.action FROM sync_log s JOIN links l ON l.hub_id = s.hub_id AND l.connection_id = s.connection_id
        WHERE l.connection_id = $1 AND l.external_id IN ($2, $3) ORDER BY s.id`, [h.connectionId, productId, orderId]);
    expect(log.rows.map((r) => [r.entity, r.action])).toEqual([['product', 'create'], ['order', 'create']]);
  });

  it('with a plugin that saves products on read, webhooks and pulls cause no further deliveries', async () => {
    h = await createWooHarness({ credentials: { webhookSecret: SECRET } });
    h.sb.seed({ products: 6, variableProducts: 3, variationsPerProduct: 3, customers: 2, orders: 2, seed: 26 });
    await h.sync('full');
    const rx = await startReceiver(h);
    server = rx.server;
    await subscribe(h, rx.url, ['product.updated', 'product.deleted']);
    h.sb.setFaults({ writeOnRead: true });
    h.sb.clearRequests();

    const simple = h.sb.products().filter((p) => p.type === 'simple');
    const variable = h.sb.products().find((p) => p.type === 'variable')!;
    h.sb.editProduct(simple[0]!.id as number, { name: 'Saved on read?', regular_price: '4.40', sale_price: '' });
    h.sb.editVariation(variable.id as number, variable.variation_objects[0]!.id as number, { regular_price: '66.00', sale_price: '' });
    h.sb.deleteProduct(simple[1]!.id as number);

    const truth = storeTruth(h.sb);
    await waitFor(async () => JSON.stringify((await hubCopy(h!.t.db, h!.connectionId)).skus) === JSON.stringify(truth.skus), 10_000, 'the deliveries applied');
    await h.engine.webhooksIdle(h.connectionId, 10_000);
    // The variation's event re-read its product through the list (`include`), never by a single GET that
    // the plugin would turn into another save and another product.updated.
    expect(h.sb.requests().filter((r) => /\/products\/\d+$/.test(r.path))).toEqual([]);
    expect(h.sb.requests().some((r) => r.query.include === String(variable.id))).toBe(true);
    const events = () => h!.sb.deliveries().filter((d) => d.kind === 'event');
    expect(events().map((d) => [d.topic, d.status])).toEqual([['product.updated', 'delivered'], ['product.updated', 'delivered'], ['product.deleted', 'delivered']]);

    // A pull reads lists only: the plugin saves nothing, no delivery follows, and nothing is written.
    const runs = await h.sync('incremental', ['products']);
    expect(runs.map((r) => [r.status, r.counts.added, r.counts.updated])).toEqual([['succeeded', 0, 0]]);
    expect(events()).toHaveLength(3);
    expect(await hubCopy(h.t.db, h.connectionId)).toEqual(storeTruth(h.sb));
  });
});
