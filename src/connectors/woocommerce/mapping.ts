// Pure mapping of WooCommerce products, variations, orders and customers to canonical records
// (platforms/woocommerce.md section 2). Money arrives as decimal strings ("21.99", "" for none) and is
// kept as strings; dates are read from the `*_gmt` twins (the plain ones are store-local without an
// offset). One hub SKU per simple product or per variation; a variable product is only the group of
// its variations and becomes no record of its own.
import { invalidRecord, type Address, type CanonicalRecord, type CustomerRecord, type InvalidRecord, type OrderLine, type OrderRecord, type ProductRecord } from '../../core/records.js';

type Json = Record<string, unknown>;

export interface WooProduct {
  id?: unknown;
  name?: unknown;
  type?: unknown;
  status?: unknown;
  parent_id?: unknown;
  description?: unknown;
  sku?: unknown;
  regular_price?: unknown;
  sale_price?: unknown;
  tax_status?: unknown;
  manage_stock?: unknown;
  stock_quantity?: unknown;
  date_modified_gmt?: unknown;
  categories?: unknown;
  tags?: unknown;
  images?: unknown;
  image?: unknown;
  attributes?: unknown;
  variations?: unknown;
  [k: string]: unknown;
}

/** A products-stream item: a product as listed, with the variations read for it (child pages). */
export interface WooProductItem {
  product: WooProduct;
  variations: WooProduct[];
  /** Only the variations modified in the window were read (the records of the others are unchanged). */
  modifiedVariationsOnly?: boolean;
}

/** The one stock location of a store: WooCommerce keeps a single quantity per SKU. */
export const WOO_LOCATION = 'default';

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
export const wooId = (v: unknown): string | undefined =>
  typeof v === 'number' && Number.isInteger(v) && v > 0 ? String(v) : typeof v === 'string' && /^[1-9]\d*$/.test(v) ? v : undefined;

/** `*_gmt` is naive UTC ("2017-03-23T20:01:14"); an offset already present is kept. */
export function gmtInstant(v: unknown): string | undefined {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(v)) return undefined;
  const ms = Date.parse(/(Z|[+-]\d{2}:?\d{2})$/.test(v) ? v : `${v}Z`);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

const SCALE = 10_000n;
/** A non-negative decimal as 1/10000 units; null for "", garbage or negatives. */
export function units(v: unknown): bigint | null {
  const s = typeof v === 'number' ? (Number.isFinite(v) && v >= 0 ? v.toFixed(4) : null) : typeof v === 'string' ? v.trim() : null;
  const m = s === null ? null : /^(\d{1,15})(?:\.(\d{1,12}))?$/.exec(s);
  if (!m) return null;
  const frac = (m[2] ?? '').padEnd(5, '0');
  return BigInt(m[1]!) * SCALE + BigInt(frac.slice(0, 4)) + (frac[4]! >= '5' ? 1n : 0n);
}
/** 1/10000 units as a money string with at least two decimals. */
export function money(u: bigint): string {
  const frac = (u % SCALE).toString().padStart(4, '0').replace(/0+$/, '').padEnd(2, '0');
  return `${u / SCALE}.${frac}`;
}
const moneyOf = (v: unknown): string | undefined => {
  const u = units(v);
  return u === null ? undefined : money(u);
};

/**
 * The price a buyer pays and the crossed-out one: `sale_price` when set (then `regular_price` is the
 * compare-at price), else `regular_price`. Read from the two stored fields, not the computed `price`, so
 * that what the push writes reads back the same (sale schedules are not modelled).
 */
export function prices(p: WooProduct): { price?: string; compareAtPrice?: string | null } {
  const regular = moneyOf(p.regular_price);
  const sale = moneyOf(p.sale_price);
  if (sale !== undefined) return { price: sale, compareAtPrice: regular ?? null };
  return { price: regular, compareAtPrice: regular === undefined ? undefined : null };
}

const names = (v: unknown): string[] | undefined =>
  Array.isArray(v) ? v.map((t) => text((t as Json | null)?.name)).filter((t): t is string => t !== undefined) : undefined;

function images(list: unknown[]): ProductRecord['images'] {
  const out = list
    .map((img) => img as Json | null)
    .filter((img) => typeof img?.src === 'string' && /^https?:\/\//.test(img.src as string))
    .map((img, position) => ({ url: img!.src as string, alt: text(img!.alt) ?? null, position }));
  return out.length > 0 ? out : undefined;
}

/** "Color: Black, Size: M" -> "Black, M": what tells the variations of one product apart. */
export function variantLabel(v: WooProduct): string | undefined {
  const options = Array.isArray(v.attributes) ? v.attributes.map((a) => text((a as Json | null)?.option)).filter((o): o is string => o !== undefined) : [];
  return options.length > 0 ? options.join(', ') : undefined;
}

const later = (a: string | undefined, b: string | undefined) => (a && b ? (Date.parse(a) >= Date.parse(b) ? a : b) : (a ?? b));

/** A SKU record plus its stock level when WooCommerce manages the stock of it. */
function skuRecords(base: ProductRecord, source: WooProduct): CanonicalRecord[] {
  const out: CanonicalRecord[] = [base];
  // `manage_stock` may be "parent" on a variation: its quantity is the parent's, not its own.
  if (source.manage_stock === true && typeof source.stock_quantity === 'number' && Number.isInteger(source.stock_quantity)) {
    out.push({ entity: 'stock_level', productExternalId: base.externalId, sku: base.sku ?? undefined, locationId: WOO_LOCATION, available: source.stock_quantity, remoteUpdatedAt: base.remoteUpdatedAt });
  }
  return out;
}

export function mapWooProduct(item: WooProductItem | undefined): (CanonicalRecord | InvalidRecord)[] {
  const p = item?.product;
  const id = wooId(p?.id);
  if (!p || !id) return [invalidRecord(p, 'product without a numeric id', { entity: 'product' })];
  const common = {
    description: text(p.description) ?? null,
    tags: names(p.tags) ?? null,
    collections: names(p.categories) ?? null,
  };
  if (p.type === 'variable') {
    const title = text(p.name) ?? null;
    return (item.variations ?? []).flatMap((v): (CanonicalRecord | InvalidRecord)[] => {
      const vid = wooId(v?.id);
      if (!vid) return [invalidRecord(v, `variation of product ${id} without a numeric id`, { entity: 'product' })];
      const label = variantLabel(v);
      const record: ProductRecord = {
        entity: 'product',
        externalId: vid,
        parentExternalId: id,
        group: { externalId: id, title },
        remoteUpdatedAt: later(gmtInstant(v.date_modified_gmt), gmtInstant(p.date_modified_gmt)),
        // The variations route needs the parent's id: kept on the link for stock pushes.
        platformIds: { parentId: id },
        sku: text(v.sku),
        name: title && label ? `${title} - ${label}` : (title ?? label ?? null),
        // A variation's own description is usually empty: the product's describes all of them.
        ...common,
        ...prices(v),
        taxable: v.tax_status === undefined ? undefined : v.tax_status !== 'none',
        // Sold only while both the product and the variation are published.
        isActive: p.status === 'publish' && v.status === 'publish',
        images: images(v.image ? [v.image] : Array.isArray(p.images) ? p.images.slice(0, 1) : []) ?? null,
      };
      return skuRecords(record, v);
    });
  }
  const record: ProductRecord = {
    entity: 'product',
    externalId: id,
    parentExternalId: null,
    remoteUpdatedAt: gmtInstant(p.date_modified_gmt),
    sku: text(p.sku),
    name: text(p.name) ?? null,
    ...common,
    ...prices(p),
    taxable: p.tax_status === undefined ? undefined : p.tax_status !== 'none',
    isActive: p.status === 'publish',
    images: images(Array.isArray(p.images) ? p.images : []) ?? null,
  };
  return skuRecords(record, p);
}

function address(a: unknown): Address | undefined {
  if (!a || typeof a !== 'object') return undefined;
  const o = a as Json;
  const name = [text(o.first_name), text(o.last_name)].filter(Boolean).join(' ');
  const country = text(o.country)?.toUpperCase();
  const out: Address = {
    name: name || undefined,
    company: text(o.company),
    address1: text(o.address_1),
    address2: text(o.address_2),
    city: text(o.city),
    zip: text(o.postcode),
    province: text(o.state),
    countryCode: country && /^[A-Z]{2}$/.test(country) ? country : undefined,
    phone: text(o.phone),
  };
  const present = Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as Address;
  return Object.keys(present).length > 0 ? present : undefined;
}

const int = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) ? v : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : undefined);

/** An order's payment state from its status and refunds (WooCommerce has no separate financial status). */
function financialStatus(o: Json): string | undefined {
  if (o.status === 'refunded') return 'refunded';
  if (Array.isArray(o.refunds) && o.refunds.length > 0) return 'partially_refunded';
  if (o.status === 'failed' || o.status === 'cancelled') return 'unpaid';
  return text(o.date_paid_gmt) ?? text(o.date_paid) ? 'paid' : 'pending';
}

// Order money (platforms/woocommerce.md section 2). WooCommerce's own identity is
//   total = sum(line total) + sum(fee total) + shipping_total + total_tax,  line total = line subtotal - its discount,
// and discount_total is the coupons' reduction without tax (its tax is already out of total_tax). So the
// canonical parts are subtotal = lines before discounts + fees, tax = total_tax, shipping = shipping_total,
// discount = discount_total, and total = `total` as WooCommerce computed it. Refunds are separate objects
// that leave `total` as charged; they show in financialStatus.
export function mapWooOrder(o: Json | undefined): OrderRecord | InvalidRecord {
  const orderId = wooId(o?.id);
  if (!o || !orderId) return invalidRecord(o, 'order without a numeric id', { entity: 'order' });
  const fail = (reason: string) => invalidRecord(o, `order ${orderId} ${reason}`, { entity: 'order', externalId: orderId });
  const lines: OrderLine[] = [];
  let subtotal = 0n;
  for (const raw of Array.isArray(o.line_items) ? (o.line_items as Json[]) : []) {
    const lineId = wooId(raw?.id);
    const quantity = int(raw?.quantity);
    const lineSubtotal = units(raw?.subtotal);
    const lineTotal = units(raw?.total);
    if (!lineId || quantity === undefined || lineSubtotal === null || lineTotal === null) return fail('has a line without an id, quantity, subtotal or total');
    subtotal += lineSubtotal;
    if (quantity <= 0) continue;
    const variation = wooId(raw.variation_id);
    lines.push({
      externalId: lineId,
      sku: text(raw.sku),
      // A variation line names the variation (the hub SKU); a simple product line the product. 0 = deleted.
      productExternalId: variation ?? wooId(raw.product_id),
      name: text(raw.name),
      quantity,
      // The unit price before coupons, to 4 decimals: `price` itself is a float.
      unitPrice: money((lineSubtotal + BigInt(quantity) / 2n) / BigInt(quantity)),
      total: money(lineTotal),
    });
  }
  for (const fee of Array.isArray(o.fee_lines) ? (o.fee_lines as Json[]) : []) {
    const t = units(fee?.total);
    // A negative fee is a discount WooCommerce stores as a fee: it reduces the subtotal like one.
    const neg = typeof fee?.total === 'string' && fee.total.trim().startsWith('-') ? units(fee.total.trim().slice(1)) : null;
    if (t !== null) subtotal += t;
    else if (neg !== null) subtotal -= neg;
    else return fail(`has a fee with an unreadable total ${JSON.stringify(fee?.total)}`);
  }
  const tax = units(o.total_tax);
  const shipping = units(o.shipping_total);
  const discount = units(o.discount_total);
  const total = units(o.total);
  if (tax === null || shipping === null || discount === null || total === null || subtotal < 0n) return fail('has an unreadable or negative total, total_tax, shipping_total or discount_total');
  const currency = text(o.currency)?.toUpperCase();
  const billing = o.billing as Json | undefined;
  return {
    entity: 'order',
    externalId: orderId,
    number: text(o.number) ?? orderId,
    status: text(o.status),
    financialStatus: financialStatus(o),
    currency: currency && /^[A-Z]{3}$/.test(currency) ? currency : undefined,
    totals: { subtotal: money(subtotal), tax: money(tax), shipping: money(shipping), discount: discount === 0n ? undefined : money(discount), total: money(total) },
    customer: { externalId: wooId(o.customer_id), email: text(billing?.email) },
    addresses: { billing: address(o.billing), shipping: address(o.shipping) },
    lines,
    placedAt: gmtInstant(o.date_created_gmt),
    remoteUpdatedAt: gmtInstant(o.date_modified_gmt) ?? gmtInstant(o.date_created_gmt),
  };
}

export function mapWooCustomer(c: Json | undefined): CustomerRecord | InvalidRecord {
  const id = wooId(c?.id);
  if (!c || !id) return invalidRecord(c, 'customer without a numeric id', { entity: 'customer' });
  const addresses = [address(c.billing), address(c.shipping)].filter((a): a is Address => a !== undefined);
  return {
    entity: 'customer',
    externalId: id,
    email: text(c.email),
    firstName: text(c.first_name),
    lastName: text(c.last_name),
    phone: text((c.billing as Json | undefined)?.phone),
    addresses,
    // The customers list has no modified filter: every run reads them all, and only changed content is written.
    remoteUpdatedAt: gmtInstant(c.date_modified_gmt) ?? gmtInstant(c.date_created_gmt),
  };
}
