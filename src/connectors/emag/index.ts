// The eMAG Marketplace connector: one connection per seller login (main or FBE), each with its own
// limiter of two route groups — 12 req/s for order routes, 3 req/s shared by everything else — fed by
// the X-RateLimit-Remaining-3second header; the offers and orders streams; offer stock and price writes.
import { RouteGroups, TokenBucket } from '../../core/rate-limit.js';
import type { Connector } from '../types.js';
import { classifyEmag, observeEmag } from './api.js';
import { type EmagConfig, emagBaseUrl, emagConfig } from './config-merged.js';
import { setEmagStock, upsertEmagOffers } from './push.js';
import { offersStream, ordersStream } from './streams.js';

/** Requests a burst may take back to back: half the platform's per-second bucket, so that jitter on the
 * way never lets more arrive within one of the platform's seconds than it holds. */
const BURST = { orders: 6, other: 1 };

export const emagConnector: Connector<EmagConfig> = {
  platform: 'emag',
  config: emagConfig,
  baseUrl: emagBaseUrl,
  defaultHeaders: (cfg) => ({ authorization: `Basic ${Buffer.from(`${cfg.username}:${cfg.password}`).toString('base64')}` }),
  rateLimit: (cfg) =>
    new RouteGroups({
      groups: {
        orders: new TokenBucket({ ratePerSec: cfg.requestsPerSecond?.orders ?? 12, burst: BURST.orders }),
        other: new TokenBucket({ ratePerSec: cfg.requestsPerSecond?.other ?? 3, burst: BURST.other }),
      },
      routeToGroup: (route) => (route === 'orders' ? 'orders' : 'other'),
    }),
  streams: [offersStream, ordersStream],
  // An offer save writes the price and the status (active or not); nothing else of the product.
  push: { setStock: setEmagStock, upsertProduct: upsertEmagOffers, productFields: ['price', 'isActive'], defaultStockLocationId: '1' },
  classify: classifyEmag,
  observeRateLimit: observeEmag,
};
