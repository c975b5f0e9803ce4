// WooCommerce mapping: the documentation's sample responses in, the expected canonical records out;
// prices, stock and the cases that must become InvalidRecords.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type OrderRecord, parseCanonicalRecord } from '../../core/records.js';
import { mapWooCustomer, mapWooOrder, mapWooProduct, type WooProduct } from './mapping.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
const plain = (v: unknown) => JSON.parse(JSON.stringify(v));

describe('WooCommerce mapping', () => {
  it.each([
    ['simple-product', (raw: unknown) => mapWooProduct({ product: raw as WooProduct, variations: [] }), 1],
    ['variable-product', (raw: unknown) => mapWooProduct(raw as never), 2],
    ['order', (raw: unknown) => [mapWooOrder(raw as never)], 1],
    ['customer', (raw: unknown) => [mapWooCustomer(raw as never)], 1],
  ] as const)('fixture %s maps to the expected, valid canonical records', (name, map, count) => {
    const out = map(fixture(`${name}.json`));
    expect(plain(out)).toEqual(fixture(`${name}.expected.json`).length === undefined ? [fixture(`${name}.expected.json`)] : fixture(`${name}.expected.json`));
    expect(out).toHaveLength(count);
    for (const r of out) expect(parseCanonicalRecord(r)).toMatchObject({ ok: true });
  });

  it('makes one SKU per variation with the variable product as its group, and no record for the product itself', () => {
    const item = fixture('variable-product.json');
    const out = mapWooProduct(item);
    expect(out.map((r) => [(r as { externalId: string }).externalId, (r as { parentExternalId: string }).parentExternalId])).toEqual([['733', '799'], ['732', '799']]);
    // No variations read (a variable product without any): nothing to sync, and no half record.
    expect(mapWooProduct({ product: item.product, variations: [] })).toEqual([]);
    // A draft product hides its published variations.
    expect(mapWooProduct({ ...item, product: { ...item.product, status: 'draft' } }).every((r) => (r as { isActive: boolean }).isActive === false)).toBe(true);
  });

  it('reads a sale as price + compare-at price and managed stock as a stock level of the one location', () => {
    const simple = fixture('simple-product.json');
    const out = mapWooProduct({ product: { ...simple, sku: 'PQ-1', sale_price: '19.5', manage_stock: true, stock_quantity: -2, status: 'private', tax_status: 'none' }, variations: [] });
    expect(out[0]).toMatchObject({ sku: 'PQ-1', price: '19.50', compareAtPrice: '21.99', isActive: false, taxable: false });
    // Oversold stock stays negative: the hub decides what to do with it.
    expect(out[1]).toEqual({ entity: 'stock_level', productExternalId: '794', sku: 'PQ-1', locationId: 'default', available: -2, remoteUpdatedAt: '2017-03-23T20:01:14.000Z' });
    // Unmanaged stock (quantity null) says nothing about stock; a variation inheriting its parent's neither.
    expect(mapWooProduct({ product: simple, variations: [] })).toHaveLength(1);
    const item = fixture('variable-product.json');
    const inherited = mapWooProduct({ ...item, variations: [{ ...item.variations[0], manage_stock: 'parent', stock_quantity: 4 }] });
    expect(inherited).toHaveLength(1);
  });

  it('keeps order totals consistent: subtotal + tax + shipping - discount = total, lines add up to the subtotal', () => {
    const o = fixture('order.json');
    const withCoupon = {
      ...o, discount_total: '2.00', total: '27.20', total_tax: '1.20',
      line_items: [{ ...o.line_items[0], total: '4.00' }, o.line_items[1]],
      coupon_lines: [{ id: 1, code: 'two', discount: '2.00', discount_tax: '0.15' }],
      refunds: [{ id: 5, reason: '', total: '-4.00' }],
    };
    const r = mapWooOrder(withCoupon) as OrderRecord;
    expect(r.totals).toEqual({ subtotal: '18.00', tax: '1.20', shipping: '10.00', discount: '2.00', total: '27.20' });
    expect(r.financialStatus).toBe('partially_refunded');
    expect(r.lines[0]).toMatchObject({ unitPrice: '3.00', total: '4.00' });
    const cents = (s: string | null | undefined) => Math.round(Number(s ?? 0) * 100);
    const t = r.totals!;
    expect(cents(t.subtotal) + cents(t.tax) + cents(t.shipping) - cents(t.discount)).toBe(cents(t.total));
    expect(mapWooOrder({ ...o, status: 'refunded' })).toMatchObject({ financialStatus: 'refunded' });
    expect(mapWooOrder({ ...o, date_paid: null, date_paid_gmt: null, status: 'pending' })).toMatchObject({ financialStatus: 'pending' });
    // A registered buyer is named by id.
    expect(mapWooOrder({ ...o, customer_id: 25 })).toMatchObject({ customer: { externalId: '25', email: 'john.doe@example.com' } });
  });

  it('turns unreadable payloads into invalid records, not throws', () => {
    const o = fixture('order.json');
    expect(mapWooOrder({ ...o, total: 'free' })).toMatchObject({ externalId: '727', reason: expect.stringMatching(/unreadable or negative total/) });
    expect(mapWooOrder({ ...o, line_items: [{ id: 1, quantity: 'two', subtotal: '1', total: '1' }] })).toMatchObject({ reason: expect.stringMatching(/line without an id, quantity/) });
    expect(mapWooOrder({ status: 'pending' })).toMatchObject({ reason: 'order without a numeric id' });
    expect(mapWooOrder(undefined)).toMatchObject({ reason: 'order without a numeric id' });
    expect(mapWooCustomer({ email: 'x@example.com' })).toMatchObject({ reason: 'customer without a numeric id' });
    expect(mapWooProduct({ product: { name: 'no id' }, variations: [] })[0]).toMatchObject({ reason: 'product without a numeric id' });
    const item = fixture('variable-product.json');
    expect(mapWooProduct({ ...item, variations: [{ sku: 'x' }] })[0]).toMatchObject({ reason: 'variation of product 799 without a numeric id' });
    // Garbage money is left out, never guessed.
    expect(mapWooProduct({ product: { id: 5, regular_price: '1,50' }, variations: [] })[0]).not.toHaveProperty('price', expect.anything());
  });
});
