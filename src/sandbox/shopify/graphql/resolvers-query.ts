// QueryRoot resolvers: searches with `query:` + sortKey + cursor pagination, lookups by GID, counts.
import type { GraphQLResolveInfo } from 'graphql';
import { responsePathAsArray } from 'graphql';
import { gid, isoSeconds, parseGid } from '../ids.js';
import type { CollectionName, Sortable, SortKey } from '../store/store.js';
import { sortValue } from '../store/store.js';
import type { CustomerRecord, OrderRecord } from '../store/types.js';
import type { ConnectionArgs } from './connection.js';
import { connectionOf } from './connection.js';
import type { GraphQLContext } from './context.js';
import { hasScope, requireScope } from './context.js';
import type { SearchFields } from './search-query.js';
import { parseSearch } from './search-query.js';
import {
  customerSearchFields, inventoryItemSearchFields, orderSearchFields, productSearchFields, variantSearchFields,
} from './search-fields.js';
import { resolveNode } from './node.js';

type SearchArgs = ConnectionArgs & { query?: string | null; sortKey?: string | null; limit?: number | null };
const ORDER_WINDOW_MS = 60 * 86_400_000;
const COUNT_CAP = 25_000;

function toSortKey(value: string | null | undefined): SortKey {
  switch (value) {
    case 'UPDATED_AT': case 'CREATED_AT': case 'TITLE': case 'NAME': case 'PROCESSED_AT': return value;
    default: return 'ID'; // ID, RELEVANCE, POSITION, SKU: id order is what a sandbox search yields
  }
}

/** The filter a search applies: extra visibility rules, the parsed `query:`, and the search-index lag. */
function searchFilter<T extends Sortable & { indexedAt?: number }>(
  ctx: GraphQLContext, info: GraphQLResolveInfo, args: SearchArgs, fields: SearchFields<T>, visible?: (r: T) => boolean,
): ((r: T) => boolean) | undefined {
  const query = args.query?.trim();
  if (!query) return visible;
  const parsed = parseSearch(query, fields, { strictGreaterThan: ctx.options.strictGreaterThan });
  if (parsed.warnings.length > 0) {
    ctx.searchWarnings.push({ path: responsePathAsArray(info.path), query, warnings: parsed.warnings });
  }
  const lag = ctx.options.searchLagMs;
  const indexed = (r: T) => lag <= 0 || ctx.now - (r.indexedAt ?? 0) >= lag;
  return (r) => (visible === undefined || visible(r)) && indexed(r) && parsed.matches(r);
}

function search<T extends Sortable & { indexedAt?: number }>(
  ctx: GraphQLContext, info: GraphQLResolveInfo, collection: CollectionName, args: SearchArgs, fields: SearchFields<T>,
  visible?: (r: T) => boolean,
) {
  const sortKey = toSortKey(args.sortKey);
  const value = sortValue(sortKey);
  const filter = searchFilter(ctx, info, args, fields, visible);
  return connectionOf(ctx.store.sorted<T>(collection, sortKey), (r) => ({ lastId: r.id, lastValue: value(r) }), args, ctx, filter);
}

function count<T extends Sortable & { indexedAt?: number }>(
  ctx: GraphQLContext, info: GraphQLResolveInfo, collection: CollectionName, args: SearchArgs, fields: SearchFields<T>,
  visible?: (r: T) => boolean,
) {
  const filter = searchFilter(ctx, info, args, fields, visible) ?? (() => true);
  const cap = args.limit ?? COUNT_CAP;
  let n = 0;
  for (const record of ctx.store.collection(collection).values()) {
    if (filter(record as T) && ++n > cap) break;
  }
  if (n <= cap) return { count: n, precision: 'EXACT' };
  // Above the cap Shopify stops counting: a given limit is reported as reached, the default as 25001.
  return { count: args.limit ?? COUNT_CAP + 1, precision: 'AT_LEAST' };
}

/** Without read_all_orders only the last 60 days of orders exist for the app. */
function orderWindow(ctx: GraphQLContext): ((o: OrderRecord) => boolean) | undefined {
  if (hasScope(ctx, 'read_all_orders')) return undefined;
  const from = ctx.now - ORDER_WINDOW_MS;
  return (o) => o.createdAt >= from;
}

function byGid<T>(map: Map<number, T>, id: unknown, type: Parameters<typeof parseGid>[1]): T | null {
  const parsed = parseGid(id, type);
  return parsed ? (map.get(parsed.id) ?? null) : null;
}

type Resolver = (root: unknown, args: Record<string, unknown>, ctx: GraphQLContext, info: GraphQLResolveInfo) => unknown;

export const queryResolvers: Record<string, Resolver> = {
  shop: (_r, _a, ctx) => ({ id: gid('Shop', ctx.store.shopId) }),
  node: (_r, args, ctx) => resolveNode(ctx, args.id),
  nodes: (_r, args, ctx) => (args.ids as unknown[]).map((id) => resolveNode(ctx, id)),
  locations: (_r, args, ctx, info) => {
    requireScope(ctx, 'read_locations', 'locations');
    const includeInactive = args.includeInactive === true;
    return search(ctx, info, 'locations', args, { ...locationSearchFields() },
      (l: Sortable & { isActive?: boolean }) => includeInactive || l.isActive !== false);
  },
  location: (_r, args, ctx) => {
    if (args.id == null) return ctx.store.locations.values().next().value ?? null;
    return byGid(ctx.store.locations, args.id, 'Location');
  },
  products: (_r, args, ctx, info) => {
    requireScope(ctx, 'read_products', 'products');
    return search(ctx, info, 'products', args, productSearchFields(ctx.store));
  },
  product: (_r, args, ctx) => {
    requireScope(ctx, 'read_products', 'product');
    return byGid(ctx.store.products, args.id, 'Product');
  },
  productByHandle: (_r, args, ctx) => {
    const id = ctx.store.handles.get(String(args.handle));
    return id === undefined ? null : (ctx.store.products.get(id) ?? null);
  },
  productsCount: (_r, args, ctx, info) => count(ctx, info, 'products', args, productSearchFields(ctx.store)),
  productVariants: (_r, args, ctx, info) => {
    requireScope(ctx, 'read_products', 'productVariants');
    return search(ctx, info, 'variants', args, variantSearchFields(ctx.store));
  },
  productVariant: (_r, args, ctx) => byGid(ctx.store.variants, args.id, 'ProductVariant'),
  inventoryItems: (_r, args, ctx, info) => {
    requireScope(ctx, 'read_inventory', 'inventoryItems');
    return search(ctx, info, 'inventoryItems', args, inventoryItemSearchFields(ctx.store));
  },
  inventoryItem: (_r, args, ctx) => {
    requireScope(ctx, 'read_inventory', 'inventoryItem');
    return byGid(ctx.store.inventoryItems, args.id, 'InventoryItem');
  },
  inventoryLevel: (_r, args, ctx) => resolveNode(ctx, args.id),
  orders: (_r, args, ctx, info) => {
    requireScope(ctx, 'read_orders', 'orders');
    return search(ctx, info, 'orders', args, orderSearchFields(), orderWindow(ctx));
  },
  order: (_r, args, ctx) => {
    requireScope(ctx, 'read_orders', 'order');
    const order = byGid(ctx.store.orders, args.id, 'Order');
    const visible = orderWindow(ctx);
    return order && (!visible || visible(order)) ? order : null;
  },
  ordersCount: (_r, args, ctx, info) => count(ctx, info, 'orders', args, orderSearchFields(), orderWindow(ctx)),
  customers: (_r, args, ctx, info) => {
    requireScope(ctx, 'read_customers', 'customers');
    return search<CustomerRecord>(ctx, info, 'customers', args, customerSearchFields());
  },
  customer: (_r, args, ctx) => {
    requireScope(ctx, 'read_customers', 'customer');
    return byGid(ctx.store.customers, args.id, 'Customer');
  },
  customersCount: (_r, args, ctx, info) => count(ctx, info, 'customers', args, customerSearchFields()),
  currentBulkOperation: (_r, args, ctx) => ctx.bulk.current(String(args.type ?? 'QUERY')),
  bulkOperation: (_r, args, ctx) => {
    const parsed = parseGid(args.id, 'BulkOperation');
    return parsed ? (ctx.bulk.get(parsed.id) ?? null) : null;
  },
  bulkOperations: (_r, args, ctx) => connectionOf(ctx.bulk.list(), (op) => ({ lastId: op.id, lastValue: op.createdAt }), args, ctx),
  webhookSubscriptions: (_r, args, ctx) => {
    const topics = args.topics as string[] | null | undefined;
    return connectionOf(
      ctx.webhooks.list(), (s) => ({ lastId: s.id, lastValue: s.id }), args, ctx,
      (s) => !topics || topics.includes(s.topicEnum),
    );
  },
  webhookSubscription: (_r, args, ctx) => {
    const parsed = parseGid(args.id, 'WebhookSubscription');
    return parsed ? (ctx.webhooks.get(parsed.id) ?? null) : null;
  },
  deletionEvents: (_r, args, ctx, info) => {
    const types = args.subjectTypes as string[] | null | undefined;
    const query = typeof args.query === 'string' ? args.query.trim() : '';
    const parsed = query ? parseSearch<(typeof ctx.store.deletions)[number]>(query, {
      occurred_at: { kind: 'date', get: (d) => d.occurredAt },
      id: { kind: 'number', get: (d) => d.id },
    }, { strictGreaterThan: ctx.options.strictGreaterThan }) : undefined;
    if (parsed && parsed.warnings.length > 0) ctx.searchWarnings.push({ path: responsePathAsArray(info.path), query, warnings: parsed.warnings });
    const events = ctx.store.deletions.map((d) => ({ ...d, occurredAtIso: isoSeconds(d.occurredAt), subjectGid: gid('Product', d.subjectId) }));
    return connectionOf(events, (d) => ({ lastId: d.id, lastValue: d.id }), args, ctx,
      (d) => (!types || types.includes(d.subjectType)) && (!parsed || parsed.matches(d)));
  },
  productOperation: (_r, args, ctx) => {
    const parsed = parseGid(args.id);
    const op = parsed ? ctx.session.productOperations.get(parsed.id) : undefined;
    if (!op) return null;
    op.polled = true;
    return op;
  },
};

function locationSearchFields(): SearchFields<Sortable & { name?: string }> {
  return {
    id: { kind: 'number', get: (r) => r.id },
    name: { kind: 'string', get: (r) => r.name ?? null },
    default: { kind: 'string', get: (r) => r.name ?? null },
  };
}
