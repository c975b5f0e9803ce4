// The Shopify app install against the sandbox: install link -> the shop's authorize page -> our
// callback (hmac and state checked) -> code exchanged -> token stored encrypted -> connection created
// -> initial sync started.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shopifyConnector } from '../../src/connectors/shopify/index.js';
import { callbackHmac } from '../../src/connectors/shopify/oauth.js';
import { type ShopifySandbox, startShopifySandbox } from '../../src/sandbox/shopify/index.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

describe('Shopify OAuth install', () => {
  let h: TestApp;
  let sb: ShopifySandbox;
  let tenant: Awaited<ReturnType<TestApp['newTenant']>>;

  beforeAll(async () => {
    sb = await startShopifySandbox({ apiKey: 'app-key', apiSecret: 'app-secret' });
    sb.seed({ products: 5, orders: 5, customers: 5 });
    h = await createTestApp({
      connectors: [shopifyConnector],
      shopifyApp: { apiKey: 'app-key', apiSecret: 'app-secret', publicUrl: 'http://sync.example.test' },
    });
    tenant = await h.newTenant('merchant');
  });
  afterAll(async () => {
    await h?.close();
    await sb?.close();
  });

  async function authorize(): Promise<URL> {
    const install = await h.app.inject({ method: 'POST', url: '/api/v1/shopify/install', headers: tenant.auth, payload: { shop: 'sandbox-shop.myshopify.com', name: 'my-shop', baseUrl: sb.url } });
    expect(install.statusCode).toBe(200);
    const link = new URL(install.json().installUrl);
    expect(link.searchParams.get('redirect_uri')).toBe('http://sync.example.test/oauth/shopify/callback');
    // The merchant approves on the shop; the shop redirects back to us.
    const approved = await fetch(link, { redirect: 'manual' });
    expect(approved.status).toBe(302);
    return new URL(approved.headers.get('location')!);
  }

  it('creates the connection with an encrypted token and starts the initial sync', async () => {
    const back = await authorize();
    const res = await h.app.inject({ method: 'GET', url: back.pathname + back.search });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.shop).toBe('sandbox-shop.myshopify.com');
    expect(body.initialSync.map((r: { stream: string }) => r.stream)).toEqual(['customers', 'products', 'orders']);
    // The shop now delivers webhooks to this connection's receiver.
    expect(body.webhooks).toEqual({ created: 9, existing: 0 });
    const subs = sb.webhookSubscriptions() as unknown as { topic: string; uri: string }[];
    expect(subs).toHaveLength(9);
    expect(new Set(subs.map((x) => x.uri))).toEqual(new Set([`http://sync.example.test/webhooks/shopify/${body.connectionId}`]));
    const conn = (await h.app.inject({ method: 'GET', url: `/api/v1/connections/${body.connectionId}`, headers: tenant.auth })).json();
    expect(conn).toMatchObject({ platform: 'shopify', name: 'my-shop', status: 'active', settings: { shopDomain: 'sandbox-shop.myshopify.com', baseUrl: sb.url } });
    // The issued token works against the shop and is not stored in plain text.
    const { loadConnectionSecrets } = await import('../../src/store/connections.js');
    const secrets = await h.t.db.withTenant(tenant.id, (tx) => loadConnectionSecrets(tx, h.box, tenant.id, body.connectionId));
    const token = secrets!.credentials.accessToken as string;
    const stored = JSON.stringify((await h.t.db.query('SELECT * FROM connections WHERE id = $1', [body.connectionId])).rows[0]);
    expect(stored).not.toContain(token);
    const run = await h.engine.execute(tenant.id, body.initialSync[0].runId);
    expect(run?.status).toBe('succeeded');
    // The code is single-use: replaying the callback fails at the shop.
    const replay = await h.app.inject({ method: 'GET', url: back.pathname + back.search });
    expect(replay.statusCode).toBeGreaterThanOrEqual(400);
    expect(replay.statusCode).toBeLessThan(600);
  });

  it('refuses a callback with a wrong hmac or a tampered state', async () => {
    const back = await authorize();
    const badHmac = new URL(back);
    badHmac.searchParams.set('hmac', '0'.repeat(64));
    expect((await h.app.inject({ method: 'GET', url: badHmac.pathname + badHmac.search })).statusCode).toBe(401);
    // Correctly signed by the shop, but the state is not one this server issued, or names another shop.
    const resign = (u: URL) => {
      const q = Object.fromEntries([...u.searchParams].filter(([k]) => k !== 'hmac'));
      u.searchParams.set('hmac', callbackHmac(q, 'app-secret'));
      return u.pathname + u.search;
    };
    const forgedState = new URL(back);
    forgedState.searchParams.set('state', forgedState.searchParams.get('state')!.slice(0, -4) + 'AAAA');
    const r1 = await h.app.inject({ method: 'GET', url: resign(forgedState) });
    expect(r1.statusCode).toBe(400);
    expect(r1.json().error.message).toMatch(/state is not one this server issued/);
    const otherShop = new URL(back);
    otherShop.searchParams.set('shop', 'other-shop.myshopify.com');
    const r2 = await h.app.inject({ method: 'GET', url: resign(otherShop) });
    expect(r2.statusCode).toBe(400);
    expect(r2.json().error.message).toMatch(/another shop/);
  });

  it('answers 422 when the Shopify app is not configured', async () => {
    const bare = await createTestApp({ connectors: [shopifyConnector] });
    try {
      const t = await bare.newTenant('x');
      const res = await bare.app.inject({ method: 'POST', url: '/api/v1/shopify/install', headers: t.auth, payload: { shop: 'a.myshopify.com' } });
      expect(res.statusCode).toBe(422);
      expect(res.json().error.code).toBe('not_configured');
    } finally {
      await bare.close();
    }
  });
});
