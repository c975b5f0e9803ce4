// A brake on guessing: failed authentications (API keys, webhook signatures, install callbacks) are
// counted per client address; past the limit the address gets 429 with Retry-After and the catalogued
// envelope. Clients with a valid key are never slowed, and a valid webhook delivery is never refused.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shopifyConnector } from '../../src/connectors/shopify/index.js';
import { signShopify } from '../../src/connectors/shopify/webhooks.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

const SECRET = 'shpss_brake_secret';
const MAX = 5;

describe('failed authentication is rate-limited per address', () => {
  let h: TestApp;
  let tenant: Awaited<ReturnType<TestApp['newTenant']>>;
  let connId: string;

  beforeAll(async () => {
    h = await createTestApp({
      connectors: [shopifyConnector],
      authBrake: { maxFailures: MAX, windowMs: 60_000 },
      shopifyApp: { apiKey: 'k', apiSecret: 'app-secret', publicUrl: 'http://sync.example.test' },
    });
    tenant = await h.newTenant('brake');
    const res = await h.app.inject({
      method: 'POST', url: '/api/v1/connections', headers: tenant.auth,
      payload: { platform: 'shopify', name: 'shop', settings: { shopDomain: 'acme.myshopify.com' }, credentials: { accessToken: 'shpat_x', apiSecret: SECRET } },
    });
    connId = res.json().id;
  });
  afterAll(() => h?.close());

  const api = (remoteAddress: string, authorization?: string) =>
    h.app.inject({ method: 'GET', url: '/api/v1/connections', remoteAddress, headers: authorization ? { authorization } : {} });

  it('answers 429 with Retry-After once an address has used up its failures, before looking at any key', async () => {
    for (let i = 0; i < MAX; i++) {
      const res = await api('203.0.113.7', `Bearer guess-${i}`);
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('unauthorized');
    }
    const braked = await api('203.0.113.7', 'Bearer guess-next');
    expect(braked.statusCode).toBe(429);
    expect(Number(braked.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(braked.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(braked.json()).toEqual({ error: { code: 'auth_rate_limited', message: expect.stringMatching(/too many failed authentications/) } });
    // Past the limit even a right guess learns nothing from this address.
    expect((await api('203.0.113.7', tenant.auth.authorization)).statusCode).toBe(429);
    // Other addresses are not affected; missing keys count as failures too.
    expect((await api('203.0.113.8', tenant.auth.authorization)).statusCode).toBe(200);
    for (let i = 0; i < MAX; i++) expect((await api('203.0.113.9')).statusCode).toBe(401);
    expect((await api('203.0.113.9')).statusCode).toBe(429);
  });

  it('never slows clients with a valid key', async () => {
    const answers = await Promise.all(Array.from({ length: 100 }, () => api('203.0.113.20', tenant.auth.authorization)));
    expect(answers.map((a) => a.statusCode)).toEqual(Array(100).fill(200));
  });

  const deliver = (remoteAddress: string, signature: string | null) => {
    const raw = JSON.stringify({ id: 1, title: 'x', updated_at: '2025-03-01T00:00:00Z', variants: [] });
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-shopify-topic': 'products/update',
      'x-shopify-webhook-id': randomUUID(),
      'x-shopify-shop-domain': 'acme.myshopify.com',
    };
    if (signature !== null) headers['x-shopify-hmac-sha256'] = signature || signShopify(raw, SECRET);
    return h.app.inject({ method: 'POST', url: `/webhooks/shopify/${connId}`, remoteAddress, headers, payload: raw });
  };

  it('brakes bad webhook signatures the same way, while valid deliveries from that address still pass', async () => {
    for (let i = 0; i < MAX; i++) expect((await deliver('198.51.100.4', signShopify('forged', SECRET))).statusCode).toBe(401);
    const braked = await deliver('198.51.100.4', null);
    expect(braked.statusCode).toBe(429);
    expect(braked.headers['retry-after']).toBeDefined();
    expect(braked.json().error.code).toBe('auth_rate_limited');
    expect((await deliver('198.51.100.4', '')).statusCode).toBe(200);
    // Valid deliveries never count.
    for (let i = 0; i < 3 * MAX; i++) expect((await deliver('198.51.100.5', '')).statusCode).toBe(200);
  });

  it('brakes install callbacks with a bad hmac', async () => {
    const callback = (remoteAddress: string) =>
      h.app.inject({ method: 'GET', url: `/oauth/shopify/callback?code=c&shop=a.myshopify.com&state=s&timestamp=1&hmac=${'0'.repeat(64)}`, remoteAddress });
    for (let i = 0; i < MAX; i++) expect((await callback('192.0.2.10')).statusCode).toBe(401);
    expect((await callback('192.0.2.10')).statusCode).toBe(429);
  });
});
