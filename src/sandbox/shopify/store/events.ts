// Change notifications raised by every write to the store, whoever made it (merchant edit through the
// control API, or the app through a mutation): Shopify sends webhooks for both, which is what makes echo
// suppression necessary. One merchant action shares one event id across all the topics it raises.
export type WebhookTopic =
  | 'products/create' | 'products/update' | 'products/delete'
  | 'orders/create' | 'orders/updated' | 'orders/delete'
  | 'customers/create' | 'customers/update' | 'customers/delete'
  | 'inventory_levels/update' | 'inventory_items/update'
  | 'app/uninstalled' | 'bulk_operations/finish';

export const WEBHOOK_TOPICS: readonly WebhookTopic[] = [
  'products/create', 'products/update', 'products/delete',
  'orders/create', 'orders/updated', 'orders/delete',
  'customers/create', 'customers/update', 'customers/delete',
  'inventory_levels/update', 'inventory_items/update',
  'app/uninstalled', 'bulk_operations/finish',
];

/** GraphQL enum form of a topic: products/update -> PRODUCTS_UPDATE. */
export function topicEnum(topic: WebhookTopic): string {
  return topic.replace('/', '_').toUpperCase();
}

export function topicFromEnum(value: string): WebhookTopic | undefined {
  return WEBHOOK_TOPICS.find((t) => topicEnum(t) === value);
}

export interface ChangeEvent {
  topic: WebhookTopic;
  /** Numeric id of the resource the payload describes (product, order, customer, inventory item, bulk op). */
  resourceId: number;
  /** For inventory_levels/update: the location of the level. */
  locationId?: number;
  /** A payload frozen at trigger time for resources that no longer exist (deletes). */
  snapshot?: Record<string, unknown>;
  eventId: string;
  triggeredAt: number;
}

export type ChangeListener = (event: ChangeEvent) => void;
