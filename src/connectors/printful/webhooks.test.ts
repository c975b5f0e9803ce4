// Printful webhook verification and parsing: the fact sheet's vector, constant-time hex compare in
// any case, fail closed without a key, v1 only on the URL token, and bad bodies never throwing.
import { describe, expect, it } from 'vitest';
import type { RawRequest } from '../types.js';
import { parsePrintfulWebhook, printfulEventRecords, verifyPrintfulWebhook } from './webhooks.js';

const KEY = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
const BODY = '{"type":"order_created","occurred_at":"2023-04-04T12:36:42Z","retries":0,"store_id":123456,"data":{}}';
const SIG = '54003a178bdec748a4ab626dd56058e56debfb0f6c5d655c3a25bc85384bd693';

const req = (body: string, headers: Record<string, string> = {}, query: Record<string, string> = {}): RawRequest => ({ headers, rawBody: Buffer.from(body), query });

describe('verifyPrintfulWebhook', () => {
  it('accepts the known vector (either case) and rejects the hex-text-key signature', () => {
    expect(verifyPrintfulWebhook(req(BODY, { 'x-pf-webhook-signature': SIG }), null, { webhookSecret: KEY })).toBe(true);
    expect(verifyPrintfulWebhook(req(BODY, { 'x-pf-webhook-signature': SIG.toUpperCase() }), null, { webhookSecret: KEY })).toBe(true);
    expect(verifyPrintfulWebhook(req(BODY + ' ', { 'x-pf-webhook-signature': SIG }), null, { webhookSecret: KEY })).toBe(false);
    expect(verifyPrintfulWebhook(req(BODY, { 'x-pf-webhook-signature': 'b3765ec8' }), null, { webhookSecret: KEY })).toBe(false);
  });

  it('fails closed: no key, a key that is not hex, a malformed signature, or a signed delivery with only the URL token', () => {
    expect(verifyPrintfulWebhook(req(BODY, { 'x-pf-webhook-signature': SIG }), null, {})).toBe(false);
    expect(verifyPrintfulWebhook(req(BODY, { 'x-pf-webhook-signature': SIG }), null, { webhookSecret: 'not hex' })).toBe(false);
    expect(verifyPrintfulWebhook(req(BODY, { 'x-pf-webhook-signature': 'xyz' }), null, { webhookSecret: KEY })).toBe(false);
    expect(verifyPrintfulWebhook(req(BODY, { 'x-pf-webhook-signature': SIG.slice(2) }, { token: 't' }), 't', { webhookSecret: KEY })).toBe(false);
  });

  it('takes unsigned v1 deliveries only with the connection token, and only v1 event types', () => {
    const v1 = '{"type":"product_deleted","created":1700000000,"retries":0,"store":1,"data":{"sync_product":{"id":5}}}';
    expect(verifyPrintfulWebhook(req(v1, {}, { token: 'sekret' }), 'sekret')).toBe(true);
    expect(verifyPrintfulWebhook(req(v1, {}, { token: 'sekreT' }), 'sekret')).toBe(false);
    expect(verifyPrintfulWebhook(req(v1, {}, {}), 'sekret')).toBe(false);
    expect(verifyPrintfulWebhook(req(v1, {}, { token: 'sekret' }), null)).toBe(false);
    expect(verifyPrintfulWebhook(req('{"type":"catalog_price_changed"}', {}, { token: 'sekret' }), 'sekret')).toBe(false);
    expect(verifyPrintfulWebhook(req('{oops', {}, { token: 'sekret' }), 'sekret')).toBe(false);
  });
});

describe('parsePrintfulWebhook', () => {
  it('turns catalog_stock_updated entries into partial catalog items (no price)', () => {
    const body = JSON.stringify({ type: 'catalog_stock_updated', occurred_at: '2025-01-02T03:04:05Z', retries: 1, store_id: 1, data: [
      { catalog_product_id: 71, catalog_variant_id: 4012, techniques: ['dtg'], availability: [{ region: 'US', status: 'in stock' }, { region: 'EU', status: 'out of stock' }] },
      { catalog_variant_id: 'bad' },
    ] });
    const events = parsePrintfulWebhook(req(body));
    expect(events).toEqual([expect.objectContaining({ stream: 'catalog', externalId: '4012', op: 'upsert', eventId: 'catalog_stock_updated:4012:2025-01-02T03:04:05.000Z' })]);
    expect(printfulEventRecords(events[0]!)).toEqual([
      { entity: 'catalog_item', externalId: '4012', productExternalId: '71', availability: { US: 'in_stock', EU: 'out_of_stock' }, inStock: true, remoteUpdatedAt: '2025-01-02T03:04:05.000Z' },
    ]);
  });

  it('names what to re-read on price changes and v1 stock and product hints (stale if it cannot be); deletes store products; ignores garbage', () => {
    const price = parsePrintfulWebhook(req('{"type":"catalog_price_changed","occurred_at":"2025-01-01T00:00:00Z","data":{"catalog_product_ids":[1,2]}}'));
    expect(price).toEqual([expect.objectContaining({ stream: 'catalog', marksStale: true, refetchGroups: ['1', '2'] })]);
    expect(printfulEventRecords(price[0]!)).toEqual([]);
    const noIds = parsePrintfulWebhook(req('{"type":"catalog_price_changed","data":{}}'));
    expect(noIds[0]).toMatchObject({ marksStale: true });
    expect(noIds[0]!.refetchGroups).toBeUndefined();
    const stock = parsePrintfulWebhook(req('{"type":"stock_updated","created":1700000000,"data":{"product_id":12,"variant_stock":{"out":[3]}}}'));
    expect(stock).toEqual([expect.objectContaining({ stream: 'catalog', marksStale: true, refetchGroups: ['12'] })]);
    const updated = parsePrintfulWebhook(req('{"type":"product_updated","created":1700000000,"data":{"sync_product":{"id":77}}}'));
    expect(updated).toEqual([expect.objectContaining({ stream: 'products', marksStale: true, refetchGroups: ['77'] })]);
    const del = parsePrintfulWebhook(req('{"type":"product_deleted","created":1700000000,"data":{"sync_product":{"id":77,"external_id":"x"}}}'));
    expect(del).toEqual([expect.objectContaining({ stream: 'products', externalId: '77', op: 'delete', occurredAt: '2023-11-14T22:13:20.000Z' })]);
    for (const junk of ['{"type":5}', '{"type":"product_updated","data":{}}', '{"type":"unknown"}']) {
      expect(parsePrintfulWebhook(req(junk))).toEqual([]);
    }
    // Not a JSON object: thrown, so the receiver dead-letters the (signed) delivery instead of dropping it.
    for (const junk of ['', '\u0000', '{"type":', 'null', '[]']) expect(() => parsePrintfulWebhook(req(junk))).toThrow(/not valid JSON|not a JSON object/);
  });
});
