// Shopify streams: customers -> products (variants as SKUs, inventory levels as stock) -> orders.
// Incremental runs page through GraphQL inside the engine's two-phase `updated_at` window (with an
// overlap for the search index's lag); full runs read a bulk operation (src/connectors/shopify/bulk.ts).
import type { z } from 'zod';
import { afterPage, closeWindow, IncrementalCursor, openWindow } from '../../core/incremental.js';
import type { CanonicalRecord, Entity, InvalidRecord } from '../../core/records.js';
import type { ChildRead, Ctx, GroupRead, PageResult, Stream, SyncMode } from '../types.js';
import { BulkState, fetchBulkPage } from './bulk.js';
import type { ShopifyConfig } from './config-merged.js';
import { gql } from './graphql.js';
import { fetchRestPage, isRestItem, restItemRecords } from './rest.js';
import { fetchWholeProduct, orderChildren, productChildren } from './follow-ups.js';
import { type GqlOrder, type GqlProduct, type GqlVariant, mapGqlCustomer, mapGqlOrder, mapGqlProduct } from './mapping.js';
import { BULK_QUERIES, customersQuery, ordersQuery, PAGE_SIZE, productsQuery, requestedCost, updatedWindowQuery } from './queries.js';

/** Shopify's search index lags writes by seconds: each window starts this much before the last one ended. */
export const SEARCH_LAG_OVERLAP_MS = 10_000;

export const ShopifyCursor = IncrementalCursor.extend({ bulk: BulkState.nullable().optional() });
export type ShopifyCursor = z.infer<typeof ShopifyCursor>;

type Root = 'products' | 'orders' | 'customers';

interface Connection<N> {
  nodes: N[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

function shopifyStream<N extends { id: string; updatedAt?: string | null }>(spec: {
  name: Root;
  entity: Entity;
  dependsOn?: string[];
  /** The paged query for an API version. */
  query: (apiVersion: string) => string;
  map: (node: N) => (CanonicalRecord | InvalidRecord)[];
  /** Child reads of nested connections that had more than one page (read by the engine). */
  children?: (nodes: N[]) => ChildRead[];
  /** Turns a bulk result line (with its children) into the node shape of the paged query. */
  fromBulk?: (line: never) => N;
  /** Re-reads one parent whole (a webhook whose payload may be cut short). */
  fetchGroup?: (ctx: Ctx<ShopifyConfig>, groupId: string) => Promise<GroupRead<N> | null>;
}): Stream<ShopifyConfig, N, ShopifyCursor> {
  return {
    name: spec.name,
    entity: spec.entity,
    dependsOn: spec.dependsOn,
    cursor: ShopifyCursor,
    async fetchPage(ctx: Ctx<ShopifyConfig>, cursor: ShopifyCursor | null, mode: SyncMode): Promise<PageResult<N, ShopifyCursor>> {
      if (ctx.config.mode === 'rest') {
        return (await fetchRestPage(ctx, spec.name, cursor, SEARCH_LAG_OVERLAP_MS)) as unknown as PageResult<N, ShopifyCursor>;
      }
      if (mode === 'full') {
        const page = await fetchBulkPage<N>(ctx, cursor, { root: spec.name, query: BULK_QUERIES[spec.name](ctx.config.apiVersion) });
        return spec.fromBulk ? { ...page, items: page.items.map((line) => spec.fromBulk!(line as never)) } : page;
      }
      const { cursor: open, bounds } = openWindow(cursor, ctx.runStartedAt, SEARCH_LAG_OVERLAP_MS);
      const first = PAGE_SIZE[spec.name];
      const data = await gql<Record<Root, Connection<N>>>(
        ctx,
        spec.query(ctx.config.apiVersion),
        { first, after: bounds.page ?? null, query: updatedWindowQuery(bounds.from, bounds.to) ?? null },
        requestedCost(spec.name, first),
      );
      const conn = data[spec.name];
      const nodes = conn?.nodes ?? [];
      const after = afterPage(open, conn?.pageInfo.endCursor ?? null, nodes.map((n) => n?.updatedAt).filter((u): u is string => !!u));
      const done = !conn?.pageInfo.hasNextPage;
      return { items: nodes, next: done ? closeWindow(after) : after, done, children: spec.children?.(nodes) };
    },
    // REST items arrive tagged with their resource (legacy mode); GraphQL nodes map as they are.
    toRecords: (raw: N) => (isRestItem(raw) ? restItemRecords(raw) : spec.map(raw)),
    fetchGroup: spec.fetchGroup,
  };
}

export const customersStream = shopifyStream({ name: 'customers', entity: 'customer', query: customersQuery, map: (n) => [mapGqlCustomer(n)] });
/** A bulk variant line (its product as a field, its levels attached) as a one-variant product node. */
function productFromVariantLine(line: GqlVariant & { product?: Omit<GqlProduct, 'variants'> | null }): GqlProduct {
  const { product, ...variant } = line;
  // A variant always has a product; a line without one still maps (and is dead-lettered) by its own id.
  return { ...(product ?? { id: '' }), variants: { nodes: [variant] } };
}

export const productsStream = shopifyStream<GqlProduct>({
  name: 'products',
  entity: 'product',
  query: productsQuery,
  map: (n) => mapGqlProduct(n),
  children: productChildren,
  fromBulk: productFromVariantLine,
  fetchGroup: fetchWholeProduct,
});
export const ordersStream = shopifyStream<GqlOrder & { updatedAt?: string | null }>({
  name: 'orders',
  entity: 'order',
  dependsOn: ['customers', 'products'],
  query: ordersQuery,
  map: (n) => [mapGqlOrder(n)],
  children: orderChildren,
});
