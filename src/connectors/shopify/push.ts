// Writes to Shopify: a product with its variants through `productSet` (Shopify's mutation for an
// external source of truth: list fields are replaced, so every SKU of the product is sent), and
// absolute stock through `inventorySetQuantities` with an idempotency key (replayed pushes apply
// once; the `@idempotent` directive exists from 2026-01 and is required from 2026-04).
import { SyncError } from '../../core/errors.js';
import type { ProductField } from '../../core/records.js';
import type { Ctx, ProductPush, ProductPushResult, StockPush } from '../types.js';
import type { ShopifyConfig } from './config-merged.js';
import { gql } from './graphql.js';

interface UserError {
  field?: string[] | null;
  message: string;
  code?: string | null;
}

function rejectOn(errors: UserError[] | undefined, what: string): void {
  if (errors && errors.length > 0) {
    throw new SyncError('upstream_rejected', `Shopify refused ${what}: ${errors.map((e) => `${(e.field ?? []).join('.')} ${e.message}`.trim()).join('; ')}`, {
      details: { userErrors: errors },
    });
  }
}

/** A product with all its variants; the variant and inventory item ids come back for the links. */
export const PRODUCT_SET_MUTATION = `mutation Push($input: ProductSetInput!) {
  productSet(input: $input, synchronous: true) {
    product { id variants(first: 250) { nodes { id sku inventoryItem { id } } } }
    userErrors { field message code }
  }
}`;
const PRODUCT_SET_COST = 10 + 2 + 250 * 2;

/**
 * What upsertShopifyProduct writes and mapGqlProduct / the products webhook read back, as canonical
 * fields: the push hash covers exactly these (PushOps.productFields). The variant's name is read back as
 * "<title> - <variant>" (or the title alone), which is how the outbox composes it.
 */
export const SHOPIFY_PUSHED_FIELDS = [
  'name', 'description', 'vendor', 'productType', 'tags', 'isActive', 'sku', 'price', 'compareAtPrice', 'gtin', 'taxable',
] as const satisfies readonly ProductField[];

/** How many variants the product has now: productSet deletes every variant its input leaves out. */
export const PRODUCT_VARIANTS_COUNT_QUERY = `query VariantCount($id: ID!) { product(id: $id) { variantsCount { count } } }`;

/**
 * productSet replaces the variant list: a variant the input leaves out is deleted. The hub sends every
 * variant it knows, but a variant added in the shop since the last read is not among them, and the push
 * would delete it. Such a push is held back (retried: the shop's webhook or the next pull brings the
 * variant in, and the retry then carries it).
 */
async function refuseToDeleteUnknownVariants(ctx: Ctx<ShopifyConfig>, p: ProductPush & { parentExternalId: string }): Promise<void> {
  const data = await gql<{ product: { variantsCount: { count: number } | null } | null }>(ctx, PRODUCT_VARIANTS_COUNT_QUERY, { id: p.parentExternalId }, 3);
  const count = data.product?.variantsCount?.count;
  const known = p.skus.filter((s) => s.externalId).length;
  if (count !== undefined && count > known) {
    throw new SyncError('push_would_delete', `Shopify product ${p.parentExternalId} has ${count} variants and the hub knows ${known}: pushing would delete the others; it is retried once the hub has read them`, {
      details: { parentExternalId: p.parentExternalId, variantsOnPlatform: count, variantsPushed: known },
    });
  }
}

export async function upsertShopifyProduct(ctx: Ctx<ShopifyConfig>, p: ProductPush): Promise<ProductPushResult> {
  if (p.skus.length === 0) throw new SyncError('validation_failed', 'a product needs at least one SKU');
  if (p.parentExternalId) await refuseToDeleteUnknownVariants(ctx, { ...p, parentExternalId: p.parentExternalId });
  // A lone variant named "Default Title" is Shopify's own default option ("Title"), which storefronts
  // hide; any other list of variants gets one option whose values are their names.
  const option = p.skus.length === 1 && p.skus[0]!.variantName === 'Default Title' ? 'Title' : 'Variant';
  const input = {
    ...(p.parentExternalId ? { id: p.parentExternalId } : {}),
    title: p.title,
    ...(p.description !== undefined && p.description !== null ? { descriptionHtml: p.description } : {}),
    ...(p.vendor ? { vendor: p.vendor } : {}),
    ...(p.productType ? { productType: p.productType } : {}),
    ...(p.tags ? { tags: p.tags } : {}),
    ...(p.isActive !== undefined && p.isActive !== null ? { status: p.isActive ? 'ACTIVE' : 'DRAFT' } : {}),
    productOptions: [{ name: option, position: 1, values: p.skus.map((s) => ({ name: s.variantName })) }],
    variants: p.skus.map((s, i) => ({
      ...(s.externalId ? { id: s.externalId } : {}),
      position: i + 1,
      optionValues: [{ optionName: option, name: s.variantName }],
      inventoryItem: { sku: s.sku, tracked: true },
      ...(s.price ? { price: s.price } : {}),
      ...(s.compareAtPrice !== undefined ? { compareAtPrice: s.compareAtPrice } : {}),
      ...(s.gtin !== undefined ? { barcode: s.gtin } : {}),
      ...(s.taxable !== undefined && s.taxable !== null ? { taxable: s.taxable } : {}),
    })),
  };
  const data = await gql<{ productSet: { product: { id: string; variants: { nodes: { id: string; sku: string | null; inventoryItem: { id: string } | null }[] } } | null; userErrors: UserError[] } }>(
    ctx,
    PRODUCT_SET_MUTATION,
    { input },
    PRODUCT_SET_COST,
  );
  rejectOn(data.productSet.userErrors, `product "${p.title}"`);
  const product = data.productSet.product;
  if (!product) throw new SyncError('upstream_invalid_response', 'productSet returned no product');
  return {
    parentExternalId: product.id,
    skus: product.variants.nodes.map((v) => ({ sku: v.sku, externalId: v.id, platformIds: (v.inventoryItem ? { inventoryItemId: v.inventoryItem.id } : {}) as Record<string, string> })),
  };
}

const modern = (v: string) => v === 'unstable' || v >= '2026-01';

/** The inventory item behind a variant, for pushes whose link does not carry it yet. */
export const VARIANT_INVENTORY_ITEM_QUERY = `query Item($id: ID!) { productVariant(id: $id) { inventoryItem { id } } }`;

/**
 * Stocks an item at a location. Unlike the quantity mutations, its payload's userErrors are plain
 * `UserError`s, which have no `code` field: asking for one fails validation on every shop.
 */
export const INVENTORY_ACTIVATE_MUTATION = `mutation Activate($item: ID!, $loc: ID!) {
  inventoryActivate(inventoryItemId: $item, locationId: $loc) { userErrors { field message } }
}`;

/** Absolute stock; the `@idempotent` directive (and its key variable) exists from 2026-01. */
export function setQuantitiesMutation(apiVersion: string): string {
  const v2026 = modern(apiVersion);
  return `mutation SetStock($input: InventorySetQuantitiesInput!${v2026 ? ', $key: String!' : ''}) {
    inventorySetQuantities(input: $input)${v2026 ? ' @idempotent(key: $key)' : ''} { inventoryAdjustmentGroup { id } userErrors { field message code } }
  }`;
}

async function inventoryItemOf(ctx: Ctx<ShopifyConfig>, variantId: string): Promise<string> {
  const data = await gql<{ productVariant: { inventoryItem: { id: string } | null } | null }>(
    ctx,
    VARIANT_INVENTORY_ITEM_QUERY,
    { id: variantId },
    3,
  );
  const id = data.productVariant?.inventoryItem?.id;
  if (!id) throw new SyncError('upstream_rejected', `variant ${variantId} has no inventory item`);
  return id;
}

export async function setShopifyStock(ctx: Ctx<ShopifyConfig>, s: StockPush): Promise<void> {
  const inventoryItemId = s.platformIds?.inventoryItemId ?? (await inventoryItemOf(ctx, s.productExternalId));
  const v2026 = modern(ctx.config.apiVersion);
  // The hub owns stock: an absolute set, not compare-and-set (changeFromQuantity: null opts out).
  const quantity = v2026
    ? { inventoryItemId, locationId: s.locationId, quantity: s.available, changeFromQuantity: null }
    : { inventoryItemId, locationId: s.locationId, quantity: s.available };
  const mutation = setQuantitiesMutation(ctx.config.apiVersion);
  const input = {
    name: 'available',
    reason: 'correction',
    referenceDocumentUri: `gid://commerce-sync/StockPush/${encodeURIComponent(s.idempotencyKey)}`,
    ...(v2026 ? {} : { ignoreCompareQuantity: true }),
    quantities: [quantity],
  };
  const run = (key: string) =>
    gql<{ inventorySetQuantities: { userErrors: UserError[] } }>(ctx, mutation, { input, ...(v2026 ? { key } : {}) }, 10);
  let res = await run(s.idempotencyKey);
  if (res.inventorySetQuantities.userErrors.some((e) => e.code === 'ITEM_NOT_STOCKED_AT_LOCATION')) {
    // Stock the item at the location first, then set it.
    const activated = await gql<{ inventoryActivate: { userErrors: UserError[] } }>(
      ctx,
      INVENTORY_ACTIVATE_MUTATION,
      { item: inventoryItemId, loc: s.locationId },
      10,
    );
    rejectOn(activated.inventoryActivate.userErrors, `stocking ${inventoryItemId} at ${s.locationId}`);
    // Not with the push's key again: @idempotent answers a reused key with the first attempt's outcome
    // (here: not stocked) instead of running it. A key derived from it keeps a retried push applying once.
    res = await run(`${s.idempotencyKey}:after-activate`);
  }
  rejectOn(res.inventorySetQuantities.userErrors, `stock of ${s.productExternalId} at ${s.locationId}`);
}
