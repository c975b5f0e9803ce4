// eMAG mapping: table-driven fixtures (a recorded or documented order in, the expected canonical record
// out, totals checked to the cent), money parsing, and the cases that must become InvalidRecords.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatLocal, parseLocal } from '../../core/local-time.js';
import { type OrderRecord, parseCanonicalRecord } from '../../core/records.js';
import { mapEmagOffer, mapEmagOrder, units } from './mapping.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
/** A money string as integer 1/10000 units, written here independently of the mapping's own parser. */
const u4 = (s: string | null | undefined): bigint => {
  const [whole, frac = ''] = (s ?? '0').split('.');
  return BigInt(whole! + frac.padEnd(4, '0'));
};
/** 1/10000 units rounded to the cent (half up): the figure a customer pays. */
const cents = (u: bigint): string => {
  const c = (u + 50n) / 100n;
  return `${c / 100n}.${(c % 100n).toString().padStart(2, '0')}`;
};

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
  // The total is what the customer pays; `before` is what the mapping stored before vouchers were read.
  it.each([
    ['docs-sample-order', '1189.90', '1199.90'],
    ['voucher-order', '1189.90', '1199.90'],
    ['shipping-tax-order', '99.98', '119.97'],
    ['several-lines-order', '544.37', '544.37'],
  ])('fixture %s maps to the expected order, a valid canonical record, with a total of %s to the cent', (name, total, before) => {
    const r = mapEmagOrder(fixture(`${name}.json`));
    expect(JSON.parse(JSON.stringify(r))).toEqual(fixture(`${name}.expected.json`));
    expect(parseCanonicalRecord(r).ok).toBe(true);
    const t = (r as OrderRecord).totals!;
    expect(cents(u4(t.total))).toBe(total);
    expect(cents(u4(t.subtotal) + u4(t.tax) + u4(t.shipping))).toBe(before);
    // The parts add up exactly: total = subtotal + tax + shipping - discount; subtotal = the lines' totals.
    expect(u4(t.total)).toBe(u4(t.subtotal) + u4(t.tax) + u4(t.shipping) - u4(t.discount));
    expect((r as OrderRecord).lines.reduce((sum, l) => sum + u4(l.total), 0n)).toBe(u4(t.subtotal));
  });

  it('takes a voucher of -10.00 (sale_price + sale_price_vat) off the total: 1189.90, not 1199.90', () => {
    const sample = fixture('docs-sample-order.json');
    expect(mapEmagOrder(sample)).toMatchObject({ totals: { subtotal: '967.6613', tax: '232.2387', discount: '10.00', total: '1189.90' } });
    // Splits distribute the same voucher over lines and shipping: they are not taken off a second time.
    const split = { voucher_id: 387361, value: '-8.0645', vat_value: '-1.9355', vat: '0.24', offered_by: 'seller' };
    const withSplits = { ...sample, products: [{ ...sample.products[0], product_voucher_split: [split] }], shipping_tax_voucher_split: [] };
    expect(mapEmagOrder(withSplits)).toMatchObject({ totals: { total: '1189.90' } });
    // A voucher with status 0 is not applied (unconfirmed reading, like removed lines).
    expect(mapEmagOrder({ ...sample, vouchers: [{ ...sample.vouchers[0], status: 0 }] })).toMatchObject({ totals: { total: '1199.90' } });
    expect((mapEmagOrder({ ...sample, vouchers: [] }) as OrderRecord).totals?.discount).toBeUndefined();
  });

  it('parses money as signed 1/10000 units and refuses garbage', () => {
    expect(units('-8.0645')).toBe(-80_645n);
    expect(units('-1.9355')).toBe(-19_355n);
    expect(units('0.0000')).toBe(0n);
    expect(units('-0')).toBe(0n);
    expect(units(' 15.99 ')).toBe(159_900n);
    expect(units(19.99)).toBe(199_900n);
    expect(units(-10)).toBe(-100_000n);
    // More than 4 decimals are rounded half away from zero, not cut off.
    expect(units('967.66135')).toBe(9_676_614n);
    expect(units('-967.66135')).toBe(-9_676_614n);
    expect(units('1.23444')).toBe(12_344n);
    for (const bad of ['', ' ', 'abc', '1e3', '1,50', '--1', '+-1', '1.2.3', '.5', '5.', '- 1', '0x10', NaN, Infinity, -Infinity, null, undefined, true, {}, []]) {
      expect(units(bad)).toBeNull();
    }
  });

  it('never adds amounts of different currencies, and turns unreadable money into invalid records', () => {
    const base = fixture('voucher-order.json');
    const line = (patch: Record<string, unknown>) => ({ ...base, products: [{ ...base.products[0], ...patch }, base.products[1]] });
    expect(mapEmagOrder(line({ currency: 'EUR' }))).toMatchObject({
      externalId: '412000101', reason: 'order 412000101 line 41200010100 is priced in EUR, the order in RON: amounts in different currencies are not added',
    });
    // Without an order-level currency the lines' currency is the order's; lines must still agree.
    const noOrderCurrency = { ...line({ currency: 'EUR' }), currency: undefined };
    expect(mapEmagOrder(noOrderCurrency)).toMatchObject({ reason: expect.stringMatching(/line 41200010101 is priced in RON, the order in EUR/) });
    expect(mapEmagOrder({ ...base, currency: undefined })).toMatchObject({ currency: 'RON', totals: { total: '1189.90' } });
    expect(mapEmagOrder(line({ currency: 'lei!' }))).toMatchObject({ reason: expect.stringMatching(/unreadable currency "lei!"/) });
    expect(mapEmagOrder(line({ vat: '19%' }))).toMatchObject({ reason: expect.stringMatching(/no readable VAT rate \("19%"\)/) });
    expect(mapEmagOrder(line({ vat: undefined }))).toMatchObject({ reason: expect.stringMatching(/no readable VAT rate/) });
    expect(mapEmagOrder(line({ sale_price: '-1.00' }))).toMatchObject({ reason: expect.stringMatching(/line without a numeric id, quantity or sale_price/) });
    const voucher = (patch: Record<string, unknown>) => ({ ...base, vouchers: [{ ...base.vouchers[0], ...patch }] });
    expect(mapEmagOrder(voucher({ sale_price: 'ten' }))).toMatchObject({ reason: expect.stringMatching(/voucher with an unreadable sale_price/) });
    expect(mapEmagOrder(voucher({ sale_price: '8.4034' }))).toMatchObject({ reason: expect.stringMatching(/voucher with a positive amount/) });
    expect(mapEmagOrder(voucher({ sale_price: '-1200.0000' }))).toMatchObject({ reason: expect.stringMatching(/vouchers \(1201.5966\) exceed the order's value/) });
    expect(mapEmagOrder({ ...base, shipping_tax: 'free' })).toMatchObject({ reason: expect.stringMatching(/unreadable or negative shipping_tax "free"/) });
    expect(mapEmagOrder({ ...base, shipping_tax: '-5.00' })).toMatchObject({ reason: expect.stringMatching(/negative shipping_tax/) });
    expect(mapEmagOrder({ ...base, currency: 'euro' })).toMatchObject({ reason: 'order 412000101 has an unreadable currency "euro"' });
    // No shipping_tax at all: no shipping in the totals, nothing added.
    expect(JSON.parse(JSON.stringify((mapEmagOrder({ ...base, shipping_tax: null }) as OrderRecord).totals))).toEqual({ subtotal: '1008.3193', tax: '191.5807', discount: '10.00', total: '1189.90' });
  });

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
    // A negative offer price is not a price: left out rather than stored.
    expect((mapEmagOffer({ id: 8, sale_price: '-1.00' })[0] as { price?: string }).price).toBeUndefined();
  });

  it('converts naive local timestamps both ways across a DST change', () => {
    expect(new Date(parseLocal('2024-03-31 02:30:00', 'Europe/Bucharest')!).toISOString()).toBe('2024-03-31T00:30:00.000Z');
    expect(new Date(parseLocal('2024-03-31 04:30:00', 'Europe/Bucharest')!).toISOString()).toBe('2024-03-31T01:30:00.000Z');
    expect(formatLocal(Date.parse('2024-12-31T22:00:00Z'), 'Europe/Bucharest')).toBe('2025-01-01 00:00:00');
    expect(parseLocal('2024-13-01 00:00:00', 'Europe/Bucharest')).toBeNull();
  });
});
