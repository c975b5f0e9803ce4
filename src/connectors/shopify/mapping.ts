// Pure mapping between Shopify's shapes and canonical records. Two sources of the same objects:
// GraphQL nodes (pulls) and REST-shaped webhook payloads (numeric ids, snake_case, tags as one
// comma-separated string). Both map to the same records keyed by GID, so a webhook and a pull of one
// variant land on the same link. The sellable unit is the variant; its product is the SKU's group.
import type { CanonicalRecord, InvalidRecord, OrderRecord, ProductRecord, StockLevelRecord } from '../../core/records.js';
import { invalidRecord } from '../../core/records.js';

// ---- GraphQL node shapes (what src/connectors/shopify/queries.ts selects) ----

interface MoneyBag {
  shopMoney?: { amount?: string | null } | null;
}

export interface GqlInventoryLevel {
  id: string;
  location?: { id: string } | null;
  quantities?: { name: string; quantity: number }[] | null;
}

export interface GqlVariant {
  id: string;
  title?: string | null;
  sku?: string | null;
  barcode?: string | null;
  price?: string | null;
  compareAtPrice?: string | null;
  taxable?: boolean | null;
  updatedAt?: string | null;
  inventoryItem?: { id: string; tracked?: boolean | null; inventoryLevels?: { nodes?: GqlInventoryLevel[] } | null } | null;
}

export interface GqlProduct {
  id: string;
  title?: string | null;
  status?: string | null;
  vendor?: string | null;
  productType?: string | null;
  tags?: string[] | null;
  descriptionHtml?: string | null;
  updatedAt?: string | null;
  variants?: { nodes?: GqlVariant[] } | null;
}

export interface GqlOrder {
  id: string;
  name?: string | null;
  createdAt?: string | null;
  updatedAt?: string | null;
  processedAt?: string | null;
  cancelledAt?: string | null;
  closedAt?: string | null;
  displayFinancialStatus?: string | null;
  displayFulfillmentStatus?: string | null;
  currencyCode?: string | null;
  totalPriceSet?: MoneyBag | null;
  subtotalPriceSet?: MoneyBag | null;
  totalTaxSet?: MoneyBag | null;
  customer?: { id: string } | null;
  lineItems?: { nodes?: GqlLineItem[] } | null;
}

export interface GqlLineItem {
  id: string;
  sku?: string | null;
  name?: string | null;
  quantity?: number | null;
  originalUnitPriceSet?: MoneyBag | null;
  variant?: { id: string } | null;
}

export interface GqlCustomer {
  id: string;
  firstName?: string | null;
  lastName?: string | null;
  email?: string | null;
  phone?: string | null;
  defaultEmailAddress?: { emailAddress?: string | null } | null;
  defaultPhoneNumber?: { phoneNumber?: string | null } | null;
  tags?: string[] | null;
  updatedAt?: string | null;
}

const nonEmpty = (s: string | null | undefined) => (s === null || s === undefined || s.trim() === '' ? undefined : s);
const later = (a?: string | null, b?: string | null) => (!a ? (b ?? undefined) : !b ? a : Date.parse(a) >= Date.parse(b) ? a : b);
const amount = (m?: MoneyBag | null) => m?.shopMoney?.amount ?? undefined;

/** Shopify's variant title is "Default Title" for single-variant products: the product title alone names it. */
function variantName(productTitle: string | null | undefined, variantTitle: string | null | undefined): string | undefined {
  if (!productTitle) return nonEmpty(variantTitle);
  if (!variantTitle || variantTitle === 'Default Title') return productTitle;
  return `${productTitle} - ${variantTitle}`;
}

export function mapGqlProduct(p: GqlProduct): (CanonicalRecord | InvalidRecord)[] {
  if (!p || typeof p.id !== 'string') return [invalidRecord(p, 'product without an id')];
  const out: (CanonicalRecord | InvalidRecord)[] = [];
  for (const v of p.variants?.nodes ?? []) {
    if (!v || typeof v.id !== 'string') {
      out.push(invalidRecord(v, `variant without an id in product ${p.id}`, { entity: 'product' }));
      continue;
    }
    const product: ProductRecord = {
      entity: 'product',
      externalId: v.id,
      parentExternalId: p.id,
      group: { externalId: p.id, title: p.title ?? null },
      sku: nonEmpty(v.sku),
      gtin: nonEmpty(v.barcode),
      name: variantName(p.title, v.title),
      description: p.descriptionHtml ?? undefined,
      price: v.price ?? undefined,
      compareAtPrice: v.compareAtPrice ?? null,
      taxable: v.taxable ?? undefined,
      tags: p.tags ?? undefined,
      productType: nonEmpty(p.productType),
      vendor: nonEmpty(p.vendor),
      isActive: p.status ? p.status === 'ACTIVE' : undefined,
      remoteUpdatedAt: later(p.updatedAt, v.updatedAt),
      // Stock webhooks name the inventory item; the link keeps it to find this SKU again.
      platformIds: v.inventoryItem?.id ? { inventoryItemId: v.inventoryItem.id } : undefined,
    };
    out.push(product);
    for (const level of v.inventoryItem?.inventoryLevels?.nodes ?? []) out.push(mapInventoryLevel(v, level, product));
  }
  return out;
}

function quantity(level: GqlInventoryLevel, name: string): number | undefined {
  return level.quantities?.find((q) => q.name === name)?.quantity;
}

function mapInventoryLevel(v: GqlVariant, level: GqlInventoryLevel, product: ProductRecord): StockLevelRecord | InvalidRecord {
  const available = quantity(level, 'available');
  if (!level.location?.id || available === undefined) {
    return invalidRecord(level, `inventory level of ${v.id} without a location or an available quantity`, { entity: 'stock_level' });
  }
  return {
    entity: 'stock_level',
    productExternalId: v.id,
    sku: product.sku ?? undefined,
    locationId: level.location.id,
    available,
    // "committed" is what open orders hold; "incoming" is what is on its way in.
    reserved: quantity(level, 'committed'),
    announced: quantity(level, 'incoming'),
    remoteUpdatedAt: product.remoteUpdatedAt ?? undefined,
  };
}

export function orderStatus(o: { cancelledAt?: string | null; closedAt?: string | null }): string {
  return o.cancelledAt ? 'cancelled' : o.closedAt ? 'closed' : 'open';
}

export function mapGqlOrder(o: GqlOrder): OrderRecord | InvalidRecord {
  if (!o || typeof o.id !== 'string') return invalidRecord(o, 'order without an id');
  return {
    entity: 'order',
    externalId: o.id,
    number: o.name ?? undefined,
    status: orderStatus(o),
    financialStatus: o.displayFinancialStatus ?? undefined,
    fulfillmentStatus: o.displayFulfillmentStatus ?? undefined,
    currency: o.currencyCode ?? undefined,
    totals: { subtotal: amount(o.subtotalPriceSet), tax: amount(o.totalTaxSet), total: amount(o.totalPriceSet) },
    customer: o.customer?.id ? { externalId: o.customer.id } : undefined,
    lines: (o.lineItems?.nodes ?? []).map((l) => ({
      externalId: l.id,
      sku: nonEmpty(l.sku),
      productExternalId: l.variant?.id ?? undefined,
      name: l.name ?? undefined,
      quantity: l.quantity as number,
      unitPrice: amount(l.originalUnitPriceSet),
    })),
    placedAt: o.processedAt ?? o.createdAt ?? undefined,
    remoteUpdatedAt: o.updatedAt ?? undefined,
  };
}

export function mapGqlCustomer(c: GqlCustomer): CanonicalRecord | InvalidRecord {
  if (!c || typeof c.id !== 'string') return invalidRecord(c, 'customer without an id');
  return {
    entity: 'customer',
    externalId: c.id,
    // defaultEmailAddress replaced the deprecated `email` from 2025-04.
    email: nonEmpty(c.defaultEmailAddress?.emailAddress) ?? nonEmpty(c.email),
    firstName: c.firstName ?? undefined,
    lastName: c.lastName ?? undefined,
    phone: nonEmpty(c.defaultPhoneNumber?.phoneNumber) ?? nonEmpty(c.phone),
    tags: c.tags ?? undefined,
    remoteUpdatedAt: c.updatedAt ?? undefined,
  };
}
