// Product and variant writes with Shopify's semantics: a product always has at least one variant, a new
// variant gets an inventory item stocked at the primary location, variant changes bump the product's
// updatedAt, and `replaceVariants` is productSet's list replacement (variants not listed are deleted).
import type { ShopifyStore } from './store.js';
import type { InventoryPolicy, ProductOption, ProductRecord, ProductStatus, SelectedOption, VariantRecord } from './types.js';
import { QUANTITY_NAMES } from './types.js';
import type { InventoryLevelRecord, QuantityName } from './types.js';

export interface ProductFields {
  title?: string;
  handle?: string;
  status?: ProductStatus;
  vendor?: string;
  productType?: string;
  tags?: string[];
  descriptionHtml?: string;
  options?: ProductOption[];
}

export interface VariantFields {
  title?: string;
  sku?: string | null;
  barcode?: string | null;
  price?: string;
  compareAtPrice?: string | null;
  taxable?: boolean;
  inventoryPolicy?: InventoryPolicy;
  tracked?: boolean;
  selectedOptions?: SelectedOption[];
}

export const DEFAULT_OPTION: ProductOption = { name: 'Title', values: ['Default Title'] };

/** Shopify stores tags trimmed, de-duplicated (case-insensitively) and sorted. */
export function normaliseTags(tags: readonly string[]): string[] {
  const seen = new Map<string, string>();
  for (const raw of tags) {
    for (const part of raw.split(',')) {
      const tag = part.trim();
      if (tag && !seen.has(tag.toLowerCase())) seen.set(tag.toLowerCase(), tag);
    }
  }
  return [...seen.values()].sort((a, b) => a.localeCompare(b));
}

export function slugify(text: string): string {
  const slug = text.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return slug || 'product';
}

function uniqueHandle(store: ShopifyStore, wanted: string, productId: number): string {
  let handle = slugify(wanted);
  for (let n = 1; store.handles.has(handle) && store.handles.get(handle) !== productId; n += 1) {
    handle = `${slugify(wanted)}-${n}`;
  }
  return handle;
}

export function emptyQuantities(): Record<QuantityName, number> {
  return Object.fromEntries(QUANTITY_NAMES.map((n) => [n, 0])) as Record<QuantityName, number>;
}

/** Creates the level that makes an item "stocked at" a location (what inventoryActivate does). */
export function stockAt(store: ShopifyStore, inventoryItemId: number, locationId: number, available = 0): InventoryLevelRecord {
  const item = store.inventoryItems.get(inventoryItemId);
  if (!item) throw new Error(`no inventory item ${inventoryItemId}`);
  const existing = item.levels.get(locationId);
  if (existing) return existing;
  const at = store.stamp();
  const quantities = emptyQuantities();
  quantities.available = available;
  quantities.on_hand = available;
  const level: InventoryLevelRecord = {
    id: store.nextId('inventoryLevel'), inventoryItemId, locationId, quantities, createdAt: at, updatedAt: at,
  };
  item.levels.set(locationId, level);
  return level;
}

function primaryLocationId(store: ShopifyStore): number | undefined {
  for (const location of store.locations.values()) if (location.isActive) return location.id;
  return undefined;
}

function addVariant(store: ShopifyStore, product: ProductRecord, fields: VariantFields, at: number): VariantRecord {
  const variantId = store.nextId('variant');
  const inventoryItemId = store.nextId('inventoryItem');
  const selectedOptions = fields.selectedOptions ?? [{ name: DEFAULT_OPTION.name, value: DEFAULT_OPTION.values[0] ?? '' }];
  const variant: VariantRecord = {
    id: variantId, productId: product.id,
    title: fields.title ?? selectedOptions.map((o) => o.value).join(' / '),
    sku: fields.sku ?? null, barcode: fields.barcode ?? null, price: fields.price ?? '0.00',
    compareAtPrice: fields.compareAtPrice ?? null, taxable: fields.taxable ?? true,
    inventoryPolicy: fields.inventoryPolicy ?? 'DENY', inventoryItemId, selectedOptions,
    createdAt: at, updatedAt: at, indexedAt: store.now(),
  };
  store.variants.set(variantId, variant);
  store.inventoryItems.set(inventoryItemId, {
    id: inventoryItemId, variantId, tracked: fields.tracked ?? true, requiresShipping: true,
    createdAt: at, updatedAt: at, levels: new Map(),
  });
  const primary = primaryLocationId(store);
  if (primary !== undefined) stockAt(store, inventoryItemId, primary);
  product.variantIds.push(variantId);
  store.changed('variants');
  store.changed('inventoryItems');
  return variant;
}

function applyVariantFields(store: ShopifyStore, variant: VariantRecord, fields: VariantFields, at: number): void {
  const { tracked, ...rest } = fields;
  for (const [key, value] of Object.entries(rest)) {
    if (value !== undefined) (variant as unknown as Record<string, unknown>)[key] = value;
  }
  if (fields.selectedOptions && fields.title === undefined) {
    variant.title = fields.selectedOptions.map((o) => o.value).join(' / ');
  }
  const item = store.inventoryItems.get(variant.inventoryItemId);
  if (item && tracked !== undefined) {
    item.tracked = tracked;
    item.updatedAt = at;
  }
  variant.updatedAt = at;
  variant.indexedAt = store.now();
  store.changed('variants');
}

function removeVariant(store: ShopifyStore, variant: VariantRecord): void {
  store.variants.delete(variant.id);
  store.inventoryItems.delete(variant.inventoryItemId);
  store.changed('variants');
  store.changed('inventoryItems');
}

function assignProductFields(store: ShopifyStore, product: ProductRecord, fields: ProductFields): void {
  const { handle, tags, ...rest } = fields;
  if (tags !== undefined) product.tags = normaliseTags(tags);
  for (const [key, value] of Object.entries(rest)) {
    if (value !== undefined) (product as unknown as Record<string, unknown>)[key] = value;
  }
  if (handle !== undefined && handle !== product.handle) {
    store.handles.delete(product.handle);
    product.handle = uniqueHandle(store, handle, product.id);
    store.handles.set(product.handle, product.id);
  }
}

/** Creates a product; with no variants given it gets Shopify's single "Default Title" variant. */
export function createProduct(
  store: ShopifyStore, fields: ProductFields, variants: VariantFields[] = [], opts: { at?: number; silent?: boolean } = {},
): ProductRecord {
  return store.action(() => {
    const at = opts.at ?? store.stamp();
    const id = store.nextId('product');
    const title = fields.title ?? 'Untitled product';
    const product: ProductRecord = {
      id, title, handle: '', status: fields.status ?? 'ACTIVE', vendor: fields.vendor ?? '',
      productType: fields.productType ?? '', tags: normaliseTags(fields.tags ?? []), descriptionHtml: fields.descriptionHtml ?? '',
      options: fields.options ?? [DEFAULT_OPTION], variantIds: [], createdAt: at, updatedAt: at, indexedAt: store.now(),
    };
    product.handle = uniqueHandle(store, fields.handle ?? title, id);
    store.handles.set(product.handle, id);
    store.products.set(id, product);
    for (const v of variants.length > 0 ? variants : [{}]) addVariant(store, product, v, at);
    store.changed('products');
    if (!opts.silent) store.emit('products/create', id);
    return product;
  });
}

export function updateProduct(store: ShopifyStore, id: number, fields: ProductFields): ProductRecord | undefined {
  const product = store.products.get(id);
  if (!product) return undefined;
  return store.action(() => {
    assignProductFields(store, product, fields);
    store.touch('products', product);
    store.emit('products/update', id);
    return product;
  });
}

export function deleteProduct(store: ShopifyStore, id: number): boolean {
  const product = store.products.get(id);
  if (!product) return false;
  store.action(() => {
    for (const variantId of product.variantIds) {
      const variant = store.variants.get(variantId);
      if (variant) removeVariant(store, variant);
    }
    store.products.delete(id);
    store.handles.delete(product.handle);
    store.deletions.push({ id: store.deletions.length + 1, subjectId: id, subjectType: 'PRODUCT', occurredAt: store.stamp() });
    store.changed('products');
    store.emit('products/delete', id, { snapshot: { id } });
  });
  return true;
}

/** Updates variants by id; variants of other products are ignored (callers validate first). */
export function updateVariants(
  store: ShopifyStore, productId: number, patches: (VariantFields & { id: number })[],
): VariantRecord[] {
  const product = store.products.get(productId);
  if (!product) return [];
  return store.action(() => {
    const at = store.stamp();
    const updated: VariantRecord[] = [];
    for (const { id, ...fields } of patches) {
      const variant = store.variants.get(id);
      if (!variant || variant.productId !== productId) continue;
      applyVariantFields(store, variant, fields, at);
      updated.push(variant);
    }
    store.touch('products', product, at);
    store.emit('products/update', productId);
    return updated;
  });
}

export function createVariants(store: ShopifyStore, productId: number, inputs: VariantFields[]): VariantRecord[] {
  const product = store.products.get(productId);
  if (!product) return [];
  return store.action(() => {
    const at = store.stamp();
    const created = inputs.map((fields) => addVariant(store, product, fields, at));
    store.touch('products', product, at);
    store.emit('products/update', productId);
    return created;
  });
}

export function deleteVariants(store: ShopifyStore, productId: number, variantIds: number[]): void {
  const product = store.products.get(productId);
  if (!product) return;
  store.action(() => {
    const remove = new Set(variantIds);
    for (const id of remove) {
      const variant = store.variants.get(id);
      if (variant && variant.productId === productId) removeVariant(store, variant);
    }
    product.variantIds = product.variantIds.filter((id) => !remove.has(id));
    store.touch('products', product);
    store.emit('products/update', productId);
  });
}

/**
 * productSet: scalar fields change only when given; the variant list is replaced — entries with an id
 * update that variant, entries without one are created, existing variants not listed are deleted.
 */
export function setProduct(
  store: ShopifyStore, existingId: number | undefined, fields: ProductFields,
  variants: (VariantFields & { id?: number })[] | undefined,
): ProductRecord {
  return store.action(() => {
    if (existingId === undefined) {
      return createProduct(store, fields, variants ?? []);
    }
    const product = store.products.get(existingId);
    if (!product) throw new Error(`no product ${existingId}`);
    const at = store.stamp();
    assignProductFields(store, product, fields);
    if (variants) {
      const keep = new Set<number>();
      const order: number[] = [];
      for (const { id, ...v } of variants) {
        const existing = id !== undefined ? store.variants.get(id) : undefined;
        if (existing && existing.productId === product.id) {
          applyVariantFields(store, existing, v, at);
          keep.add(existing.id);
          order.push(existing.id);
        } else {
          const created = addVariant(store, product, v, at);
          keep.add(created.id);
          order.push(created.id);
        }
      }
      for (const variantId of product.variantIds) {
        const variant = store.variants.get(variantId);
        if (variant && !keep.has(variantId)) removeVariant(store, variant);
      }
      product.variantIds = order;
    }
    store.touch('products', product, at);
    store.emit('products/update', product.id);
    return product;
  });
}
