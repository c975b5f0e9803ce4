// Vouchers of the eMAG sandbox and the truth of what an order costs. eMAG lists a voucher once in the
// order's `vouchers[]` — `sale_price` (the discount without VAT) and `sale_price_vat` (its VAT), both
// negative — and spreads the same voucher over the lines (`product_voucher_split`) or the shipping
// (`shipping_tax_voucher_split`) as `value` / `vat_value` (docs v4.4.7, "Order fields"). The order's total
// is computed here from the sandbox's own data, never with the connector's code: it is the figure the
// tests compare the hub against.
import type { Order, OrderLine, Voucher } from './store.js';

const SCALE = 10_000n;

/** A sandbox amount ("-8.0645", "15.9900") as 1/10000 units. */
export function toUnits(s: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d{1,4}))?$/.exec(s);
  if (!m) throw new Error(`not a sandbox amount: ${s}`);
  const abs = BigInt(m[2]!) * SCALE + BigInt((m[3] ?? '').padEnd(4, '0'));
  return m[1] ? -abs : abs;
}

/** 1/10000 units as eMAG writes them: 4 decimals, a minus sign when negative. */
export function fromUnits(u: bigint): string {
  const abs = u < 0n ? -u : u;
  return `${u < 0n ? '-' : ''}${abs / SCALE}.${(abs % SCALE).toString().padStart(4, '0')}`;
}

/** 1/10000 units rounded half up to the cent: what a customer pays ("1189.90"). */
function toCents(u: bigint): string {
  const abs = u < 0n ? -u : u;
  const c = (abs + 50n) / 100n;
  return `${u < 0n ? '-' : ''}${c / 100n}.${(c % 100n).toString().padStart(2, '0')}`;
}

export interface VoucherInput {
  id: string;
  voucherId: number;
  name: string;
  /** What the voucher is worth to the customer, VAT included, in cents. */
  grossCents: number;
  /** VAT rate as eMAG writes it ("0.1900"). */
  vat: string;
  appliesTo: Voucher['appliesTo'];
  offeredBy: Voucher['offered_by'];
  createdMs: number;
}

/** A voucher split into its net and VAT parts, which add up exactly to its value. */
export function voucherOf(v: VoucherInput): Voucher {
  const gross = BigInt(v.grossCents) * 100n;
  const rate = SCALE + toUnits(v.vat);
  const net = (gross * SCALE * 2n + rate) / (2n * rate);
  return {
    id: v.id, voucher_id: v.voucherId, voucher_name: v.name, status: 1, sale_price: fromUnits(-net), sale_price_vat: fromUnits(net - gross),
    vat: v.vat, appliesTo: v.appliesTo, offered_by: v.offeredBy, createdMs: v.createdMs,
  };
}

const active = (lines: OrderLine[]) => lines.filter((l) => l.status === 1 && l.quantity > 0);
const lineNet = (l: OrderLine) => toUnits(l.sale_price) * BigInt(l.quantity);

/** The value of the order's goods, VAT included: each line's net plus its VAT, rounded per line. */
export function goodsValue(lines: OrderLine[]): bigint {
  let sum = 0n;
  for (const l of active(lines)) {
    const net = lineNet(l);
    sum += net + (net * toUnits(l.vat) + SCALE / 2n) / SCALE;
  }
  return sum;
}

export interface SplitJson {
  voucher_id: number;
  value: string;
  vat_value: string;
  vat: string;
  offered_by: string;
  voucher_name: string;
}

/** The vouchers spread over the active lines in proportion to their value (the last line takes the rest), and over the shipping. */
export function voucherSplits(o: Order): { byLine: Map<number, SplitJson[]>; shipping: SplitJson[] } {
  const byLine = new Map<number, SplitJson[]>();
  const shipping: SplitJson[] = [];
  const lines = active(o.products);
  const weight = lines.reduce((s, l) => s + lineNet(l), 0n);
  for (const v of o.vouchers) {
    if (v.status !== 1) continue;
    const split = (value: bigint, vatValue: bigint): SplitJson => ({
      voucher_id: v.voucher_id, value: fromUnits(value), vat_value: fromUnits(vatValue), vat: v.vat, offered_by: v.offered_by, voucher_name: v.voucher_name,
    });
    if (v.appliesTo === 'shipping' || weight === 0n) {
      shipping.push(split(toUnits(v.sale_price), toUnits(v.sale_price_vat)));
      continue;
    }
    let netLeft = toUnits(v.sale_price);
    let vatLeft = toUnits(v.sale_price_vat);
    lines.forEach((l, i) => {
      const last = i === lines.length - 1;
      const value = last ? netLeft : (toUnits(v.sale_price) * lineNet(l)) / weight;
      const vatValue = last ? vatLeft : (toUnits(v.sale_price_vat) * lineNet(l)) / weight;
      netLeft -= value;
      vatLeft -= vatValue;
      byLine.set(l.id, [...(byLine.get(l.id) ?? []), split(value, vatValue)]);
    });
  }
  return { byLine, shipping };
}

export interface OrderTruth {
  id: number;
  currency: string;
  /** Lines' value with VAT, to the cent. */
  goods: string;
  shipping: string;
  /** The vouchers' value to the customer (VAT included), as a positive amount. */
  vouchers: string;
  /** What the customer pays: goods + shipping - vouchers, to the cent. */
  total: string;
}

export function orderTruth(o: Order, currency: string): OrderTruth {
  const goods = goodsValue(o.products);
  const shipping = toUnits(o.shipping_tax);
  let vouchers = 0n;
  for (const v of o.vouchers) if (v.status === 1) vouchers -= toUnits(v.sale_price) + toUnits(v.sale_price_vat);
  return { id: o.id, currency, goods: toCents(goods), shipping: toCents(shipping), vouchers: toCents(vouchers), total: toCents(goods + shipping - vouchers) };
}
