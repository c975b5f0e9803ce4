// The connector's view of a connection: settings and credentials validated together.
import type { z } from 'zod';
import { credentialsSchema, settingsSchema } from './config.js';

export const emagConfig = settingsSchema.extend(credentialsSchema.shape);
export type EmagConfig = z.infer<typeof emagConfig>;

const HOSTS = { ro: 'marketplace-api.emag.ro', bg: 'marketplace-api.emag.bg', hu: 'marketplace-api.emag.hu' } as const;
const ZONES = { ro: 'Europe/Bucharest', bg: 'Europe/Sofia', hu: 'Europe/Budapest' } as const;

/** https://marketplace-api.emag.{country}/api-3 unless a baseUrl (sandbox, staging) overrides it. */
export function emagBaseUrl(cfg: EmagConfig): string {
  return (cfg.baseUrl ?? `https://${HOSTS[cfg.country]}/api-3`).replace(/\/+$/, '');
}

export function emagTimeZone(cfg: EmagConfig): string {
  return cfg.timeZone ?? ZONES[cfg.country];
}

/** FBE logins see their orders only when asking for type 2; eMAG's default is 3 (seller-fulfilled). */
export function orderType(cfg: EmagConfig): 2 | 3 {
  return cfg.account === 'fbe' ? 2 : 3;
}
