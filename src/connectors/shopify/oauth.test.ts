import { describe, expect, it } from 'vitest';
import { OutboundPolicy } from '../outbound.js';
import { callbackHmac, exchangeCode, installUrl, verifyCallback } from './oauth.js';

describe('Shopify OAuth helpers', () => {
  it('builds the authorize URL on the shop (or its base URL override)', () => {
    const u = new URL(installUrl({ shop: 'acme.myshopify.com', apiKey: 'key', scopes: ['read_products', 'read_orders'], redirectUri: 'https://sync.example.com/oauth/shopify/callback', state: 's1' }));
    expect(u.origin + u.pathname).toBe('https://acme.myshopify.com/admin/oauth/authorize');
    expect(Object.fromEntries(u.searchParams)).toEqual({ client_id: 'key', scope: 'read_products,read_orders', redirect_uri: 'https://sync.example.com/oauth/shopify/callback', state: 's1' });
    expect(installUrl({ shop: 'acme.myshopify.com', baseUrl: 'http://127.0.0.1:9999/', apiKey: 'k', scopes: [], redirectUri: 'r', state: 's' })).toMatch(/^http:\/\/127\.0\.0\.1:9999\/admin\/oauth\/authorize\?/);
  });

  it('checks the callback hmac over the sorted parameters, timing-safe', () => {
    // Example from Shopify's OAuth documentation (secret "hush").
    const query = { code: '0907a61c0c8d55e99db179b68161bc00', shop: 'some-shop.myshopify.com', state: '0.6784241404160823', timestamp: '1337178173' };
    const hmac = callbackHmac(query, 'hush');
    expect(hmac).toBe('700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf');
    expect(verifyCallback({ ...query, hmac }, 'hush')).toBe(true);
    expect(verifyCallback({ ...query, hmac }, 'other')).toBe(false);
    expect(verifyCallback({ ...query, shop: 'evil.myshopify.com', hmac }, 'hush')).toBe(false);
    expect(verifyCallback({ ...query }, 'hush')).toBe(false);
    expect(verifyCallback({ ...query, hmac: 'zz' }, 'hush')).toBe(false);
  });

  it('sends the client secret only to a shop domain or an allow-listed base URL, without following redirects', async () => {
    const sent: { url: string; init: RequestInit }[] = [];
    const fetchImpl = (async (url: string, init: RequestInit) => {
      sent.push({ url, init });
      return new Response(JSON.stringify({ access_token: 'shpat_new', scope: 'read_products' }), { status: 200 });
    }) as unknown as typeof fetch;
    const sandbox = new OutboundPolicy({ allowedHosts: '127.0.0.1:9999' });
    const base = { apiKey: 'k', apiSecret: 'the-app-secret', code: 'c', fetchImpl };
    await expect(exchangeCode({ ...base, shop: 'acme.myshopify.com', baseUrl: 'http://127.0.0.1:8888', outbound: sandbox })).rejects.toMatchObject({ code: 'host_not_allowed' });
    await expect(exchangeCode({ ...base, shop: 'acme.myshopify.com', baseUrl: 'https://collector.example.com', outbound: sandbox })).rejects.toMatchObject({ code: 'host_not_allowed' });
    await expect(exchangeCode({ ...base, shop: 'collector.example.com', outbound: sandbox })).rejects.toMatchObject({ code: 'validation_failed' });
    expect(sent).toEqual([]);

    await expect(exchangeCode({ ...base, shop: 'acme.myshopify.com', baseUrl: 'http://127.0.0.1:9999/', outbound: sandbox })).resolves.toEqual({ accessToken: 'shpat_new', scope: 'read_products' });
    await exchangeCode({ ...base, shop: 'acme.myshopify.com', outbound: sandbox });
    expect(sent.map((s) => s.url)).toEqual(['http://127.0.0.1:9999/admin/oauth/access_token', 'https://acme.myshopify.com/admin/oauth/access_token']);
    expect(sent.every((s) => s.init.redirect === 'manual')).toBe(true);
  });
});
