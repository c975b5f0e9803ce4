// Writes to WooCommerce (platforms/woocommerce.md section 5): products through `products/batch`,
// variations through `products/<id>/variations/batch`, at most 100 objects per call, and stock as
// `{"manage_stock": true, "stock_quantity": N}` on the product or variation.
//
// A batch answers 200 even when some of its objects were refused; each refused entry carries its own
// `error`. Those are collected per SKU and thrown together as one upstream_rejected error whose message
// and details name every refused SKU and WooCommerce's reason: the outbox keeps the hub's request and
// dead-letters the target's SKUs with that message, and a later successful push resolves them. A SKU
// created by an earlier attempt whose answer was lost comes back as `product_invalid_sku` with the
// existing product's id (`data.resource_id`, no idempotency keys exist): that product is the one meant,
// and it is updated instead.
import { SyncError } from '../../core/errors.js';
import type { ProductField } from '../../core/records.js';
import type { Ctx, ProductPush, ProductPushResult, StockPush } from '../types.js';
import { BATCH_LIMIT, wooRequest } from './api.js';
import type { WooConfig } from './config-merged.js';
import { units, wooId } from './mapping.js';

/**
 * What upsertWooProduct writes and mapWooProduct reads back, as canonical fields (PushOps.productFields;
 * the push hash covers exactly these). A variation's name is read back as "<product> - <attribute
 * options>"; the push writes the product's name and leaves a variation's attributes as they are.
 */
export const WOO_PUSHED_FIELDS = ['name', 'description', 'sku', 'price', 'compareAtPrice', 'taxable', 'isActive'] as const satisfies readonly ProductField[];

type Json = Record<string, unknown>;
interface BatchEntry {
  id?: unknown;
  error?: { code?: unknown; message?: unknown; data?: { resource_id?: unknown } };
}
export interface SkuFailure {
  sku: string;
  externalId: string | null;
  code: string;
  message: string;
}

/** regular_price/sale_price from the hub's price and compare-at price (the mapping reads them back alike). */
function priceFields(price: string | null | undefined, compareAt: string | null | undefined): Json {
  if (price === undefined || price === null) return {};
  const p = units(price);
  const c = units(compareAt);
  if (p === null) return {};
  return c !== null && c > p ? { regular_price: compareAt, sale_price: price } : { regular_price: price, sale_price: '' };
}

const status = (active: boolean | null | undefined): Json => (active === undefined || active === null ? {} : { status: active ? 'publish' : 'draft' });

function skuFields(s: ProductPush['skus'][number]): Json {
  return {
    ...(s.sku ? { sku: s.sku } : {}),
    ...priceFields(s.price, s.compareAtPrice),
    ...(s.taxable === undefined || s.taxable === null ? {} : { tax_status: s.taxable ? 'taxable' : 'none' }),
  };
}

/**
 * One `batch` route call per 100 objects; per sent object its id, or its failure. `creates` and
 * `updates` are answered in the order they were sent (WooCommerce processes them one by one).
 */
async function batch(ctx: Ctx<WooConfig>, path: string, creates: Json[], updates: Json[]): Promise<{ created: BatchEntry[]; updated: BatchEntry[] }> {
  const created: BatchEntry[] = [];
  const updated: BatchEntry[] = [];
  const all = [...creates.map((o) => ['create', o] as const), ...updates.map((o) => ['update', o] as const)];
  for (let i = 0; i < all.length; i += BATCH_LIMIT) {
    const chunk = all.slice(i, i + BATCH_LIMIT);
    const body = { create: chunk.filter(([k]) => k === 'create').map(([, o]) => o), update: chunk.filter(([k]) => k === 'update').map(([, o]) => o) };
    const res = await wooRequest<{ create?: BatchEntry[]; update?: BatchEntry[] }>(ctx, { method: 'POST', path, body });
    const c = res.body?.create ?? [];
    const u = res.body?.update ?? [];
    if (c.length !== body.create.length || u.length !== body.update.length) {
      throw new SyncError('upstream_invalid_response', `WooCommerce ${path} answered ${c.length}/${u.length} entries for ${body.create.length} creates and ${body.update.length} updates`, { details: { path } });
    }
    created.push(...c);
    updated.push(...u);
  }
  return { created, updated };
}

const failureOf = (s: { sku: string; externalId: string | null }, e: BatchEntry): SkuFailure => ({
  ...s, code: String(e.error?.code ?? 'unknown'), message: String(e.error?.message ?? 'refused without a message'),
});

/** Sends the SKUs (creates for unlinked ones) and returns their ids, or throws every refusal per SKU. */
async function pushSkus(ctx: Ctx<WooConfig>, path: string, skus: ProductPush['skus'], body: (s: ProductPush['skus'][number]) => Json): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  const failures: SkuFailure[] = [];
  const toCreate = skus.filter((s) => !s.externalId);
  const toUpdate = skus.filter((s) => s.externalId);
  const first = await batch(ctx, path, toCreate.map(body), toUpdate.map((s) => ({ id: Number(s.externalId), ...body(s) })));
  const recovered: { sku: ProductPush['skus'][number]; id: string }[] = [];
  first.created.forEach((e, i) => {
    const s = toCreate[i]!;
    const existing = e.error?.code === 'product_invalid_sku' ? wooId(e.error.data?.resource_id) : undefined;
    if (!e.error && wooId(e.id)) ids.set(s.sku, wooId(e.id)!);
    else if (existing) recovered.push({ sku: s, id: existing });
    else failures.push(failureOf({ sku: s.sku, externalId: null }, e));
  });
  first.updated.forEach((e, i) => {
    const s = toUpdate[i]!;
    if (e.error) failures.push(failureOf({ sku: s.sku, externalId: s.externalId }, e));
    else ids.set(s.sku, s.externalId!);
  });
  if (recovered.length > 0) {
    const again = await batch(ctx, path, [], recovered.map((r) => ({ id: Number(r.id), ...body(r.sku) })));
    again.updated.forEach((e, i) => (e.error ? failures.push(failureOf({ sku: recovered[i]!.sku.sku, externalId: recovered[i]!.id }, e)) : ids.set(recovered[i]!.sku.sku, recovered[i]!.id)));
  }
  if (failures.length > 0) {
    const said = failures.map((f) => `SKU ${f.sku}${f.externalId ? ` (#${f.externalId})` : ''}: ${f.code}: ${f.message}`).join('; ');
    throw new SyncError('upstream_rejected', `WooCommerce refused ${failures.length} of ${skus.length} SKUs: ${said}`, { details: { failures, accepted: [...ids.keys()] } });
  }
  return ids;
}

export async function upsertWooProduct(ctx: Ctx<WooConfig>, p: ProductPush): Promise<ProductPushResult> {
  if (p.skus.length === 0) throw new SyncError('validation_failed', 'a product needs at least one SKU');
  const shared = { ...(p.description !== undefined && p.description !== null ? { description: p.description } : {}), ...status(p.isActive) };
  if (p.parentExternalId === null) {
    // Flat SKUs are simple products: each carries the product-level fields itself.
    // The outbox names a lone SKU "Default Title" when the product's title is its name (product-push.ts).
    const name = (s: ProductPush['skus'][number]) => (p.skus.length === 1 && s.variantName === 'Default Title' ? p.title : `${p.title} - ${s.variantName}`);
    const ids = await pushSkus(ctx, 'products/batch', p.skus, (s) => ({ ...(s.externalId ? {} : { type: 'simple' }), name: name(s), ...shared, ...skuFields(s) }));
    const skus = p.skus.map((s) => ({ sku: s.sku, externalId: ids.get(s.sku)!, platformIds: {} }));
    return { parentExternalId: skus[0]!.externalId, skus };
  }
  const parent = p.parentExternalId;
  const unlinked = p.skus.filter((s) => !s.externalId).map((s) => s.sku);
  if (unlinked.length > 0) {
    // A variation needs an option of one of its product's variation attributes, which the hub does not hold.
    throw new SyncError('validation_failed', `SKU ${unlinked.join(', ')} has no WooCommerce variation: create the variation in WooCommerce (it links by SKU on the next pull)`, { details: { failures: unlinked.map((sku) => ({ sku, externalId: null, code: 'variation_not_linked' })) } });
  }
  await pushSkus(ctx, 'products/batch', [{ externalId: parent, sku: `product #${parent}`, variantName: '' }], () => ({ name: p.title, ...shared }));
  const ids = await pushSkus(ctx, `products/${parent}/variations/batch`, p.skus, (s) => ({ ...status(p.isActive), ...skuFields(s) }));
  return { parentExternalId: parent, skus: p.skus.map((s) => ({ sku: s.sku, externalId: ids.get(s.sku)!, platformIds: { parentId: parent } })) };
}

/** Absolute stock on the product, or on the variation when the link knows its product. */
export async function setWooStock(ctx: Ctx<WooConfig>, s: StockPush): Promise<void> {
  const id = wooId(s.productExternalId);
  if (!id) throw new SyncError('validation_failed', `"${s.productExternalId}" is not a WooCommerce product id`);
  const parent = wooId(s.platformIds?.parentId);
  const path = parent ? `products/${parent}/variations/${id}` : `products/${id}`;
  // stock_quantity is dropped while manage_stock is false: both are sent. Absolute, so a retry sets the same.
  await wooRequest(ctx, { method: 'PUT', path, body: { manage_stock: true, stock_quantity: Math.trunc(s.available) } });
}
