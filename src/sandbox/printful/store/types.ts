// The sandbox's own data model, close to Printful's v1 objects (platforms/printful.md section 2) so
// that serialising to v1 is nearly direct and v2 is a reshaping. Times are ms epoch internally.

/** v1 availability statuses; v2 spells them with spaces ("in stock"). */
export type StockStatus = 'in_stock' | 'stocked_on_demand' | 'out_of_stock' | 'discontinued';

export const REGIONS: Record<string, string> = { US: 'USA', EU: 'Europe', EU_LV: 'Latvia', AU: 'Australia' };

export interface CatalogProduct {
  id: number;
  mainCategoryId: number;
  type: string;
  typeName: string;
  title: string;
  brand: string;
  model: string;
  image: string;
  currency: string;
  isDiscontinued: boolean;
  description: string;
  techniques: string[];
  originCountry: string;
  variantIds: number[];
  updatedAt: number;
}

export interface CatalogVariant {
  id: number;
  productId: number;
  name: string;
  size: string;
  color: string;
  colorCode: string;
  image: string;
  /** Decimal string, as Printful sends money. */
  price: string;
  /** Region code -> status. */
  availability: Record<string, StockStatus>;
  material: { name: string; percentage: number }[];
  updatedAt: number;
}

export type SyncVariantStatus = 'active' | 'discontinued' | 'out_of_stock' | 'temporary_out_of_stock';

export interface SyncVariant {
  id: number;
  externalId: string;
  syncProductId: number;
  /** The catalog variant this store variant is made from. */
  variantId: number;
  retailPrice: string;
  currency: string;
  sku: string | null;
  isIgnored: boolean;
  synced: boolean;
  files: { id?: number; url?: string; type?: string }[];
  options: { id: string; value: unknown }[];
}

export interface SyncProduct {
  id: number;
  externalId: string;
  name: string;
  thumbnailUrl: string | null;
  isIgnored: boolean;
  variantIds: number[];
  updatedAt: number;
}

/** A change a merchant (or Printful) made; the webhook dispatcher turns it into deliveries. */
export type StoreEvent =
  | { kind: 'catalog_price_changed'; productIds: number[]; at: number }
  | { kind: 'catalog_stock_updated'; productId: number; variantIds: number[]; at: number }
  | { kind: 'product_synced' | 'product_updated'; syncProductId: number; at: number }
  | { kind: 'product_deleted'; syncProduct: { id: number; externalId: string; name: string }; at: number };
