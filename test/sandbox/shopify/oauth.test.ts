// OAuth install round trip: authorize redirect with an hmac the app can verify, one-time code exchange,
// and the issued token working against the Admin API with its scopes.
import { createHmac } from 'node:crypto';
import { stringify } from 'node:querystring';
import { afterEach, describe, expect, it } from 'vitest';
import type { ShopifySandbox } from '../../../src/sandbox/shopify/index.js';
import { startShopifySandbox } from '../../../src/sandbox/shopify/index.js';
import { gql } from './helpers.js';

let sb: ShopifySandbox;
afterEach(async () => sb?.close());

/** What an app does with the callback: drop hmac, sort the rest, HMAC-SHA256 hex with the client secret. */
function appVerifies(params: URLSearchParams, secret: string): boolean {
  const rest = Object.fromEntries([...params.entries()].filter(([k]) => k !== 'hmac').sort(([a], [b]) => a.localeCompare(b)));
  return createHmac('sha256', secret).update(stringify(rest)).digest('hex') === params.get('hmac');
}

async function authorize(scope: string): Promise<URL> {
  const query = new URLSearchParams({ client_id: 'key', scope, redirect_uri: 'https://app.example.com/auth/callback', state: 'nonce-1' });
  const response = await fetch(`${sb.url}/admin/oauth/authorize?${query}`, { redirect: 'manual' });
  expect(response.status).toBe(302);
  return new URL(response.headers.get('location') ?? '');
}

async function exchange(body: Record<string, string>) {
  const response = await fetch(`${sb.url}/admin/oauth/access_token`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

describe('OAuth install', () => {
  it('redirects with a verifiable hmac, exchanges the code once, and the token works with its scopes', async () => {
    sb = await startShopifySandbox({ apiKey: 'key', apiSecret: 'secret' });
    sb.seed({ products: 2, customers: 1 });
    const callback = await authorize('read_products,write_inventory');
    expect(callback.origin + callback.pathname).toBe('https://app.example.com/auth/callback');
    const params = callback.searchParams;
    expect([...params.keys()].sort()).toEqual(['code', 'hmac', 'host', 'shop', 'state', 'timestamp']);
    expect(params.get('shop')).toBe('sandbox-shop.myshopify.com');
    expect(params.get('state')).toBe('nonce-1');
    expect(appVerifies(params, 'secret')).toBe(true);
    expect(appVerifies(params, 'other')).toBe(false);

    const code = params.get('code') ?? '';
    expect((await exchange({ client_id: 'key', client_secret: 'wrong', code })).status).toBe(400);
    const granted = await exchange({ client_id: 'key', client_secret: 'secret', code });
    expect(granted.status).toBe(200);
    expect(granted.body.scope).toBe('read_products,write_inventory');
    expect(granted.body.access_token).toMatch(/^shpua_[0-9a-f]{32}$/);
    const reused = await exchange({ client_id: 'key', client_secret: 'secret', code });
    expect(reused).toMatchObject({ status: 400, body: { error: 'invalid_request' } });

    const token = granted.body.access_token;
    const products = await gql(sb, '{ products(first: 5) { nodes { id } } }', {}, { token });
    expect(products.body.data?.products.nodes).toHaveLength(2);
    const customers = await gql(sb, '{ customers(first: 5) { nodes { id } } }', {}, { token });
    expect(customers.body.errors?.[0]?.extensions?.code).toBe('ACCESS_DENIED');

    sb.uninstallApp();
    expect((await gql(sb, '{ shop { name } }', {}, { token })).status).toBe(401);
  });

  it('accepts a form-encoded token request and rejects an unknown client_id at authorize', async () => {
    sb = await startShopifySandbox({ apiKey: 'key', apiSecret: 'secret' });
    const code = (await authorize('read_orders')).searchParams.get('code') ?? '';
    const response = await fetch(`${sb.url}/admin/oauth/access_token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: 'key', client_secret: 'secret', code }).toString(),
    });
    expect(response.status).toBe(200);
    const bad = await fetch(`${sb.url}/admin/oauth/authorize?client_id=nope&scope=x&redirect_uri=https://a.example/cb`, { redirect: 'manual' });
    expect(bad.status).toBe(400);
  });
});
