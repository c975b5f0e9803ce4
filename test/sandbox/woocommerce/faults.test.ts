// Fault injection and the control API (DESIGN.md section 7; platforms/woocommerce.md sections 4, 8, 9):
// host-level 5xx/429/503 with and without Retry-After, empty bodies, the stripped query string, page
// repeats, slow responses, writeOnRead, the request log, and the /_sandbox/ routes.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startWooSandbox, type WooSandbox } from '../../../src/sandbox/woocommerce/index.js';
import { call, type Loose } from './helpers.js';

let sb: WooSandbox;
beforeAll(async () => {
  sb = await startWooSandbox({ timeScale: 100 });
});
beforeEach(() => {
  sb.seed({ products: 30, orders: 5, customers: 3, seed: 2 });
  sb.clearFaults();
  sb.clearRequests();
});
afterAll(async () => {
  await sb?.close();
});

describe('host faults', () => {
  it('answers 429 and 503 with and without Retry-After, logged as throttled', async () => {
    sb.setFaults({ rate429: 1, retryAfter429: 7 });
    const limited = await call(sb, 'GET', 'products');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    sb.setFaults({ retryAfter429: null });
    expect((await call(sb, 'GET', 'products')).headers.get('retry-after')).toBeNull();
    sb.setFaults({ rate429: 0, rate503: 1, retryAfter503: 30 });
    const unavailable = await call(sb, 'GET', 'orders');
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get('retry-after')).toBe('30');
    expect(sb.requests().map((r) => [r.status, r.throttled, r.fault])).toEqual([[429, true, '429'], [429, true, '429'], [503, true, '503']]);
  });

  it('answers 5xx and empty 200 bodies', async () => {
    sb.setFaults({ rate5xx: 1, status5xx: 502 });
    expect((await call(sb, 'GET', 'products')).status).toBe(502);
    sb.setFaults({ rate5xx: 0, rateEmpty: 1 });
    const empty = await call(sb, 'GET', 'products');
    expect(empty.status).toBe(200);
    expect(empty.text).toBe('');
  });

  it('injects faults at roughly the configured share', async () => {
    sb.setFaults({ rate5xx: 0.5 });
    const statuses: number[] = [];
    for (let i = 0; i < 40; i += 1) statuses.push((await call(sb, 'GET', 'customers')).status);
    const failed = statuses.filter((s) => s === 500).length;
    expect(failed).toBeGreaterThan(5);
    expect(failed).toBeLessThan(35);
  });

  it('resets connections', async () => {
    sb.setFaults({ rateReset: 1 });
    await expect(call(sb, 'GET', 'products')).rejects.toThrow();
    expect(sb.requests()[0]).toMatchObject({ fault: 'reset', status: 0 });
  });

  it('slows responses by latencyMs of platform time (compressed by the time scale)', async () => {
    sb.setFaults({ latencyMs: 5000 }); // 5 s of platform time = 50 ms at timeScale 100
    const started = Date.now();
    expect((await call(sb, 'GET', 'products')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });
});

describe('paging faults and quirks', () => {
  it('ignores per_page and page when the query string is stripped (auth still passes)', async () => {
    sb.setFaults({ stripQueryString: true });
    const res = await call(sb, 'GET', 'products', { query: { per_page: 50, page: 2 }, auth: 'query' });
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(10);
    expect(res.headers.get('x-wp-totalpages')).toBe('3');
    expect(sb.requests()[0]).toMatchObject({ fault: 'strip-query', query: { per_page: '50', page: '2' } });
  });

  it('repeats the previous page for page > 1', async () => {
    const first = await call(sb, 'GET', 'products', { query: { per_page: 10, page: 1 } });
    sb.setFaults({ pageRepeat: true });
    const second = await call(sb, 'GET', 'products', { query: { per_page: 10, page: 2 } });
    expect(second.body.map((p: Loose) => p.id)).toEqual(first.body.map((p: Loose) => p.id));
    expect(sb.requests().at(-1)?.fault).toBe('page-repeat');
  });

  it('bumps date_modified on a product read when writeOnRead is on', async () => {
    const product = sb.products()[0] as Loose;
    sb.setFaults({ clockSkewMs: 60_000, writeOnRead: true });
    const read = await call(sb, 'GET', `products/${product.id}`);
    expect(read.body.date_modified_gmt > product.date_modified_gmt).toBe(true);
    sb.setFaults({ writeOnRead: false });
    const again = await call(sb, 'GET', `products/${product.id}`);
    expect(again.body.date_modified_gmt).toBe(read.body.date_modified_gmt);
  });
});

describe('control API over HTTP', () => {
  it('seeds, edits, sets faults and reads the request log under /_sandbox/', async () => {
    const post = (path: string, body: unknown) => fetch(`${sb.url}/_sandbox/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json() as Promise<Loose>);
    expect(await post('seed', { products: 4, variableProducts: 1, variationsPerProduct: 2, orders: 2, customers: 1, seed: 5 })).toEqual({ products: 5, variations: 2, customers: 1, orders: 2 });
    const products = (await (await fetch(`${sb.url}/_sandbox/products`)).json()) as Loose[];
    expect(products).toHaveLength(5);
    const edited = await post(`products/${products[0].id}`, { regular_price: '3.33' });
    expect(edited.regular_price).toBe('3.33');
    const variable = products.find((p) => p.type === 'variable');
    expect(variable.variation_objects).toHaveLength(2);
    expect((await post(`products/${variable.id}/variations/${variable.variations[0]}`, { sku: 'CTRL-V' })).sku).toBe('CTRL-V');
    const order = await post('orders', { line_items: [{ product_id: products[0].id, quantity: 2 }] });
    expect(order).toMatchObject({ created_via: 'checkout', total: '6.66' });
    expect((await post('faults', { rate503: 1 })).rate503).toBe(1);
    expect((await call(sb, 'GET', 'products')).status).toBe(503);
    await fetch(`${sb.url}/_sandbox/faults`, { method: 'DELETE' });
    expect((await call(sb, 'GET', 'products')).status).toBe(200);
    const log = (await (await fetch(`${sb.url}/_sandbox/requests`)).json()) as Loose[];
    expect(log.map((r) => r.status)).toEqual([503, 200]);
    expect(log[1]).toMatchObject({ method: 'GET', path: '/wp-json/wc/v3/products', auth: 'basic', throttled: false, fault: null });
    expect(typeof log[1].at).toBe('number');
    const bad = await fetch(`${sb.url}/_sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rate5xx: 3 }) });
    expect(bad.status).toBe(400);
  });
});
