// Shared pieces of the per-platform connection schemas.
import { z } from 'zod';

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/**
 * An absolute http(s) URL. Credentials embedded in the URL are rejected because settings are stored and
 * shown unencrypted; query strings and fragments are rejected because request paths are appended to it.
 */
export function httpUrl(what: string) {
  return z
    .url({ protocol: /^https?$/, error: `${what} must be an absolute http:// or https:// URL` })
    .refine((value) => {
      const url = parseUrl(value);
      return url === undefined || (url.username === '' && url.password === '');
    }, { error: `${what} must not contain a user name or password; put secrets in the credentials` })
    .refine((value) => {
      const url = parseUrl(value);
      return url === undefined || (url.search === '' && url.hash === '');
    }, { error: `${what} must not contain a query string or fragment` });
}

/** Every connector accepts this override so it can talk to a sandbox or a staging host (DESIGN.md 6). */
export const baseUrl = httpUrl('baseUrl').optional();

/**
 * Where the hub's stock is set on a storefront with several locations (a Shopify location gid, an eMAG
 * warehouse id). Without it, a push sets the one location the platform reports for the SKU, or the
 * connector's default; a SKU stocked at several locations needs it (engine/stock-push.ts).
 */
export const stockLocationId = z.string().trim().min(1).max(255).optional();

/**
 * Which JTL-FFN warehouses stock this storefront: its push sends the sum of the hub's own levels and the
 * levels of these warehouses (engine/stock-push.ts). Absent: every warehouse (the sum of all available).
 */
export const stockWarehouses = z.array(z.string().trim().min(1).max(255)).min(1).optional();

/** A required secret. Messages never include the value. */
export function secret(what: string) {
  return z.string({ error: `${what} is required` }).min(1, { error: `${what} must not be empty` });
}
