// WooCommerce connection settings and credentials (platforms/woocommerce.md sections 1 and 6).
import { z } from 'zod';
import { baseUrl, httpUrl, secret, stockWarehouses } from '../config-common.js';

export const settingsSchema = z.strictObject({
  // The store's home URL. Over https the connector authenticates with Basic auth; over plain http it must
  // sign with OAuth 1.0a, whose base string is built from this URL, so it has to match the store's home URL.
  siteUrl: httpUrl('siteUrl'),
  baseUrl,
  // Send consumer_key/consumer_secret as query parameters instead of Basic auth: some hosts strip the
  // Authorization header.
  queryStringAuth: z.boolean().default(false),
  stockWarehouses,
});

export const credentialsSchema = z.strictObject({
  consumerKey: secret('consumerKey').startsWith('ck_', { error: 'consumerKey must start with "ck_"' }),
  consumerSecret: secret('consumerSecret').startsWith('cs_', { error: 'consumerSecret must start with "cs_"' }),
  /** Each webhook's own secret (not the consumer secret) keys X-WC-Webhook-Signature. */
  webhookSecret: secret('webhookSecret').optional(),
});

export type WooCommerceSettings = z.infer<typeof settingsSchema>;
export type WooCommerceCredentials = z.infer<typeof credentialsSchema>;
