// The Shopify install sends the app's client secret to the shop in the code exchange. It must go only to
// a myshopify.com shop or to an allow-listed sandbox; the callback's state is accepted once, and a
// reinstall renews only the Shopify connection of that same shop.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboundPolicy } from '../../src/connectors/outbound.js';
import { shopifyConnector } from '../../src/connectors/shopify/index.js';
import { type ShopifySandbox, startShopifySandbox } from '../../src/sandbox/shopify/index.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

const APP = { apiKey: 'app-key', apiSecret: 'app-secret-never-leaves', publicUrl: 'http://sync.example.test' };

describe('Shopify install and the app secret', () => {
  let sb: ShopifySandbox;
  let evil: Server;
  let evilUrl: string;
  const stolen: string[] = [];
  let h: TestApp;
  let tenant: Awaited<ReturnType<TestApp['newTenant']>>;

  beforeAll(async () => {
    sb = await startShopifySandbox({ apiKey: APP.apiKey, apiSecret: APP.apiSecret });
    sb.seed({ products: 1, orders: 0, customers: 0 });
    // A host an API caller controls, posing as a shop's token endpoint.
    evil = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        stolen.push(body);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: 'x', scope: '' }));
      });
    }).listen(0, '127.0.0.1');
    await new Promise((r) => evil.once('listening', r));
    evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
    // The operator allowed exactly the sandbox.
    h = await createTestApp({ connectors: [shopifyConnector], shopifyApp: APP, engine: { outbound: new OutboundPolicy({ allowedHosts: new URL(sb.url).host }) } });
    tenant = await h.newTenant('merchant');
  });
  afterAll(async () => {
    await h?.close();
    await sb?.close();
    evil?.close();
  });

  const install = (payload: Record<string, unknown>) => h.app.inject({ method: 'POST', url: '/api/v1/shopify/install', headers: tenant.auth, payload });

  /** Install link -> the shop approves -> the path and query of our callback. */
  async function approvedCallback(name: string): Promise<string> {
    const res = await install({ shop: 'sandbox-shop.myshopify.com', name, baseUrl: sb.url });
    expect(res.statusCode, res.body).toBe(200);
    const approved = await fetch(res.json().installUrl, { redirect: 'manual' });
    const back = new URL(approved.headers.get('location')!);
    return back.pathname + back.search;
  }
  const exchanges = () => sb.requests().filter((r) => r.operationName === 'access_token').length;

  it('refuses a base URL that is not on the allow-list, so the secret cannot be sent there', async () => {
    for (const baseUrl of [evilUrl, 'https://evil.example.com', 'https://127.0.0.1:1']) {
      const res = await install({ shop: 'sandbox-shop.myshopify.com', baseUrl });
      expect(res.statusCode, baseUrl).toBe(400);
      expect(res.json().error.code).toBe('host_not_allowed');
      expect(res.json().error.message).toMatch(/allow-list/);
    }
    const notAShop = await install({ shop: 'evil.example.com' });
    expect(notAShop.statusCode).toBe(400);
    expect(stolen).toEqual([]);
  });

  it('accepts the state once: a replayed callback is refused without calling the shop', async () => {
    const callback = await approvedCallback('once');
    const first = await h.app.inject({ method: 'GET', url: callback });
    expect(first.statusCode, first.body).toBe(200);
    const before = exchanges();
    const replay = await h.app.inject({ method: 'GET', url: callback });
    expect(replay.statusCode).toBe(400);
    expect(replay.json().error).toMatchObject({ code: 'validation_failed', message: expect.stringMatching(/already used/) });
    expect(exchanges()).toBe(before);
  });

  it('a reinstall renews only the Shopify connection of the same shop, in the tenant that started it', async () => {
    const other = await h.app.inject({
      method: 'POST', url: '/api/v1/connections', headers: tenant.auth,
      payload: { platform: 'printful', name: 'store', credentials: { token: 'pf-token' } },
    });
    expect(other.statusCode, other.body).toBe(201);
    const callback = await approvedCallback('store');
    const before = exchanges();
    const res = await h.app.inject({ method: 'GET', url: callback });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('conflict');
    expect(exchanges()).toBe(before);
    const kept = await h.app.inject({ method: 'GET', url: `/api/v1/connections/${other.json().id}`, headers: tenant.auth });
    expect(kept.json()).toMatchObject({ platform: 'printful', name: 'store', status: 'active' });
    const stranger = await h.newTenant('stranger');
    const list = await h.app.inject({ method: 'GET', url: '/api/v1/connections', headers: stranger.auth });
    expect(list.json().items).toEqual([]);
  });
});
