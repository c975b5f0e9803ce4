// Order and customer writes. Orders freeze line prices, names and SKUs at creation, as Shopify's do.
import type { ShopifyStore } from './store.js';
import type {
  CustomerRecord, CustomerState, FinancialStatus, FulfillmentStatus, LineItemRecord, MailingAddressRecord, OrderRecord,
} from './types.js';
import { defaultShippingAddress } from './addresses.js';
import { fromCents, toCents } from './money.js';
import { normaliseTags } from './product-writes.js';

export interface LineInput {
  variantId: number;
  quantity: number;
  price?: string;
}

export interface OrderFields {
  email?: string | null;
  customerId?: number | null;
  /** Undefined on creation: a plausible address from the customer; null: an order without one (digital goods). */
  shippingAddress?: MailingAddressRecord | null;
  financialStatus?: FinancialStatus;
  fulfillmentStatus?: FulfillmentStatus;
  tags?: string[];
  note?: string | null;
  currencyCode?: string;
  cancelled?: boolean;
  closed?: boolean;
}

export interface CustomerFields {
  firstName?: string | null;
  lastName?: string | null;
  email?: string | null;
  phone?: string | null;
  tags?: string[];
  state?: CustomerState;
  note?: string | null;
}

/** Tax rate of the sandbox shop, applied to every order so totals are consistent. */
const TAX_PERCENT = 19;

export function buildLine(store: ShopifyStore, input: LineInput): LineItemRecord {
  const variant = store.variants.get(input.variantId);
  const product = variant ? store.products.get(variant.productId) : undefined;
  const variantTitle = variant && variant.title !== 'Default Title' ? variant.title : null;
  const title = product?.title ?? 'Custom item';
  return {
    id: store.nextId('lineItem'), variantId: variant?.id ?? null, productId: product?.id ?? null,
    sku: variant?.sku ?? null, name: variantTitle ? `${title} - ${variantTitle}` : title, title, variantTitle,
    quantity: input.quantity, price: input.price ?? variant?.price ?? '0.00',
  };
}

export function orderTotals(lines: LineItemRecord[]): { subtotal: string; totalTax: string; total: string } {
  const subtotal = lines.reduce((sum, l) => sum + toCents(l.price) * l.quantity, 0);
  const tax = Math.round((subtotal * TAX_PERCENT) / 100);
  return { subtotal: fromCents(subtotal), totalTax: fromCents(tax), total: fromCents(subtotal + tax) };
}

export function createOrder(
  store: ShopifyStore, fields: OrderFields, lines: LineInput[], opts: { at?: number; silent?: boolean } = {},
): OrderRecord {
  return store.action(() => {
    const at = opts.at ?? store.stamp();
    const number = store.takeOrderNumber();
    const built = lines.map((l) => buildLine(store, l));
    const customer = fields.customerId != null ? store.customers.get(fields.customerId) : undefined;
    const order: OrderRecord = {
      id: store.nextId('order'), number, name: `#${number}`, email: fields.email ?? customer?.email ?? null,
      processedAt: at, cancelledAt: fields.cancelled ? at : null, closedAt: fields.closed ? at : null,
      financialStatus: fields.financialStatus ?? 'PAID', fulfillmentStatus: fields.fulfillmentStatus ?? 'UNFULFILLED',
      currencyCode: fields.currencyCode ?? 'EUR', customerId: customer?.id ?? null,
      shippingAddress: fields.shippingAddress === undefined ? defaultShippingAddress(number, customer) : fields.shippingAddress,
      tags: normaliseTags(fields.tags ?? []),
      note: fields.note ?? null, lines: built, ...orderTotals(built), createdAt: at, updatedAt: at, indexedAt: store.now(),
    };
    store.orders.set(order.id, order);
    store.changed('orders');
    if (!opts.silent) store.emit('orders/create', order.id);
    return order;
  });
}

export function updateOrder(store: ShopifyStore, id: number, fields: OrderFields): OrderRecord | undefined {
  const order = store.orders.get(id);
  if (!order) return undefined;
  return store.action(() => {
    const at = store.stamp();
    const { cancelled, closed, tags, ...rest } = fields;
    if (tags !== undefined) order.tags = normaliseTags(tags);
    for (const [key, value] of Object.entries(rest)) {
      if (value !== undefined) (order as unknown as Record<string, unknown>)[key] = value;
    }
    if (cancelled !== undefined) order.cancelledAt = cancelled ? (order.cancelledAt ?? at) : null;
    if (closed !== undefined) order.closedAt = closed ? (order.closedAt ?? at) : null;
    store.touch('orders', order, at);
    store.emit('orders/updated', id);
    return order;
  });
}

export function deleteOrder(store: ShopifyStore, id: number): boolean {
  if (!store.orders.has(id)) return false;
  store.action(() => {
    store.orders.delete(id);
    store.changed('orders');
    store.emit('orders/delete', id, { snapshot: { id } });
  });
  return true;
}

export function createCustomer(
  store: ShopifyStore, fields: CustomerFields, opts: { at?: number; silent?: boolean } = {},
): CustomerRecord {
  return store.action(() => {
    const at = opts.at ?? store.stamp();
    const customer: CustomerRecord = {
      id: store.nextId('customer'), firstName: fields.firstName ?? null, lastName: fields.lastName ?? null,
      email: fields.email ?? null, phone: fields.phone ?? null, tags: normaliseTags(fields.tags ?? []), state: fields.state ?? 'DISABLED',
      note: fields.note ?? null, createdAt: at, updatedAt: at, indexedAt: store.now(),
    };
    store.customers.set(customer.id, customer);
    store.changed('customers');
    if (!opts.silent) store.emit('customers/create', customer.id);
    return customer;
  });
}

export function updateCustomer(store: ShopifyStore, id: number, fields: CustomerFields): CustomerRecord | undefined {
  const customer = store.customers.get(id);
  if (!customer) return undefined;
  return store.action(() => {
    const { tags, ...rest } = fields;
    if (tags !== undefined) customer.tags = normaliseTags(tags);
    for (const [key, value] of Object.entries(rest)) {
      if (value !== undefined) (customer as unknown as Record<string, unknown>)[key] = value;
    }
    store.touch('customers', customer);
    store.emit('customers/update', id);
    return customer;
  });
}

export function deleteCustomer(store: ShopifyStore, id: number): boolean {
  if (!store.customers.has(id)) return false;
  store.action(() => {
    store.customers.delete(id);
    store.changed('customers');
    store.emit('customers/delete', id, { snapshot: { id } });
  });
  return true;
}

interface CustomerStats {
  count: number;
  cents: number;
}

const statsCache = new WeakMap<ShopifyStore, { version: number; stats: Map<number, CustomerStats> }>();

/**
 * Orders placed by a customer: Customer.numberOfOrders and amountSpent are derived from these. Built once
 * per orders version, so a page of 250 customers over 100k orders does not scan the orders 250 times.
 */
export function customerOrderStats(store: ShopifyStore, customerId: number): { count: number; spent: string } {
  const version = store.version('orders');
  let cached = statsCache.get(store);
  if (!cached || cached.version !== version) {
    const stats = new Map<number, CustomerStats>();
    for (const order of store.orders.values()) {
      if (order.customerId === null) continue;
      const entry = stats.get(order.customerId) ?? { count: 0, cents: 0 };
      entry.count += 1;
      if (order.cancelledAt === null) entry.cents += toCents(order.total);
      stats.set(order.customerId, entry);
    }
    cached = { version, stats };
    statsCache.set(store, cached);
  }
  const entry = cached.stats.get(customerId);
  return { count: entry?.count ?? 0, spent: fromCents(entry?.cents ?? 0) };
}
