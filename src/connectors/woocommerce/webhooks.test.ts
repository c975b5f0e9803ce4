// WooCommerce webhooks: the signature (the core unit test's vector and a local one), fail-closed
// verification, the unsigned creation ping, topics to events, and dedup ids.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RawRequest } from '../types.js';
import { wooConnector } from './index.js';
import { isWooPing, mapWooWebhook, parseWooWebhook, signWoo, verifyWooWebhook } from './webhooks.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

function delivery(topic: string, body: string, secret: string | null, extra: Record<string, string> = {}): RawRequest {
  const headers: Record<string, string> = {
    'x-wc-webhook-topic': topic, 'x-wc-webhook-resource': topic.split('.')[0]!, 'x-wc-webhook-event': topic.split('.')[1]!,
    'x-wc-webhook-id': '7', 'x-wc-webhook-delivery-id': 'a1b2c3d4e5f60718293a4b5c6d7e8f90', 'content-type': 'application/json', ...extra,
  };
  if (secret !== null) headers['x-wc-webhook-signature'] = signWoo(body, secret);
  return { headers, rawBody: Buffer.from(body), query: {} };
}

describe('WooCommerce webhooks', () => {
  it('signs like WooCommerce: the core unit test vector and a local one', () => {
    // tests/legacy/unit-tests/webhooks/crud.php::test_generate_signature (empty secret, body "secret").
    expect(signWoo('secret', '')).toBe('GBDo00G55h6IiV+6CxqivQPLbI//KzaOZm747971tPs=');
    expect(signWoo('{"id":123}', 'test_secret')).toBe('vZIq/Gp6BvbQkbfdOgC8Gvkf2D9STcGOMfuHBs7yZrs=');
  });

  it('verifies on the raw body, fails closed without a secret, and refuses tampering', () => {
    const body = fixture('simple-product.json');
    const req = delivery('product.updated', body, 's3cret');
    expect(verifyWooWebhook(req, 's3cret')).toBe(true);
    expect(verifyWooWebhook(req, null)).toBe(false);
    expect(verifyWooWebhook(req, '')).toBe(false);
    expect(verifyWooWebhook(req, 'other')).toBe(false);
    // WordPress escapes "/" as "\/": the same object serialised differently is another body.
    const reserialised = { ...req, rawBody: Buffer.from(JSON.stringify(JSON.parse(body))) };
    expect(verifyWooWebhook(reserialised, 's3cret')).toBe(false);
    expect(verifyWooWebhook(delivery('product.updated', body, null), 's3cret')).toBe(false);
    expect(verifyWooWebhook({ ...req, headers: { ...req.headers, 'x-wc-webhook-signature': 'short' } }, 's3cret')).toBe(false);
    // WordPress decodes HTML entities of the stored secret before signing.
    expect(verifyWooWebhook(delivery('product.updated', body, 'a&b'), 'a&amp;b')).toBe(true);
  });

  it('accepts the unsigned creation ping and makes nothing of it; nothing else goes unsigned', () => {
    const ping: RawRequest = { headers: { 'content-type': 'application/x-www-form-urlencoded' }, rawBody: Buffer.from('webhook_id=15'), query: {} };
    expect(isWooPing(ping)).toBe(true);
    expect(verifyWooWebhook(ping, null)).toBe(true);
    expect(parseWooWebhook(ping)).toEqual([]);
    const lookalike = { ...ping, rawBody: Buffer.from('webhook_id=15&id=3') };
    expect(verifyWooWebhook(lookalike, 'x')).toBe(false);
    expect(verifyWooWebhook({ ...ping, headers: { 'x-wc-webhook-topic': 'product.updated' } }, 'x')).toBe(false);
  });

  it('parses product, order and customer topics; deleted bodies are {"id": N}', () => {
    const deleted = parseWooWebhook(delivery('product.deleted', fixture('webhook-product-deleted.json'), 'k'));
    expect(deleted).toEqual([{ stream: 'products', externalId: '794', op: 'delete', eventId: expect.stringMatching(/^a1b2c3d4e5f60718293a4b5c6d7e8f90:[0-9a-f]{16}$/), occurredAt: null, payload: { topic: 'product.deleted', body: { id: 794 } } }]);
    const [simple] = parseWooWebhook(delivery('product.updated', fixture('simple-product.json'), 'k'));
    expect(simple).toMatchObject({ stream: 'products', externalId: '794', op: 'upsert', occurredAt: '2017-03-23T20:01:14.000Z' });
    expect(simple!.refetchGroups).toBeUndefined();
    expect(mapWooWebhook(simple!)).toEqual(JSON.parse(fixture('simple-product.expected.json')));
    const order = JSON.parse(fixture('order.json'));
    const [o] = parseWooWebhook(delivery('order.created', JSON.stringify(order), 'k'));
    expect(mapWooWebhook(o!)).toEqual([JSON.parse(fixture('order.expected.json'))]);
    const [c] = parseWooWebhook(delivery('customer.updated', fixture('customer.json'), 'k'));
    expect(mapWooWebhook(c!)).toEqual([JSON.parse(fixture('customer.expected.json'))]);
    expect(parseWooWebhook(delivery('order.restored', JSON.stringify(order), 'k'))[0]).toMatchObject({ op: 'upsert', stream: 'orders' });
    // Coupons and custom actions are not synced.
    expect(parseWooWebhook(delivery('coupon.updated', '{"id":1}', 'k'))).toEqual([]);
    expect(parseWooWebhook(delivery('action.woocommerce_add_to_cart', '{"action":"x","arg":1}', 'k'))).toEqual([]);
  });

  it('re-reads the product of a variation or variable product instead of mapping a part of it', () => {
    const { product, variations } = JSON.parse(fixture('variable-product.json'));
    const variation = { ...variations[0], type: 'variation', parent_id: 799 };
    const [v] = parseWooWebhook(delivery('product.updated', JSON.stringify(variation), 'k'));
    expect(v).toMatchObject({ stream: 'products', externalId: '733', refetchGroups: ['799'], marksStale: true });
    expect(mapWooWebhook(v!)).toEqual([]);
    const [p] = parseWooWebhook(delivery('product.created', JSON.stringify(product), 'k'));
    expect(p).toMatchObject({ externalId: '799', refetchGroups: ['799'] });
  });

  it('dedups a redelivery but not two events sharing a delivery id within one second', () => {
    const a = parseWooWebhook(delivery('product.updated', fixture('simple-product.json'), 'k'))[0]!;
    const again = parseWooWebhook(delivery('product.updated', fixture('simple-product.json'), 'k'))[0]!;
    const other = parseWooWebhook(delivery('product.updated', fixture('simple-product.json').replace('Premium Quality', 'Premium'), 'k'))[0]!;
    expect(again.eventId).toBe(a.eventId);
    expect(other.eventId).not.toBe(a.eventId);
    const noDelivery = parseWooWebhook(delivery('product.updated', '{"id":5}', 'k', { 'x-wc-webhook-delivery-id': '' }))[0]!;
    expect(noDelivery.eventId).toMatch(/^product\.updated:5:[0-9a-f]{16}$/);
  });

  it('throws on a signed body that is not a JSON object with an id, so the delivery is dead-lettered', () => {
    expect(() => parseWooWebhook(delivery('order.updated', 'not json', 'k'))).toThrow(/not valid JSON/);
    expect(() => parseWooWebhook(delivery('order.updated', '[1]', 'k'))).toThrow(/not a JSON object/);
    expect(() => parseWooWebhook(delivery('order.updated', '{"id":"x"}', 'k'))).toThrow(/no numeric id/);
  });

  it('is the connector registered for the platform, with verify and parse', () => {
    expect(wooConnector.platform).toBe('woocommerce');
    expect(wooConnector.webhooks?.verify).toBe(verifyWooWebhook);
    expect(wooConnector.webhooks?.parse).toBe(parseWooWebhook);
  });
});
