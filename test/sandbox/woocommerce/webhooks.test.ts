// Webhooks (platforms/woocommerce.md section 6): the official HMAC test vector, signed deliveries with the
// X-WC-Webhook-* headers over WordPress-escaped JSON, the unsigned ping on create, {"id":N} for deleted,
// coalescing, no retries, and disabling on the 7th consecutive failure.
import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { signWooWebhook, startWooSandbox, type WooSandbox, wpJsonEncode } from '../../../src/sandbox/woocommerce/index.js';
import { call, type Loose, type Receiver, startReceiver, waitFor } from './helpers.js';

let sb: WooSandbox | undefined;
let receiver: Receiver | undefined;
afterEach(async () => {
  await sb?.close();
  await receiver?.close();
  sb = undefined;
  receiver = undefined;
});

async function setup(opts: Parameters<typeof startWooSandbox>[0] = {}) {
  sb = await startWooSandbox(opts);
  receiver = await startReceiver();
  sb.seed({ products: 10, variableProducts: 1, customers: 2, orders: 2 });
  return { sb, receiver };
}

async function subscribe(s: WooSandbox, url: string, topic: string, secret = 'test_secret') {
  const res = await call(s, 'POST', 'webhooks', { body: { name: topic, topic, delivery_url: url, secret } });
  expect(res.status).toBe(201);
  return res.body;
}

describe('webhook signature', () => {
  it('matches the official core unit-test vector and the local example', () => {
    expect(signWooWebhook('', 'secret')).toBe('GBDo00G55h6IiV+6CxqivQPLbI//KzaOZm747971tPs=');
    expect(signWooWebhook('test_secret', '{"id":123}')).toBe('vZIq/Gp6BvbQkbfdOgC8Gvkf2D9STcGOMfuHBs7yZrs=');
    // The secret is HTML-entity-decoded before signing.
    expect(signWooWebhook('a&amp;b', 'x')).toBe(signWooWebhook('a&b', 'x'));
  });

  it('encodes bodies like wp_json_encode: "/" escaped, non-ASCII as \\u escapes', () => {
    expect(wpJsonEncode({ url: 'http://x/y', name: 'Größe' })).toBe('{"url":"http:\\/\\/x\\/y","name":"Gr\\u00f6\\u00dfe"}');
  });
});

describe('webhook deliveries', () => {
  it('pings the delivery URL unsigned on create, then delivers signed product.updated with every header', async () => {
    const { sb: s, receiver: r } = await setup();
    const hook = await subscribe(s, r.url, 'product.updated');
    expect(hook).toMatchObject({ status: 'active', topic: 'product.updated', resource: 'product', event: 'updated', delivery_url: r.url });
    expect(hook).not.toHaveProperty('secret');
    // The ping is part of the create request, so it has arrived already.
    expect(r.received).toHaveLength(1);
    expect(r.received[0]?.body).toBe(`webhook_id=${hook.id}`);
    expect(r.received[0]?.headers['x-wc-webhook-signature']).toBeUndefined();
    const product = s.products()[0] as Loose;
    s.editProduct(product.id, { name: 'Renamed / with slash' });
    const delivery = await waitFor(() => r.received[1], 5000, 'product.updated delivery');
    expect(delivery.headers).toMatchObject({
      'content-type': 'application/json', 'x-wc-webhook-topic': 'product.updated', 'x-wc-webhook-resource': 'product',
      'x-wc-webhook-event': 'updated', 'x-wc-webhook-id': String(hook.id), 'x-wc-webhook-source': `${s.url}/`,
    });
    expect(delivery.headers['user-agent']).toMatch(/^WooCommerce\/\S+ Hookshot \(WordPress\/\S+\)$/);
    expect(delivery.headers['x-wc-webhook-delivery-id']).toMatch(/^[0-9a-f]{32}$/);
    const expected = createHmac('sha256', 'test_secret').update(Buffer.from(delivery.body, 'utf8')).digest('base64');
    expect(delivery.headers['x-wc-webhook-signature']).toBe(expected);
    expect(delivery.body).toContain('Renamed \\/ with slash');
    expect(JSON.parse(delivery.body)).toMatchObject({ id: product.id, name: 'Renamed / with slash' });
  });

  it('sends {"id":N} for deleted and product.* for variation changes', async () => {
    const { sb: s, receiver: r } = await setup();
    await subscribe(s, r.url, 'product.deleted');
    await subscribe(s, r.url, 'product.updated');
    const simple = s.products().find((p) => p.type === 'simple') as Loose;
    const variable = s.products().find((p) => p.type === 'variable') as Loose;
    s.deleteProduct(simple.id);
    s.editVariation(variable.id, variable.variations[0], { regular_price: '1.00' });
    await waitFor(() => r.received.length >= 4, 5000, 'two deliveries after two pings');
    const deleted = r.received.find((w) => w.headers['x-wc-webhook-topic'] === 'product.deleted');
    expect(deleted?.body).toBe(`{"id":${simple.id}}`);
    const variation = r.received.find((w) => w.headers['x-wc-webhook-topic'] === 'product.updated');
    expect(JSON.parse(variation?.body ?? '{}')).toMatchObject({ id: variable.variations[0], type: 'variation', parent_id: variable.id, regular_price: '1.00' });
  });

  it('coalesces rapid changes to one resource into one delivery carrying the latest state', async () => {
    const { sb: s, receiver: r } = await setup({ webhookQueueDelayMs: 200 });
    await subscribe(s, r.url, 'order.updated');
    const order = s.orders()[0] as Loose;
    s.editOrder(order.id, { status: 'on-hold' });
    s.editOrder(order.id, { status: 'completed' });
    await waitFor(() => s.deliveries().some((d) => d.kind === 'event' && d.status !== 'pending'), 5000, 'the delivery');
    const events = s.deliveries().filter((d) => d.kind === 'event');
    expect(events).toHaveLength(1);
    expect(JSON.parse(events[0]?.body ?? '{}').status).toBe('completed');
  });

  it('never retries and disables the webhook on the 7th consecutive failure', async () => {
    const { sb: s, receiver: r } = await setup();
    r.respond = 500;
    const hook = await subscribe(s, r.url, 'product.updated');
    expect(s.deliveries()[0]).toMatchObject({ kind: 'ping', status: 'failed', responseStatus: 500 }); // the create still answered 201
    const products = s.products().filter((p) => p.type === 'simple') as Loose[];
    for (const p of products.slice(0, 6)) s.editProduct(p.id, { name: `${p.name}!` });
    await waitFor(() => s.webhooks()[0]?.failure_count === 6, 5000, 'six failures');
    expect((await call(s, 'GET', `webhooks/${hook.id}`)).body.status).toBe('active');
    s.editProduct(products[6].id, { name: 'seventh' });
    await waitFor(() => s.webhooks()[0]?.status === 'disabled', 5000, 'disabled');
    expect((await call(s, 'GET', `webhooks/${hook.id}`)).body.status).toBe('disabled');
    const attempts = s.deliveries().filter((d) => d.kind === 'event');
    expect(attempts).toHaveLength(7); // one attempt each: no retries
    s.editProduct(products[7].id, { name: 'not delivered' });
    expect(s.deliveries().filter((d) => d.kind === 'event')).toHaveLength(7);
    const reenabled = await call(s, 'PUT', `webhooks/${hook.id}`, { body: { status: 'active' } });
    expect(reenabled.body.status).toBe('active');
  });

  it('disables on the 5th failure with the docs reading (webhookDisableAfter: 5)', async () => {
    const { sb: s, receiver: r } = await setup({ webhookDisableAfter: 5 });
    r.respond = 404;
    await subscribe(s, r.url, 'product.updated');
    for (const p of (s.products().filter((x) => x.type === 'simple') as Loose[]).slice(0, 5)) s.editProduct(p.id, { name: 'x' });
    await waitFor(() => s.webhooks()[0]?.status === 'disabled', 5000, 'disabled');
    expect(s.deliveries().filter((d) => d.kind === 'event' && d.status === 'failed')).toHaveLength(5);
  });

  it('validates topics and URLs, and deletes webhooks only with force=true', async () => {
    const { sb: s } = await setup();
    expect((await call(s, 'POST', 'webhooks', { body: { topic: 'product.exploded', delivery_url: 'http://x' } })).body.code).toBe('woocommerce_rest_webhook_invalid_topic');
    expect((await call(s, 'POST', 'webhooks', { body: { topic: 'customer.created', delivery_url: 'ftp://x' } })).body.code).toBe('woocommerce_rest_webhook_invalid_delivery_url');
    const hook = await call(s, 'POST', 'webhooks', { body: { topic: 'customer.created', delivery_url: 'http://127.0.0.1:9/x', status: 'paused' } });
    expect(hook.status).toBe(201);
    expect(s.webhooks()[0]?.secret).toHaveLength(50); // generated when not given
    expect((await call(s, 'DELETE', `webhooks/${hook.body.id}`)).status).toBe(501);
    expect((await call(s, 'DELETE', `webhooks/${hook.body.id}`, { query: { force: 'true' } })).status).toBe(200);
    expect((await call(s, 'GET', 'webhooks')).body).toEqual([]);
  });
});
