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

/** A decimal with up to 4 places as an integer of 1/10000 units; null when it is not one. */
function units(v: unknown): bigint | null {
  const text = typeof v === 'number' && Number.isFinite(v) ? v.toFixed(4) : typeof v === 'string' ? v.trim() : null;
  const m = text === null ? null : /^(\d{1,15})(?:\.(\d{1,4})\d*)?$/.exec(text);
  if (!m) return null;
  return BigInt(m[1]!) * SCALE + BigInt((m[2] ?? '').padEnd(4, '0'));
}

/** 1/10000 units as a money string with at least 2 decimals ("12.50", "967.6613"). */
function money(u: bigint): string {
  const frac = (u % SCALE).toString().padStart(4, '0').replace(/0+$/, '').padEnd(2, '0');
  return `${u / SCALE}.${frac}`;
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

export function mapEmagOrder(o: EmagOrder | undefined, timeZone = 'Europe/Bucharest'): OrderRecord | InvalidRecord {
  const orderId = id(o?.id);
  if (!o || !orderId) return invalidRecord(o, 'order without a numeric id', { entity: 'order' });
  const status = int(o.status);
  if (status === undefined || !(status in ORDER_STATUS)) return invalidRecord(o, `order ${orderId} has unknown status ${JSON.stringify(o.status)}`, { entity: 'order', externalId: orderId });
  const lines: OrderLine[] = [];
  let subtotal = 0n;
  let tax = 0n;
  for (const l of Array.isArray(o.products) ? o.products : []) {
    // Lines with status 0 were removed from the order; they stay in the payload but are not part of it.
    if (int(l?.status) === 0) continue;
    const lineId = id(l?.id);
    const quantity = int(l?.quantity);
    const price = units(l?.sale_price);
    if (!lineId || quantity === undefined || price === null) {
      return invalidRecord(o, `order ${orderId} has a line without a numeric id, quantity or sale_price`, { entity: 'order', externalId: orderId });
    }
    if (quantity <= 0) continue;
    const lineTotal = price * BigInt(quantity);
    subtotal += lineTotal;
    const vat = units(l.vat);
    if (vat !== null) tax += (lineTotal * vat + SCALE / 2n) / SCALE;
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
  const shipping = units(o.shipping_tax);
  const c = o.customer && typeof o.customer === 'object' ? o.customer : null;
  const currency = typeof o.currency === 'string' && /^[A-Z]{3}$/.test(o.currency) ? o.currency : undefined;
  return {
    entity: 'order',
    externalId: orderId,
    number: orderId,
    status: ORDER_STATUS[status],
    financialStatus: int(o.payment_status) === 1 ? 'paid' : int(o.payment_status) === 0 ? 'unpaid' : undefined,
    // Type 2 orders are shipped by eMAG, type 3 by the seller: what the warehouse must know.
    fulfillmentStatus: int(o.type) === 2 ? 'fulfilled_by_emag' : int(o.type) === 3 ? 'fulfilled_by_seller' : undefined,
    currency,
    totals: { subtotal: money(subtotal), tax: money(tax), shipping: shipping === null ? undefined : money(shipping), total: money(subtotal + tax + (shipping ?? 0n)) },
    customer: c ? { externalId: id(c.id), email: text(c.email) } : undefined,
    addresses: c ? { billing: address(c, 'billing'), shipping: address(c, 'shipping') } : undefined,
    lines,
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
    price: price === null ? undefined : money(price),
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
