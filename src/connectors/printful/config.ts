// Printful connection settings and credentials (platforms/printful.md sections 1 and 6).
import { z } from 'zod';
import { baseUrl, secret } from '../config-common.js';

export const settingsSchema = z.strictObject({
  // Needed with account-level tokens, which must send X-PF-Store-Id on store-scoped endpoints;
  // store-level tokens are bound to one store and need none.
  storeId: z.int({ error: 'storeId must be an integer' }).positive({ error: 'storeId must be positive' }).optional(),
  // Sync (store) products exist only in v1, so v1 is the default; v2 adds signed webhooks.
  apiVersion: z.enum(['v1', 'v2']).default('v1'),
  // Catalog reads are served from the hub; older than this, a read triggers a background refresh.
  catalogMaxAgeMinutes: z.int({ error: 'catalogMaxAgeMinutes must be an integer' }).min(1).max(365 * 24 * 60).optional(),
  baseUrl,
});

export const credentialsSchema = z.strictObject({
  /** OAuth bearer token (private token from the Developer Portal, or a public app's access token). */
  token: secret('token'),
  /**
   * v2 webhook `secret_key`, hex as Printful returns it. The HMAC key is the hex-decoded bytes, which is why
   * the value must be valid hex.
   */
  webhookSecret: secret('webhookSecret')
    .regex(/^(?:[0-9a-fA-F]{2})+$/, { error: 'webhookSecret must be a hex string (Printful v2 secret_key)' })
    .optional(),
});

export type PrintfulSettings = z.infer<typeof settingsSchema>;
export type PrintfulCredentials = z.infer<typeof credentialsSchema>;
