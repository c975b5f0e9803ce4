// Calls to the WooCommerce REST API (platforms/woocommerce.md sections 1, 3, 7): authentication per
// transport, list reads with the X-WP-TotalPages header, and the classification of answers the status
// alone gets wrong.
//
// Authentication. Over https WooCommerce takes HTTP Basic (sent as a default header) or, when the
// connection asks for it because a host strips the Authorization header, consumer_key/consumer_secret
// in the query. Over plain http it only takes OAuth 1.0a one-legged, signed per request here: the
// signature covers a nonce and a timestamp, so it cannot be a default header. The http client retries a
// failed attempt with the same URL, hence the same nonce; WooCommerce stores a nonce only once it has
// authenticated the request, so a retry after a proxy's 429/503 passes, and a retry after a failure
// inside WordPress answers "nonce already used", classified below as a refusal of this request, not as
// bad credentials. https is the recommended transport and avoids all of this.
import { createHmac, randomBytes } from 'node:crypto';
import type { ErrorKind } from '../../core/errors.js';
import { SyncError } from '../../core/errors.js';
import type { Ctx, HttpRequest, HttpResponse } from '../types.js';
import { signedBaseUrl, usesOAuth, type WooConfig } from './config-merged.js';

/** The most a list page holds and a batch call takes (platforms/woocommerce.md sections 3 and 5). */
export const PER_PAGE = 100;
export const BATCH_LIMIT = 100;

type Query = NonNullable<HttpRequest['query']>;

/** RFC 3986 encoding, as PHP's rawurlencode (OAuth 1.0a, RFC 5849 section 3.6). */
const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * The OAuth 1.0a signature WooCommerce checks: base string METHOD&enc(url)&enc(sorted "k=v" pairs), HMAC
 * keyed with `consumer_secret&`, base64. `url` is the home-URL-based address without a query.
 */
export function oauthSignature(method: string, url: string, params: Record<string, string>, consumerSecret: string): string {
  const pairs = Object.entries(params)
    .map(([k, v]) => [enc(k), enc(v)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const base = `${method.toUpperCase()}&${enc(url)}&${enc(pairs)}`;
  return createHmac('sha256', `${consumerSecret}&`).update(base).digest('base64');
}

/** The query a request needs for authentication (nothing when Basic auth in the default headers does it). */
export function authQuery(cfg: WooConfig, method: string, path: string, query: Query, now = Date.now(), nonce = randomBytes(16).toString('hex')): Query {
  if (!usesOAuth(cfg)) return cfg.queryStringAuth ? { consumer_key: cfg.consumerKey, consumer_secret: cfg.consumerSecret } : {};
  const oauth: Record<string, string> = {
    oauth_consumer_key: cfg.consumerKey,
    oauth_nonce: nonce,
    oauth_signature_method: 'HMAC-SHA256',
    oauth_timestamp: String(Math.floor(now / 1000)),
    oauth_version: '1.0',
  };
  const signed: Record<string, string> = { ...oauth };
  for (const [k, v] of Object.entries(query)) if (v !== undefined) signed[k] = String(v);
  return { ...oauth, oauth_signature: oauthSignature(method, `${signedBaseUrl(cfg)}/${path.replace(/^\/+/, '')}`, signed, cfg.consumerSecret) };
}

/** Basic auth over https unless the connection sends its keys in the query. */
export function wooHeaders(cfg: WooConfig): Record<string, string> {
  if (usesOAuth(cfg) || cfg.queryStringAuth) return {};
  return { authorization: `Basic ${Buffer.from(`${cfg.consumerKey}:${cfg.consumerSecret}`).toString('base64')}` };
}

/** One call with the authentication its transport needs. */
export async function wooRequest<T = unknown>(ctx: Ctx<WooConfig>, req: HttpRequest): Promise<HttpResponse<T>> {
  const method = req.method ?? 'GET';
  const query: Query = { ...(req.query ?? {}) };
  return ctx.http.request<T>({ ...req, method, query: { ...query, ...authQuery(ctx.config, method, req.path, query) } });
}

export interface ListPage<T> {
  items: T[];
  /** X-WP-TotalPages as the server counted it (with the page size it really used); null when absent. */
  totalPages: number | null;
}

const headerInt = (res: HttpResponse, name: string): number | null => {
  const v = res.headers.get(name)?.trim();
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : null;
};

/** GET of a collection: the body must be a list. */
export async function wooList<T>(ctx: Ctx<WooConfig>, path: string, query: Query): Promise<ListPage<T>> {
  const res = await wooRequest(ctx, { path, query });
  if (!Array.isArray(res.body)) {
    throw new SyncError('upstream_invalid_response', `WooCommerce GET ${path} answered with something that is not a list`, { details: { path, status: res.status } });
  }
  return { items: res.body as T[], totalPages: headerInt(res, 'x-wp-totalpages') };
}

/** GET of one object; null when WooCommerce says it does not exist (404, or 400 invalid id). */
export async function wooGetOne<T>(ctx: Ctx<WooConfig>, path: string): Promise<T | null> {
  try {
    const res = await wooRequest<T>(ctx, { path });
    return res.body && typeof res.body === 'object' ? res.body : null;
  } catch (err) {
    const status = ((err as SyncError).details as { status?: number } | undefined)?.status;
    if (err instanceof SyncError && (status === 404 || status === 410)) return null;
    throw err;
  }
}

/**
 * A 200 with an empty body is a host or proxy cutting the answer off (platforms/woocommerce.md section
 * 4): transient, not an empty list. A 503 that says when to come back (Retry-After) is the host's or
 * WAF's throttle, WooCommerce itself having no limiter: it is waited out like a 429, pausing every
 * request of the connection, instead of being retried after a short backoff into the same wall. A 401
 * about the OAuth nonce or timestamp refuses this request, not the keys: it must not mark the
 * connection as needing new credentials.
 */
export function classifyWoo(res: HttpResponse): ErrorKind | undefined {
  if (res.status >= 200 && res.status < 300 && res.body === null) return 'transient';
  if (res.status === 503 && (res.headers.get('retry-after') ?? '').trim() !== '') return 'rate_limited';
  if (res.status === 401) {
    const message = (res.body as { message?: unknown } | null)?.message;
    if (typeof message === 'string' && /nonce|timestamp/i.test(message)) return 'permanent';
  }
  return undefined;
}
