// eMAG Marketplace connection settings and credentials (platforms/emag.md sections 1 and 6).
import { z } from 'zod';
import { baseUrl, secret, stockLocationId, stockWarehouses } from '../config-common.js';

export const settingsSchema = z.strictObject({
  // Main and FBE (Fulfilled by eMAG) are separate seller logins; each is its own connection so that they
  // sync side by side and one slow account does not block the other. No default: choosing is deliberate.
  account: z.enum(['main', 'fbe'], { error: 'account must be "main" or "fbe"' }),
  // Each country is its own platform and base URL (marketplace-api.emag.{ro,bg,hu}/api-3).
  country: z.enum(['ro', 'bg', 'hu'], { error: 'country must be "ro", "bg" or "hu"' }).default('ro'),
  baseUrl,
  // Acknowledging moves an order from 1 (new) to 2 and stops eMAG's new-order callbacks. Off by default:
  // acknowledging tells eMAG the merchant has taken the order over, which must be an explicit choice.
  autoAcknowledge: z.boolean().default(false),
  // The warehouse the hub's stock is set in (default: the one the offer reports, else 1).
  stockLocationId,
  stockWarehouses,
  // The documented limits (12 req/s on order routes, 3 req/s shared by all others) unless eMAG granted the
  // seller different ones; a sandbox running on compressed time needs the compressed figures here too.
  requestsPerSecond: z
    .strictObject({
      orders: z.number({ error: 'requestsPerSecond.orders must be a number' }).positive().max(10_000).default(12),
      other: z.number({ error: 'requestsPerSecond.other must be a number' }).positive().max(10_000).default(3),
    })
    .optional(),
  // eMAG timestamps carry no offset; they read as local time of the platform's country (Europe/Bucharest for
  // ro). Only needed when a platform turns out to use another zone.
  timeZone: z
    .string()
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, { error: 'timeZone must be an IANA time zone like "Europe/Bucharest"' })
    .optional(),
});

export const credentialsSchema = z.strictObject({
  // HTTP Basic credentials of a seller user with API rights. eMAG also checks the caller's IP against
  // the seller account's whitelist, which no setting here can fix.
  username: secret('username'),
  password: secret('password'),
});

export type EmagSettings = z.infer<typeof settingsSchema>;
export type EmagCredentials = z.infer<typeof credentialsSchema>;
