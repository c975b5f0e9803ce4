// The sandbox's truth in a plain JSON shape (GET /_sandbox/data/*): what convergence tests compare the
// hub against. Ids are the numeric legacy ids; `gid` is the Admin API id; timestamps are ISO strings.
import { gid, isoSeconds } from '../ids.js';
import type { ShopifyStore } from '../store/store.js';
import { addressName, countryName } from '../store/addresses.js';
import type { CustomerRecord, LocationRecord, MailingAddressRecord, OrderRecord, ProductRecord, VariantRecord } from '../store/types.js';

export interface VariantView {
  id: number;
  gid: string;
  title: string;
  sku: string | null;
  barcode: string | null;
  price: string;
  compareAtPrice: string | null;
  taxable: boolean;
  inventoryPolicy: string;
  position: number;
  inventoryItemId: number;
  tracked: boolean;
  inventory: { locationId: number; available: number; onHand: number }[];
  updatedAt: string;
}

export interface ProductView {
  id: number;
  gid: string;
  title: string;
  handle: string;
  status: string;
  vendor: string;
  productType: string;
  tags: string[];
  descriptionHtml: string;
  createdAt: string;
  updatedAt: string;
  variants: VariantView[];
}

export interface OrderView {
  id: number;
  gid: string;
  name: string;
  email: string | null;
  createdAt: string;
  updatedAt: string;
  processedAt: string;
  cancelledAt: string | null;
  closedAt: string | null;
  financialStatus: string;
  fulfillmentStatus: string;
  currencyCode: string;
  customerId: number | null;
  shippingAddress: MailingAddressView | null;
  tags: string[];
  subtotal: string;
  totalTax: string;
  total: string;
  lines: { id: number; variantId: number | null; productId: number | null; sku: string | null; name: string; quantity: number; price: string }[];
}

/** The address as GraphQL's MailingAddress shows it (name and country derived). */
export interface MailingAddressView extends MailingAddressRecord {
  name: string | null;
  country: string | null;
}

export interface CustomerView {
  id: number;
  gid: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  tags: string[];
  state: string;
  createdAt: string;
  updatedAt: string;
}

export function variantView(store: ShopifyStore, v: VariantRecord, position: number): VariantView {
  const item = store.inventoryItems.get(v.inventoryItemId);
  return {
    id: v.id, gid: gid('ProductVariant', v.id), title: v.title, sku: v.sku, barcode: v.barcode, price: v.price,
    compareAtPrice: v.compareAtPrice, taxable: v.taxable, inventoryPolicy: v.inventoryPolicy, position,
    inventoryItemId: v.inventoryItemId, tracked: item?.tracked ?? false,
    inventory: item ? [...item.levels.values()].map((l) => ({ locationId: l.locationId, available: l.quantities.available, onHand: l.quantities.on_hand })) : [],
    updatedAt: isoSeconds(v.updatedAt),
  };
}

export function productView(store: ShopifyStore, p: ProductRecord): ProductView {
  const variants = p.variantIds.map((id) => store.variants.get(id)).filter((v): v is VariantRecord => v !== undefined);
  return {
    id: p.id, gid: gid('Product', p.id), title: p.title, handle: p.handle, status: p.status, vendor: p.vendor,
    productType: p.productType, tags: p.tags, descriptionHtml: p.descriptionHtml, createdAt: isoSeconds(p.createdAt),
    updatedAt: isoSeconds(p.updatedAt), variants: variants.map((v, i) => variantView(store, v, i + 1)),
  };
}

export function orderView(o: OrderRecord): OrderView {
  return {
    id: o.id, gid: gid('Order', o.id), name: o.name, email: o.email, createdAt: isoSeconds(o.createdAt),
    updatedAt: isoSeconds(o.updatedAt), processedAt: isoSeconds(o.processedAt),
    cancelledAt: o.cancelledAt === null ? null : isoSeconds(o.cancelledAt), closedAt: o.closedAt === null ? null : isoSeconds(o.closedAt),
    financialStatus: o.financialStatus, fulfillmentStatus: o.fulfillmentStatus, currencyCode: o.currencyCode,
    customerId: o.customerId, shippingAddress: o.shippingAddress && mailingAddressView(o.shippingAddress), tags: o.tags, subtotal: o.subtotal, totalTax: o.totalTax, total: o.total,
    lines: o.lines.map((l) => ({ id: l.id, variantId: l.variantId, productId: l.productId, sku: l.sku, name: l.name, quantity: l.quantity, price: l.price })),
  };
}

export function mailingAddressView(a: MailingAddressRecord): MailingAddressView {
  return { ...a, name: addressName(a), country: countryName(a.countryCode) };
}

export function customerView(c: CustomerRecord): CustomerView {
  return {
    id: c.id, gid: gid('Customer', c.id), firstName: c.firstName, lastName: c.lastName, email: c.email, phone: c.phone,
    tags: c.tags, state: c.state, createdAt: isoSeconds(c.createdAt), updatedAt: isoSeconds(c.updatedAt),
  };
}

export function locationView(l: LocationRecord) {
  return { id: l.id, gid: gid('Location', l.id), name: l.name, isActive: l.isActive };
}

/** Views of a whole collection, in id order, produced lazily so large shops stream instead of piling up. */
export function* viewsOf(store: ShopifyStore, entity: 'products' | 'orders' | 'customers' | 'locations'): Generator<unknown> {
  switch (entity) {
    case 'products': for (const p of store.sorted<ProductRecord>('products', 'ID')) yield productView(store, p); break;
    case 'orders': for (const o of store.sorted<OrderRecord>('orders', 'ID')) yield orderView(o); break;
    case 'customers': for (const c of store.sorted<CustomerRecord>('customers', 'ID')) yield customerView(c); break;
    case 'locations': for (const l of store.sorted<LocationRecord>('locations', 'ID')) yield locationView(l); break;
  }
}
