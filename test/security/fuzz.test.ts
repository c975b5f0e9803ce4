// Property-based fuzzing of the whole HTTP surface: every route the Fastify app has registered (read
// from the app itself, so a new route is fuzzed without a change here) and every webhook receiver,
// with random and hostile parameters, query strings, bodies and headers — part of the runs with a valid
// API key, so handlers are reached and not only the authentication in front of them. Whatever comes
// in: no 5xx and no crash; every 4xx carries a code of the error catalog; the hub tables are unchanged.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printfulConnector } from '../../src/connectors/printful/index.js';
import { shopifyConnector } from '../../src/connectors/shopify/index.js';
import { signPrintful } from '../../src/connectors/printful/webhooks.js';
import { signShopify } from '../../src/connectors/shopify/webhooks.js';
import { ERROR_CODES } from '../../src/core/errors.js';
import { findUnstorable } from '../../src/core/storable.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { waitFor } from '../helpers/db.js';
import { createPrintfulConnection, createShopifyConnection, deliverShopify, PRINTFUL_KEY, SHOPIFY_SECRET } from './webhook-helpers.js';
import { EMPTY_TABLE_HASH, hostileBody, hostileString, hubFingerprint, routesOf, type Route, urlPart, webhookBody } from './fuzz-arbitraries.js';

const API_RUNS = 800;
const WEBHOOK_RUNS = 400;

describe('fuzzing every route and webhook receiver', () => {
  let h: TestApp;
  let routes: Route[];
  let fuzzer: Awaited<ReturnType<TestApp['newTenant']>>;
  let ids: string[];
  let own: { shopify: string; printful: string };
  // Receivers of the webhook fuzz, kept out of the API fuzz's ids (which may delete what it names).
  let hooks: { shopify: string; printful: string };
  let hubBefore: Record<string, string>;
  // Path parts, including malformed percent-escapes and parameters over 100 characters (Fastify's
  // router errors, which reach the envelope through the app's `frameworkErrors`).
  let pathPart: (s: string) => string;

  beforeAll(async () => {
    h = await createTestApp({
      connectors: [shopifyConnector, printfulConnector],
      shopifyApp: { apiKey: 'fuzz-app', apiSecret: 'fuzz-app-secret', publicUrl: 'https://sync.example.com' },
    });
    routes = routesOf(h.app);
    // Another tenant holds the hub data; its ids are in the pool, its key never used.
    const owner = await h.newTenant('owner');
    const theirs = await createShopifyConnection(h, owner, 'theirs');
    const product = { id: 1, admin_graphql_api_id: 'gid://shopify/Product/1', title: 'Kept', updated_at: '2025-03-01T00:00:00Z',
      variants: [{ id: 10, admin_graphql_api_id: 'gid://shopify/ProductVariant/10', sku: 'KEPT-1', price: '5.00', inventory_item_id: 100 }] };
    expect((await deliverShopify(h, theirs, 'products/update', product)).statusCode).toBe(200);
    expect((await deliverShopify(h, theirs, 'inventory_levels/update', { inventory_item_id: 100, location_id: 7, available: 3, updated_at: '2025-03-02T00:00:00Z' })).statusCode).toBe(200);
    await h.engine.webhooksIdle(theirs);
    fuzzer = await h.newTenant('fuzzer');
    own = { shopify: await createShopifyConnection(h, fuzzer, 'own-shop'), printful: await createPrintfulConnection(h, fuzzer, 'own-pf') };
    hooks = { shopify: await createShopifyConnection(h, fuzzer, 'hook-shop'), printful: await createPrintfulConnection(h, fuzzer, 'hook-pf') };
    // Finished runs, so /runs/:id/events ends instead of streaming for ever.
    const run = async (tenantId: string, connectionId: string) =>
      (await h.t.db.query<{ id: string }>(`INSERT INTO sync_runs (tenant_id, connection_id, stream, status, finished_at) VALUES ($1, $2, 'products', 'succeeded', now()) RETURNING id`, [tenantId, connectionId])).rows[0]!.id;
    const hubIds = (await h.t.db.query<{ id: string }>('SELECT id FROM products UNION ALL SELECT id FROM links')).rows.map((r) => r.id);
    ids = [own.shopify, own.printful, theirs, await run(fuzzer.id, own.shopify), await run(owner.id, theirs), ...hubIds];
    ids = [...ids, ...ids.map((i) => i.toUpperCase()), randomUUID()];
    const probe = await h.app.inject({ method: 'GET', url: `/api/v1/connections/%ED%A0%80${'x'.repeat(120)}` });
    // The router's own errors (the app sets Fastify's frameworkErrors) are enveloped too, so malformed
    // escapes and over-long parameters are part of the fuzz.
    expect(probe.statusCode).toBeLessThan(500);
    expect(ERROR_CODES as string[]).toContain((probe.json() as { error?: { code?: string } }).error?.code);
    pathPart = (s) => urlPart(s, { wellFormed: false, path: true });
    hubBefore = await hubFingerprint(h.t.db);
    expect(hubBefore.products).not.toBe(EMPTY_TABLE_HASH);
    expect(hubBefore.stock_levels).not.toBe(EMPTY_TABLE_HASH);
  });
  afterAll(() => h?.close());

  it('reads the routes from the app itself', () => {
    const names = routes.map((r) => `${r.method} ${r.url}`);
    for (const expected of ['GET /api/v1/connections/:id', 'POST /webhooks/:platform/:connectionId', 'GET /oauth/shopify/callback', 'POST /api/v1/dead-letters/retry']) {
      expect(names).toContain(expected);
    }
    expect(routes.length).toBeGreaterThanOrEqual(20);
  });

  it('answers every route without a 5xx, with catalogued 4xx codes, and leaves the hub as it was', async () => {
    const idArb = fc.oneof({ arbitrary: fc.constantFrom(...ids), weight: 3 }, { arbitrary: fc.uuid(), weight: 1 }, { arbitrary: hostileString, weight: 2 });
    const queryKeys = ['limit', 'cursor', 'platform', 'status', 'stream', 'connectionId', 'runId', 'productId', 'inStock', 'q', 'color', 'size', 'minPrice', 'maxPrice', 'token', 'shop', 'code', 'state', 'hmac', 'timestamp'];
    const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 });
    // Failed authentications are braked per client address: most requests come from addresses of
    // their own, so a valid key keeps reaching the handlers; one shared address meets the brake.
    const address = fc.oneof(fc.constant('203.0.113.7'), fc.ipV4(), fc.ipV4());
    // The API and the receivers weigh more than the static files of /docs.
    const route = fc.oneof(...routes.map((r) => ({ arbitrary: fc.constant(r), weight: /^\/(api|webhooks|oauth)\//.test(r.url) ? 4 : 1 })));
    const request = fc.record({
      route,
      address,
      params: fc.array(fc.oneof(idArb, fc.constantFrom('shopify', 'printful', 'emag')), { minLength: 3, maxLength: 3 }),
      query: fc.dictionary(fc.oneof({ arbitrary: fc.constantFrom(...queryKeys), weight: 4 }, { arbitrary: hostileString, weight: 1 }), fc.oneof(idArb, hostileString, fc.integer().map(String)), { maxKeys: 4 }),
      body: fc.option(hostileBody(idArb), { nil: undefined }),
      contentType: fc.option(fc.constantFrom('application/json', 'application/json', 'application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16', 'multipart/form-data; boundary=x'), { nil: undefined }),
      auth: fc.oneof({ arbitrary: fc.constant('valid'), weight: 3 }, { arbitrary: fc.constantFrom('none', 'forged', 'basic'), weight: 1 }, { arbitrary: printable, weight: 1 }),
      extra: fc.dictionary(fc.constantFrom('x-request-id', 'x-shopify-topic', 'x-shopify-hmac-sha256', 'x-shopify-webhook-id', 'x-pf-webhook-signature', 'cookie', 'accept'), printable, { maxKeys: 3 }),
    });
    let authenticated = 0;
    let handled = 0;
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        let n = 0;
        const path = r.route.url.replace(/:[A-Za-z]+|\*/g, () => pathPart(r.params[n++ % 3]!));
        const qs = Object.entries(r.query).map(([k, v]) => `${urlPart(k)}=${urlPart(v)}`).join('&');
        const headers: Record<string, string> = { ...r.extra };
        if (r.auth === 'valid') headers.authorization = fuzzer.auth.authorization;
        else if (r.auth === 'forged') headers.authorization = `Bearer csk_${'x'.repeat(32)}`;
        else if (r.auth === 'basic') headers.authorization = 'Basic dXNlcjpwYXNz';
        else if (r.auth !== 'none') headers.authorization = r.auth;
        const withBody = r.route.method !== 'GET' && r.route.method !== 'HEAD' && r.body !== undefined;
        if (withBody && r.contentType) headers['content-type'] = r.contentType;
        const res = await h.app.inject({ method: r.route.method as 'GET', url: qs ? `${path}?${qs}` : path, headers, remoteAddress: r.address, ...(withBody ? { payload: r.body } : {}) });
        const where = `${r.route.method} ${path}?${qs} -> ${res.statusCode} ${res.body.slice(0, 300)}`;
        expect(res.statusCode, where).toBeLessThan(500);
        if (res.statusCode >= 400 && r.route.method !== 'HEAD') expect(ERROR_CODES, where).toContain(res.json().error.code);
        if (r.auth === 'valid' && r.route.url.startsWith('/api/v1/')) {
          authenticated++;
          if (res.statusCode !== 401 && res.statusCode !== 429) handled++;
        }
      }),
      { numRuns: API_RUNS },
    );
    expect(handled).toBeGreaterThan(API_RUNS / 5);
    expect(handled).toBeGreaterThan(authenticated / 2);
    await waitFor(async () => (await h.app.inject({ method: 'GET', url: '/healthz' })).statusCode === 200, 5_000, 'the server to answer');
    expect(await hubFingerprint(h.t.db)).toEqual(hubBefore);
  });

  it('answers every webhook delivery without a 5xx: signed ones 200 (kept, or dead-lettered), the rest refused and never stored', async () => {
    const storedFor = async (connectionId: string) => (await h.t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_events WHERE connection_id = $1', [connectionId])).rows[0]!.n;
    const stored = async () => (await h.t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_events')).rows[0]!.n;
    const topics = ['products/create', 'products/update', 'products/delete', 'orders/updated', 'customers/update', 'inventory_levels/update', 'app/uninstalled', 'shop/update', ''];
    const delivery = fc.record({
      platform: fc.constantFrom('shopify', 'printful', 'shopify', 'printful', 'emag', 'woocommerce'),
      connection: fc.oneof(fc.constantFrom(...ids), fc.constantFrom(hooks.shopify, hooks.printful, hooks.shopify.toUpperCase()), hostileString),
      signature: fc.constantFrom('valid', 'valid', 'forged', 'missing', 'garbage'),
      topic: fc.oneof(fc.constantFrom(...topics), hostileString),
      body: webhookBody,
      webhookId: fc.oneof(fc.uuid(), hostileString),
      token: fc.option(hostileString, { nil: undefined }),
      address: fc.oneof(fc.constant('203.0.113.8'), fc.ipV4()),
    });
    await fc.assert(
      fc.asyncProperty(delivery, async (d) => {
        const headers: Record<string, string> = { 'content-type': 'application/json', 'x-shopify-topic': d.topic.replace(/[^\x20-\x7e]/g, ''), 'x-shopify-webhook-id': d.webhookId.replace(/[^\x20-\x7e]/g, '') || 'w' };
        const sign = d.platform === 'printful' ? (b: string, k: string) => signPrintful(b, k) : (b: string, k: string) => signShopify(b, k);
        const key = d.platform === 'printful' ? PRINTFUL_KEY : SHOPIFY_SECRET;
        const name = d.platform === 'printful' ? 'x-pf-webhook-signature' : 'x-shopify-hmac-sha256';
        if (d.signature === 'valid') headers[name] = sign(d.body, key);
        else if (d.signature === 'forged') headers[name] = sign(d.body, d.platform === 'printful' ? 'ab'.repeat(32) : 'not-the-secret');
        else if (d.signature === 'garbage') headers[name] = '=?%$';
        const url = `/webhooks/${pathPart(d.platform)}/${pathPart(d.connection)}${d.token === undefined ? '' : `?token=${urlPart(d.token)}`}`;
        const before = d.signature === 'valid' ? 0 : await stored();
        const res = await h.app.inject({ method: 'POST', url, headers, payload: d.body, remoteAddress: d.address });
        const where = `${url} ${d.signature} ${JSON.stringify(d.body.slice(0, 120))} -> ${res.statusCode} ${res.body.slice(0, 300)}`;
        expect(res.statusCode, where).toBeLessThan(500);
        if (res.statusCode >= 400) expect(ERROR_CODES, where).toContain(res.json().error.code);
        const target = d.connection.toLowerCase();
        const ours = (d.platform === 'shopify' && target === hooks.shopify) || (d.platform === 'printful' && target === hooks.printful);
        // An empty body carries nothing to sign, so it cannot be verified; a URL whose query holds what
        // no parameter may (a NUL) is refused before any receiver sees it.
        const urlOk = d.token === undefined || findUnstorable(d.token) === null;
        if (ours && d.signature === 'valid' && d.body.length > 0 && urlOk) expect(res.statusCode, where).toBe(200);
        if (d.signature !== 'valid') {
          expect(res.statusCode, where).not.toBe(200);
          expect(await stored(), `nothing stored for ${where}`).toBe(before);
        }
      }),
      { numRuns: WEBHOOK_RUNS },
    );
    await h.engine.webhooksIdle(hooks.shopify);
    await h.engine.webhooksIdle(hooks.printful);
    // Everything kept has settled: applied, ignored or failed into dead letters; nothing waits for a retry.
    await waitFor(async () => (await h.t.db.query(`SELECT 1 FROM webhook_events WHERE status = 'received'`)).rows.length === 0, 20_000, 'no event left to retry');
    expect((await storedFor(hooks.shopify)) + (await storedFor(hooks.printful))).toBeGreaterThan(0);
    expect(h.logs()).not.toMatch(/"level":(50|60)/);
    expect(await hubFingerprint(h.t.db)).toEqual(hubBefore);
  });
});
