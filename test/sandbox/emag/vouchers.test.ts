// Vouchers in the eMAG sandbox: a share of seeded orders carries them in eMAG's shape (negative net and VAT
// parts in `vouchers[]`, the same amounts spread over `product_voucher_split` or
// `shipping_tax_voucher_split`), deterministically by seed, and the sandbox's own order totals take them off.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmagSandbox, startEmagSandbox } from '../../../src/sandbox/emag/index.js';
import { voucherOf } from '../../../src/sandbox/emag/vouchers.js';

type Split = { voucher_id: number; value: string; vat_value: string };
type Voucher = { voucher_id: number; sale_price: string; sale_price_vat: string; status: number; vat: string };
type OrderJson = { id: number; shipping_tax: string; vouchers: Voucher[]; shipping_tax_voucher_split: Split[]; products: { status: number; product_voucher_split: Split[] }[] };

/** Decimal strings as 1/10000 units, independently of the sandbox's helpers. */
const u = (s: string) => Math.round(Number(s) * 10_000);

describe('eMAG sandbox vouchers', () => {
  let sb: EmagSandbox;
  beforeAll(async () => {
    sb = await startEmagSandbox();
  });
  afterAll(async () => {
    await sb?.close();
  });

  it("splits a voucher as the docs' example does: 10.00 at 24 % is -8.0645 without VAT and -1.9355 VAT", () => {
    const v = voucherOf({ id: '1234', voucherId: 387361, name: 'eMAG giftcard', grossCents: 1_000, vat: '0.2400', appliesTo: 'products', offeredBy: 'emag', createdMs: 0 });
    expect(v).toMatchObject({ sale_price: '-8.0645', sale_price_vat: '-1.9355', status: 1 });
  });

  it('seeds vouchers on a share of the orders, in the API shape, with splits that add up to them', async () => {
    sb.seed({ account: 'main', orders: 400, offers: 40, linesPerOrder: 3, seed: 17 });
    const auth = `Basic ${Buffer.from(`${sb.credentials('main').username}:${sb.credentials('main').password}`).toString('base64')}`;
    const orders: OrderJson[] = [];
    for (let page = 1; page <= 4; page++) {
      const res = await fetch(`${sb.apiUrl}/order/read`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ currentPage: page, itemsPerPage: 100 }) });
      orders.push(...((await res.json()) as { results: OrderJson[] }).results);
    }
    expect(orders).toHaveLength(400);
    const withVouchers = orders.filter((o) => o.vouchers.length > 0);
    expect(withVouchers.length).toBeGreaterThan(50);
    expect(withVouchers.length).toBeLessThan(160);
    expect(orders.some((o) => o.shipping_tax_voucher_split.length > 0)).toBe(true);
    for (const o of withVouchers) {
      for (const v of o.vouchers) {
        expect(v.sale_price).toMatch(/^-\d+\.\d{4}$/);
        expect(v.sale_price_vat).toMatch(/^-\d+\.\d{4}$/);
        // The customer's saving is net + VAT, a whole amount of cents.
        expect(Math.abs(u(v.sale_price) + u(v.sale_price_vat)) % 100).toBe(0);
        const splits = [...o.products.flatMap((l) => l.product_voucher_split), ...o.shipping_tax_voucher_split].filter((s) => s.voucher_id === v.voucher_id);
        expect(splits.reduce((s, x) => s + u(x.value), 0)).toBe(u(v.sale_price));
        expect(splits.reduce((s, x) => s + u(x.vat_value), 0)).toBe(u(v.sale_price_vat));
      }
    }
    // The truth of the totals: goods + shipping - vouchers, each to the cent.
    const totals = new Map(sb.orderTotals('main').map((t) => [t.id, t]));
    for (const o of withVouchers) {
      const t = totals.get(o.id)!;
      const saving = -o.vouchers.reduce((s, v) => s + u(v.sale_price) + u(v.sale_price_vat), 0);
      expect(u(t.vouchers)).toBe(saving);
      expect(u(t.total)).toBe(u(t.goods) + u(t.shipping) - u(t.vouchers));
      expect(u(t.total)).toBeGreaterThan(0);
    }
  });

  it('is deterministic by seed, and voucherShare 0 leaves every other seeded value as it was', () => {
    // A fixed end of history: by default it is "now", which moves between two seeds.
    const baseTime = Date.parse('2026-06-01T12:00:00Z');
    sb.seed({ account: 'main', orders: 200, seed: 5, baseTime });
    const a = sb.orders('main');
    sb.seed({ account: 'main', orders: 200, seed: 5, baseTime });
    expect(sb.orders('main')).toEqual(a);
    sb.seed({ account: 'main', orders: 200, seed: 5, voucherShare: 0, baseTime });
    const none = sb.orders('main');
    expect(none.every((o) => (o.vouchers as unknown[]).length === 0)).toBe(true);
    const strip = (orders: Record<string, unknown>[]) =>
      orders.map(({ vouchers: _v, shipping_tax_voucher_split: _s, products, ...o }) => ({ ...o, products: (products as Record<string, unknown>[]).map(({ product_voucher_split: _p, ...l }) => l) }));
    expect(strip(none)).toEqual(strip(a));
  });

  it('a buyer can place an order with a voucher; the control view shows what they pay', async () => {
    sb.seed({ account: 'main', orders: 0, offers: 3, seed: 2 });
    const offer = sb.offers('main')[0]!;
    const res = await fetch(`${sb.url}/_sandbox/accounts/main/orders`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ lines: [{ offerId: offer.id, quantity: 2 }], vouchers: [{ value: '10.00' }] }),
    });
    const placed = (await res.json()) as OrderJson;
    expect(placed.vouchers).toMatchObject([{ sale_price: '-8.4034', sale_price_vat: '-1.5966', vat: '0.1900', status: 1 }]);
    const totals = (await (await fetch(`${sb.url}/_sandbox/accounts/main/order-totals`)).json()) as { id: number; vouchers: string; shipping: string; total: string; goods: string }[];
    const t = totals.find((x) => x.id === placed.id)!;
    expect(t).toMatchObject({ vouchers: '10.00', shipping: '15.99' });
    expect(u(t.total)).toBe(u(t.goods) + u('15.99') - u('10.00'));
  });
});
