// The WooCommerce connector (REST API wc/v3): one connection per store. WooCommerce itself has no rate
// limiter; hosts, WAFs and CDNs throttle with 429/503 and no fixed numbers (platforms/woocommerce.md
// section 4), so the model is a cap on requests in flight, and throttles are honoured as the shared
// client classifies them (429, and 503 with Retry-After -> rate_limited, waited out; 503 without it and
// empty bodies -> transient with backoff; api.ts classifyWoo).
import { ConcurrencyCap } from '../../core/rate-limit.js';
import type { Connector } from '../types.js';
import { classifyWoo, wooHeaders } from './api.js';
import { wooBaseUrl, wooConfig, type WooConfig } from './config-merged.js';
import { setWooStock, upsertWooProduct, WOO_PUSHED_FIELDS } from './push.js';
import { WOO_LOCATION } from './mapping.js';
import { customersStream, ordersStream, productsStream } from './streams.js';
import { wooWebhookHealth } from './webhook-health.js';
import { mapWooWebhook, parseWooWebhook, verifyWooWebhook } from './webhooks.js';

/** Requests in flight per store: slow shared hosting answers one request in seconds (sheet: 1-2). */
export const WOO_MAX_IN_FLIGHT = 2;

export const wooConnector: Connector<WooConfig> = {
  platform: 'woocommerce',
  config: wooConfig,
  baseUrl: wooBaseUrl,
  defaultHeaders: wooHeaders,
  rateLimit: () => new ConcurrencyCap({ max: WOO_MAX_IN_FLIGHT }),
  streams: [customersStream, productsStream, ordersStream],
  push: { upsertProduct: upsertWooProduct, setStock: setWooStock, productFields: WOO_PUSHED_FIELDS, defaultStockLocationId: WOO_LOCATION },
  webhooks: {
    verify: verifyWooWebhook,
    parse: parseWooWebhook,
    toRecords: (event) => mapWooWebhook(event),
    // The connection's webhook secret when set; else the one the credentials may carry (config.ts).
    secretFrom: (credentials) => (typeof credentials.webhookSecret === 'string' && credentials.webhookSecret !== '' ? credentials.webhookSecret : null),
    // The store disables a webhook after consecutive failed deliveries and never says so (webhook-health.ts).
    health: wooWebhookHealth,
  },
  classify: classifyWoo,
};
