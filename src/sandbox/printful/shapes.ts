// Serialisation of the sandbox's data into Printful's v1 and v2 shapes (platforms/printful.md
// section 2): v1 has UNIX-second timestamps and the {code, result, paging} envelope; v2 has ISO
// times, prices as strings and {data, paging, _links}.
import type { PrintfulStore } from './store/store.js';
import { REGIONS, type CatalogProduct, type CatalogVariant, type StockStatus, type SyncProduct, type SyncVariant } from './store/types.js';

export interface Paging {
  total: number;
  offset: number;
  limit: number;
}

export const v1Ok = (result: unknown, paging?: Paging, extra?: unknown[]) => ({
  code: 200,
  result,
  ...(paging ? { paging } : {}),
  ...(extra ? { extra } : {}),
});

export const v1Error = (code: number, message: string, reason: string) => ({ code, result: message, error: { reason, message } });

const unix = (ms: number) => Math.floor(ms / 1000);

export function catalogProductV1(p: CatalogProduct, variantCount: number) {
  return {
    id: p.id, main_category_id: p.mainCategoryId, type: p.type, type_name: p.typeName, title: p.title, brand: p.brand,
    model: p.model, image: p.image, variant_count: variantCount, currency: p.currency, files: [], options: [],
    is_discontinued: p.isDiscontinued, avg_fulfillment_time: 3.4, description: p.description,
    techniques: p.techniques.map((key, i) => ({ key: key.toUpperCase(), display_name: key, is_default: i === 0 })),
    origin_country: p.originCountry,
  };
}

export function catalogVariantV1(v: CatalogVariant) {
  return {
    id: v.id, product_id: v.productId, name: v.name, size: v.size, color: v.color, color_code: v.colorCode, color_code2: null,
    image: v.image, price: v.price,
    in_stock: Object.values(v.availability).some((s) => s === 'in_stock' || s === 'stocked_on_demand'),
    availability_regions: Object.fromEntries(Object.keys(v.availability).map((r) => [r, REGIONS[r] ?? r])),
    availability_status: Object.entries(v.availability).map(([region, status]) => ({ region, status })),
    material: v.material,
  };
}

export function syncProductV1(store: PrintfulStore, p: SyncProduct) {
  const variants = store.variantsOfSync(p);
  return {
    id: p.id, external_id: p.externalId, name: p.name, variants: variants.length, synced: variants.filter((v) => v.synced).length,
    thumbnail_url: p.thumbnailUrl, is_ignored: p.isIgnored,
  };
}

function syncStatus(cv: CatalogVariant | undefined): string {
  if (!cv) return 'discontinued';
  const statuses = Object.values(cv.availability);
  if (statuses.every((s) => s === 'discontinued')) return 'discontinued';
  if (statuses.every((s) => s === 'out_of_stock' || s === 'discontinued')) return 'out_of_stock';
  return 'active';
}

export function syncVariantV1(store: PrintfulStore, v: SyncVariant) {
  const cv = store.variants.get(v.variantId);
  const cp = cv ? store.products.get(cv.productId) : undefined;
  return {
    id: v.id, external_id: v.externalId, sync_product_id: v.syncProductId, name: `${store.syncProducts.get(v.syncProductId)?.name ?? ''} - ${cv?.color ?? ''} / ${cv?.size ?? ''}`,
    synced: v.synced, variant_id: v.variantId, retail_price: v.retailPrice, currency: v.currency, is_ignored: v.isIgnored, sku: v.sku,
    product: { variant_id: v.variantId, product_id: cv?.productId ?? null, image: cv?.image ?? null, name: cv?.name ?? null },
    files: v.files, options: v.options, main_category_id: cp?.mainCategoryId ?? null, warehouse_product_id: null,
    warehouse_product_variant_id: null, size: cv?.size ?? null, color: cv?.color ?? null, availability_status: syncStatus(cv),
  };
}

export function productUpdatedAt(p: SyncProduct): number {
  return unix(p.updatedAt);
}

// -------------------------------------------------------------------------------------------------- v2

const V2_STATUS: Record<StockStatus, string> = { in_stock: 'in stock', stocked_on_demand: 'stocked on demand', out_of_stock: 'out of stock', discontinued: 'discontinued' };

export function v2Status(s: StockStatus): string {
  return V2_STATUS[s];
}

export function v2List(baseUrl: string, path: string, data: unknown[], paging: Paging, query: Record<string, string> = {}) {
  const href = (offset: number) => {
    const q = new URLSearchParams({ ...query, offset: String(offset), limit: String(paging.limit) });
    return { href: `${baseUrl}${path}?${q.toString()}` };
  };
  const lastOffset = paging.total === 0 ? 0 : Math.floor((paging.total - 1) / paging.limit) * paging.limit;
  return {
    data,
    paging,
    _links: {
      self: href(paging.offset),
      first: href(0),
      last: href(lastOffset),
      ...(paging.offset + paging.limit < paging.total ? { next: href(paging.offset + paging.limit) } : {}),
      ...(paging.offset > 0 ? { previous: href(Math.max(0, paging.offset - paging.limit)) } : {}),
    },
  };
}

export function catalogProductV2(baseUrl: string, p: CatalogProduct, variantCount: number) {
  return {
    id: p.id, main_category_id: p.mainCategoryId, type: p.type, name: p.title, brand: p.brand, model: p.model, image: p.image,
    variant_count: variantCount, is_discontinued: p.isDiscontinued, description: p.description,
    techniques: p.techniques.map((key, i) => ({ key, display_name: key, is_default: i === 0 })),
    _links: { self: { href: `${baseUrl}/v2/catalog-products/${p.id}` }, variants: { href: `${baseUrl}/v2/catalog-products/${p.id}/catalog-variants` } },
  };
}

export function catalogVariantV2(baseUrl: string, v: CatalogVariant) {
  return {
    id: v.id, catalog_product_id: v.productId, name: v.name, size: v.size, color: v.color, color_code: v.colorCode, color_code2: null,
    image: v.image,
    _links: { self: { href: `${baseUrl}/v2/catalog-variants/${v.id}` }, variant_prices: { href: `${baseUrl}/v2/catalog-variants/${v.id}/prices` } },
  };
}

export function variantAvailabilityV2(v: CatalogVariant, techniques: string[]) {
  return {
    catalog_variant_id: v.id,
    techniques: techniques.map((technique) => ({
      technique,
      selling_regions: Object.entries(v.availability).map(([name, status]) => ({ name, availability: v2Status(status), placement_option_availability: [] })),
    })),
  };
}

export function variantPricesV2(p: CatalogProduct, v: CatalogVariant) {
  return {
    currency: p.currency,
    product: { id: p.id, placements: [] },
    variants: [{ id: v.id, techniques: p.techniques.map((technique) => ({ technique_key: technique, price: v.price, discounted_price: v.price })) }],
  };
}

export { unix };
