// Nested connections longer than their first page. A page of products asks for 20 variants per
// product and 5 inventory levels per variant, a page of orders for 10 lines per order (more would
// shrink pages under the 1000-point query cap); every nested connection also asks for its pageInfo,
// and whatever did not fit is read here with follow-up queries before the page is handed on. Without
// them a product with more than 20 variants (Shopify allows 2,048) lost the rest on every
// incremental pull. Each follow-up goes through gql(), so the connection's limiter, timeout and
// abort signal apply; a cursor that repeats stops the read with `pagination_loop`.
import { SyncError } from '../../core/errors.js';
import type { Ctx } from '../types.js';
import type { ShopifyConfig } from './config-merged.js';
import { gql } from './graphql.js';
import type { GqlInventoryLevel, GqlLineItem, GqlOrder, GqlProduct, GqlVariant } from './mapping.js';
import { INVENTORY_LEVELS_QUERY, MORE_LEVELS_COST, MORE_LINES_COST, MORE_VARIANTS_COST, ORDER_LINES_QUERY, PRODUCT_COST, PRODUCT_QUERY, PRODUCT_VARIANTS_QUERY } from './queries.js';

export interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}

export interface NestedPage<N> {
  nodes?: N[] | null;
  pageInfo?: PageInfo | null;
}

/**
 * The nodes after `first`, read page by page with `next(after)` until Shopify says there are no more.
 * `next` answers null when the parent is gone meanwhile: what was read so far is kept, and the next
 * pull sees the deletion.
 */
export async function remainingNodes<N>(first: NestedPage<N> | null | undefined, next: (after: string) => Promise<NestedPage<N> | null>, what: string): Promise<N[]> {
  const out: N[] = [];
  const seen = new Set<string>();
  let page = first;
  while (page?.pageInfo?.hasNextPage) {
    const after = page.pageInfo.endCursor;
    if (!after || seen.has(after)) {
      throw new SyncError('pagination_loop', `${what}: Shopify said more followed but gave ${after ? 'a cursor it had already given' : 'no cursor'}; stopping instead of looping`, {
        details: { after },
      });
    }
    seen.add(after);
    page = await next(after);
    if (!page) break;
    out.push(...(page.nodes ?? []));
  }
  return out;
}

async function completeLevels(ctx: Ctx<ShopifyConfig>, variant: GqlVariant): Promise<void> {
  const item = variant.inventoryItem;
  const levels = item?.inventoryLevels as NestedPage<GqlInventoryLevel> | null | undefined;
  if (!item || !levels?.pageInfo?.hasNextPage) return;
  const more = await remainingNodes(
    levels,
    async (after) =>
      (await gql<{ inventoryItem: { inventoryLevels: NestedPage<GqlInventoryLevel> } | null }>(ctx, INVENTORY_LEVELS_QUERY, { id: item.id, after }, MORE_LEVELS_COST))
        .inventoryItem?.inventoryLevels ?? null,
    `inventory levels of ${item.id}`,
  );
  item.inventoryLevels = { nodes: [...(levels.nodes ?? []), ...more] };
}

/** Completes each product's variants (and each variant's inventory levels) in place. */
export async function completeProducts(ctx: Ctx<ShopifyConfig>, products: GqlProduct[]): Promise<void> {
  for (const product of products) {
    if (!product?.id) continue;
    const variants = product.variants as NestedPage<GqlVariant> | null | undefined;
    if (variants?.pageInfo?.hasNextPage) {
      const more = await remainingNodes(
        variants,
        async (after) =>
          (await gql<{ product: { variants: NestedPage<GqlVariant> } | null }>(ctx, PRODUCT_VARIANTS_QUERY, { id: product.id, after }, MORE_VARIANTS_COST)).product
            ?.variants ?? null,
        `variants of ${product.id}`,
      );
      product.variants = { nodes: [...(variants.nodes ?? []), ...more] };
    }
    for (const variant of product.variants?.nodes ?? []) if (variant) await completeLevels(ctx, variant);
  }
}

/** Completes the line items of orders that have more lines than the first page holds, in place. */
export async function completeOrderLines(ctx: Ctx<ShopifyConfig>, orders: GqlOrder[]): Promise<void> {
  for (const order of orders) {
    const lines = order?.lineItems as NestedPage<GqlLineItem> | null | undefined;
    if (!lines?.pageInfo?.hasNextPage) continue;
    const more = await remainingNodes(
      lines,
      async (after) =>
        (await gql<{ order: { lineItems: NestedPage<GqlLineItem> } | null }>(ctx, ORDER_LINES_QUERY, { id: order.id, after }, MORE_LINES_COST)).order?.lineItems ?? null,
      `line items of ${order.id}`,
    );
    order.lineItems = { nodes: [...(lines.nodes ?? []), ...more] };
  }
}

/** One product, whole (every variant and level), as the paged query shapes it; null when it is gone. */
export async function fetchWholeProduct(ctx: Ctx<ShopifyConfig>, productGid: string): Promise<GqlProduct | null> {
  if (!/^gid:\/\/shopify\/Product\/\d+$/.test(productGid)) return null;
  const { product } = await gql<{ product: GqlProduct | null }>(ctx, PRODUCT_QUERY, { id: productGid }, PRODUCT_COST);
  if (!product) return null;
  await completeProducts(ctx, [product]);
  return product;
}
