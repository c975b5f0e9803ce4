// The body of a delivery, built once when the event fires: retries carry this original payload.
import { createHmac } from 'node:crypto';
import { gid } from '../ids.js';
import type { BulkOperations } from '../bulk/operations.js';
import type { ChangeEvent } from '../store/events.js';
import type { ShopifyStore } from '../store/store.js';
import { restCustomer, restInventoryLevel, restOrder, restProduct, restShop, restTime } from '../rest/shapes.js';

/** base64(HMAC-SHA256(key = app client secret, message = raw body)): X-Shopify-Hmac-Sha256. */
export function signWebhook(secret: string, body: string | Buffer): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}

/** A REST-shaped payload for an event, or undefined when the resource is already gone. */
export function payloadFor(
  event: ChangeEvent, deps: { store: ShopifyStore; bulk: BulkOperations; shop: string },
): Record<string, unknown> | undefined {
  const { store } = deps;
  if (event.snapshot) return event.snapshot;
  switch (event.topic) {
    case 'products/create': case 'products/update': {
      const product = store.products.get(event.resourceId);
      return product ? restProduct(store, product) : undefined;
    }
    case 'orders/create': case 'orders/updated': {
      const order = store.orders.get(event.resourceId);
      return order ? restOrder(store, order) : undefined;
    }
    case 'customers/create': case 'customers/update': {
      const customer = store.customers.get(event.resourceId);
      return customer ? restCustomer(store, customer) : undefined;
    }
    case 'inventory_levels/update': {
      const level = event.locationId === undefined ? undefined : store.inventoryItems.get(event.resourceId)?.levels.get(event.locationId);
      return level ? restInventoryLevel(level) : undefined;
    }
    case 'inventory_items/update': {
      const item = store.inventoryItems.get(event.resourceId);
      const variant = item ? store.variants.get(item.variantId) : undefined;
      return item ? {
        id: item.id, sku: variant?.sku ?? '', tracked: item.tracked, requires_shipping: item.requiresShipping,
        created_at: restTime(item.createdAt), updated_at: restTime(item.updatedAt), admin_graphql_api_id: gid('InventoryItem', item.id),
      } : undefined;
    }
    case 'bulk_operations/finish': {
      const op = deps.bulk.get(event.resourceId);
      return op ? {
        admin_graphql_api_id: gid('BulkOperation', op.id), completed_at: restTime(op.completedAt)?.replace('+00:00', 'Z') ?? null,
        created_at: restTime(op.createdAt)?.replace('+00:00', 'Z') ?? null, error_code: op.errorCode?.toLowerCase() ?? null,
        status: op.status.toLowerCase(), type: op.type.toLowerCase(),
      } : undefined;
    }
    case 'app/uninstalled':
      return restShop(store, deps.shop);
    default:
      return undefined;
  }
}

/** The resource a delivery describes, so reorder faults can swap deliveries about the same record. */
export function resourceKey(event: ChangeEvent): string {
  const family = event.topic.split('/')[0] ?? event.topic;
  return `${family}:${event.resourceId}:${event.locationId ?? ''}`;
}

/** `include_fields` trims the payload to the listed top-level fields. */
export function trimPayload(payload: Record<string, unknown>, includeFields: readonly string[]): Record<string, unknown> {
  if (includeFields.length === 0) return payload;
  return Object.fromEntries(Object.entries(payload).filter(([key]) => includeFields.includes(key)));
}
