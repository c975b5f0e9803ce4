// The connector's view of a connection: settings and credentials validated together.
import type { z } from 'zod';
import { credentialsSchema, settingsSchema } from './config.js';

export const printfulConfig = settingsSchema.extend(credentialsSchema.shape);
export type PrintfulConfig = z.infer<typeof printfulConfig>;

export const PRINTFUL_API = 'https://api.printful.com';

/** Printful's API host unless a baseUrl (sandbox, staging) overrides it. */
export function printfulBaseUrl(cfg: PrintfulConfig): string {
  return (cfg.baseUrl ?? PRINTFUL_API).replace(/\/+$/, '');
}

export function printfulHeaders(cfg: PrintfulConfig): Record<string, string> {
  // Account-level tokens must name the store on store-scoped endpoints; store tokens ignore it.
  return { authorization: `Bearer ${cfg.token}`, ...(cfg.storeId !== undefined ? { 'x-pf-store-id': String(cfg.storeId) } : {}) };
}
