// The connector's view of a connection: settings and credentials validated together.
import type { z } from 'zod';
import { credentialsSchema, settingsSchema } from './config.js';

export const shopifyConfig = settingsSchema.extend(credentialsSchema.shape);
export type ShopifyConfig = z.infer<typeof shopifyConfig>;

/** https://{shop} unless a baseUrl (sandbox, staging) overrides it. */
export function shopifyBaseUrl(cfg: ShopifyConfig): string {
  return (cfg.baseUrl ?? `https://${cfg.shopDomain}`).replace(/\/+$/, '');
}
