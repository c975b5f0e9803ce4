// JTL-FFN connection settings and credentials (platforms/jtl-ffn.md sections 1 and 2).
import { z } from 'zod';
import { OutboundRule } from '../../core/outbound-rule.js';
import { baseUrl, httpUrl, secret } from '../config-common.js';

export const settingsSchema = z.strictObject({
  // Selects the API host (ffn-sbx... or ffn2...); the OAuth server is the same for both.
  environment: z.enum(['sandbox', 'production'], { error: 'environment must be "sandbox" or "production"' }).default('sandbox'),
  merchantId: z.string().min(1).optional(),
  /** Warehouse that outbounds are sent to and whose stock is read, when the merchant uses several. */
  warehouseId: z.string().min(1).optional(),
  baseUrl,
  // The token endpoint is on a different host (oauth2.api.jtl-software.com) than the API, so pointing the
  // connector at a sandbox needs its own override.
  oauthUrl: httpUrl('oauthUrl').optional(),
  /**
   * Which channel orders become outbounds (core/outbound-rule.ts, engine/fulfilments.ts); absent: none. `{}` sends
   * paid, unfulfilled Shopify, WooCommerce and eMAG orders.
   */
  outboundRule: OutboundRule.optional(),
  /** Shipping type of the outbounds created (platforms/jtl-ffn.md section 2). */
  shippingType: z.enum(['Standard', 'Expedited', 'NextDay', 'SecondDay', 'SameDay', 'ByShippingLabelProvider']).default('Standard'),
});

// Both tokens are optional: a connection can be saved before the authorization-code grant has run (it is then
// `needs_reauth`). Refresh tokens are single-use: every refresh returns a new one that replaces this value.
export const credentialsSchema = z.strictObject({
  clientId: secret('clientId'),
  clientSecret: secret('clientSecret'),
  refreshToken: secret('refreshToken').optional(),
  accessToken: secret('accessToken').optional(),
  /** When the stored access token expires (ISO 8601); written by the engine with every refresh. */
  accessTokenExpiresAt: z.string().optional(),
});

export type JtlFfnSettings = z.infer<typeof settingsSchema>;
export type JtlFfnCredentials = z.infer<typeof credentialsSchema>;
