// The REST representations (section 2): ids as integers, money as strings, blank fields as "" or null
// (never omitted), naive local dates with `_gmt` twins. Webhook payloads are these same shapes.
import { datePair } from './dates.js';
import type { CustomerRec, OrderRec, ProductRec, WebhookRec, WooStore } from './store.js';

export interface ShapeContext {
  store: WooStore;
  home: string;
  timeZone: string;
}

const API = '/wp-json/wc/v3';

function links(ctx: ShapeContext, self: string, collection: string): Record<string, unknown> {
  return { self: [{ href: `${ctx.home}${API}/${self}` }], collection: [{ href: `${ctx.home}${API}/${collection}` }] };
}

/** The price a customer pays: the sale price when there is one. */
function activePrice(p: ProductRec): string {
  return p.sale_price !== '' ? p.sale_price : p.regular_price;
}

/** A variable product's `price` is its cheapest variation's (WooCommerce syncs it on save). */
function priceOf(ctx: ShapeContext, p: ProductRec): string {
  if (p.type !== 'variable') return activePrice(p);
  const prices = ctx.store.variationsOf(p.id).filter((v) => v.status !== 'trash').map(activePrice).filter((x) => x !== '');
  if (prices.length === 0) return '';
  return prices.reduce((a, b) => (Number(b) < Number(a) ? b : a));
}

function stockFields(p: ProductRec): Record<string, unknown> {
  return {
    manage_stock: p.manage_stock,
    stock_quantity: p.stock_quantity,
    stock_status: p.stock_status,
    backorders: p.backorders,
    backorders_allowed: p.backorders !== 'no',
    backordered: p.manage_stock && (p.stock_quantity ?? 0) < 0 && p.backorders !== 'no',
    low_stock_amount: null,
  };
}

function common(ctx: ShapeContext, p: ProductRec): Record<string, unknown> {
  return {
    ...datePair('date_created', p.created, ctx.timeZone),
    ...datePair('date_modified', p.modified, ctx.timeZone),
    description: p.description,
    sku: p.sku,
    price: priceOf(ctx, p),
    regular_price: p.regular_price,
    sale_price: p.sale_price,
    date_on_sale_from: null, date_on_sale_from_gmt: null, date_on_sale_to: null, date_on_sale_to_gmt: null,
    on_sale: p.sale_price !== '',
    status: p.status,
    purchasable: priceOf(ctx, p) !== '' && p.status !== 'trash',
    virtual: false,
    downloadable: false,
    tax_status: 'taxable',
    tax_class: '',
    ...stockFields(p),
    weight: p.weight,
    dimensions: { ...p.dimensions },
    shipping_class: '',
  };
}

export function productJson(ctx: ShapeContext, p: ProductRec): Record<string, unknown> {
  if (p.type === 'variation') return variationAsProductJson(ctx, p);
  return {
    id: p.id,
    name: p.name,
    slug: p.slug,
    permalink: `${ctx.home}/product/${p.slug}/`,
    ...datePair('date_created', p.created, ctx.timeZone),
    ...datePair('date_modified', p.modified, ctx.timeZone),
    type: p.type,
    featured: false,
    catalog_visibility: 'visible',
    short_description: p.short_description,
    ...common(ctx, p),
    total_sales: p.total_sales,
    external_url: '',
    button_text: '',
    sold_individually: false,
    shipping_required: true,
    shipping_taxable: true,
    shipping_class_id: 0,
    reviews_allowed: true,
    average_rating: '0.00',
    rating_count: 0,
    related_ids: [],
    upsell_ids: [],
    cross_sell_ids: [],
    parent_id: p.parent_id,
    purchase_note: '',
    categories: p.categories.map((t) => ({ ...t })),
    tags: p.tags.map((t) => ({ ...t })),
    images: p.images.map((i) => ({ ...i, ...datePair('date_created', p.created, ctx.timeZone), ...datePair('date_modified', p.modified, ctx.timeZone) })),
    attributes: structuredClone(p.attributes),
    default_attributes: structuredClone(p.default_attributes),
    variations: ctx.store.variationsOf(p.id).filter((v) => v.status !== 'trash').map((v) => v.id),
    grouped_products: [],
    menu_order: p.menu_order,
    meta_data: structuredClone(p.meta_data),
    _links: links(ctx, `products/${p.id}`, 'products'),
  };
}

export function variationJson(ctx: ShapeContext, v: ProductRec): Record<string, unknown> {
  const image = v.images[0];
  return {
    id: v.id,
    ...common(ctx, v),
    permalink: `${ctx.home}/product/${ctx.store.products.get(v.parent_id)?.slug ?? ''}/?variation_id=${v.id}`,
    // Documented as a string in the variation schema (section 2), unlike the product's integer.
    shipping_class_id: '0',
    image: image ? { ...image } : null,
    attributes: structuredClone(v.attributes),
    menu_order: v.menu_order,
    meta_data: structuredClone(v.meta_data),
    parent_id: v.parent_id,
    _links: { ...links(ctx, `products/${v.parent_id}/variations/${v.id}`, `products/${v.parent_id}/variations`), up: [{ href: `${ctx.home}${API}/products/${v.parent_id}` }] },
  };
}

/** GET /products/<variation id> answers the variation in the product shape (also the webhook payload, section 6). */
function variationAsProductJson(ctx: ShapeContext, v: ProductRec): Record<string, unknown> {
  const parent = ctx.store.products.get(v.parent_id);
  const options = v.attributes.map((a) => String(a.option ?? '')).filter((o) => o !== '');
  const base = productJson(ctx, { ...v, type: 'simple', slug: parent?.slug ?? '', categories: [], tags: [] });
  return {
    ...base,
    name: [parent?.name ?? '', ...options].filter(Boolean).join(' - '),
    type: 'variation',
    permalink: `${ctx.home}/product/${parent?.slug ?? ''}/?variation_id=${v.id}`,
    variations: [],
    _links: links(ctx, `products/${v.id}`, 'products'),
  };
}

const money = (n: number): string => n.toFixed(2);

export function orderTotals(o: OrderRec): { total: string } {
  const goods = o.line_items.reduce((sum, l) => sum + Number(l.total), 0);
  return { total: money(goods + Number(o.shipping_total) - Number(o.discount_total)) };
}

export function orderJson(ctx: ShapeContext, o: OrderRec): Record<string, unknown> {
  return {
    id: o.id,
    parent_id: 0,
    status: o.status,
    currency: o.currency,
    version: '9.0.0',
    prices_include_tax: false,
    ...datePair('date_created', o.created, ctx.timeZone),
    ...datePair('date_modified', o.modified, ctx.timeZone),
    discount_total: o.discount_total,
    discount_tax: '0.00',
    shipping_total: o.shipping_total,
    shipping_tax: '0.00',
    cart_tax: '0.00',
    total: orderTotals(o).total,
    total_tax: '0.00',
    customer_id: o.customer_id,
    order_key: o.order_key,
    billing: { ...o.billing },
    shipping: { ...o.shipping },
    payment_method: o.payment_method,
    payment_method_title: o.payment_method_title,
    transaction_id: o.transaction_id,
    customer_ip_address: '',
    customer_user_agent: '',
    created_via: o.created_via,
    customer_note: o.customer_note,
    ...datePair('date_completed', o.completed, ctx.timeZone),
    ...datePair('date_paid', o.paid, ctx.timeZone),
    cart_hash: '',
    number: String(o.id),
    meta_data: structuredClone(o.meta_data),
    line_items: o.line_items.map((l) => ({
      id: l.id, name: l.name, product_id: l.product_id, variation_id: l.variation_id, quantity: l.quantity, tax_class: '',
      subtotal: l.subtotal, subtotal_tax: '0.00', total: l.total, total_tax: '0.00', taxes: [], meta_data: structuredClone(l.meta_data),
      // A line's unit price is a JSON number in the real API, unlike every other money field.
      sku: l.sku, price: l.quantity > 0 ? Number(l.total) / l.quantity : 0, image: { id: '', src: '' }, parent_name: null,
    })),
    tax_lines: [],
    shipping_lines: [],
    fee_lines: [],
    coupon_lines: [],
    refunds: [],
    payment_url: `${ctx.home}/checkout/order-pay/${o.id}/?pay_for_order=true&key=${o.order_key}`,
    is_editable: ['pending', 'on-hold', 'auto-draft'].includes(o.status),
    needs_payment: ['pending', 'failed'].includes(o.status),
    needs_processing: true,
    currency_symbol: o.currency === 'EUR' ? '€' : o.currency,
    _links: links(ctx, `orders/${o.id}`, 'orders'),
  };
}

export function customerJson(ctx: ShapeContext, c: CustomerRec): Record<string, unknown> {
  return {
    id: c.id,
    ...datePair('date_created', c.created, ctx.timeZone),
    ...datePair('date_modified', c.modified, ctx.timeZone),
    email: c.email,
    first_name: c.first_name,
    last_name: c.last_name,
    role: c.role,
    username: c.username,
    billing: { ...c.billing },
    shipping: { ...c.shipping },
    is_paying_customer: c.is_paying_customer,
    avatar_url: `https://secure.gravatar.com/avatar/${c.id}?s=96&d=mm&r=g`,
    meta_data: structuredClone(c.meta_data),
    _links: links(ctx, `customers/${c.id}`, 'customers'),
  };
}

/** `secret` is write-only: it never comes back (section 6). */
export function webhookJson(ctx: ShapeContext, w: WebhookRec): Record<string, unknown> {
  const [resource, event] = w.topic.split('.');
  return {
    id: w.id,
    name: w.name,
    status: w.status,
    topic: w.topic,
    resource: resource ?? '',
    event: event ?? '',
    hooks: [],
    delivery_url: w.delivery_url,
    ...datePair('date_created', w.created, ctx.timeZone),
    ...datePair('date_modified', w.modified, ctx.timeZone),
    _links: links(ctx, `webhooks/${w.id}`, 'webhooks'),
  };
}
