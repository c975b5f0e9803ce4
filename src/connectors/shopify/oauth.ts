// Shopify app install (authorization code grant): the merchant is sent to the shop's authorize
// page; Shopify redirects back with `code`, `shop`, `state`, `timestamp` and an `hmac` (hex
// HMAC-SHA256, keyed with the app's client secret, over the other query parameters sorted and joined
// as k=v with &); the code is exchanged once for an offline access token.
//
// The exchange sends the app's client secret, which is shared by every install of the app: it goes only
// to a shop's own host or to a base URL the operator allow-listed (a sandbox), never elsewhere, and
// redirects are not followed.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { SyncError } from '../../core/errors.js';
import { type OutboundPolicy, refusalOf } from '../outbound.js';

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

/**
 * Where the client secret may be sent: `https://{shop}` for a shop domain, or a base URL whose host is on
 * the allow-list. Throws host_not_allowed otherwise.
 */
export function assertExchangeHost(p: { shop: string; baseUrl?: string; outbound: OutboundPolicy }): void {
  if (!SHOP_DOMAIN.test(p.shop)) throw new SyncError('validation_failed', 'shop must be the shop\'s "<name>.myshopify.com" domain');
  if (p.baseUrl !== undefined && !p.outbound.isAllowListed(new URL(p.baseUrl))) {
    throw new SyncError('host_not_allowed', `baseUrl (${new URL(p.baseUrl).host}) is not on the allow-list: a shop is installed on its own myshopify.com host; a sandbox must be allowed with COMMERCE_SYNC_ALLOWED_HOSTS`);
  }
}

export async function exchangeCode(p: { shop: string; baseUrl?: string; apiKey: string; apiSecret: string; code: string; outbound: OutboundPolicy; fetchImpl?: typeof fetch }): Promise<{ accessToken: string; scope: string }> {
  assertExchangeHost(p);
  const url = `${shopBase(p.shop, p.baseUrl)}/admin/oauth/access_token`;
  // The shop's name is checked again on connect: it must resolve to public addresses.
  const dispatcher = p.outbound.dispatcherFor(url, 'the shop');
  const init = {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ client_id: p.apiKey, client_secret: p.apiSecret, code: p.code }),
    signal: AbortSignal.timeout(30_000),
    redirect: 'manual',
    ...(dispatcher ? { dispatcher } : {}),
  };
  let res: Response;
  try {
    res = await (p.fetchImpl ?? fetch)(url, init as RequestInit);
  } catch (err) {
    throw refusalOf(err) ?? new SyncError('upstream_transient', 'the shop could not be reached to exchange the authorization code', { cause: err });
  }
  const body = (await res.json().catch(() => null)) as { access_token?: string; scope?: string } | null;
  if (!res.ok || !body?.access_token) {
    throw new SyncError('upstream_auth', `the shop refused the authorization code (HTTP ${res.status})`);
  }
  return { accessToken: body.access_token, scope: body.scope ?? '' };
}
