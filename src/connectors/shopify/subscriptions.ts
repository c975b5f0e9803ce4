// Webhook subscriptions for a shop (webhookSubscriptionCreate): one per topic the connector applies,
// all to the connection's receiver. Registering twice is harmless: Shopify refuses a second
// subscription of a topic to the same address, which counts as already registered.
import { SyncError } from '../../core/errors.js';
import type { Ctx } from '../types.js';
import type { ShopifyConfig } from './config-merged.js';
import { gql } from './graphql.js';

export const SUBSCRIBED_TOPICS = [
  'PRODUCTS_CREATE', 'PRODUCTS_UPDATE', 'PRODUCTS_DELETE',
  'ORDERS_CREATE', 'ORDERS_UPDATED', 'ORDERS_DELETE',
  'CUSTOMERS_CREATE', 'CUSTOMERS_UPDATE',
  'APP_UNINSTALLED',
] as const;

/**
 * The subscription mutation for an API version. The address field is `uri` from 2025-10 (it also takes
 * Pub/Sub and EventBridge addresses); `callbackUrl`, the only field before, is deprecated from then and
 * gone from later versions. userErrors are plain `UserError`s here: no `code`.
 */
export function webhookSubscriptionCreateMutation(apiVersion: string): string {
  const [field, type] = apiVersion === 'unstable' || apiVersion >= '2025-10' ? ['uri', 'String!'] : ['callbackUrl', 'URL!'];
  return `mutation Subscribe($topic: WebhookSubscriptionTopic!, $url: ${type}) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: { ${field}: $url, format: JSON }) {
    webhookSubscription { id }
    userErrors { field message }
  }
}`;
}

export async function registerShopifyWebhooks(ctx: Ctx<ShopifyConfig>, callbackUrl: string): Promise<{ created: number; existing: number }> {
  let created = 0;
  let existing = 0;
  const mutation = webhookSubscriptionCreateMutation(ctx.config.apiVersion);
  for (const topic of SUBSCRIBED_TOPICS) {
    const data = await gql<{ webhookSubscriptionCreate: { webhookSubscription: { id: string } | null; userErrors: { message: string }[] } }>(
      ctx,
      mutation,
      { topic, url: callbackUrl },
      10,
    );
    const r = data.webhookSubscriptionCreate;
    if (r.webhookSubscription) created++;
    else if (r.userErrors.some((e) => /already been taken/i.test(e.message))) existing++;
    else throw new SyncError('upstream_rejected', `subscribing ${topic} failed: ${r.userErrors.map((e) => e.message).join('; ')}`);
  }
  return { created, existing };
}
