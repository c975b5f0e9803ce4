// Faults and the control API (DESIGN.md section 7; platforms/jtl-ffn.md sections 4, 9): failNext bursts, the
// optional token bucket with X-RateLimit-* and Retry-After, slow responses, the request log, and the
// /_sandbox/ routes a separate process drives the sandbox with.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startJtlFfnSandbox, type JtlFfnSandbox } from '../../../src/sandbox/jtl-ffn/index.js';
import { accessToken, api, type Loose, outboundBody, tokenCall } from './helpers.js';

let sb: JtlFfnSandbox;
let token: string;
beforeAll(async () => {
  sb = await startJtlFfnSandbox({ timeScale: 100 });
  token = await accessToken(sb);
});
beforeEach(() => {
  sb.clearFaults();
  sb.clearRequestLog();
  sb.seed({ products: 2, stockPerWarehouse: 5 });
});
afterAll(async () => {
  await sb?.close();
});

const control = async (method: string, path: string, body?: unknown): Promise<Loose> => {
  const res = await fetch(`${sb.url.replace(/\/api$/, '')}/_sandbox/${path}`, {
    method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
};

describe('injected failures', () => {
  it('failNext: the next n API requests answer the status in the error shape, then normal service resumes', async () => {
    sb.failNext(2, 503);
    const a = await api(sb, 'GET', 'v1/merchant/products', { token });
    const b = await api(sb, 'GET', 'v1/merchant/products', { token });
    const c = await api(sb, 'GET', 'v1/merchant/products', { token });
    expect([a.status, b.status, c.status]).toEqual([503, 503, 200]);
    expect(a.body.errorCode.code).toBe('ServiceUnavailable');
    expect(sb.requestLog().map((r) => [r.method, r.path, r.status, r.fault])).toEqual([
      ['GET', '/api/v1/merchant/products', 503, 'fail'], ['GET', '/api/v1/merchant/products', 503, 'fail'], ['GET', '/api/v1/merchant/products', 200, null],
    ]);
    // Token requests are not API requests: a refresh goes through during a burst.
    sb.failNext(1, 500);
    expect((await tokenCall(sb, { grant_type: 'refresh_token', refresh_token: sb.issueRefreshToken() })).status).toBe(200);
    expect((await api(sb, 'GET', 'v1/merchant/warehouses', { token })).status).toBe(500);
  });

  it('a failed write changes nothing', async () => {
    sb.failNext(1, 502);
    const { warehouses, products } = sb.seed({ products: 1, stockPerWarehouse: 5 });
    const res = await api(sb, 'POST', 'v1/merchant/outbounds', { token, body: outboundBody('F-1', warehouses[0] ?? '', [{ jfsku: products[0]?.jfsku ?? '', quantity: 1 }]) });
    expect(res.status).toBe(502);
    expect(sb.outbounds()).toHaveLength(0);
  });

  it('slows responses by latencyMs of platform time (compressed by the time scale)', async () => {
    sb.setFaults({ latencyMs: 5000 }); // 50 ms at timeScale 100
    const started = Date.now();
    expect((await api(sb, 'GET', 'v1/merchant/warehouses', { token })).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });
});

describe('rate limit', () => {
  it('answers 429 with X-RateLimit-* and Retry-After once the bucket is empty', async () => {
    const limited = await startJtlFfnSandbox({ rateLimit: { rps: 1, burst: 3 } });
    try {
      const t = await accessToken(limited);
      const results = [];
      for (let i = 0; i < 4; i += 1) results.push(await api(limited, 'GET', 'v1/merchant/warehouses', { token: t }));
      expect(results.map((r) => r.status)).toEqual([200, 200, 200, 429]);
      expect(results[0]?.headers.get('x-ratelimit-limit')).toBe('3');
      expect(results[0]?.headers.get('x-ratelimit-remaining')).toBe('2');
      expect(results[0]?.headers.get('x-ratelimit-interval-length-seconds')).toBe('3');
      const throttled = results[3];
      expect(throttled?.headers.get('retry-after')).toBe('1');
      expect(throttled?.body.errorCode.code).toBe('TooManyRequests');
      expect(limited.requestLog().at(-1)).toMatchObject({ status: 429, fault: '429' });
    } finally {
      await limited.close();
    }
  });
});

describe('control API', () => {
  it('drives seeding, stock, outbounds, faults, tokens and the request log over HTTP', async () => {
    const seeded = await control('POST', 'seed', { products: 2, warehouses: 2, stockPerWarehouse: 3, seed: 3 });
    expect(seeded.body.warehouses).toEqual(['WH0001', 'WH0002']);
    const [p] = seeded.body.products as { jfsku: string; merchantSku: string }[];
    const stock = await control('POST', 'stock', { sku: p?.merchantSku, warehouseId: 'WH0002', stockLevel: 7.25 });
    expect(stock.body).toMatchObject({ jfsku: p?.jfsku, stockLevel: 10.25 });
    expect((await control('GET', `stock/${p?.jfsku}`)).body.stockLevel).toBe(10.25);
    expect((await control('POST', 'stock', { sku: 'NOPE', warehouseId: 'WH0001', stockLevel: 1 })).status).toBe(404);

    const { refreshToken } = (await control('POST', 'oauth/refresh-token', { scopes: ['ffn.merchant.read', 'ffn.merchant.write'] })).body;
    const t = (await tokenCall(sb, { grant_type: 'refresh_token', refresh_token: refreshToken })).body.access_token as string;
    const created = await api(sb, 'POST', 'v1/merchant/outbounds', { token: t, body: outboundBody('C-1', 'WH0001', [{ jfsku: p?.jfsku ?? '', quantity: 1 }]) });
    await api(sb, 'POST', 'v1/merchant/outbounds', { token: t, body: outboundBody('C-1', 'WH0001', [{ jfsku: p?.jfsku ?? '', quantity: 1 }]) });
    expect((await control('GET', 'outbounds/duplicates')).body).toEqual({ outboundNumberDuplicates: 1 });
    expect((await control('POST', `outbounds/${created.body.outboundId}/advance`, { status: 'Acknowledged' })).body.status).toBe('Acknowledged');
    expect((await control('POST', `outbounds/${created.body.outboundId}/ship`, { identifier: ['T1'] })).body.status).toBe('Shipped');
    expect((await control('GET', `outbounds/${created.body.outboundId}/shipping-notifications`)).body[0].packages[0].identifier).toEqual(['T1']);
    expect((await control('GET', 'outbounds')).body).toHaveLength(2);
    expect((await control('POST', 'outbounds/NOPE/advance', { status: 'Shipped' })).status).toBe(404);

    await control('POST', 'fail-next', { n: 1, status: 500 });
    expect((await api(sb, 'GET', 'v1/merchant/products', { token: t })).status).toBe(500);
    await control('POST', 'clock-skew', { ms: 120_000 });
    expect((await control('GET', 'faults')).body.clockSkewMs).toBe(120_000);
    expect((await control('POST', 'faults', { rate5xx: 2 })).status).toBe(400);
    await control('POST', 'oauth/expire-access-tokens');
    expect((await api(sb, 'GET', 'v1/merchant/products', { token: t })).status).toBe(401);
    expect((await control('GET', 'oauth/stats')).body).toMatchObject({ refreshes: expect.any(Number), refreshTokenReuses: 0 });
    await control('POST', 'portal', { loggedIn: false });
    const t2 = await accessToken(sb);
    expect((await api(sb, 'GET', 'v1/merchant/products', { token: t2 })).status).toBe(404);
    await control('POST', 'portal', { loggedIn: true });
    const log = (await control('GET', 'requests?limit=2')).body as Loose[];
    expect(log.map((r) => r.status)).toEqual([200, 404]);
    expect(log[0]).toMatchObject({ method: 'POST', path: '/oauth/token', clientId: sb.clientId });
    await control('DELETE', 'requests');
    expect(sb.requestLog()).toEqual([]);
  });
});
