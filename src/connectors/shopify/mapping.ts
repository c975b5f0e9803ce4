// Pure mapping between Shopify's shapes and canonical records. Two sources of the same objects:
// GraphQL nodes (pulls) and REST-shaped webhook payloads (numeric ids, snake_case, tags as one
// comma-separated string). Both map to the same records keyed by GID, so a webhook and a pull of one
// variant land on the same link. The sellable unit is the variant; its product is the SKU's group.
import type { Address, CanonicalRecord, InvalidRecord, OrderRecord, ProductRecord, StockLevelRecord } from '../../core/records.js';
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

/** MailingAddress as ADDRESS_FIELDS selects it. */
export interface GqlMailingAddress {
  name?: string | null;
  company?: string | null;
  address1?: string | null;
  address2?: string | null;
  city?: string | null;
  zip?: string | null;
  province?: string | null;
  countryCodeV2?: string | null;
  phone?: string | null;
}

export interface GqlOrder {
  id: string;
  name?: string | null;
  email?: string | null;
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
  shippingAddress?: GqlMailingAddress | null;
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

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

/**
 * ISO 3166-1 alpha-2, upper case; anything else (empty, "Germany", Shopify's ZZ "unknown region") is
 * dropped rather than failing the whole order on the canonical schema.
 */
function countryCode(v: unknown): string | undefined {
  const code = typeof v === 'string' ? v.trim().toUpperCase() : undefined;
  return code && /^[A-Z]{2}$/.test(code) && code !== 'ZZ' ? code : undefined;
}

/** The platform-neutral parts of an address, from either API's field names. */
export interface AddressParts {
  name?: unknown;
  company?: unknown;
  address1?: unknown;
  address2?: unknown;
  city?: unknown;
  zip?: unknown;
  province?: unknown;
  countryCode?: unknown;
  phone?: unknown;
}

/** A canonical address with empty fields left out, or undefined when nothing is left. */
export function mapAddress(a: AddressParts | null | undefined): Address | undefined {
  if (!a || typeof a !== 'object') return undefined;
  const out: Address = {};
  for (const key of ['name', 'company', 'address1', 'address2', 'city', 'zip', 'province', 'phone'] as const) {
    const value = text(a[key]);
    if (value !== undefined) out[key] = value;
  }
  const code = countryCode(a.countryCode);
  if (code !== undefined) out.countryCode = code;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The order's buyer: customer id and/or email, or undefined when the order names neither. */
export function orderCustomer(externalId: string | undefined, email: unknown): OrderRecord['customer'] {
  const mail = text(email);
  if (!externalId && !mail) return undefined;
  return { ...(externalId ? { externalId } : {}), ...(mail ? { email: mail } : {}) };
}

export function orderStatus(o: { cancelledAt?: string | null; closedAt?: string | null }): string {
  return o.cancelledAt ? 'cancelled' : o.closedAt ? 'closed' : 'open';
}

/** `addresses` only when there is an address: no empty objects in the record (or its hash). */
export function shippingOf(a: AddressParts | null | undefined): Pick<OrderRecord, 'addresses'> {
  const shipping = mapAddress(a);
  return shipping ? { addresses: { shipping } } : {};
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
    customer: orderCustomer(o.customer?.id ?? undefined, o.email),
    ...shippingOf(o.shippingAddress ? { ...o.shippingAddress, countryCode: o.shippingAddress.countryCodeV2 } : null),
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
