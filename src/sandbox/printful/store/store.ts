// The sandbox's data: catalog products and variants, and the store's sync products and variants.
// Every change a merchant (or Printful) makes goes through a method here and emits a StoreEvent, which
// the webhook dispatcher turns into deliveries.
import { seedCatalog, type SeededData } from './seed.js';
import type { CatalogSeedOptions } from '../options.js';
import type { CatalogProduct, CatalogVariant, StockStatus, StoreEvent, SyncProduct, SyncVariant } from './types.js';

export class StoreError extends Error {
  constructor(readonly status: number, message: string, readonly reason = 'BadRequest') {
    super(message);
  }
}

/** Writable fields of a sync variant (platforms/printful.md section 5). */
export interface SyncVariantInput {
  id?: number;
  external_id?: string;
  variant_id?: number;
  retail_price?: string;
  sku?: string | null;
  is_ignored?: boolean;
  files?: { id?: number; url?: string; type?: string }[];
  options?: { id: string; value: unknown }[];
}

export interface SyncProductInput {
  sync_product?: { name?: string; external_id?: string; thumbnail?: string; is_ignored?: boolean };
  sync_variants?: SyncVariantInput[];
}

export const MAX_SYNC_VARIANTS = 100;
const PRICE = /^\d{1,9}(\.\d{1,2})?$/;

export class PrintfulStore {
  products = new Map<number, CatalogProduct>();
  variants = new Map<number, CatalogVariant>();
  syncProducts = new Map<number, SyncProduct>();
  syncVariants = new Map<number, SyncVariant>();
  private productOrder: number[] = [];
  private nextSyncProductId = 500_000;
  private nextSyncVariantId = 5_000_000;
  private readonly listeners = new Set<(e: StoreEvent) => void>();

  load(data: SeededData): void {
    this.products = new Map(data.products.map((p) => [p.id, p]));
    this.variants = new Map(data.variants.map((v) => [v.id, v]));
    this.syncProducts = new Map(data.syncProducts.map((p) => [p.id, p]));
    this.syncVariants = new Map(data.syncVariants.map((v) => [v.id, v]));
    this.productOrder = data.products.map((p) => p.id);
  }

  seed(opts: CatalogSeedOptions): { products: number; variants: number; storeProducts: number } {
    this.load(seedCatalog(opts));
    return { products: this.products.size, variants: this.variants.size, storeProducts: this.syncProducts.size };
  }

  onChange(listener: (e: StoreEvent) => void): void {
    this.listeners.add(listener);
  }

  private emit(e: StoreEvent): void {
    for (const l of this.listeners) l(e);
  }

  // ------------------------------------------------------------------------------------------ catalog

  catalogProducts(filter: { categoryIds?: number[] } = {}): CatalogProduct[] {
    const all = this.productOrder.map((id) => this.products.get(id)!).filter(Boolean);
    return filter.categoryIds?.length ? all.filter((p) => filter.categoryIds!.includes(p.mainCategoryId)) : all;
  }

  variantsOf(product: CatalogProduct): CatalogVariant[] {
    return product.variantIds.map((id) => this.variants.get(id)).filter((v): v is CatalogVariant => !!v);
  }

  /** Sets the price of one variant, or of every variant of a product (`productId`). */
  setCatalogPrice(input: { variantId?: number; productId?: number; price: string }): CatalogVariant[] {
    if (!PRICE.test(input.price)) throw new StoreError(400, 'price must be a decimal string like "12.50"');
    const targets = this.targets(input);
    const at = Date.now();
    for (const v of targets) {
      v.price = input.price;
      v.updatedAt = at;
    }
    this.emit({ kind: 'catalog_price_changed', productIds: [...new Set(targets.map((v) => v.productId))], at });
    return targets;
  }

  /** Sets the stock status of variants in one region (or all regions). */
  setCatalogStock(input: { variantId?: number; productId?: number; status: StockStatus; region?: string }): CatalogVariant[] {
    const targets = this.targets(input);
    const at = Date.now();
    for (const v of targets) {
      for (const region of Object.keys(v.availability)) if (!input.region || input.region === region) v.availability[region] = input.status;
      v.updatedAt = at;
    }
    const byProduct = new Map<number, number[]>();
    for (const v of targets) byProduct.set(v.productId, [...(byProduct.get(v.productId) ?? []), v.id]);
    for (const [productId, variantIds] of byProduct) this.emit({ kind: 'catalog_stock_updated', productId, variantIds, at });
    return targets;
  }

  private targets(input: { variantId?: number; productId?: number }): CatalogVariant[] {
    if (input.variantId !== undefined) {
      const v = this.variants.get(input.variantId);
      if (!v) throw new StoreError(404, `catalog variant ${input.variantId} not found`, 'NotFound');
      return [v];
    }
    const p = input.productId !== undefined ? this.products.get(input.productId) : undefined;
    if (!p) throw new StoreError(404, `catalog product ${String(input.productId)} not found`, 'NotFound');
    return this.variantsOf(p);
  }

  // ------------------------------------------------------------------------------------ sync products

  /** By numeric id or `@external_id`. */
  findSyncProduct(ref: string): SyncProduct | undefined {
    if (ref.startsWith('@')) {
      const ext = decodeURIComponent(ref.slice(1));
      for (const p of this.syncProducts.values()) if (p.externalId === ext) return p;
      return undefined;
    }
    return /^\d+$/.test(ref) ? this.syncProducts.get(Number(ref)) : undefined;
  }

  findSyncVariant(ref: string): SyncVariant | undefined {
    if (ref.startsWith('@')) {
      const ext = decodeURIComponent(ref.slice(1));
      for (const v of this.syncVariants.values()) if (v.externalId === ext) return v;
      return undefined;
    }
    return /^\d+$/.test(ref) ? this.syncVariants.get(Number(ref)) : undefined;
  }

  variantsOfSync(p: SyncProduct): SyncVariant[] {
    return p.variantIds.map((id) => this.syncVariants.get(id)).filter((v): v is SyncVariant => !!v);
  }

  listSyncProducts(filter: { search?: string; status?: string } = {}): SyncProduct[] {
    let all = [...this.syncProducts.values()].sort((a, b) => a.id - b.id);
    if (filter.search) all = all.filter((p) => p.name.toLowerCase().includes(filter.search!.toLowerCase()));
    if (filter.status === 'ignored') all = all.filter((p) => p.isIgnored);
    if (filter.status === 'synced') all = all.filter((p) => this.variantsOfSync(p).every((v) => v.synced));
    if (filter.status === 'unsynced') all = all.filter((p) => this.variantsOfSync(p).some((v) => !v.synced));
    return all;
  }

  createSyncProduct(input: SyncProductInput): SyncProduct {
    if (!input.sync_product || !Array.isArray(input.sync_variants)) throw new StoreError(400, 'Missing required parameters');
    const name = input.sync_product.name;
    if (typeof name !== 'string' || name.trim() === '') throw new StoreError(400, 'Missing required parameters');
    if (input.sync_variants.length > MAX_SYNC_VARIANTS) throw new StoreError(400, `A product can have at most ${MAX_SYNC_VARIANTS} variants`);
    const p: SyncProduct = {
      id: this.nextSyncProductId++, externalId: input.sync_product.external_id ?? `${this.nextSyncProductId}`, name,
      thumbnailUrl: input.sync_product.thumbnail ?? null, isIgnored: input.sync_product.is_ignored ?? false, variantIds: [], updatedAt: Date.now(),
    };
    const created = input.sync_variants.map((v) => this.newSyncVariant(p, v));
    this.syncProducts.set(p.id, p);
    for (const v of created) {
      this.syncVariants.set(v.id, v);
      p.variantIds.push(v.id);
    }
    this.emit({ kind: 'product_synced', syncProductId: p.id, at: p.updatedAt });
    return p;
  }

  private newSyncVariant(p: SyncProduct, v: SyncVariantInput): SyncVariant {
    if (typeof v.variant_id !== 'number' || !this.variants.has(v.variant_id)) throw new StoreError(400, 'PR-1 MISSING_VARIANT_ID: a valid catalog variant_id is required');
    if (v.retail_price !== undefined && !PRICE.test(v.retail_price)) throw new StoreError(400, 'retail_price must be a decimal string');
    const id = this.nextSyncVariantId++;
    return {
      id, externalId: v.external_id ?? String(id), syncProductId: p.id, variantId: v.variant_id, retailPrice: v.retail_price ?? this.variants.get(v.variant_id)!.price,
      currency: 'USD', sku: v.sku ?? null, isIgnored: v.is_ignored ?? false, synced: true, files: v.files ?? [], options: v.options ?? [],
    };
  }

  /** PUT /store/products/{id}: variants not listed by id are deleted; new ones (no id) are created. */
  updateSyncProduct(p: SyncProduct, input: SyncProductInput): SyncProduct {
    if (input.sync_product) {
      if (input.sync_product.name !== undefined) p.name = input.sync_product.name;
      if (input.sync_product.external_id !== undefined) p.externalId = input.sync_product.external_id;
      if (input.sync_product.is_ignored !== undefined) p.isIgnored = input.sync_product.is_ignored;
      if (input.sync_product.thumbnail !== undefined) p.thumbnailUrl = input.sync_product.thumbnail;
    }
    if (Array.isArray(input.sync_variants)) {
      if (input.sync_variants.length > MAX_SYNC_VARIANTS) throw new StoreError(400, `A product can have at most ${MAX_SYNC_VARIANTS} variants`);
      const kept: number[] = [];
      for (const v of input.sync_variants) {
        const existing = v.id !== undefined ? this.syncVariants.get(v.id) : undefined;
        if (existing && existing.syncProductId === p.id) {
          if (v.retail_price !== undefined) existing.retailPrice = v.retail_price;
          if (v.sku !== undefined) existing.sku = v.sku;
          if (v.external_id !== undefined) existing.externalId = v.external_id;
          if (v.is_ignored !== undefined) existing.isIgnored = v.is_ignored;
          kept.push(existing.id);
        } else {
          const created = this.newSyncVariant(p, v);
          this.syncVariants.set(created.id, created);
          kept.push(created.id);
        }
      }
      for (const id of p.variantIds) if (!kept.includes(id)) this.syncVariants.delete(id);
      p.variantIds = kept;
    }
    p.updatedAt = Date.now();
    this.emit({ kind: 'product_updated', syncProductId: p.id, at: p.updatedAt });
    return p;
  }

  deleteSyncProduct(p: SyncProduct): void {
    for (const id of p.variantIds) this.syncVariants.delete(id);
    this.syncProducts.delete(p.id);
    this.emit({ kind: 'product_deleted', syncProduct: { id: p.id, externalId: p.externalId, name: p.name }, at: Date.now() });
  }
}
