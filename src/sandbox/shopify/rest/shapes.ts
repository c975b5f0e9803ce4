// REST representations (numeric ids, snake_case, `admin_graphql_api_id`, tags as one comma-separated
// string, lowercase statuses, money as strings). Webhook payloads use the same shapes, as Shopify's do.
import { gid, inventoryLevelGid } from '../ids.js';
import { totalAvailable } from '../store/inventory-writes.js';
import { customerOrderStats } from '../store/order-customer-writes.js';
import type { ShopifyStore } from '../store/store.js';
import { addressName, countryName } from '../store/addresses.js';
import type { CustomerRecord, InventoryLevelRecord, MailingAddressRecord, OrderRecord, ProductRecord, VariantRecord } from '../store/types.js';
import { fromCents, toCents } from '../store/money.js';

/** REST timestamps carry the shop's UTC offset instead of `Z`: 2024-01-01T10:00:00+00:00. */
export function restTime(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

function money(amount: string, currency: string) {
  const m = { amount, currency_code: currency };
  return { shop_money: m, presentment_money: m };
}

export function restVariant(store: ShopifyStore, v: VariantRecord, position: number) {
  const item = store.inventoryItems.get(v.inventoryItemId);
  const quantity = totalAvailable(store, v.inventoryItemId);
  return {
    id: v.id, product_id: v.productId, title: v.title, price: v.price, sku: v.sku ?? '', position,
    inventory_policy: v.inventoryPolicy.toLowerCase(), compare_at_price: v.compareAtPrice,
    fulfillment_service: 'manual', inventory_management: item?.tracked ? 'shopify' : null,
    option1: v.selectedOptions[0]?.value ?? null, option2: v.selectedOptions[1]?.value ?? null, option3: v.selectedOptions[2]?.value ?? null,
    created_at: restTime(v.createdAt), updated_at: restTime(v.updatedAt), taxable: v.taxable, barcode: v.barcode,
    grams: 0, weight: 0, weight_unit: 'kg', inventory_item_id: v.inventoryItemId, inventory_quantity: quantity,
    old_inventory_quantity: quantity, requires_shipping: item?.requiresShipping ?? true, image_id: null,
    admin_graphql_api_id: gid('ProductVariant', v.id),
  };
}

/** REST reads and writes at most 100 variants per product (section 0 of the fact sheet). */
const REST_VARIANT_CAP = 100;

export function restProduct(store: ShopifyStore, p: ProductRecord) {
  const variants = p.variantIds.map((id) => store.variants.get(id)).filter((v): v is VariantRecord => v !== undefined);
  return {
    id: p.id, title: p.title, body_html: p.descriptionHtml, vendor: p.vendor, product_type: p.productType,
    created_at: restTime(p.createdAt), handle: p.handle, updated_at: restTime(p.updatedAt),
    published_at: p.status === 'ACTIVE' ? restTime(p.createdAt) : null, template_suffix: null, published_scope: 'global',
    tags: p.tags.join(', '), status: p.status === 'UNLISTED' ? 'active' : p.status.toLowerCase(),
    admin_graphql_api_id: gid('Product', p.id),
    variants: variants.slice(0, REST_VARIANT_CAP).map((v, i) => restVariant(store, v, i + 1)),
    options: p.options.map((o, i) => ({ id: p.id * 10 + i + 1, product_id: p.id, name: o.name, position: i + 1, values: o.values })),
    images: [], image: null,
  };
}

export function restCustomer(store: ShopifyStore, c: CustomerRecord) {
  const stats = customerOrderStats(store, c.id);
  return {
    id: c.id, email: c.email, created_at: restTime(c.createdAt), updated_at: restTime(c.updatedAt),
    first_name: c.firstName, last_name: c.lastName, orders_count: stats.count, state: c.state.toLowerCase(),
    total_spent: stats.spent, note: c.note, verified_email: c.email !== null, tax_exempt: false, tags: c.tags.join(', '),
    currency: 'EUR', phone: c.phone, admin_graphql_api_id: gid('Customer', c.id),
  };
}

const FULFILLMENT: Record<OrderRecord['fulfillmentStatus'], string | null> = {
  FULFILLED: 'fulfilled', PARTIALLY_FULFILLED: 'partial', UNFULFILLED: null, OPEN: null, IN_PROGRESS: null, ON_HOLD: null,
};

/** REST's address: snake_case, `country_code` next to the country's name, no coordinates in the sandbox. */
export function restAddress(a: MailingAddressRecord) {
  return {
    first_name: a.firstName, address1: a.address1, phone: a.phone, city: a.city, zip: a.zip, province: a.province,
    country: countryName(a.countryCode), last_name: a.lastName, address2: a.address2, company: a.company,
    latitude: null, longitude: null, name: addressName(a), country_code: a.countryCode, province_code: a.provinceCode,
  };
}

export function restOrder(store: ShopifyStore, o: OrderRecord) {
  const customer = o.customerId === null ? undefined : store.customers.get(o.customerId);
  return {
    id: o.id, admin_graphql_api_id: gid('Order', o.id), name: o.name, number: o.number - 1000, order_number: o.number,
    email: o.email, contact_email: o.email, created_at: restTime(o.createdAt), updated_at: restTime(o.updatedAt),
    processed_at: restTime(o.processedAt), cancelled_at: restTime(o.cancelledAt), closed_at: restTime(o.closedAt),
    cancel_reason: o.cancelledAt === null ? null : 'customer', currency: o.currencyCode, presentment_currency: o.currencyCode,
    subtotal_price: o.subtotal, total_tax: o.totalTax, total_price: o.total,
    subtotal_price_set: money(o.subtotal, o.currencyCode), total_tax_set: money(o.totalTax, o.currencyCode),
    total_price_set: money(o.total, o.currencyCode), financial_status: o.financialStatus.toLowerCase(),
    fulfillment_status: FULFILLMENT[o.fulfillmentStatus], tags: o.tags.join(', '), note: o.note, test: false,
    customer: customer ? restCustomer(store, customer) : null,
    shipping_address: o.shippingAddress ? restAddress(o.shippingAddress) : null,
    line_items: o.lines.map((l) => ({
      id: l.id, admin_graphql_api_id: gid('LineItem', l.id), variant_id: l.variantId, product_id: l.productId, sku: l.sku ?? '',
      name: l.name, title: l.title, variant_title: l.variantTitle, quantity: l.quantity, current_quantity: l.quantity,
      price: l.price, price_set: money(l.price, o.currencyCode),
      total_discount: '0.00', fulfillable_quantity: o.fulfillmentStatus === 'FULFILLED' ? 0 : l.quantity,
      taxable: true, requires_shipping: true, gift_card: false,
      line_price: fromCents(toCents(l.price) * l.quantity),
    })),
  };
}

export function restInventoryLevel(level: InventoryLevelRecord) {
  return {
    inventory_item_id: level.inventoryItemId, location_id: level.locationId, available: level.quantities.available,
    updated_at: restTime(level.updatedAt), admin_graphql_api_id: inventoryLevelGid(level.id, level.inventoryItemId),
  };
}

export function restShop(store: ShopifyStore, domain: string) {
  return {
    id: store.shopId, name: domain.replace(/\.myshopify\.com$/, ''), email: `owner@${domain}`, domain,
    myshopify_domain: domain, plan_name: 'basic', currency: 'EUR', iana_timezone: 'Etc/UTC', country_code: 'DE',
    created_at: restTime(Date.parse('2020-01-01T00:00:00Z')), updated_at: restTime(store.stamp()),
  };
}
