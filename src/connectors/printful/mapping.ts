// Pure mapping of Printful payloads to canonical records: catalog variants become catalog items
// (with price and availability), store (sync) variants become hub products — one per SKU, grouped by
// their sync product and linked to the catalog variant they are made from. Anything malformed becomes
// an InvalidRecord, never a throw.
import { invalidRecord, type CanonicalRecord, type CatalogItemRecord, type InvalidRecord } from '../../core/records.js';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const id = (v: unknown): string | undefined => (typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? String(v) : typeof v === 'string' && /^\d+$/.test(v) ? v : undefined);
const money = (v: unknown): string | undefined => {
  const s = typeof v === 'number' ? v.toFixed(2) : typeof v === 'string' ? v.trim() : undefined;
  return s && /^\d{1,15}(\.\d{1,4})?$/.test(s) ? s : undefined;
};
const httpUrl = (v: unknown): string | undefined => (typeof v === 'string' && /^https?:\/\//.test(v) ? v : undefined);
const currency = (v: unknown): string | undefined => (typeof v === 'string' && /^[A-Z]{3}$/.test(v) ? v : undefined);

/** Statuses that mean a variant can be ordered (v1 spells them with underscores, v2 with spaces). */
const ORDERABLE = new Set(['in_stock', 'stocked_on_demand', 'in stock', 'stocked on demand']);

/** Region -> status from v1 `availability_status: [{region, status}]` or v2 `availability: [{region, status}]`. */
export function availabilityMap(list: unknown): Record<string, string> | undefined {
  if (!Array.isArray(list)) return undefined;
  const out: Record<string, string> = {};
  for (const entry of list) {
    const e = obj(entry);
    const region = str(e?.region) ?? str(e?.name);
    const status = str(e?.status) ?? str(e?.availability);
    if (region && status) out[region] = status.replace(/ /g, '_');
  }
  return out;
}

export function inStockFrom(availability: Record<string, string> | undefined, fallback?: unknown): boolean | undefined {
  if (availability && Object.keys(availability).length > 0) return Object.values(availability).some((s) => ORDERABLE.has(s));
  return typeof fallback === 'boolean' ? fallback : undefined;
}

/** `GET /products/{id}` result `{product, variants}` -> one catalog item per variant. */
export function mapCatalogProduct(raw: unknown): (CanonicalRecord | InvalidRecord)[] {
  const r = obj(raw);
  const product = obj(r?.product);
  const productId = id(product?.id);
  if (!product || !productId) return [invalidRecord(raw, 'catalog product without an id', { entity: 'catalog_item' })];
  if (!Array.isArray(r?.variants)) return [invalidRecord(raw, `catalog product ${productId} without a variants list`, { entity: 'catalog_item' })];
  return r.variants.map((v: unknown) => mapCatalogVariant(v, product));
}

export function mapCatalogVariant(raw: unknown, product: Json): CanonicalRecord | InvalidRecord {
  const v = obj(raw);
  const variantId = id(v?.id);
  if (!v || !variantId) return invalidRecord(raw, 'catalog variant without an id', { entity: 'catalog_item' });
  const price = money(v.price);
  if (v.price !== undefined && v.price !== null && price === undefined) return invalidRecord(raw, `catalog variant ${variantId}: price is not a decimal`, { entity: 'catalog_item', externalId: variantId });
  const availability = availabilityMap(v.availability_status);
  const record: CatalogItemRecord = {
    entity: 'catalog_item',
    externalId: variantId,
    productExternalId: id(v.product_id) ?? id(product.id)!,
    productName: str(product.title) ?? str(product.name) ?? null,
    variantName: str(v.name) ?? null,
    size: str(v.size) ?? null,
    color: str(v.color) ?? null,
    colorCode: str(v.color_code) ?? null,
    imageUrl: httpUrl(v.image) ?? null,
    price: price ?? null,
    currency: currency(product.currency) ?? null,
    inStock: inStockFrom(availability, v.in_stock) ?? null,
    availability: availability ?? null,
  };
  return record;
}

/**
 * v2 `catalog_stock_updated` entry -> a partial catalog item: only availability and stock are set,
 * so the hub keeps the variant's price and names (omitted fields are left as they are).
 */
export function mapStockEntry(raw: unknown, occurredAt: string | null): CanonicalRecord | InvalidRecord {
  const e = obj(raw);
  const variantId = id(e?.catalog_variant_id);
  const productId = id(e?.catalog_product_id);
  if (!e || !variantId || !productId) return invalidRecord(raw, 'catalog_stock_updated entry without catalog_variant_id / catalog_product_id', { entity: 'catalog_item' });
  const availability = availabilityMap(e.availability) ?? {};
  return {
    entity: 'catalog_item', externalId: variantId, productExternalId: productId, availability, inStock: inStockFrom(availability) ?? false,
    ...(occurredAt ? { remoteUpdatedAt: occurredAt } : {}),
  };
}

/** `GET /store/products/{id}` result `{sync_product, sync_variants}` -> one hub product per sync variant. */
export function mapSyncProduct(raw: unknown): (CanonicalRecord | InvalidRecord)[] {
  const r = obj(raw);
  const sp = obj(r?.sync_product);
  const productId = id(sp?.id);
  if (!sp || !productId) return [invalidRecord(raw, 'store product without an id', { entity: 'product' })];
  if (!Array.isArray(r?.sync_variants)) return [invalidRecord(raw, `store product ${productId} without sync_variants`, { entity: 'product' })];
  const title = str(sp.name) ?? null;
  return r.sync_variants.map((raw: unknown): CanonicalRecord | InvalidRecord => {
    const v = obj(raw);
    const variantId = id(v?.id);
    if (!v || !variantId) return invalidRecord(raw, `sync variant without an id in store product ${productId}`, { entity: 'product' });
    const price = money(v.retail_price);
    if (v.retail_price !== undefined && v.retail_price !== null && price === undefined) {
      return invalidRecord(raw, `sync variant ${variantId}: retail_price is not a decimal`, { entity: 'product', externalId: variantId });
    }
    const catalogVariantId = id(v.variant_id) ?? id(obj(v.product)?.variant_id);
    const status = str(v.availability_status);
    return {
      entity: 'product',
      externalId: variantId,
      parentExternalId: productId,
      group: { externalId: productId, title },
      sku: str(v.sku) ?? null,
      name: str(v.name) ?? title,
      price: price ?? null,
      isActive: !(sp.is_ignored === true || v.is_ignored === true) && status !== 'discontinued',
      images: httpUrl(obj(v.product)?.image) ? [{ url: httpUrl(obj(v.product)?.image)! }] : undefined,
      // The catalog variant this SKU is printed from: the link between hub products and catalog items.
      catalogVariantId: catalogVariantId ?? null,
    };
  });
}
