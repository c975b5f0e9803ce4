// Shopify connection settings and credentials (platforms/shopify.md sections 0, 1 and 6).
import { z } from 'zod';
import { baseUrl, secret, stockLocationId, stockWarehouses } from '../config-common.js';

// A bare host name: the Admin API lives at https://{shop}.myshopify.com/admin/api/{version}/... and the
// scheme and path are added by the connector.
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i;

/** A version Shopify supports today (each stable version is supported for at least 12 months). */
export const DEFAULT_API_VERSION = '2026-07';

export const settingsSchema = z.strictObject({
  shopDomain: z
    .string({ error: 'shopDomain is required' })
    .regex(HOSTNAME, { error: 'shopDomain must be a host name like "my-shop.myshopify.com", without scheme or path' }),
  // Versions are quarterly (YYYY-01/04/07/10) plus `unstable`; a retired version is silently served by the
  // oldest supported one, so a typo is better caught here than discovered in changed response shapes.
  apiVersion: z
    .string()
    .regex(/^(\d{4}-(01|04|07|10)|unstable)$/, { error: 'apiVersion must be a quarterly version like "2025-01" or "unstable"' })
    .default(DEFAULT_API_VERSION),
  // GraphQL is the primary path; REST is the legacy mode (deprecated for products since 2024-04).
  mode: z.enum(['graphql', 'rest']).default('graphql'),
  baseUrl,
  stockLocationId,
  stockWarehouses,
});

export const credentialsSchema = z.strictObject({
  /** Admin API access token, sent as X-Shopify-Access-Token. Use an offline token: online ones expire in 24 h. */
  accessToken: secret('accessToken'),
  /** The app's client secret: the key of webhook HMACs (X-Shopify-Hmac-Sha256) and of OAuth. */
  apiSecret: secret('apiSecret').optional(),
});

export type ShopifySettings = z.infer<typeof settingsSchema>;
export type ShopifyCredentials = z.infer<typeof credentialsSchema>;
