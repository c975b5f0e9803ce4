// The Printful sandbox speaks the protocol of platforms/printful.md: auth and store id, the v1 and
// v2 envelopes, offset paging, error shapes, and the rate limits with their headers and lockouts.
import { afterEach, describe, expect, it } from 'vitest';
import { createPrintfulSandbox, type PrintfulSandbox, type PrintfulSandboxOptions } from '../../../src/sandbox/printful/index.js';

const AUTH = { authorization: 'Bearer pf_sandbox_token' };

describe('Printful sandbox API', () => {
  let sb: PrintfulSandbox | undefined;
  const make = (opts: PrintfulSandboxOptions = {}) => (sb = createPrintfulSandbox({ catalog: { products: 130, storeProducts: 5 }, ...opts }));
  const get = (url: string, headers: Record<string, string> = AUTH) => sb!.app.inject({ method: 'GET', url, headers });
  afterEach(async () => {
    await sb?.close();
    sb = undefined;
  });

  it('authenticates with Bearer tokens and requires X-PF-Store-Id for account tokens on store routes', async () => {
    make();
    const malformed = await get('/store/products', { authorization: 'Basic abc' });
    expect(malformed.statusCode).toBe(401);
    expect(malformed.json()).toEqual({ code: 401, result: 'Malformed Authorization header.', error: { reason: 'BadRequest', message: 'Malformed Authorization header.' } });
    expect((await get('/store/products', { authorization: 'Bearer wrong' })).statusCode).toBe(401);
    expect((await get('/store/products', {})).statusCode).toBe(401);
    const account = { authorization: 'Bearer pf_sandbox_account' };
    const missing = await get('/store/products', account);
    expect(missing.statusCode).toBe(400);
    expect(missing.json().result).toBe('This endpoint requires `store_id`!');
    expect((await get('/store/products', { ...account, 'x-pf-store-id': '4242' })).statusCode).toBe(200);
    expect((await get('/store/products', { ...account, 'x-pf-store-id': '1' })).statusCode).toBe(404);
    // Catalog reads need no store and work without auth.
    expect((await get('/products', account)).statusCode).toBe(200);
    expect((await get('/products', {})).statusCode).toBe(200);
  });

  it('pages v1 lists with {code, result, paging}: default 20, max 100', async () => {
    make();
    const first = (await get('/products')).json();
    expect(first).toMatchObject({ code: 200, paging: { total: 130, offset: 0, limit: 20 } });
    expect(first.result).toHaveLength(20);
    const big = (await get('/products?offset=100&limit=500')).json();
    expect(big.paging).toEqual({ total: 130, offset: 100, limit: 100 });
    expect(big.result).toHaveLength(30);
    expect((await get('/products?offset=-1')).statusCode).toBe(400);
    const detail = (await get('/products/1')).json().result;
    expect(detail.product).toMatchObject({ id: 1, currency: 'USD', variant_count: detail.variants.length });
    expect(detail.variants[0]).toMatchObject({ product_id: 1, price: expect.stringMatching(/^\d+\.\d{2}$/), in_stock: expect.any(Boolean) });
    const notFound = await get('/products/999999');
    expect(notFound.statusCode).toBe(404);
    expect(notFound.json()).toEqual({ code: 404, result: 'Not Found', error: { reason: 'NotFound', message: 'Not Found' } });
    expect((await get('/sync/products?search=ab')).json().result).toMatch(/EC-2/);
    expect((await get('/sync/products?status=bogus')).json().result).toMatch(/PR-6/);
    const sp = (await get('/store/products/@ext-1000')).json().result;
    expect(sp.sync_product.external_id).toBe('ext-1000');
    expect(sp.sync_variants[0].variant_id).toEqual(expect.any(Number));
  });

  it('answers v2 catalog lists with {data, paging, _links} and rejects a limit over 100', async () => {
    make();
    const page = (await get('/v2/catalog-products?offset=20&limit=50')).json();
    expect(page.paging).toEqual({ total: 130, offset: 20, limit: 50 });
    expect(page._links.next.href).toContain('offset=70');
    expect(page._links.previous.href).toContain('offset=0');
    const last = (await get('/v2/catalog-products?offset=100&limit=50')).json();
    expect(last._links.next).toBeUndefined();
    expect((await get('/v2/catalog-products?limit=101')).statusCode).toBe(400);
    const availability = (await get('/v2/catalog-products/1/availability')).json();
    expect(availability.data[0].techniques[0].selling_regions[0].availability).toMatch(/ /);
    const prices = (await get(`/v2/catalog-variants/${availability.data[0].catalog_variant_id}/prices`)).json();
    expect(prices.data.variants[0].techniques[0].price).toMatch(/^\d+\.\d{2}$/);
  });

  it('v1: 120 per window, then 429 with Retry-After and the "try again after" envelope; a new window refills', async () => {
    make({ v1Limit: { limit: 5, windowMs: 60_000 }, timeScale: 600 });
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await get('/store/products'));
    expect(answers.slice(0, 5).map((a) => a.headers['x-ratelimit-remaining'])).toEqual(['4', '3', '2', '1', '0']);
    expect(answers[0]!.headers['x-ratelimit-policy']).toBe('5;w=60;');
    const throttled = answers[5]!;
    expect(throttled.statusCode).toBe(429);
    expect(throttled.json().error.message).toMatch(/^You've recently sent too many requests\. Please try again after \d+ seconds\.$/);
    const wait = Number(throttled.headers['retry-after']);
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(0.1); // 60 s at 600x
    expect(sb!.stats().v1.throttled).toBe(1);
  });

  it('product writes: 10 per 60 s, then a 60 s lockout that refuses even after the window', async () => {
    make({ productWriteLimit: { limit: 2, windowMs: 60_000, lockoutMs: 600_000 }, timeScale: 60 });
    const put = () => sb!.app.inject({ method: 'PUT', url: '/store/products/300000', headers: AUTH, payload: { sync_product: { name: 'Renamed' } } });
    expect((await put()).statusCode).toBe(200);
    expect((await put()).statusCode).toBe(200);
    const locked = await put();
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(5); // 600 s at 60x = 10 s, longer than the 1 s window
    expect(sb!.stats().productWrites).toMatchObject({ throttled: 1, lockouts: 1 });
    // Reads are not locked out.
    expect((await get('/store/products/300000')).statusCode).toBe(200);
  });

  it('v2: token bucket with X-Ratelimit-* headers and retry-after when empty', async () => {
    make({ v2Bucket: { capacity: 3, refillPerSec: 0.5 } });
    const a = await get('/v2/catalog-products/1');
    expect(a.headers).toMatchObject({ 'x-ratelimit-limit': '3', 'x-ratelimit-remaining': '2' });
    expect(Number(a.headers['x-ratelimit-reset'])).toBeGreaterThan(0);
    await get('/v2/catalog-products/1');
    await get('/v2/catalog-products/1');
    const empty = await get('/v2/catalog-products/1');
    expect(empty.statusCode).toBe(429);
    expect(Number(empty.headers['retry-after'])).toBeGreaterThan(1);
    expect(sb!.stats().v2.throttled).toBe(1);
  });

  it('faults: 5xx in the v2 error shapes, a 429 burst mid-pagination, truncated JSON; control input is validated', async () => {
    make();
    sb!.setFaults({ rate5xx: 1, v2ErrorShape: 'rfc7807' });
    expect((await get('/v2/catalog-products')).json()).toMatchObject({ status: 500, title: 'Internal Server Error' });
    sb!.setFaults({ rate5xx: 0, burst429After: 1, burst429Count: 2 });
    expect((await get('/products')).statusCode).toBe(200);
    expect((await get('/products?offset=20')).statusCode).toBe(429);
    expect((await get('/products?offset=20')).statusCode).toBe(429);
    expect((await get('/products?offset=20')).statusCode).toBe(200);
    sb!.setFaults({ rateMalformed: 1 });
    const cut = (await get('/products')).body;
    expect(() => JSON.parse(cut)).toThrow();
    sb!.clearFaults();
    expect((await sb!.app.inject({ method: 'POST', url: '/_sandbox/faults', payload: { rate5xx: 2 } })).statusCode).toBe(400);
    expect((await sb!.app.inject({ method: 'POST', url: '/_sandbox/catalog/price', payload: { variantId: 4000, price: 'cheap' } })).statusCode).toBe(400);
    expect((await sb!.app.inject({ method: 'POST', url: '/_sandbox/time', payload: { timeScale: -1 } })).statusCode).toBe(400);
  });

  it('counts catalog passes (listings at offset 0) in the request log', async () => {
    make();
    await get('/products');
    await get('/products?offset=20');
    await get('/v2/catalog-products');
    const stats = (await sb!.app.inject({ method: 'GET', url: '/_sandbox/stats' })).json();
    expect(stats.catalog).toEqual({ requests: 3, passes: 2 });
    expect(sb!.requests()).toHaveLength(3);
  });
});
