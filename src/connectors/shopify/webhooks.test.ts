import { describe, expect, it } from 'vitest';
import { parseCanonicalRecord, type OrderRecord } from '../../core/records.js';
import { restItemRecords } from './rest.js';
import type { RawRequest } from '../types.js';
import { mapShopifyPayload, parseShopifyWebhook, verifyShopifyWebhook } from './webhooks.js';

const req = (body: string, headers: Record<string, string>): RawRequest => ({ headers, rawBody: Buffer.from(body), query: {} });

describe('Shopify webhooks', () => {
  it('verifies the official test vector and fails closed', () => {
    // Shopify/shopify-app-js lib/webhooks/__tests__/validate.test.ts
    const ok = req('{"foo": "bar"}', { 'x-shopify-hmac-sha256': 'B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g=' });
    expect(verifyShopifyWebhook(ok, 'test_secret_key')).toBe(true);
    expect(verifyShopifyWebhook(ok, 'other_secret')).toBe(false);
    expect(verifyShopifyWebhook(ok, null)).toBe(false);
    expect(verifyShopifyWebhook(req('{"foo": "baz"}', ok.headers as Record<string, string>), 'test_secret_key')).toBe(false);
    expect(verifyShopifyWebhook(req('{"foo": "bar"}', {}), 'test_secret_key')).toBe(false);
    expect(verifyShopifyWebhook(req('{"foo": "bar"}', { 'x-shopify-hmac-sha256': 'short' }), 'test_secret_key')).toBe(false);
  });

  it('parses a delivery into an event keyed by the webhook id, with the GID', () => {
    const body = JSON.stringify({ id: 788032119674292900, admin_graphql_api_id: 'gid://shopify/Product/788032119674292922', updated_at: '2025-03-05T10:00:00-05:00', variants: [] });
    const events = parseShopifyWebhook(req(body, { 'x-shopify-topic': 'products/update', 'x-shopify-webhook-id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043' }));
    expect(events).toEqual([
      expect.objectContaining({ stream: 'products', externalId: 'gid://shopify/Product/788032119674292922', op: 'upsert', eventId: 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043', occurredAt: '2025-03-05T10:00:00-05:00' }),
    ]);
    // Not JSON: thrown, so the receiver dead-letters the (signed) delivery instead of dropping it.
    expect(() => parseShopifyWebhook(req('not json', { 'x-shopify-topic': 'products/update', 'x-shopify-webhook-id': 'x' }))).toThrow(/not valid JSON/);
    expect(parseShopifyWebhook(req(body, { 'x-shopify-topic': 'shop/update', 'x-shopify-webhook-id': 'x' }))).toEqual([]);
  });

  it('keeps 64-bit ids digit for digit where a payload has no admin_graphql_api_id', () => {
    // Shopify's products/delete sample is the bare id; JSON.parse made it ...292900, another product.
    const [deleted] = parseShopifyWebhook(req('{"id":788032119674292922}', { 'x-shopify-topic': 'products/delete', 'x-shopify-webhook-id': 'd' }));
    expect(deleted).toMatchObject({ op: 'delete', externalId: 'gid://shopify/Product/788032119674292922' });
    const [level] = parseShopifyWebhook(req('{"inventory_item_id":271878346596884015,"location_id":24826418,"available":6}', { 'x-shopify-topic': 'inventory_levels/update', 'x-shopify-webhook-id': 'i' }));
    expect(level!.externalId).toBe('gid://shopify/InventoryItem/271878346596884015');
    const raw = '{"id":788032119674292922,"title":"T","variants":[{"id":642667041472713922,"sku":"S","price":"19.99","inventory_item_id":271878346596884015}]}';
    const [event] = parseShopifyWebhook(req(raw, { 'x-shopify-topic': 'products/create', 'x-shopify-webhook-id': 'p' }));
    const [variant] = mapShopifyPayload('products/create', (event!.payload as { body: Record<string, unknown> }).body);
    expect(variant).toMatchObject({
      externalId: 'gid://shopify/ProductVariant/642667041472713922',
      parentExternalId: 'gid://shopify/Product/788032119674292922',
      platformIds: { inventoryItemId: 'gid://shopify/InventoryItem/271878346596884015' },
    });
  });

  it('maps REST-shaped product and order payloads to the same records a pull makes', () => {
    const product = mapShopifyPayload('products/update', {
      id: 1, admin_graphql_api_id: 'gid://shopify/Product/1', title: 'Board', body_html: '<p>x</p>', vendor: 'Acme', product_type: 'Boards',
      status: 'active', tags: 'winter, sale', updated_at: '2025-03-05T10:00:00Z',
      variants: [{ id: 2, admin_graphql_api_id: 'gid://shopify/ProductVariant/2', title: 'Small', sku: 'BOARD-S', price: '129.00', compare_at_price: null, barcode: '', taxable: true, updated_at: '2025-03-05T09:00:00Z' }],
    });
    expect(product).toEqual([
      expect.objectContaining({ externalId: 'gid://shopify/ProductVariant/2', parentExternalId: 'gid://shopify/Product/1', sku: 'BOARD-S', name: 'Board - Small', tags: ['winter', 'sale'], isActive: true, price: '129.00', remoteUpdatedAt: '2025-03-05T10:00:00Z' }),
    ]);
    expect(parseCanonicalRecord(product[0]).ok).toBe(true);
    const [order] = mapShopifyPayload('orders/updated', {
      id: 9, admin_graphql_api_id: 'gid://shopify/Order/9', name: '#1009', financial_status: 'paid', fulfillment_status: null, currency: 'EUR',
      total_price: '10.00', subtotal_price: '8.00', total_tax: '2.00', updated_at: '2025-03-05T10:00:00Z', processed_at: '2025-03-05T09:00:00Z',
      customer: { id: 5, admin_graphql_api_id: 'gid://shopify/Customer/5' },
      line_items: [{ id: 7, admin_graphql_api_id: 'gid://shopify/LineItem/7', sku: 'BOARD-S', name: 'Board - Small', quantity: 1, price: '8.00', variant_id: 2 }],
    });
    expect(order).toMatchObject({ entity: 'order', externalId: 'gid://shopify/Order/9', status: 'open', financialStatus: 'PAID', fulfillmentStatus: 'UNFULFILLED', customer: { externalId: 'gid://shopify/Customer/5' } });
    expect(parseCanonicalRecord(order).ok).toBe(true);
  });

  it('maps the REST shipping_address and email of orders/create, orders/updated and REST mode alike', () => {
    const body = {
      id: 9, admin_graphql_api_id: 'gid://shopify/Order/9', name: '#1009', email: 'ann@example.com', currency: 'EUR', financial_status: 'paid',
      customer: { id: 5, admin_graphql_api_id: 'gid://shopify/Customer/5', email: 'old@example.com' },
      shipping_address: {
        first_name: 'Ann', last_name: 'Lee', name: 'Ann Lee', company: null, address1: 'Main St 1', address2: '', city: 'Berlin', zip: '10115',
        province: null, province_code: null, country: 'Germany', country_code: 'DE', phone: '+49 30 1', latitude: null, longitude: null,
      },
      line_items: [],
    };
    const shipping = { name: 'Ann Lee', address1: 'Main St 1', city: 'Berlin', zip: '10115', countryCode: 'DE', phone: '+49 30 1' };
    for (const topic of ['orders/create', 'orders/updated']) {
      const [order] = mapShopifyPayload(topic, body);
      expect(order).toMatchObject({ customer: { externalId: 'gid://shopify/Customer/5', email: 'ann@example.com' } });
      expect((order as OrderRecord).addresses).toEqual({ shipping });
      expect(parseCanonicalRecord(order).ok).toBe(true);
    }
    // REST mode maps its items through the same function.
    const [rest] = restItemRecords({ rest: 'orders', body });
    expect((rest as OrderRecord).addresses).toEqual({ shipping });

    // No address (digital goods): no `addresses` key at all; no customer: the email alone.
    for (const none of [{ shipping_address: null }, { shipping_address: undefined }, { shipping_address: {} }]) {
      const [order] = mapShopifyPayload('orders/create', { ...body, ...none, customer: null });
      expect(order).not.toHaveProperty('addresses');
      expect((order as OrderRecord).customer).toEqual({ email: 'ann@example.com' });
    }
    const [bare] = mapShopifyPayload('orders/create', { ...body, email: null, contact_email: null, customer: null, shipping_address: null });
    expect((bare as OrderRecord).customer).toBeUndefined();

    // A bogus country is dropped, the rest of the address kept; a missing name is built from first and last name.
    const [bogus] = mapShopifyPayload('orders/updated', { ...body, shipping_address: { ...body.shipping_address, name: null, country_code: 'ZZ' } });
    expect((bogus as OrderRecord).addresses?.shipping).toEqual({ ...shipping, countryCode: undefined, name: 'Ann Lee' });
    expect((bogus as OrderRecord).addresses?.shipping).not.toHaveProperty('countryCode');
    expect(parseCanonicalRecord(bogus).ok).toBe(true);
  });
});

