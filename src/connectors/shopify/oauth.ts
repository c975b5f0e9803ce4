// Shopify app install (authorization code grant): the merchant is sent to the shop's authorize
// page; Shopify redirects back with `code`, `shop`, `state`, `timestamp` and an `hmac` (hex
// HMAC-SHA256, keyed with the app's client secret, over the other query parameters sorted and joined
// as k=v with &); the code is exchanged once for an offline access token.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { SyncError } from '../../core/errors.js';

export const DEFAULT_SCOPES = ['read_products', 'write_products', 'read_inventory', 'write_inventory', 'read_locations', 'read_orders', 'read_customers'];

/** A shop's admin host: `{name}.myshopify.com`, lower case. */
export const SHOP_DOMAIN = /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/;

export function shopBase(shop: string, baseUrl?: string): string {
  return (baseUrl ?? `https://${shop}`).replace(/\/+$/, '');
}

export function installUrl(p: { shop: string; baseUrl?: string; apiKey: string; scopes: string[]; redirectUri: string; state: string }): string {
  const u = new URL(`${shopBase(p.shop, p.baseUrl)}/admin/oauth/authorize`);
  u.searchParams.set('client_id', p.apiKey);
  u.searchParams.set('scope', p.scopes.join(','));
  u.searchParams.set('redirect_uri', p.redirectUri);
  u.searchParams.set('state', p.state);
  return u.toString();
}

export function callbackHmac(query: Record<string, string | undefined>, apiSecret: string): string {
  const message = Object.keys(query)
    .filter((k) => k !== 'hmac' && k !== 'signature' && query[k] !== undefined)
    .sort()
    .map((k) => `${k}=${query[k]}`)
    .join('&');
  return createHmac('sha256', apiSecret).update(message).digest('hex');
}

/** Timing-safe; false for a missing or malformed hmac. */
export function verifyCallback(query: Record<string, string | undefined>, apiSecret: string): boolean {
  const given = query.hmac;
  if (!given || !/^[0-9a-f]{64}$/i.test(given)) return false;
  return timingSafeEqual(Buffer.from(callbackHmac(query, apiSecret), 'hex'), Buffer.from(given.toLowerCase(), 'hex'));
}

export async function exchangeCode(p: { shop: string; baseUrl?: string; apiKey: string; apiSecret: string; code: string; fetchImpl?: typeof fetch }): Promise<{ accessToken: string; scope: string }> {
  const res = await (p.fetchImpl ?? fetch)(`${shopBase(p.shop, p.baseUrl)}/admin/oauth/access_token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ client_id: p.apiKey, client_secret: p.apiSecret, code: p.code }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await res.json().catch(() => null)) as { access_token?: string; scope?: string } | null;
  if (!res.ok || !body?.access_token) {
    throw new SyncError('upstream_auth', `the shop refused the authorization code (HTTP ${res.status})`);
  }
  return { accessToken: body.access_token, scope: body.scope ?? '' };
}
