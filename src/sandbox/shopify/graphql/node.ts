// `node(id:)` lookups and the reverse question graphql-js asks for interfaces and unions: which schema
// type is this plain record? Records are matched by identity against the collection they live in.
import { parseGid } from '../ids.js';
import type { GraphQLContext } from './context.js';

export function resolveNode(ctx: GraphQLContext, id: unknown): unknown {
  const parsed = parseGid(id);
  if (!parsed) return null;
  const { store } = ctx;
  switch (parsed.type) {
    case 'Product': return store.products.get(parsed.id) ?? null;
    case 'ProductVariant': return store.variants.get(parsed.id) ?? null;
    case 'InventoryItem': return store.inventoryItems.get(parsed.id) ?? null;
    case 'Location': return store.locations.get(parsed.id) ?? null;
    case 'Order': return store.orders.get(parsed.id) ?? null;
    case 'Customer': return store.customers.get(parsed.id) ?? null;
    case 'BulkOperation': return ctx.bulk.get(parsed.id) ?? null;
    case 'WebhookSubscription': return ctx.webhooks.get(parsed.id) ?? null;
    case 'InventoryLevel': {
      // gid://shopify/InventoryLevel/<id>?inventory_item_id=<item id>
      const itemId = Number(/[?&]inventory_item_id=(\d+)/.exec(String(id))?.[1]);
      const item = store.inventoryItems.get(itemId);
      if (!item) return null;
      for (const level of item.levels.values()) if (level.id === parsed.id) return level;
      return null;
    }
    default: return null;
  }
}

export function nodeTypeName(ctx: GraphQLContext, value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || !('id' in value)) return undefined;
  const id = (value as { id: unknown }).id;
  if (typeof id !== 'number') return undefined;
  const { store } = ctx;
  if (store.products.get(id) === value) return 'Product';
  if (store.variants.get(id) === value) return 'ProductVariant';
  if (store.inventoryItems.get(id) === value) return 'InventoryItem';
  if (store.locations.get(id) === value) return 'Location';
  if (store.orders.get(id) === value) return 'Order';
  if (store.customers.get(id) === value) return 'Customer';
  if (ctx.bulk.get(id) === value) return 'BulkOperation';
  if (ctx.webhooks.get(id) === value) return 'WebhookSubscription';
  if ('inventoryItemId' in value && 'locationId' in value && 'quantities' in value) return 'InventoryLevel';
  return undefined;
}
