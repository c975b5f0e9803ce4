// Order and customer saves. Orders take stock from managed products the first time they reach a paid
// status (wc_maybe_reduce_stock_levels), which emits product.updated like a checkout does.
import { randomBytes } from 'node:crypto';
import { WooError } from './errors.js';
import { applyStockRules, mergeMeta, type WriteContext } from './product-writes.js';
import type { Address, CustomerRec, LineItemRec, OrderRec, ProductRec } from './store.js';
import { checkFields, type FieldType, formatDecimal } from './validate.js';

export const ORDER_STATUSES = ['pending', 'processing', 'on-hold', 'completed', 'cancelled', 'refunded', 'failed', 'trash'] as const;
const PAID = new Set(['processing', 'on-hold', 'completed']);

const ORDER_FIELDS: Record<string, FieldType> = {
  id: 'integer', status: ORDER_STATUSES, currency: 'string', customer_id: 'integer', customer_note: 'string', billing: 'object',
  shipping: 'object', payment_method: 'string', payment_method_title: 'string', transaction_id: 'string', line_items: 'array',
  shipping_lines: 'array', meta_data: 'array', set_paid: 'boolean',
};
const CUSTOMER_FIELDS: Record<string, FieldType> = {
  id: 'integer', email: 'string', first_name: 'string', last_name: 'string', username: 'string', password: 'string',
  billing: 'object', shipping: 'object', meta_data: 'array',
};

const BILLING_KEYS = ['first_name', 'last_name', 'company', 'address_1', 'address_2', 'city', 'state', 'postcode', 'country', 'email', 'phone'];
const SHIPPING_KEYS = ['first_name', 'last_name', 'company', 'address_1', 'address_2', 'city', 'state', 'postcode', 'country', 'phone'];

export function address(keys: string[], current: Address | undefined, input: unknown): Address {
  const out: Address = Object.fromEntries(keys.map((k) => [k, current?.[k] ?? '']));
  if (input && typeof input === 'object') for (const k of keys) if (k in input) out[k] = String((input as Record<string, unknown>)[k] ?? '');
  return out;
}
export const billing = (cur: Address | undefined, input: unknown): Address => address(BILLING_KEYS, cur, input);
export const shipping = (cur: Address | undefined, input: unknown): Address => address(SHIPPING_KEYS, cur, input);

/**
 * The name a line takes from its product: a variation has none of its own, WooCommerce names it after its
 * product and options ("Linen Shirt - L", WC_Product_Variation::get_name), as seeded orders do.
 */
function productName(ctx: WriteContext, product: ProductRec): string {
  if (product.type !== 'variation') return product.name;
  const options = product.attributes.map((a) => a.option).filter((o): o is string => typeof o === 'string' && o !== '');
  const parent = ctx.store.products.get(product.parent_id)?.name ?? '';
  return options.length > 0 ? `${parent} - ${options.join(', ')}` : parent;
}

function lineItem(ctx: WriteContext, raw: Record<string, unknown>, existing?: LineItemRec): LineItemRec {
  const productId = Number(raw.product_id ?? existing?.product_id ?? 0);
  const variationId = Number(raw.variation_id ?? existing?.variation_id ?? 0);
  const product = ctx.store.products.get(variationId || productId);
  if ((productId || variationId) && !product) throw new WooError(400, 'woocommerce_rest_invalid_product_id', 'Product ID provided is invalid.');
  const quantity = Number(raw.quantity ?? existing?.quantity ?? 1);
  const unit = product ? Number((product.sale_price || product.regular_price) || 0) : 0;
  const total = raw.total !== undefined ? formatDecimal(raw.total) : existing && raw.quantity === undefined ? existing.total : (unit * quantity).toFixed(2);
  return {
    id: existing?.id ?? ctx.store.itemId(),
    name: typeof raw.name === 'string' ? raw.name : existing?.name ?? (product ? productName(ctx, product) : ''),
    product_id: product?.type === 'variation' ? product.parent_id : productId,
    variation_id: product?.type === 'variation' ? product.id : variationId,
    quantity,
    sku: product?.sku ?? existing?.sku ?? '',
    subtotal: raw.subtotal !== undefined ? formatDecimal(raw.subtotal) : total,
    total,
    meta_data: Array.isArray(raw.meta_data) ? mergeMeta(ctx.store, existing?.meta_data ?? [], raw.meta_data) : existing?.meta_data ?? [],
  };
}

/** Items with an id update that line (quantity 0 removes it); items without one are added. */
function applyLines(ctx: WriteContext, order: OrderRec, items: unknown[]): void {
  for (const raw of items) {
    if (typeof raw !== 'object' || raw === null) continue;
    const item = raw as Record<string, unknown>;
    const existing = typeof item.id === 'number' ? order.line_items.find((l) => l.id === item.id) : undefined;
    if (existing && Number(item.quantity) === 0) order.line_items = order.line_items.filter((l) => l !== existing);
    else if (existing) order.line_items[order.line_items.indexOf(existing)] = lineItem(ctx, item, existing);
    else order.line_items.push(lineItem(ctx, item));
  }
}

function reduceStock(ctx: WriteContext, order: OrderRec): void {
  if (order.stockReduced || !PAID.has(order.status)) return;
  order.stockReduced = true;
  for (const line of order.line_items) {
    const product = ctx.store.products.get(line.variation_id || line.product_id);
    if (!product) continue;
    product.total_sales += line.quantity;
    if (!product.manage_stock) continue;
    product.stock_quantity = (product.stock_quantity ?? 0) - line.quantity;
    applyStockRules(product);
    product.modified = ctx.now;
    ctx.store.emit('product', 'updated', product.id);
  }
}

function applyOrder(ctx: WriteContext, order: OrderRec, f: Record<string, unknown>): void {
  if (typeof f.status === 'string') order.status = f.status;
  for (const k of ['currency', 'customer_note', 'payment_method', 'payment_method_title', 'transaction_id'] as const) {
    if (typeof f[k] === 'string') order[k] = f[k] as string;
  }
  if (typeof f.customer_id === 'number') {
    if (f.customer_id !== 0 && !ctx.store.customers.has(f.customer_id)) throw new WooError(400, 'woocommerce_rest_invalid_customer_id', 'Customer ID is invalid.');
    order.customer_id = f.customer_id;
  }
  if ('billing' in f) order.billing = billing(order.billing, f.billing);
  if ('shipping' in f) order.shipping = shipping(order.shipping, f.shipping);
  if (Array.isArray(f.line_items)) applyLines(ctx, order, f.line_items);
  if (Array.isArray(f.shipping_lines)) {
    order.shipping_total = f.shipping_lines.reduce((s: number, l) => s + Number((l as { total?: unknown })?.total ?? 0), 0).toFixed(2);
  }
  if (Array.isArray(f.meta_data)) order.meta_data = mergeMeta(ctx.store, order.meta_data, f.meta_data);
  if (f.set_paid === true) {
    order.paid ??= ctx.now;
    if (order.status === 'pending') order.status = 'processing';
  }
  if (order.status === 'completed') order.completed ??= ctx.now;
  order.modified = ctx.now;
  reduceStock(ctx, order);
}

export function createOrder(ctx: WriteContext, input: unknown, createdVia = 'rest-api'): OrderRec {
  const f = checkFields(input, ORDER_FIELDS, ctx.strict);
  if (typeof f.id === 'number' && f.id > 0) throw new WooError(400, 'woocommerce_rest_shop_order_exists', 'Cannot create existing order.');
  const order: OrderRec = {
    id: ctx.store.postId(), status: 'pending', currency: 'EUR', customer_id: 0, customer_note: '', billing: billing(undefined, {}),
    shipping: shipping(undefined, {}), payment_method: '', payment_method_title: '', transaction_id: '', shipping_total: '0.00',
    discount_total: '0.00', line_items: [], meta_data: [], created_via: createdVia, order_key: `wc_order_${randomBytes(7).toString('hex').slice(0, 13)}`,
    created: ctx.now, modified: ctx.now, paid: null, completed: null, stockReduced: false,
  };
  applyOrder(ctx, order, f);
  ctx.store.orders.set(order.id, order);
  ctx.store.emit('order', 'created', order.id);
  return order;
}

export function findOrder(ctx: WriteContext, id: number, method: string): OrderRec {
  const order = ctx.store.orders.get(id);
  if (!order) throw new WooError(method === 'PUT' || method === 'POST' ? 400 : 404, 'woocommerce_rest_shop_order_invalid_id', 'Invalid ID.');
  return order;
}

export function updateOrder(ctx: WriteContext, order: OrderRec, input: unknown): OrderRec {
  applyOrder(ctx, order, checkFields(input, ORDER_FIELDS, ctx.strict));
  ctx.store.emit('order', 'updated', order.id);
  return order;
}

export function deleteOrder(ctx: WriteContext, order: OrderRec, force: boolean): OrderRec {
  const before = structuredClone(order);
  if (!force) {
    if (order.status === 'trash') throw new WooError(410, 'woocommerce_rest_already_trashed', 'The order has already been deleted.');
    order.status = 'trash';
    order.modified = ctx.now;
  } else ctx.store.orders.delete(order.id);
  ctx.store.emit('order', 'deleted', order.id);
  return force ? before : order;
}

export function createCustomer(ctx: WriteContext, input: unknown): CustomerRec {
  const f = checkFields(input, CUSTOMER_FIELDS, ctx.strict);
  if (typeof f.id === 'number' && f.id > 0) throw new WooError(400, 'woocommerce_rest_customer_exists', 'Cannot create existing resource.');
  if (typeof f.email !== 'string' || f.email === '') throw new WooError(400, 'rest_missing_callback_param', 'Missing parameter(s): email', { params: ['email'] });
  const email = f.email;
  if ([...ctx.store.customers.values()].some((c) => c.email.toLowerCase() === email.toLowerCase())) {
    throw new WooError(400, 'registration-error-email-exists', 'An account is already registered with your email address. Please log in.');
  }
  const customer: CustomerRec = {
    id: ctx.store.userId(), email, first_name: '', last_name: '', username: typeof f.username === 'string' ? f.username : email.split('@')[0] ?? email,
    role: 'customer', billing: billing(undefined, {}), shipping: shipping(undefined, {}), is_paying_customer: false, meta_data: [],
    created: ctx.now, modified: ctx.now,
  };
  applyCustomer(ctx, customer, f);
  ctx.store.customers.set(customer.id, customer);
  ctx.store.emit('customer', 'created', customer.id);
  return customer;
}

function applyCustomer(ctx: WriteContext, c: CustomerRec, f: Record<string, unknown>): void {
  for (const k of ['email', 'first_name', 'last_name'] as const) if (typeof f[k] === 'string') c[k] = f[k] as string;
  if ('billing' in f) c.billing = billing(c.billing, f.billing);
  if ('shipping' in f) c.shipping = shipping(c.shipping, f.shipping);
  if (Array.isArray(f.meta_data)) c.meta_data = mergeMeta(ctx.store, c.meta_data, f.meta_data);
  c.modified = ctx.now;
}

export function findCustomer(ctx: WriteContext, id: number, method: string): CustomerRec {
  const c = ctx.store.customers.get(id);
  if (!c) throw new WooError(method === 'PUT' || method === 'POST' ? 400 : 404, 'woocommerce_rest_invalid_id', 'Invalid resource ID.');
  return c;
}

export function updateCustomer(ctx: WriteContext, c: CustomerRec, input: unknown): CustomerRec {
  applyCustomer(ctx, c, checkFields(input, CUSTOMER_FIELDS, ctx.strict));
  ctx.store.emit('customer', 'updated', c.id);
  return c;
}

/** Customers cannot be trashed: DELETE needs force=true, else 501 (section 5). */
export function deleteCustomer(ctx: WriteContext, c: CustomerRec, force: boolean): CustomerRec {
  if (!force) throw new WooError(501, 'woocommerce_rest_trash_not_supported', 'Customers do not support trashing.');
  ctx.store.customers.delete(c.id);
  ctx.store.emit('customer', 'deleted', c.id);
  return c;
}
