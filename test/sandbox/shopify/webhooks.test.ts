// Webhook deliveries: REST-shaped payloads, Shopify's headers and HMAC, retries, deletion after repeated
// failure, and the duplicate / reorder / drop faults (platforms/shopify.md section 6).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { ShopifySandbox } from '../../../src/sandbox/shopify/index.js';
import { signWebhook, startShopifySandbox } from '../../../src/sandbox/shopify/index.js';
import type { ReceivedWebhook, Receiver } from './helpers.js';
import { startReceiver, waitFor } from './helpers.js';

const SECRET = 'hush';
let sb: ShopifySandbox;
let receiver: Receiver;
afterEach(async () => {
  await sb?.close();
  await receiver?.close();
});

function verified(webhook: ReceivedWebhook): boolean {
  const expected = createHmac('sha256', SECRET).update(Buffer.from(webhook.body, 'utf8')).digest();
  const given = Buffer.from(String(webhook.headers['x-shopify-hmac-sha256']), 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function setup(opts: { timeScale?: number; webhookTimeoutMs?: number } = {}) {
  sb = await startShopifySandbox({ apiSecret: SECRET, timeScale: opts.timeScale ?? 1000, webhookTimeoutMs: opts.webhookTimeoutMs });
  receiver = await startReceiver();
  sb.seed({ products: 2, customers: 1, locations: 1 });
}

describe('webhook signing', () => {
  it('matches the official test vector', () => {
    expect(signWebhook('test_secret_key', '{"foo": "bar"}')).toBe('B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g=');
  });
});

describe('webhook deliveries', () => {
  it('sends a merchant edit as a signed REST-shaped products/update with all headers', async () => {
    await setup();
    sb.subscribeWebhook({ topic: 'products/update', address: receiver.url, apiVersion: '2025-01' });
    const product = sb.products()[0];
    sb.editProduct(product?.id ?? 0, { title: 'Renamed', tags: ['x', 'a'], price: '12.00' });
    const webhook = await waitFor(() => receiver.received[0], 5000, 'a delivery');
    expect(verified(webhook)).toBe(true);
    expect(webhook.headers).toMatchObject({
      'content-type': 'application/json', 'x-shopify-topic': 'products/update', 'x-shopify-shop-domain': 'sandbox-shop.myshopify.com',
      'x-shopify-api-version': '2025-01',
    });
    expect(webhook.headers['x-shopify-webhook-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(webhook.headers['x-shopify-event-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(String(webhook.headers['x-shopify-triggered-at']))).not.toBeNaN();
    const body = JSON.parse(webhook.body);
    expect(body).toMatchObject({
      id: product?.id, title: 'Renamed', tags: 'a, x', status: 'active', admin_graphql_api_id: product?.gid,
    });
    expect(body.variants[0]).toMatchObject({ id: product?.variants[0]?.id, product_id: product?.id, price: '12.00', admin_graphql_api_id: product?.variants[0]?.gid });
    expect(receiver.received).toHaveLength(1); // one action, one delivery, even though product and variant changed
  });

  it('shares the Event-Id between subscriptions and uses a Webhook-Id per delivery', async () => {
    await setup();
    const other = await startReceiver();
    try {
      sb.subscribeWebhook({ topic: 'customers/update', address: receiver.url });
      sb.subscribeWebhook({ topic: 'customers/update', address: other.url });
      sb.editCustomer(sb.customers()[0]?.id ?? 0, { tags: ['vip'] });
      const [a, b] = await Promise.all([waitFor(() => receiver.received[0]), waitFor(() => other.received[0])]);
      expect(a.headers['x-shopify-event-id']).toBe(b.headers['x-shopify-event-id']);
      expect(a.headers['x-shopify-webhook-id']).not.toBe(b.headers['x-shopify-webhook-id']);
      expect(JSON.parse(a.body)).toMatchObject({ tags: 'vip', admin_graphql_api_id: sb.customers()[0]?.gid });
    } finally {
      await other.close();
    }
  });

  it('sends orders/create, inventory_levels/update and products/delete payloads', async () => {
    await setup();
    for (const topic of ['orders/create', 'inventory_levels/update', 'products/delete']) sb.subscribeWebhook({ topic, address: receiver.url });
    const product = sb.products()[0];
    sb.createOrder({ lines: [{ variantId: product?.variants[0]?.id ?? 0, quantity: 2 }] });
    sb.setInventory({ inventoryItemId: product?.variants[0]?.inventoryItemId ?? 0, available: 77 });
    sb.deleteProduct(product?.id ?? 0);
    await waitFor(() => receiver.received.length >= 3, 5000, 'three deliveries');
    const byTopic = Object.fromEntries(receiver.received.map((w) => [w.headers['x-shopify-topic'], JSON.parse(w.body)]));
    expect(byTopic['orders/create'].line_items[0]).toMatchObject({ variant_id: product?.variants[0]?.id, quantity: 2 });
    expect(byTopic['inventory_levels/update']).toMatchObject({
      inventory_item_id: product?.variants[0]?.inventoryItemId, available: 77,
      admin_graphql_api_id: expect.stringMatching(/^gid:\/\/shopify\/InventoryLevel\/\d+\?inventory_item_id=\d+$/),
    });
    expect(byTopic['products/delete']).toEqual({ id: product?.id });
  });

  it('retries a failed delivery with the same Webhook-Id and the original payload', async () => {
    await setup();
    receiver.respond = (n) => (n === 1 ? 500 : 200);
    sb.subscribeWebhook({ topic: 'products/update', address: receiver.url });
    const product = sb.products()[0];
    sb.editProduct(product?.id ?? 0, { title: 'First' });
    await waitFor(() => receiver.received.length >= 2, 5000, 'the retry');
    const [failed, retried] = receiver.received;
    expect(retried?.headers['x-shopify-webhook-id']).toBe(failed?.headers['x-shopify-webhook-id']);
    expect(retried?.body).toBe(failed?.body);
    // The receiver logs a request before its answer reaches the sandbox, so wait for the outcome.
    await waitFor(() => sb.deliveries()[0]?.status === 'delivered', 5000, 'the delivery to succeed');
    expect(sb.deliveries()[0]?.attempts.map((a) => a.status)).toEqual([500, 200]);
  });

  it('deletes the subscription after 8 failed retries', async () => {
    await setup({ timeScale: 100_000 });
    receiver.respond = 500;
    sb.subscribeWebhook({ topic: 'products/update', address: receiver.url });
    sb.editProduct(sb.products()[0]?.id ?? 0, { title: 'Doomed' });
    await waitFor(() => sb.webhookSubscriptions().length === 0, 10_000, 'the subscription to be deleted');
    expect(receiver.received).toHaveLength(9); // the first attempt and 8 retries
    expect(sb.deliveries()[0]?.status).toBe('failed');
  });

  it('counts a receiver slower than the timeout as a failure', async () => {
    await setup({ webhookTimeoutMs: 100 });
    receiver.respond = 'hang';
    sb.subscribeWebhook({ topic: 'products/update', address: receiver.url });
    sb.editProduct(sb.products()[0]?.id ?? 0, { title: 'Slow' });
    const attempt = await waitFor(() => sb.deliveries()[0]?.attempts[0], 5000, 'the first attempt');
    expect(attempt).toMatchObject({ status: null, error: 'timeout' });
    expect(sb.deliveries()[0]?.status).toBe('retrying');
  });
});

describe('subscription options', () => {
  it('applies filter (an unknown field suppresses everything) and debounces identical include_fields payloads', async () => {
    await setup();
    const [p1, p2] = sb.products();
    sb.subscribeWebhook({ topic: 'products/update', address: receiver.url, filter: `id:${p1?.id}` });
    sb.subscribeWebhook({ topic: 'products/update', address: `${receiver.url}/broken`, filter: 'colour:red' });
    sb.subscribeWebhook({ topic: 'products/update', address: `${receiver.url}/trimmed`, includeFields: ['id', 'vendor'] });
    sb.editProduct(p2?.id ?? 0, { title: 'not matching the filter' });
    sb.editProduct(p1?.id ?? 0, { title: 'matching' });
    sb.editProduct(p1?.id ?? 0, { title: 'same trimmed payload' });
    await waitFor(() => sb.deliveries().every((d) => d.status !== 'pending' && d.status !== 'retrying'), 5000, 'deliveries to settle');
    const statuses = sb.deliveries().map((d) => `${d.address.replace(receiver.url, '') || '/'} ${d.status}`);
    expect(statuses.filter((s) => s.startsWith('/broken'))).toEqual(['/broken filtered', '/broken filtered', '/broken filtered']);
    expect(statuses.filter((s) => s.startsWith('/ '))).toEqual(['/ filtered', '/ delivered', '/ delivered']);
    // p2's trimmed payload differs from p1's; p1's second edit repeats its first trimmed payload
    expect(statuses.filter((s) => s.startsWith('/trimmed'))).toEqual(['/trimmed delivered', '/trimmed delivered', '/trimmed debounced']);
  });
});

describe('webhook faults', () => {
  it('duplicates deliveries with the same Webhook-Id', async () => {
    await setup();
    sb.setFaults({ webhookDuplicateRate: 1 });
    sb.subscribeWebhook({ topic: 'products/update', address: receiver.url });
    sb.editProduct(sb.products()[0]?.id ?? 0, { title: 'Twice' });
    await waitFor(() => receiver.received.length >= 2, 5000, 'two deliveries');
    expect(receiver.received[0]?.headers['x-shopify-webhook-id']).toBe(receiver.received[1]?.headers['x-shopify-webhook-id']);
  });

  it('delivers an update before its create, and a newer update before an older one', async () => {
    await setup();
    sb.setFaults({ webhookReorder: true });
    sb.subscribeWebhook({ topic: 'products/create', address: receiver.url });
    sb.subscribeWebhook({ topic: 'products/update', address: receiver.url });
    const created = sb.createProduct({ title: 'New' });
    sb.editProduct(created.id, { title: 'Newer' });
    await waitFor(() => receiver.received.length >= 2, 5000, 'two deliveries');
    expect(receiver.received.map((w) => w.headers['x-shopify-topic'])).toEqual(['products/update', 'products/create']);
    const existing = sb.products()[0]?.id ?? 0;
    sb.editProduct(existing, { title: 'v1' });
    sb.editProduct(existing, { title: 'v2' });
    await waitFor(() => receiver.received.length >= 4, 5000, 'two more deliveries');
    expect(receiver.received.slice(2).map((w) => JSON.parse(w.body).title)).toEqual(['v2', 'v1']);
  });

  it('drops deliveries', async () => {
    await setup();
    sb.setFaults({ webhookDropRate: 1 });
    sb.subscribeWebhook({ topic: 'products/update', address: receiver.url });
    sb.editProduct(sb.products()[0]?.id ?? 0, { title: 'Lost' });
    expect(sb.deliveries()).toMatchObject([{ status: 'dropped', attempts: [] }]);
    expect(receiver.received).toEqual([]);
  });
});
