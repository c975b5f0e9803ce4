// Which `query:` fields each connection understands (a subset of Shopify's per-resource search fields).
import type { ShopifyStore } from '../store/store.js';
import type { CustomerRecord, InventoryItemRecord, OrderRecord, ProductRecord, VariantRecord } from '../store/types.js';
import type { SearchFields } from './search-query.js';

const common = {
  id: { kind: 'number', get: (r: { id: number }) => r.id },
  created_at: { kind: 'date', get: (r: { createdAt: number }) => r.createdAt },
  updated_at: { kind: 'date', get: (r: { updatedAt: number }) => r.updatedAt },
} as const;

export function productSearchFields(store: ShopifyStore): SearchFields<ProductRecord> {
  return {
    ...common,
    default: { kind: 'string', get: (r) => r.title },
    title: { kind: 'string', get: (r) => r.title },
    handle: { kind: 'string', get: (r) => r.handle },
    status: { kind: 'enum', get: (r) => r.status },
    vendor: { kind: 'string', get: (r) => r.vendor },
    product_type: { kind: 'string', get: (r) => r.productType },
    tag: { kind: 'strings', get: (r) => r.tags },
    sku: { kind: 'strings', get: (r) => r.variantIds.map((id) => store.variants.get(id)?.sku ?? '').filter(Boolean) },
  };
}

export function variantSearchFields(store: ShopifyStore): SearchFields<VariantRecord> {
  return {
    ...common,
    default: { kind: 'string', get: (r) => r.title },
    sku: { kind: 'string', get: (r) => r.sku },
    barcode: { kind: 'string', get: (r) => r.barcode },
    product_id: { kind: 'number', get: (r) => r.productId },
    title: { kind: 'string', get: (r) => store.products.get(r.productId)?.title ?? null },
  };
}

export function inventoryItemSearchFields(store: ShopifyStore): SearchFields<InventoryItemRecord> {
  return {
    ...common,
    sku: { kind: 'string', get: (r) => store.variants.get(r.variantId)?.sku ?? null },
  };
}

export function orderSearchFields(): SearchFields<OrderRecord> {
  return {
    ...common,
    default: { kind: 'string', get: (r) => r.name },
    name: { kind: 'string', get: (r) => r.name },
    email: { kind: 'string', get: (r) => r.email },
    processed_at: { kind: 'date', get: (r) => r.processedAt },
    customer_id: { kind: 'number', get: (r) => r.customerId },
    tag: { kind: 'strings', get: (r) => r.tags },
    financial_status: { kind: 'enum', get: (r) => r.financialStatus },
    fulfillment_status: { kind: 'enum', get: (r) => r.fulfillmentStatus },
    // open / closed / cancelled, as the orders search's `status` field
    status: { kind: 'enum', get: (r) => (r.cancelledAt !== null ? 'cancelled' : r.closedAt !== null ? 'closed' : 'open') },
  };
}

export function customerSearchFields(): SearchFields<CustomerRecord> {
  return {
    ...common,
    default: { kind: 'string', get: (r) => `${r.firstName ?? ''} ${r.lastName ?? ''} ${r.email ?? ''}` },
    email: { kind: 'string', get: (r) => r.email },
    first_name: { kind: 'string', get: (r) => r.firstName },
    last_name: { kind: 'string', get: (r) => r.lastName },
    phone: { kind: 'string', get: (r) => r.phone },
    state: { kind: 'enum', get: (r) => r.state },
    tag: { kind: 'strings', get: (r) => r.tags },
  };
}
