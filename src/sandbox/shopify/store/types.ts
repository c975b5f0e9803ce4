// The sandbox's truth: what a Shopify shop holds. Ids are numbers (GIDs are derived), money is a decimal
// string as on the wire, timestamps are epoch milliseconds at second precision. `indexedAt` is the real
// time of the last write, used by the search-index lag (it differs from updatedAt, which may be bumped).
export type ProductStatus = 'ACTIVE' | 'ARCHIVED' | 'DRAFT' | 'UNLISTED';
export type InventoryPolicy = 'DENY' | 'CONTINUE';
export type QuantityName =
  | 'available' | 'incoming' | 'committed' | 'damaged' | 'on_hand' | 'quality_control' | 'reserved' | 'safety_stock';
export const QUANTITY_NAMES: readonly QuantityName[] = [
  'available', 'incoming', 'committed', 'damaged', 'on_hand', 'quality_control', 'reserved', 'safety_stock',
];

export interface Timestamps {
  createdAt: number;
  updatedAt: number;
  indexedAt: number;
}

export interface LocationRecord {
  id: number;
  name: string;
  isActive: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface ProductOption {
  name: string;
  values: string[];
}

export interface ProductRecord extends Timestamps {
  id: number;
  title: string;
  handle: string;
  status: ProductStatus;
  vendor: string;
  productType: string;
  tags: string[];
  descriptionHtml: string;
  options: ProductOption[];
  /** Variant ids in position order. */
  variantIds: number[];
}

export interface SelectedOption {
  name: string;
  value: string;
}

export interface VariantRecord extends Timestamps {
  id: number;
  productId: number;
  title: string;
  sku: string | null;
  barcode: string | null;
  price: string;
  compareAtPrice: string | null;
  taxable: boolean;
  inventoryPolicy: InventoryPolicy;
  inventoryItemId: number;
  selectedOptions: SelectedOption[];
}

export interface InventoryLevelRecord {
  id: number;
  inventoryItemId: number;
  locationId: number;
  quantities: Record<QuantityName, number>;
  createdAt: number;
  updatedAt: number;
}

export interface InventoryItemRecord {
  id: number;
  variantId: number;
  tracked: boolean;
  requiresShipping: boolean;
  createdAt: number;
  updatedAt: number;
  /** Levels keyed by location id: an item is "stocked at" a location when a level exists (inventoryActivate). */
  levels: Map<number, InventoryLevelRecord>;
}

export type FinancialStatus =
  | 'AUTHORIZED' | 'PAID' | 'PARTIALLY_PAID' | 'PARTIALLY_REFUNDED' | 'PENDING' | 'REFUNDED' | 'VOIDED' | 'EXPIRED';
export type FulfillmentStatus = 'FULFILLED' | 'IN_PROGRESS' | 'ON_HOLD' | 'OPEN' | 'PARTIALLY_FULFILLED' | 'UNFULFILLED';

export interface LineItemRecord {
  id: number;
  variantId: number | null;
  productId: number | null;
  sku: string | null;
  /** Product title plus variant title, frozen at order time as Shopify does. */
  name: string;
  title: string;
  variantTitle: string | null;
  quantity: number;
  price: string;
}

/** Shopify's MailingAddress as stored; `name` and `country` are derived when read. */
export interface MailingAddressRecord {
  firstName: string | null;
  lastName: string | null;
  company: string | null;
  address1: string | null;
  address2: string | null;
  city: string | null;
  zip: string | null;
  province: string | null;
  provinceCode: string | null;
  /** ISO 3166-1 alpha-2 (Shopify's CountryCode enum), or null when the buyer gave none. */
  countryCode: string | null;
  phone: string | null;
}

export interface OrderRecord extends Timestamps {
  id: number;
  number: number;
  name: string;
  email: string | null;
  processedAt: number;
  cancelledAt: number | null;
  closedAt: number | null;
  financialStatus: FinancialStatus;
  fulfillmentStatus: FulfillmentStatus;
  currencyCode: string;
  customerId: number | null;
  shippingAddress: MailingAddressRecord | null;
  tags: string[];
  note: string | null;
  lines: LineItemRecord[];
  subtotal: string;
  totalTax: string;
  total: string;
}

export type CustomerState = 'DISABLED' | 'INVITED' | 'ENABLED' | 'DECLINED';

export interface CustomerRecord extends Timestamps {
  id: number;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  tags: string[];
  state: CustomerState;
  note: string | null;
}

export type EntityName = 'products' | 'orders' | 'customers';
