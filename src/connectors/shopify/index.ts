// The Shopify connector (GraphQL Admin API): config, cost-bucket rate limit fed by every response's
// throttleStatus, the customers -> products -> orders streams, and webhook verification/parsing.
import { CostBucket, LeakyBucket } from '../../core/rate-limit.js';
import type { Connector } from '../types.js';
import { shopifyBaseUrl, shopifyConfig, type ShopifyConfig } from './config-merged.js';
import { classifyShopify, observeShopify } from './graphql.js';
import { setShopifyStock, SHOPIFY_PUSHED_FIELDS, upsertShopifyProduct } from './push.js';
import { observeRestCallLimit } from './rest.js';
import { registerShopifyWebhooks } from './subscriptions.js';
import { customersStream, ordersStream, productsStream } from './streams.js';
import { mapShopifyPayload, mapShopifyStockEvent, parseShopifyWebhook, verifyShopifyWebhook } from './webhooks.js';

export const shopifyConnector: Connector<ShopifyConfig> = {
  platform: 'shopify',
  config: shopifyConfig,
  baseUrl: shopifyBaseUrl,
  defaultHeaders: (cfg) => ({ 'X-Shopify-Access-Token': cfg.accessToken }),
  // Start from the documented standard bucket; every response's throttleStatus corrects it (Plus
  // stores report 20000 / 1000 per s, a temporarily reduced limit is followed the same way).
  // REST legacy mode: the 40-request leaky bucket draining 2/s, corrected by X-Shopify-Shop-Api-Call-Limit.
  rateLimit: (cfg) => (cfg.mode === 'rest' ? new LeakyBucket({ capacity: 40, leakPerSec: 2 }) : new CostBucket({ capacity: 2000, restoreRate: 100, maxSingleCost: 1000 })),
  streams: [customersStream, productsStream, ordersStream],
  push: { upsertProduct: upsertShopifyProduct, setStock: setShopifyStock, productFields: SHOPIFY_PUSHED_FIELDS },
  webhooks: {
    verify: verifyShopifyWebhook,
    parse: parseShopifyWebhook,
    toRecords: (e, lookup) => {
      const p = e.payload as { topic: string; body: Record<string, unknown> } | undefined;
      if (!p || e.op !== 'upsert') return [];
      return p.topic === 'inventory_levels/update' ? mapShopifyStockEvent(p.body, lookup) : mapShopifyPayload(p.topic, p.body);
    },
    // Shopify signs every delivery with the app's client secret.
    secretFrom: (credentials) => (typeof credentials.apiSecret === 'string' ? credentials.apiSecret : null),
    register: registerShopifyWebhooks,
  },
  classify: classifyShopify,
  observeRateLimit: (res, req) => observeShopify(res, req) ?? observeRestCallLimit(res, req),
};
