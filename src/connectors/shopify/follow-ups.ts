// Nested connections longer than their first page. A page of products asks for 20 variants per
// product and 5 inventory levels per variant, a page of orders for 10 lines per order (more would
// shrink pages under the 1000-point query cap); every nested connection also asks for its pageInfo.
// What did not fit is declared here as child reads (ChildRead, connectors/types.ts) that the engine
// reads page by page before the page is mapped and committed (engine/child-pages.ts), with the run's
// loop guard, deadline, cancellation, limiter and progress. Without them a product with more than 20
// variants (Shopify allows 2,048) lost the rest on every incremental pull.
import type { ChildPage, ChildRead, Ctx, GroupRead } from '../types.js';
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
 * The child read of a nested connection whose first page said more follows, or nothing. `more(ctx, after)`
 * reads the page after `after` (null when the parent is gone); `childrenOf` declares what the new nodes
 * need in turn. The nodes are appended to the connection's own `nodes`, so the item keeps the shape of
 * the paged query.
 */
function nestedRead<N>(
  conn: NestedPage<N> | null | undefined,
  what: string,
  more: (ctx: Ctx<ShopifyConfig>, after: string) => Promise<NestedPage<N> | null>,
  childrenOf: (nodes: N[]) => ChildRead[] = () => [],
): ChildRead<ShopifyConfig, N>[] {
  if (!conn?.pageInfo?.hasNextPage) return [];
  const nodes = (conn.nodes ??= []);
  return [{
    what,
    after: conn.pageInfo.endCursor,
    async fetch(ctx, after): Promise<ChildPage<N> | null> {
      const page = await more(ctx, String(after));
      if (!page) return null;
      const got = (page.nodes ?? []).filter((n): n is N => n !== null && n !== undefined);
      const done = !page.pageInfo?.hasNextPage;
      return { nodes: got, next: done ? null : (page.pageInfo?.endCursor ?? null), done, children: childrenOf(got) };
    },
    attach: (got) => void nodes.push(...got),
  }];
}

/** A variant's inventory levels beyond the first five (one level per location). */
function levelReads(variant: GqlVariant): ChildRead[] {
  const item = variant?.inventoryItem;
  if (!item) return [];
  return nestedRead(item.inventoryLevels as NestedPage<GqlInventoryLevel> | null | undefined, `inventory levels of ${item.id}`, async (ctx, after) =>
    (await gql<{ inventoryItem: { inventoryLevels: NestedPage<GqlInventoryLevel> } | null }>(ctx, INVENTORY_LEVELS_QUERY, { id: item.id, after }, MORE_LEVELS_COST))
      .inventoryItem?.inventoryLevels ?? null,
  );
}

const levelReadsOf = (variants: GqlVariant[]): ChildRead[] => variants.flatMap(levelReads);

/** What a page of products still needs: variants past the first page, levels past theirs (also of later variant pages). */
export function productChildren(products: GqlProduct[]): ChildRead[] {
  const out: ChildRead[] = [];
  for (const product of products) {
    if (!product?.id) continue;
    out.push(...levelReadsOf(product.variants?.nodes ?? []));
    out.push(...nestedRead(
      product.variants as NestedPage<GqlVariant> | null | undefined,
      `variants of ${product.id}`,
      async (ctx, after) =>
        (await gql<{ product: { variants: NestedPage<GqlVariant> } | null }>(ctx, PRODUCT_VARIANTS_QUERY, { id: product.id, after }, MORE_VARIANTS_COST)).product?.variants ?? null,
      levelReadsOf,
    ));
  }
  return out;
}

/** What a page of orders still needs: the lines of orders with more than the first page holds. */
export function orderChildren(orders: GqlOrder[]): ChildRead[] {
  return orders.flatMap((order) =>
    order?.id
      ? nestedRead(order.lineItems as NestedPage<GqlLineItem> | null | undefined, `line items of ${order.id}`, async (ctx, after) =>
          (await gql<{ order: { lineItems: NestedPage<GqlLineItem> } | null }>(ctx, ORDER_LINES_QUERY, { id: order.id, after }, MORE_LINES_COST)).order?.lineItems ?? null,
        )
      : [],
  );
}

/** One product as the paged query shapes it, with the child reads that make it whole; null when it is gone. */
export async function fetchWholeProduct(ctx: Ctx<ShopifyConfig>, productGid: string): Promise<GroupRead<GqlProduct> | null> {
  if (!/^gid:\/\/shopify\/Product\/\d+$/.test(productGid)) return null;
  const { product } = await gql<{ product: GqlProduct | null }>(ctx, PRODUCT_QUERY, { id: productGid }, PRODUCT_COST);
  if (!product) return null;
  return { item: product, children: productChildren([product]) };
}
