// The JTL-FFN connector (JTL Fulfillment Network merchant API; platforms/jtl-ffn.md): one connection per
// merchant account. OAuth with single-use refresh tokens, kept by the engine (engine/oauth-tokens.ts);
// products, stock per warehouse and outbounds pulled (stock and outbounds from the change feeds every 2
// minutes: JTL has no webhooks); ops fields of products and outbounds of hub orders written.
import { TokenBucket } from '../../core/rate-limit.js';
import type { Connector } from '../types.js';
import { jtlOAuth, observeJtl } from './api.js';
import { jtlBaseUrl, jtlConfig, type JtlConfig } from './config-merged.js';
import { JTL_PUSHED_FIELDS, upsertJtlProduct } from './push.js';
import { outboundsStream, productsStream, stockStream } from './streams.js';

/**
 * No FFN limit is published (section 4); clients pace at about 5 requests a second. X-RateLimit-* headers,
 * should they appear, lower the count, and a 429 pauses the connection as on every platform.
 */
export const JTL_REQUESTS_PER_SEC = 5;

export const jtlConnector: Connector<JtlConfig> = {
  platform: 'jtl-ffn',
  config: jtlConfig,
  baseUrl: jtlBaseUrl,
  rateLimit: () => new TokenBucket({ ratePerSec: JTL_REQUESTS_PER_SEC, burst: JTL_REQUESTS_PER_SEC }),
  streams: [productsStream, stockStream, outboundsStream],
  push: { upsertProduct: upsertJtlProduct, productFields: JTL_PUSHED_FIELDS },
  oauth: jtlOAuth,
  observeRateLimit: (res) => observeJtl(res),
};
