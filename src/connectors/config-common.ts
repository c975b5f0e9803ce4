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

/** A required secret. Messages never include the value. */
export function secret(what: string) {
  return z.string({ error: `${what} is required` }).min(1, { error: `${what} must not be empty` });
}
