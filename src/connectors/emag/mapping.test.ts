import { describe, expect, it } from 'vitest';
import { formatLocal, parseLocal } from '../../core/local-time.js';
import { mapEmagOffer, mapEmagOrder } from './mapping.js';

const order = {
  id: 412345678, status: 4, type: 3, payment_status: 1, date: '2024-07-01 10:00:00', created: '2024-07-01 10:00:05', modified: '2024-07-02 08:30:00',
  currency: 'RON', shipping_tax: '15.99', payment_mode_id: null,
  customer: { id: 99, email: '1243536@emag.ro', name: 'Ana Pop', shipping_country: 'RO', shipping_city: 'Iasi', shipping_contact: 'Ana Pop', billing_country: 'Romania' },
  products: [
    { id: 1, product_id: 1000001, part_number: 'SKU-1', name: 'Mug', status: 1, quantity: 2, sale_price: '10.5000', vat: '0.1900' },
    { id: 2, product_id: 1000002, part_number: '', ext_part_number: 'EXT-2', name: 'Cap', status: 1, quantity: 1, sale_price: 967.6613, vat: '0.1900' },
    { id: 3, product_id: 1000003, part_number: 'SKU-3', name: 'Removed', status: 0, quantity: 1, sale_price: '5' },
  ],
};

describe('eMAG mapping', () => {
  it('maps an order: naive Bucharest times to instants, lines by seller SKU and offer id, removed lines left out', () => {
    const r = mapEmagOrder(order);
    expect(r).toMatchObject({
      entity: 'order', externalId: '412345678', status: 'finalized', financialStatus: 'paid', fulfillmentStatus: 'fulfilled_by_seller', currency: 'RON',
      placedAt: '2024-07-01T07:00:00.000Z', remoteUpdatedAt: '2024-07-02T05:30:00.000Z',
      customer: { externalId: '99', email: '1243536@emag.ro' },
      totals: { subtotal: '988.6613', tax: '187.8456', shipping: '15.99', total: '1192.4969' },
      lines: [
        { externalId: '1', sku: 'SKU-1', productExternalId: '1000001', quantity: 2, unitPrice: '10.50', total: '21.00' },
        { externalId: '2', sku: 'EXT-2', productExternalId: '1000002', quantity: 1, unitPrice: '967.6613' },
      ],
    });
    // A country written out is not an ISO code: it is left out rather than guessed.
    expect((r as { addresses: { billing?: { countryCode?: string } } }).addresses.billing?.countryCode).toBeUndefined();
  });

  it('turns unreadable orders into invalid records, not throws', () => {
    expect(mapEmagOrder({ status: 1 })).toMatchObject({ reason: 'order without a numeric id' });
    expect(mapEmagOrder({ id: 5, status: 9 })).toMatchObject({ reason: expect.stringMatching(/unknown status 9/), externalId: '5' });
    expect(mapEmagOrder({ id: 5, status: 1, products: [{ id: 1, quantity: 'two', sale_price: '1' }] })).toMatchObject({ reason: expect.stringMatching(/line without/) });
    expect(mapEmagOrder(undefined)).toMatchObject({ reason: 'order without a numeric id' });
  });

  it('maps an offer to a SKU and a stock level per warehouse, with reservations of new orders', () => {
    const out = mapEmagOffer({ id: 7, name: 'Mug', part_number: 'SKU-7', ean: ['5940000000007'], status: 1, sale_price: '12.3400', stock: [{ warehouse_id: 1, value: 10 }], general_stock: 10, estimated_stock: 7 });
    expect(out).toEqual([
      { entity: 'product', externalId: '7', parentExternalId: null, sku: 'SKU-7', gtin: '5940000000007', name: 'Mug', price: '12.34', isActive: true },
      { entity: 'stock_level', productExternalId: '7', sku: 'SKU-7', locationId: '1', available: 10, reserved: 3 },
    ]);
    expect(mapEmagOffer({ name: 'no id' })[0]).toMatchObject({ reason: 'offer without a numeric id' });
  });

  it('converts naive local timestamps both ways across a DST change', () => {
    expect(new Date(parseLocal('2024-03-31 02:30:00', 'Europe/Bucharest')!).toISOString()).toBe('2024-03-31T00:30:00.000Z');
    expect(new Date(parseLocal('2024-03-31 04:30:00', 'Europe/Bucharest')!).toISOString()).toBe('2024-03-31T01:30:00.000Z');
    expect(formatLocal(Date.parse('2024-12-31T22:00:00Z'), 'Europe/Bucharest')).toBe('2025-01-01 00:00:00');
    expect(parseLocal('2024-13-01 00:00:00', 'Europe/Bucharest')).toBeNull();
  });
});
