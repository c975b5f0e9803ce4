// Pure mapping of eMAG orders and offers to canonical records. Decimals arrive as strings (sometimes
// numbers); timestamps are naive local time of the platform's zone and become ISO instants here. An
// order line names the seller's offer twice: `product_id` (the offer id, our product's externalId) and
// `part_number` (the seller's SKU), which is how the hub ties the line to its product.
import { parseLocal } from '../../core/local-time.js';
import type { Address, CanonicalRecord, InvalidRecord, OrderLine, OrderRecord, ProductRecord, StockLevelRecord } from '../../core/records.js';
import { invalidRecord } from '../../core/records.js';

export interface EmagOrderLine {
  id?: unknown;
  product_id?: unknown;
  part_number?: unknown;
  ext_part_number?: unknown;
  name?: unknown;
  status?: unknown;
  quantity?: unknown;
  sale_price?: unknown;
  vat?: unknown;
  currency?: unknown;
  product_voucher_split?: unknown;
}

/** An entry of the order's `vouchers[]`: amounts are negative, `sale_price` without VAT, `sale_price_vat` its VAT. */
export interface EmagVoucher {
  id?: unknown;
  voucher_id?: unknown;
  voucher_name?: unknown;
  status?: unknown;
  sale_price?: unknown;
  sale_price_vat?: unknown;
  vat?: unknown;
}

export interface EmagOrder {
  id?: unknown;
  status?: unknown;
  type?: unknown;
  payment_status?: unknown;
  date?: unknown;
  created?: unknown;
  modified?: unknown;
  currency?: unknown;
  shipping_tax?: unknown;
  shipping_tax_voucher_split?: unknown;
  vouchers?: EmagVoucher[] | null;
  customer?: Record<string, unknown> | null;
  products?: EmagOrderLine[] | null;
}

export interface EmagOffer {
  id?: unknown;
  name?: unknown;
  part_number?: unknown;
  ean?: unknown;
  status?: unknown;
  sale_price?: unknown;
  recommended_price?: unknown;
  stock?: { warehouse_id?: unknown; value?: unknown }[] | null;
  general_stock?: unknown;
  estimated_stock?: unknown;
}

export const ORDER_STATUS: Record<number, string> = { 0: 'canceled', 1: 'new', 2: 'in_progress', 3: 'prepared', 4: 'finalized', 5: 'returned' };

const SCALE = 10_000n;

/**
 * A decimal as a signed integer of 1/10000 units; null when it is not one. Signed because voucher amounts
 * are negative. eMAG sends at most 4 decimals; more are rounded half away from zero rather than cut off.
 * Exponents, commas, blanks, NaN and the like are refused, not guessed at.
 */
export function units(v: unknown): bigint | null {
  const s = typeof v === 'number' ? (Number.isFinite(v) ? v.toFixed(6) : null) : typeof v === 'string' ? v.trim() : null;
  const m = s === null ? null : /^(-?)(\d{1,15})(?:\.(\d{1,12}))?$/.exec(s);
  if (!m) return null;
  const frac = (m[3] ?? '').padEnd(5, '0');
  const abs = BigInt(m[2]!) * SCALE + BigInt(frac.slice(0, 4)) + (frac[4]! >= '5' ? 1n : 0n);
  return m[1] === '-' ? -abs : abs;
}

/** Non-negative 1/10000 units as a money string with at least 2 decimals ("12.50", "967.6613"). */
function money(u: bigint): string {
  const frac = (u % SCALE).toString().padStart(4, '0').replace(/0+$/, '').padEnd(2, '0');
  return `${u / SCALE}.${frac}`;
}

/** Half-up rounding of a non-negative product of two 1/10000 amounts back to 1/10000 units. */
const times = (a: bigint, b: bigint): bigint => (a * b + SCALE / 2n) / SCALE;

/** A currency code, undefined when absent, null when present but unreadable. */
function currencyOf(v: unknown): string | null | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  return typeof v === 'string' && /^[A-Za-z]{3}$/.test(v.trim()) ? v.trim().toUpperCase() : null;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' ? String(v) : undefined);
const id = (v: unknown): string | undefined => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? String(v) : typeof v === 'string' && /^\d+$/.test(v) ? v : undefined);
const int = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) ? v : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : undefined);

function instant(v: unknown, timeZone: string): string | undefined {
  const ms = parseLocal(v, timeZone);
  return ms === null ? undefined : new Date(ms).toISOString();
}

const country = (v: unknown) => (typeof v === 'string' && /^[A-Za-z]{2}$/.test(v.trim()) ? v.trim().toUpperCase() : undefined);

function address(c: Record<string, unknown>, kind: 'billing' | 'shipping'): Address | undefined {
  const a: Address = {
    name: text(kind === 'billing' ? c.billing_name : c.shipping_contact) ?? text(c.name),
    company: text(c.company),
    address1: text(c[`${kind}_street`]),
    city: text(c[`${kind}_city`]),
    zip: text(c[`${kind}_postal_code`]),
    province: text(c[`${kind}_suburb`]),
    countryCode: country(c[`${kind}_country`]),
    phone: text(kind === 'billing' ? c.billing_phone : c.shipping_phone) ?? text(c.phone_1),
  };
  return Object.values(a).some((v) => v !== undefined) ? a : undefined;
}

// Order money. What the sources say (see docs/connectors/emag.md, "Order money"):
// - products[].sale_price is the unit price WITHOUT VAT and `vat` the rate ("0.2400"); official docs v4.4.7,
//   "Product field in order details". Line total = sale_price x quantity; its VAT is rounded per line.
// - vouchers[].sale_price is "the value of the discount, without VAT" and sale_price_vat "the value of the
//   VAT", both negative (docs v4.4.7, "Order fields"; the docs' sample order, order_update.txt, has
//   -8.0645 + -1.9355 = -10.00 at 24 %). The customer's saving is the sum of both, as the Innobyte eMAG
//   Magento extension computes it (`sale_price + sale_price_vat` added to the grand total).
// - product_voucher_split[] and shipping_tax_voucher_split[] are the same vouchers distributed over lines
//   and shipping ("voucher discounts distribution", docs v4.4.7): adding them too would count twice.
// - shipping_tax is what the customer pays for delivery, VAT included: the docs only say "the shipment tax
//   value"; client code adds it to the VAT-inclusive total as it is (Innobyte extension; unconfirmed).
// - Line `currency` vs order `currency`: the docs name only the line's ("product price currency"); an
//   order-level `currency` appears in newer answers (observed). Amounts in two currencies are never added.
// - A voucher with status 0 is left out like a removed line (unconfirmed: the docs list no status values).
// Canonical totals: subtotal = lines without VAT, tax = the lines' VAT, shipping = shipping_tax, discount =
// the vouchers' value VAT included, as a positive amount; total = subtotal + tax + shipping - discount, what
// the customer pays. The voucher's VAT part is inside `discount`, so the VAT invoiced is tax minus it.

type OrderMoney = { lines: OrderLine[]; currency?: string; totals: NonNullable<OrderRecord['totals']> };

function orderMoney(o: EmagOrder, orderId: string): OrderMoney | string {
  const lines: OrderLine[] = [];
  let currency = currencyOf(o.currency);
  if (currency === null) return `order ${orderId} has an unreadable currency ${JSON.stringify(o.currency)}`;
  let subtotal = 0n;
  let tax = 0n;
  for (const l of Array.isArray(o.products) ? o.products : []) {
    // Lines with status 0 were removed from the order; they stay in the payload but are not part of it.
    if (int(l?.status) === 0) continue;
    const lineId = id(l?.id);
    const quantity = int(l?.quantity);
    const price = units(l?.sale_price);
    if (!lineId || quantity === undefined || price === null || price < 0n) {
      return `order ${orderId} has a line without a numeric id, quantity or sale_price`;
    }
    if (quantity <= 0) continue;
    const vat = units(l.vat);
    if (vat === null || vat < 0n || vat > SCALE) return `order ${orderId} line ${lineId} has no readable VAT rate (${JSON.stringify(l.vat)})`;
    const lineCurrency = currencyOf(l.currency);
    if (lineCurrency === null) return `order ${orderId} line ${lineId} has an unreadable currency ${JSON.stringify(l.currency)}`;
    if (lineCurrency !== undefined && currency !== undefined && lineCurrency !== currency) {
      return `order ${orderId} line ${lineId} is priced in ${lineCurrency}, the order in ${currency}: amounts in different currencies are not added`;
    }
    currency ??= lineCurrency;
    const lineTotal = price * BigInt(quantity);
    subtotal += lineTotal;
    tax += times(lineTotal, vat);
    lines.push({
      externalId: lineId,
      sku: text(l.part_number) ?? text(l.ext_part_number),
      productExternalId: id(l.product_id),
      name: text(l.name),
      quantity,
      unitPrice: money(price),
      total: money(lineTotal),
    });
  }
  let discount = 0n;
  for (const v of Array.isArray(o.vouchers) ? o.vouchers : []) {
    if (int(v?.status) === 0) continue;
    const net = units(v?.sale_price ?? 0);
    const vat = units(v?.sale_price_vat ?? 0);
    if (net === null || vat === null) return `order ${orderId} has a voucher with an unreadable sale_price or sale_price_vat`;
    if (net > 0n || vat > 0n) return `order ${orderId} has a voucher with a positive amount; eMAG sends vouchers as negative values`;
    discount -= net + vat;
  }
  const hasShipping = o.shipping_tax !== undefined && o.shipping_tax !== null && o.shipping_tax !== '';
  const shipping = hasShipping ? units(o.shipping_tax) : 0n;
  if (shipping === null || shipping < 0n) return `order ${orderId} has an unreadable or negative shipping_tax ${JSON.stringify(o.shipping_tax)}`;
  const total = subtotal + tax + shipping - discount;
  if (total < 0n) return `order ${orderId}: its vouchers (${money(discount)}) exceed the order's value`;
  return {
    lines,
    currency,
    totals: {
      subtotal: money(subtotal),
      tax: money(tax),
      shipping: hasShipping ? money(shipping) : undefined,
      // Only orders with vouchers carry a discount, so the records of all other orders stay as they were.
      discount: discount === 0n ? undefined : money(discount),
      total: money(total),
    },
  };
}

export function mapEmagOrder(o: EmagOrder | undefined, timeZone = 'Europe/Bucharest'): OrderRecord | InvalidRecord {
  const orderId = id(o?.id);
  if (!o || !orderId) return invalidRecord(o, 'order without a numeric id', { entity: 'order' });
  const status = int(o.status);
  if (status === undefined || !(status in ORDER_STATUS)) return invalidRecord(o, `order ${orderId} has unknown status ${JSON.stringify(o.status)}`, { entity: 'order', externalId: orderId });
  const m = orderMoney(o, orderId);
  if (typeof m === 'string') return invalidRecord(o, m, { entity: 'order', externalId: orderId });
  const c = o.customer && typeof o.customer === 'object' ? o.customer : null;
  return {
    entity: 'order',
    externalId: orderId,
    number: orderId,
    status: ORDER_STATUS[status],
    financialStatus: int(o.payment_status) === 1 ? 'paid' : int(o.payment_status) === 0 ? 'unpaid' : undefined,
    // Type 2 orders are shipped by eMAG, type 3 by the seller: what the warehouse must know.
    fulfillmentStatus: int(o.type) === 2 ? 'fulfilled_by_emag' : int(o.type) === 3 ? 'fulfilled_by_seller' : undefined,
    currency: m.currency,
    totals: m.totals,
    customer: c ? { externalId: id(c.id), email: text(c.email) } : undefined,
    addresses: c ? { billing: address(c, 'billing'), shipping: address(c, 'shipping') } : undefined,
    lines: m.lines,
    placedAt: instant(o.date, timeZone) ?? instant(o.created, timeZone),
    remoteUpdatedAt: instant(o.modified, timeZone) ?? instant(o.created, timeZone),
  };
}

export function mapEmagOffer(o: EmagOffer): (CanonicalRecord | InvalidRecord)[] {
  const offerId = id(o?.id);
  if (!o || !offerId) return [invalidRecord(o, 'offer without a numeric id', { entity: 'product' })];
  const price = units(o.sale_price);
  const eans = Array.isArray(o.ean) ? o.ean.filter((e): e is string => typeof e === 'string' && e.trim() !== '') : [];
  const product: ProductRecord = {
    entity: 'product',
    externalId: offerId,
    // Offers are flat: eMAG has no parent product of the seller's.
    parentExternalId: null,
    sku: text(o.part_number),
    gtin: eans[0],
    name: text(o.name),
    price: price === null || price < 0n ? undefined : money(price),
    isActive: int(o.status) === undefined ? undefined : int(o.status) === 1,
  };
  const out: (CanonicalRecord | InvalidRecord)[] = [product];
  const general = int(o.general_stock);
  const estimated = int(o.estimated_stock);
  for (const s of Array.isArray(o.stock) ? o.stock : []) {
    const warehouse = id(s?.warehouse_id);
    const value = int(s?.value);
    if (!warehouse || value === undefined) {
      out.push(invalidRecord(s, `stock of offer ${offerId} without a warehouse_id or value`, { entity: 'stock_level', externalId: offerId }));
      continue;
    }
    const level: StockLevelRecord = { entity: 'stock_level', productExternalId: offerId, sku: product.sku ?? undefined, locationId: warehouse, available: value };
    // estimated_stock is general stock minus what unacknowledged orders hold; only meaningful with one warehouse.
    if (o.stock!.length === 1 && general !== undefined && estimated !== undefined && general >= estimated) level.reserved = general - estimated;
    out.push(level);
  }
  return out;
}
