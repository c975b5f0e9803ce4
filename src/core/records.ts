// Canonical hub records: the one shape every connector maps into and out of (DESIGN.md sections 2, 3, 5.6).
// Connectors produce these from platform payloads; the engine hashes, stores and pushes them. Schemas are
// strict so that a typo in a mapping (e.g. `compareAtprice`) fails a fixture test instead of silently
// dropping a field. Non-identity fields are optional and nullable: a platform that lacks a field omits it,
// and `null` means "the platform says this is empty".
import { z } from 'zod';

export const Platform = z.enum(['shopify', 'woocommerce', 'printful', 'emag', 'jtl-ffn']);
export type Platform = z.infer<typeof Platform>;

export const StreamName = z.enum(['products', 'stock', 'orders', 'customers', 'catalog', 'offers', 'outbounds']);
export type StreamName = z.infer<typeof StreamName>;

export const Entity = z.enum(['product', 'stock_level', 'order', 'customer', 'catalog_item', 'fulfilment']);
export type Entity = z.infer<typeof Entity>;

// ---------------------------------------------------------------------------------------------------------
// Building blocks

/**
 * Money travels as a decimal string, never a float, because every platform sends strings and binary floats
 * cannot represent most prices exactly. Up to 4 decimals: eMAG prices carry 4.
 */
export const Money = z
  .string()
  .regex(/^\d{1,15}(\.\d{1,4})?$/, { error: 'must be a non-negative decimal string like "12.50"' });
export type Money = z.infer<typeof Money>;

/** ISO 8601 date-time with `Z` or an explicit offset; local times without offset are ambiguous (Woo). */
export const IsoDateTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time with offset' });

export const CountryCode = z
  .string()
  .regex(/^[A-Z]{2}$/, { error: 'must be an ISO 3166-1 alpha-2 code like "DE"' });

export const CurrencyCode = z
  .string()
  .regex(/^[A-Z]{3}$/, { error: 'must be an ISO 4217 code like "EUR"' });

const Id = z.string().min(1, { error: 'must be a non-empty string' });
const Text = z.string();
const opt = <T extends z.ZodType>(schema: T) => schema.nullable().optional();

const Dimensions = z.strictObject({
  length: z.number().nonnegative(),
  width: z.number().nonnegative(),
  height: z.number().nonnegative(),
  unit: z.enum(['mm', 'cm', 'm', 'in']),
});

const Weight = z.strictObject({
  value: z.number().nonnegative(),
  unit: z.enum(['g', 'kg', 'lb', 'oz']),
});

const Image = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  alt: opt(Text),
  position: z.int().nonnegative().optional(),
});

// Emails are kept as free text on purpose: platforms hold addresses that fail strict validation, and an
// order must not be dead-lettered because its buyer typed a malformed email.
const Email = z.string().max(320);

export const Address = z.strictObject({
  name: opt(Text),
  company: opt(Text),
  address1: opt(Text),
  address2: opt(Text),
  city: opt(Text),
  zip: opt(Text),
  province: opt(Text),
  countryCode: opt(CountryCode),
  phone: opt(Text),
});
export type Address = z.infer<typeof Address>;

// ---------------------------------------------------------------------------------------------------------
// Products: one record per SKU (Shopify variant, Woo variation or simple product, eMAG offer, JTL product).

/** Field groups of DESIGN.md 5.6; ownership rules and merges are keyed by these names. */
export const COMMERCE_FIELDS = [
  'price',
  'compareAtPrice',
  'taxable',
  'seoTitle',
  'seoDescription',
  'tags',
  'collections',
  'productType',
  'vendor',
] as const;

export const OPS_FIELDS = [
  'sku',
  'gtin',
  'dimensions',
  'weight',
  'packaging',
  'hazmat',
  'warehouseNotes',
  'storageLocation',
  'minStock',
  'reorderPoint',
  'customsCode',
  'countryOfOrigin',
  'manufacturer',
] as const;

export const SHARED_FIELDS = ['name', 'description', 'images', 'isActive'] as const;

/** Stock is not a product column: it lives on StockLevelRecord and only the hub/JTL may set it. */
export const STOCK_FIELDS = ['available', 'reserved', 'announced'] as const;

/** Fields that identify a record or describe its provenance; they take part in no ownership rule. */
export const PRODUCT_IDENTITY_FIELDS = ['entity', 'externalId', 'parentExternalId', 'group', 'remoteUpdatedAt', 'catalogVariantId', 'platformIds'] as const;

export type CommerceField = (typeof COMMERCE_FIELDS)[number];
export type OpsField = (typeof OPS_FIELDS)[number];
export type SharedField = (typeof SHARED_FIELDS)[number];
export type StockField = (typeof STOCK_FIELDS)[number];
export type ProductField = CommerceField | OpsField | SharedField;

export const ProductGroup = z.strictObject({ externalId: Id, title: opt(Text) });
export type ProductGroup = z.infer<typeof ProductGroup>;

export const ProductRecord = z.strictObject({
  entity: z.literal('product'),
  externalId: Id,
  // Required (but nullable) so a mapping has to decide whether the SKU belongs to a parent product.
  parentExternalId: Id.nullable(),
  group: opt(ProductGroup),
  remoteUpdatedAt: opt(IsoDateTime),
  /** The Printful catalog variant (catalog_items.external_id) a print-on-demand SKU is made from. */
  catalogVariantId: opt(Id),
  /**
   * Further platform ids of the SKU (Shopify: its inventory item). Kept on the link (links.platform_ids),
   * never in hub columns: they identify the SKU on one connection only.
   */
  platformIds: opt(z.record(z.string(), z.string().min(1))),

  // commerce-owned
  price: opt(Money),
  compareAtPrice: opt(Money),
  taxable: opt(z.boolean()),
  seoTitle: opt(Text),
  seoDescription: opt(Text),
  tags: opt(z.array(Text)),
  collections: opt(z.array(Text)),
  productType: opt(Text),
  vendor: opt(Text),

  // ops-owned
  sku: opt(z.string().min(1).max(255)),
  // Free text, not a checked GTIN: storefront barcode fields hold whatever the merchant typed, and a product
  // must not be dead-lettered over its barcode.
  gtin: opt(z.string().min(1).max(64)),
  dimensions: opt(Dimensions),
  weight: opt(Weight),
  packaging: opt(Text),
  hazmat: opt(z.boolean()),
  warehouseNotes: opt(Text),
  storageLocation: opt(Text),
  minStock: opt(z.int().nonnegative()),
  reorderPoint: opt(z.int().nonnegative()),
  customsCode: opt(Text),
  countryOfOrigin: opt(CountryCode),
  manufacturer: opt(Text),

  // shared (last-write-wins)
  name: opt(Text),
  description: opt(Text),
  images: opt(z.array(Image)),
  isActive: opt(z.boolean()),
});
export type ProductRecord = z.infer<typeof ProductRecord>;

// ---------------------------------------------------------------------------------------------------------
// Stock per SKU and location/warehouse.

export const StockLevelRecord = z.strictObject({
  entity: z.literal('stock_level'),
  /** externalId of the SKU-level ProductRecord on the same connection. */
  productExternalId: Id,
  /** The merchant SKU when the platform reports it (JTL stock does); used to match across platforms. */
  sku: opt(z.string().min(1)),
  locationId: Id,
  // Integers: sales channels only take whole units, so JTL's fractional levels are floored by its mapping.
  // `available` may be negative: Shopify and Woo report oversold stock that way.
  available: z.int(),
  reserved: z.int().nonnegative().optional(),
  announced: z.int().nonnegative().optional(),
  remoteUpdatedAt: opt(IsoDateTime),
});
export type StockLevelRecord = z.infer<typeof StockLevelRecord>;

// ---------------------------------------------------------------------------------------------------------
// Orders.

export const OrderLine = z.strictObject({
  externalId: Id,
  sku: opt(Text),
  productExternalId: opt(Id),
  name: opt(Text),
  quantity: z.int().positive(),
  unitPrice: opt(Money),
  total: opt(Money),
});
export type OrderLine = z.infer<typeof OrderLine>;

export const OrderRecord = z.strictObject({
  entity: z.literal('order'),
  externalId: Id,
  /** The human-facing order number or name ("#1001", eMAG order id, JTL merchantOutboundNumber). */
  number: opt(Text),
  // Statuses stay in the platform's own vocabulary: the platforms' state machines do not map 1:1.
  status: opt(Text),
  financialStatus: opt(Text),
  fulfillmentStatus: opt(Text),
  currency: opt(CurrencyCode),
  totals: opt(
    z.strictObject({
      subtotal: opt(Money),
      tax: opt(Money),
      shipping: opt(Money),
      /** Vouchers and other order-level reductions, as a positive amount with their VAT (total = subtotal + tax + shipping - discount). */
      discount: opt(Money),
      total: opt(Money),
    }),
  ),
  customer: opt(z.strictObject({ externalId: opt(Id), email: opt(Email) })),
  addresses: opt(z.strictObject({ shipping: opt(Address), billing: opt(Address) })),
  lines: z.array(OrderLine),
  placedAt: opt(IsoDateTime),
  remoteUpdatedAt: opt(IsoDateTime),
});
export type OrderRecord = z.infer<typeof OrderRecord>;

// ---------------------------------------------------------------------------------------------------------
// Customers.

export const CustomerRecord = z.strictObject({
  entity: z.literal('customer'),
  externalId: Id,
  email: opt(Email),
  firstName: opt(Text),
  lastName: opt(Text),
  phone: opt(Text),
  tags: opt(z.array(Text)),
  acceptsMarketing: opt(z.boolean()),
  addresses: opt(z.array(Address)),
  remoteUpdatedAt: opt(IsoDateTime),
});
export type CustomerRecord = z.infer<typeof CustomerRecord>;

// ---------------------------------------------------------------------------------------------------------
// Printful catalog variants.

export const CatalogItemRecord = z.strictObject({
  entity: z.literal('catalog_item'),
  /** Printful catalog variant id. */
  externalId: Id,
  productExternalId: Id,
  productName: opt(Text),
  variantName: opt(Text),
  size: opt(Text),
  color: opt(Text),
  colorCode: opt(Text),
  imageUrl: opt(z.url({ protocol: /^https?$/ })),
  price: opt(Money),
  currency: opt(CurrencyCode),
  inStock: opt(z.boolean()),
  /** Region (e.g. "US", "EU") -> availability status as Printful reports it. */
  availability: opt(z.record(z.string(), z.string())),
  remoteUpdatedAt: opt(IsoDateTime),
});
export type CatalogItemRecord = z.infer<typeof CatalogItemRecord>;

// ---------------------------------------------------------------------------------------------------------
// Fulfilments: a hub order handed to a fulfiller (a JTL-FFN outbound), with its status and tracking.

export const Shipment = z.strictObject({
  trackingNumber: opt(Text),
  trackingUrl: opt(z.url({ protocol: /^https?$/ })),
  carrier: opt(Text),
  shippedAt: opt(IsoDateTime),
});
export type Shipment = z.infer<typeof Shipment>;

export const FulfilmentRecord = z.strictObject({
  entity: z.literal('fulfilment'),
  /** The fulfiller's id of the outbound. */
  externalId: Id,
  /** The key the hub sent the outbound with (JTL merchantOutboundNumber): the hub order's id. */
  orderRef: Id,
  /** In the fulfiller's own vocabulary (JTL: Pending, Acknowledged, Shipped, Canceled, ...). */
  status: Text,
  warehouseId: opt(Text),
  shipments: z.array(Shipment),
  remoteUpdatedAt: opt(IsoDateTime),
});
export type FulfilmentRecord = z.infer<typeof FulfilmentRecord>;

// ---------------------------------------------------------------------------------------------------------
// The union, parsing and invalid records.

export const CanonicalRecord = z.discriminatedUnion('entity', [
  ProductRecord,
  StockLevelRecord,
  OrderRecord,
  CustomerRecord,
  CatalogItemRecord,
  FulfilmentRecord,
]);
export type CanonicalRecord = z.infer<typeof CanonicalRecord>;

/** A record that could not be mapped or validated; it goes to dead letters with its raw payload. */
export interface InvalidRecord {
  entity?: Entity;
  externalId?: string;
  raw: unknown;
  reason: string;
}

export interface RecordIssue {
  /** Dotted path with array indexes, e.g. `lines[0].quantity`; empty for the record itself. */
  path: string;
  message: string;
  code: string;
}

export type ParseRecordResult =
  | { ok: true; record: CanonicalRecord }
  | { ok: false; reason: string; issues: RecordIssue[] };

const MAX_ISSUES_IN_REASON = 5;

export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

export function toRecordIssues(issues: readonly z.core.$ZodIssue[]): RecordIssue[] {
  return issues.map((issue) => ({ path: formatIssuePath(issue.path), message: issue.message, code: issue.code }));
}

/** One readable line: `price: must be a non-negative decimal string like "12.50"; lines[0].quantity: ...`. */
export function summarizeIssues(issues: readonly RecordIssue[]): string {
  const shown = issues.slice(0, MAX_ISSUES_IN_REASON).map((i) => `${i.path === '' ? '(record)' : i.path}: ${i.message}`);
  const more = issues.length - shown.length;
  return more > 0 ? `${shown.join('; ')} (+${more} more)` : shown.join('; ');
}

/** Validates any input as a canonical record. Never throws: a throwing getter in the input is reported too. */
export function parseCanonicalRecord(input: unknown): ParseRecordResult {
  try {
    const result = CanonicalRecord.safeParse(input);
    if (result.success) return { ok: true, record: result.data };
    const issues = toRecordIssues(result.error.issues);
    return { ok: false, reason: summarizeIssues(issues), issues };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, reason: `(record): unreadable input: ${message}`, issues: [{ path: '', message, code: 'custom' }] };
  }
}

/** Builds an InvalidRecord, lifting `entity` and `externalId` from the raw input when they are readable. */
export function invalidRecord(raw: unknown, reason: string, hint: { entity?: Entity; externalId?: string } = {}): InvalidRecord {
  const out: InvalidRecord = { raw, reason };
  let entity = hint.entity;
  let externalId = hint.externalId;
  if (typeof raw === 'object' && raw !== null) {
    const candidate = raw as Record<string, unknown>;
    try {
      const parsedEntity = Entity.safeParse(candidate.entity);
      if (entity === undefined && parsedEntity.success) entity = parsedEntity.data;
      const id = candidate.externalId ?? candidate.productExternalId;
      if (externalId === undefined && (typeof id === 'string' || typeof id === 'number')) externalId = String(id);
    } catch {
      // a throwing getter: keep what the hint gave us
    }
  }
  if (entity !== undefined) out.entity = entity;
  if (externalId !== undefined) out.externalId = externalId;
  return out;
}

export function isInvalidRecord(value: CanonicalRecord | InvalidRecord): value is InvalidRecord {
  // Canonical records are strict and have neither `raw` nor `reason`, so the two keys tell them apart.
  return 'raw' in value && 'reason' in value;
}

/**
 * The key a record is upserted under within one connection: the external id, except for stock levels,
 * which are per SKU and location.
 */
export function recordKey(record: CanonicalRecord): string {
  return record.entity === 'stock_level' ? `${record.productExternalId}@${record.locationId}` : record.externalId;
}
