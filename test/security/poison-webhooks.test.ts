// Poison webhooks: a correctly signed delivery whose payload cannot be read, stored or applied (a bad
// date, a NUL, very deep nesting, 1e20, a total too large for its column) is answered 200, kept, and
// dead-lettered with the reason — a 500 made the platform retry it for days, and an event that failed
// while being applied stayed `received` and was retried by the sweeper forever. Only an unsigned or
// unverifiable delivery is refused, and nothing of it is stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printfulConnector } from '../../src/connectors/printful/index.js';
import { shopifyConnector } from '../../src/connectors/shopify/index.js';
import { ERROR_CODES } from '../../src/core/errors.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { waitFor } from '../helpers/db.js';
import { createPrintfulConnection, createShopifyConnection, deadLetters, deliverPrintful, deliverShopify, webhookEvents } from './webhook-helpers.js';

const product = (over: Record<string, unknown> = {}) => ({
  id: 41, admin_graphql_api_id: 'gid://shopify/Product/41', title: 'Board', status: 'active', updated_at: '2025-03-01T00:00:00Z',
  variants: [{ id: 410, admin_graphql_api_id: 'gid://shopify/ProductVariant/410', title: 'Default Title', sku: 'POISON-1', price: '10.00' }],
  ...over,
});

function deeplyNested(depth: number): string {
  return `{"id":42,"admin_graphql_api_id":"gid://shopify/Product/42","variants":[],"x":${'['.repeat(depth)}${']'.repeat(depth)}}`;
}

describe('signed webhooks whose payload cannot be applied', () => {
  let h: TestApp;
  let tenant: Awaited<ReturnType<TestApp['newTenant']>>;

  beforeAll(async () => {
    h = await createTestApp({ connectors: [shopifyConnector, printfulConnector] });
    tenant = await h.newTenant('poison');
  });
  afterAll(() => h?.close());

  const hubProducts = async () => (await h.t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM products')).rows[0]!.n;

  it('are answered 200, stored and dead-lettered with the reason: bad date, NUL, deep nesting, 1e20', async () => {
    const conn = await createShopifyConnection(h, tenant, 'poison-receive');
    const cases: [string, string][] = [
      ['a date no one can read', JSON.stringify(product({ updated_at: 'the day after tomorrow' }))],
      ['a NUL in a string', JSON.stringify(product({ title: 'Board\u0000' }))],
      ['very deep nesting', deeplyNested(50_000)],
      ['1e20 as a time', JSON.stringify(product({ updated_at: 1e20 }))],
      ['a body that is not JSON', '{"id": 12, "variants": [tru'],
    ];
    for (const [what, raw] of cases) {
      const res = await deliverShopify(h, conn, 'products/update', raw);
      expect(res.statusCode, `${what}: ${res.body}`).toBe(200);
    }
    await h.engine.webhooksIdle(conn);
    // Every delivery is kept, and none waits to be retried.
    const events = await waitFor(async () => {
      const rows = await webhookEvents(h, conn);
      return rows.length === cases.length && rows.every((r) => r.status !== 'received') ? rows : null;
    }, 20_000, 'every delivery stored and settled');
    expect(events.map((e) => e.status)).toEqual(cases.map(() => 'failed'));
    const letters = await deadLetters(h, conn);
    expect(letters).toHaveLength(cases.length);
    for (const l of letters) expect(l).toMatchObject({ kind: 'webhook', reason: expect.any(String) });
    const reasons = letters.map((l) => l.reason).join('\n');
    expect(reasons).toMatch(/NUL/);
    expect(reasons).toMatch(/not valid JSON|nested deeper/);
    expect(reasons).toMatch(/remoteUpdatedAt|date/i);
    // The raw body is kept as text, its NUL escaped so PostgreSQL can store it.
    const nul = letters.find((l) => /NUL/.test(l.reason))!;
    expect(nul.payload.raw).toContain('Board\\u0000');
    expect(await hubProducts()).toBe(0);
  });

  it('a redelivered poison delivery is a duplicate, not a second dead letter', async () => {
    const conn = await createShopifyConnection(h, tenant, 'poison-again');
    const raw = JSON.stringify(product({ title: 'again\u0000' }));
    expect((await deliverShopify(h, conn, 'products/update', raw, { webhookId: 'w-1' })).statusCode).toBe(200);
    const again = await deliverShopify(h, conn, 'products/update', raw, { webhookId: 'w-1' });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ received: 0, duplicates: 1 });
    expect(await deadLetters(h, conn)).toHaveLength(1);
  });

  it('an event that fails while being applied (a total too large for its column) is dead-lettered, not retried forever', async () => {
    const conn = await createShopifyConnection(h, tenant, 'poison-apply');
    const order = {
      id: 77, admin_graphql_api_id: 'gid://shopify/Order/77', name: '#77', currency: 'EUR', financial_status: 'paid',
      total_price: '999999999999999.00', subtotal_price: '1.00', total_tax: '0.00', updated_at: '2025-03-05T10:00:00Z',
      line_items: [{ id: 770, admin_graphql_api_id: 'gid://shopify/LineItem/770', sku: 'X', name: 'X', quantity: 1, price: '1.00' }],
    };
    const res = await deliverShopify(h, conn, 'orders/updated', order);
    expect(res.json()).toEqual({ received: 1, duplicates: 0 });
    await h.engine.webhooksIdle(conn);
    const [event] = await webhookEvents(h, conn);
    expect(event).toMatchObject({ status: 'failed', error: expect.stringMatching(/cannot be applied/) });
    const [letter] = await deadLetters(h, conn);
    expect(letter).toMatchObject({ kind: 'webhook', stream: 'orders', external_id: 'gid://shopify/Order/77', reason: expect.stringMatching(/out of range|overflow/i) });
    expect((await h.t.db.query('SELECT 1 FROM orders')).rows).toHaveLength(0);
    // The tenant sees it in the API, where it can be retried.
    const listed = await h.app.inject({ method: 'GET', url: `/api/v1/dead-letters?connectionId=${conn}`, headers: tenant.auth });
    expect(listed.json().items).toEqual([expect.objectContaining({ kind: 'webhook', externalId: 'gid://shopify/Order/77', status: 'open' })]);
  });

  it('Printful: a signed delivery with 1e20 as its time or a NUL is answered 200 and kept', async () => {
    const conn = await createPrintfulConnection(h, tenant, 'pf-poison');
    const huge = await deliverPrintful(h, conn, '{"type":"product_updated","created":1e20,"retries":0,"store":1,"data":{"sync_product":{"id":5}}}');
    expect(huge.statusCode, huge.body).toBe(200);
    const nul = await deliverPrintful(h, conn, { type: 'catalog_stock_updated', occurred_at: '2025-01-02T03:04:05Z', data: [{ catalog_variant_id: 9, availability: [{ region: 'US\u0000', status: 'in stock' }] }] });
    expect(nul.statusCode, nul.body).toBe(200);
    expect((await deadLetters(h, conn)).map((l) => l.reason)).toEqual([expect.stringMatching(/NUL/)]);
    expect((await webhookEvents(h, conn)).length).toBe(2);
  });

  it('refuses only what it cannot verify, with a catalogued code, and stores nothing of it', async () => {
    const conn = await createShopifyConnection(h, tenant, 'poison-unsigned');
    for (const raw of [JSON.stringify(product({ title: 'x\u0000' })), deeplyNested(50_000), 'not json']) {
      const unsigned = await deliverShopify(h, conn, 'products/update', raw, { secret: null });
      expect(unsigned.statusCode).toBe(401);
      const forged = await deliverShopify(h, conn, 'products/update', raw, { secret: 'not-the-secret' });
      expect(forged.statusCode).toBe(401);
      expect(ERROR_CODES).toContain(forged.json().error.code);
    }
    expect(await webhookEvents(h, conn)).toEqual([]);
    expect(await deadLetters(h, conn)).toEqual([]);
  });
});
