// Product and variation saves with WooCommerce's rules (section 2 "Stock rules on save", section 5):
// decimals normalised, stock_quantity only with manage_stock, stock_status derived, unique SKUs,
// trash vs permanent delete. Every save moves date_modified and emits the product.* event.
import { WooError } from './errors.js';
import type { Meta, ProductRec, Term, WooStore } from './store.js';
import { checkFields, type FieldType, formatDecimal } from './validate.js';

const STATUS = ['draft', 'pending', 'private', 'publish'] as const;
const STOCK_STATUS = ['instock', 'outofstock', 'onbackorder'] as const;
const BACKORDERS = ['no', 'notify', 'yes'] as const;

const SHARED: Record<string, FieldType> = {
  description: 'string', sku: 'string', regular_price: 'string', sale_price: 'string', status: STATUS,
  manage_stock: 'boolean', stock_quantity: 'integer', stock_status: 'string', backorders: BACKORDERS,
  weight: 'string', dimensions: 'object', meta_data: 'array', menu_order: 'integer', attributes: 'array',
};
export const PRODUCT_FIELDS: Record<string, FieldType> = {
  ...SHARED, id: 'integer', name: 'string', slug: 'string', type: ['simple', 'grouped', 'external', 'variable'],
  short_description: 'string', categories: 'array', tags: 'array', images: 'array', default_attributes: 'array',
};
export const VARIATION_FIELDS: Record<string, FieldType> = { ...SHARED, id: 'integer', image: 'object' };

export interface WriteContext {
  store: WooStore;
  /** Store time in ms (the clock-skew fault moves it). */
  now: number;
  /** Single REST writes check types strictly; batch items are coerced (see validate.ts). */
  strict: boolean;
}

export function slugify(name: string): string {
  return name.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'product';
}

function uniqueSlug(store: WooStore, wanted: string, selfId: number): string {
  const taken = new Set([...store.products.values()].filter((p) => p.id !== selfId).map((p) => p.slug));
  if (!taken.has(wanted)) return wanted;
  for (let n = 2; ; n += 1) if (!taken.has(`${wanted}-${n}`)) return `${wanted}-${n}`;
}

/** update_meta_data semantics: an entry with `id` updates that entry, a known key replaces its value, else it is added. */
export function mergeMeta(store: WooStore, current: Meta[], input: unknown[]): Meta[] {
  const out = current.map((m) => ({ ...m }));
  for (const raw of input) {
    if (typeof raw !== 'object' || raw === null) continue;
    const m = raw as { id?: unknown; key?: unknown; value?: unknown };
    const existing = (typeof m.id === 'number' ? out.find((e) => e.id === m.id) : undefined) ?? out.find((e) => e.key === m.key);
    if (existing) {
      if (typeof m.key === 'string') existing.key = m.key;
      existing.value = m.value ?? null;
    } else if (typeof m.key === 'string') out.push({ id: store.metaId(), key: m.key, value: m.value ?? null });
  }
  return out;
}

function terms(input: unknown[], kind: 'Category' | 'Tag'): Term[] {
  return input.flatMap((t) => {
    const id = Number((t as { id?: unknown })?.id);
    if (!Number.isInteger(id) || id <= 0) return [];
    const name = typeof (t as { name?: unknown }).name === 'string' ? String((t as { name: string }).name) : `${kind} ${id}`;
    return [{ id, name, slug: slugify(name) }];
  });
}

function assertUniqueSku(store: WooStore, sku: string, selfId: number): void {
  if (sku === '') return;
  const other = store.bySku(sku, selfId);
  if (other) throw new WooError(400, 'product_invalid_sku', 'Invalid or duplicated SKU.', { resource_id: other.id, unique_sku: `${sku}-1` });
}

/** Applies checked fields, then the stock rules of abstract-wc-product.php. Throws before mutating `rec` on a bad SKU. */
function apply(ctx: WriteContext, rec: ProductRec, f: Record<string, unknown>): void {
  if (typeof f.sku === 'string') assertUniqueSku(ctx.store, f.sku.trim(), rec.id);
  if (typeof f.name === 'string') rec.name = f.name;
  if (typeof f.slug === 'string' && f.slug !== '') rec.slug = uniqueSlug(ctx.store, slugify(f.slug), rec.id);
  if (typeof f.type === 'string') rec.type = f.type as ProductRec['type'];
  for (const key of ['description', 'short_description'] as const) if (typeof f[key] === 'string') rec[key] = f[key] as string;
  if (typeof f.sku === 'string') rec.sku = f.sku.trim();
  if (typeof f.status === 'string') rec.status = f.status as ProductRec['status'];
  if ('regular_price' in f) rec.regular_price = formatDecimal(f.regular_price);
  if ('sale_price' in f) rec.sale_price = formatDecimal(f.sale_price);
  if ('weight' in f) rec.weight = formatDecimal(f.weight);
  if (f.dimensions && typeof f.dimensions === 'object') {
    const d = f.dimensions as Record<string, unknown>;
    for (const k of ['length', 'width', 'height'] as const) if (k in d) rec.dimensions[k] = formatDecimal(d[k]);
  }
  if (typeof f.manage_stock === 'boolean') rec.manage_stock = f.manage_stock;
  if (typeof f.backorders === 'string') rec.backorders = f.backorders as ProductRec['backorders'];
  if (typeof f.stock_status === 'string') {
    // An unknown stock_status falls back to instock (setter behaviour), it is not an error.
    rec.stock_status = (STOCK_STATUS as readonly string[]).includes(f.stock_status) ? (f.stock_status as ProductRec['stock_status']) : 'instock';
  }
  if ('stock_quantity' in f && rec.manage_stock) rec.stock_quantity = f.stock_quantity === null ? null : Number(f.stock_quantity);
  if (Array.isArray(f.categories)) rec.categories = terms(f.categories, 'Category');
  if (Array.isArray(f.tags)) rec.tags = terms(f.tags, 'Tag');
  const images = Array.isArray(f.images) ? f.images : f.image && typeof f.image === 'object' ? [f.image] : undefined;
  if (images) {
    rec.images = images.map((i) => {
      const img = i as { id?: unknown; src?: unknown; name?: unknown; alt?: unknown };
      const src = typeof img.src === 'string' ? img.src : '';
      return { id: typeof img.id === 'number' && img.id > 0 ? img.id : ctx.store.imageId(), src, name: String(img.name ?? src.split('/').pop() ?? ''), alt: String(img.alt ?? '') };
    });
  }
  if (Array.isArray(f.attributes)) rec.attributes = (f.attributes as Record<string, unknown>[]).map((a) => ({ id: 0, ...a }));
  if (Array.isArray(f.default_attributes)) rec.default_attributes = (f.default_attributes as Record<string, unknown>[]).map((a) => ({ id: 0, ...a }));
  if (typeof f.menu_order === 'number') rec.menu_order = f.menu_order;
  if (Array.isArray(f.meta_data)) rec.meta_data = mergeMeta(ctx.store, rec.meta_data, f.meta_data);
  applyStockRules(rec);
  rec.modified = ctx.now;
}

export function applyStockRules(rec: ProductRec): void {
  if (!rec.manage_stock) {
    rec.stock_quantity = null;
    rec.backorders = 'no';
    return;
  }
  rec.stock_quantity ??= 0;
  // Out-of-stock threshold is 0 by default.
  rec.stock_status = rec.stock_quantity > 0 ? 'instock' : rec.backorders !== 'no' ? 'onbackorder' : 'outofstock';
}

function blank(store: WooStore, now: number, type: ProductRec['type'], parentId: number): ProductRec {
  return {
    id: store.postId(), type, parent_id: parentId, name: '', slug: '', status: 'publish', description: '', short_description: '',
    sku: '', regular_price: '', sale_price: '', manage_stock: false, stock_quantity: null, stock_status: 'instock', backorders: 'no',
    weight: '', dimensions: { length: '', width: '', height: '' }, categories: [], tags: [], images: [], attributes: [],
    default_attributes: [], menu_order: 0, total_sales: 0, meta_data: [], created: now, modified: now,
  };
}

export function createProduct(ctx: WriteContext, input: unknown): ProductRec {
  const f = checkFields(input, PRODUCT_FIELDS, ctx.strict, ['stock_quantity']);
  if (typeof f.id === 'number' && f.id > 0) throw new WooError(400, 'woocommerce_rest_product_exists', 'Cannot create existing product.');
  if (typeof f.sku === 'string') assertUniqueSku(ctx.store, f.sku.trim(), 0);
  const rec = blank(ctx.store, ctx.now, 'simple', 0);
  apply(ctx, rec, f);
  if (rec.name === '') rec.name = 'Product';
  if (rec.slug === '') rec.slug = uniqueSlug(ctx.store, slugify(rec.name), rec.id);
  ctx.store.products.set(rec.id, rec);
  ctx.store.emit('product', 'created', rec.id);
  return rec;
}

/** A product (not a variation) by id; `code` errors follow section 7 (404 on GET/DELETE, 400 on PUT). */
export function findProduct(store: WooStore, id: number, method: string, allowVariation = false): ProductRec {
  const rec = store.products.get(id);
  if (!rec || (!allowVariation && rec.type === 'variation')) {
    throw new WooError(method === 'PUT' || method === 'POST' ? 400 : 404, 'woocommerce_rest_product_invalid_id', 'Invalid ID.');
  }
  return rec;
}

export function findVariation(store: WooStore, parentId: number, id: number, method: string): ProductRec {
  const rec = store.products.get(id);
  if (!rec || rec.type !== 'variation' || rec.parent_id !== parentId) {
    throw new WooError(method === 'PUT' || method === 'POST' ? 400 : 404, 'woocommerce_rest_product_variation_invalid_id', 'Invalid ID.');
  }
  return rec;
}

export function updateProduct(ctx: WriteContext, rec: ProductRec, input: unknown): ProductRec {
  apply(ctx, rec, checkFields(input, rec.type === 'variation' ? VARIATION_FIELDS : PRODUCT_FIELDS, ctx.strict, ['stock_quantity']));
  ctx.store.emit('product', 'updated', rec.id);
  return rec;
}

export function createVariation(ctx: WriteContext, parent: ProductRec, input: unknown): ProductRec {
  const f = checkFields(input, VARIATION_FIELDS, ctx.strict, ['stock_quantity']);
  if (typeof f.id === 'number' && f.id > 0) throw new WooError(400, 'woocommerce_rest_product_variation_exists', 'Cannot create existing product_variation.');
  if (typeof f.sku === 'string') assertUniqueSku(ctx.store, f.sku.trim(), 0);
  const rec = blank(ctx.store, ctx.now, 'variation', parent.id);
  apply(ctx, rec, f);
  ctx.store.products.set(rec.id, rec);
  // Variation saves fire product.* with the variation's id (section 6).
  ctx.store.emit('product', 'created', rec.id);
  return rec;
}

/** DELETE semantics (section 5): trash unless forced; a second trash is 410. Returns the object as it was. */
export function deleteProduct(ctx: WriteContext, rec: ProductRec, force: boolean): ProductRec {
  const before = structuredClone(rec);
  if (!force) {
    if (rec.status === 'trash') {
      throw new WooError(410, 'woocommerce_rest_already_trashed', `The ${rec.type === 'variation' ? 'product_variation' : 'product'} has already been deleted.`);
    }
    rec.status = 'trash';
    rec.modified = ctx.now;
    ctx.store.emit('product', 'deleted', rec.id);
    return rec;
  }
  ctx.store.products.delete(rec.id);
  // Deleting a variable product deletes its variations with it.
  for (const v of ctx.store.variationsOf(rec.id)) ctx.store.products.delete(v.id);
  ctx.store.emit('product', 'deleted', rec.id);
  return before;
}
