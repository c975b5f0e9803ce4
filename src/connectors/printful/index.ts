// The Printful connector (read-mostly): the catalog (products x variants with price and
// availability) into catalog_items, and store (sync) products into hub products linked to their
// catalog variants. v1 is spoken throughout — store products exist only there, and one v1 product
// detail carries every variant with price and stock where v2 needs three calls. Rate limit: v1's
// fixed window of 120 requests per 60 s, corrected by every response's X-Ratelimit-* headers.
import { WindowLimit } from '../../core/rate-limit.js';
import type { Connector } from '../types.js';
import { observePrintful } from './api.js';
import { printfulBaseUrl, printfulConfig, type PrintfulConfig, printfulHeaders } from './config-merged.js';
import { catalogStream, productsStream } from './streams.js';
import { parsePrintfulWebhook, printfulEventRecords, verifyPrintfulWebhook } from './webhooks.js';

export const printfulConnector: Connector<PrintfulConfig> = {
  platform: 'printful',
  config: printfulConfig,
  baseUrl: printfulBaseUrl,
  defaultHeaders: printfulHeaders,
  rateLimit: () => new WindowLimit({ limit: 120, windowMs: 60_000 }),
  streams: [catalogStream, productsStream],
  webhooks: {
    verify: verifyPrintfulWebhook,
    parse: parsePrintfulWebhook,
    toRecords: printfulEventRecords,
  },
  observeRateLimit: (res, req) => observePrintful(res, req),
};
