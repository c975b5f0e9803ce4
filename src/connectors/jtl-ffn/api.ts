// Calls to the JTL-FFN merchant API (platforms/jtl-ffn.md sections 1, 3, 7): collections paged with
// $top/$skip, the `/updates` change feeds, the OAuth token endpoint, and the platform's error shape.
import { z } from 'zod';
import { SyncError } from '../../core/errors.js';
import type { Ctx, HttpRequest, HttpResponse, OAuthRefresh, TokenGrant } from '../types.js';
import { jtlOAuthUrl, type JtlConfig } from './config-merged.js';

/** Merchant routes, below the API base. */
export const MERCHANT = 'v1/merchant';
/** Items per collection page: the maximum one client uses (the platform publishes none; default 50). */
export const PAGE_SIZE = 200;

type Query = NonNullable<HttpRequest['query']>;

/** One page of a collection. */
export interface CollectionPage<T> {
  items: T[];
  /** Whether the platform says a next page exists (nextPageLink), else whether this page was full. */
  more: boolean;
}

export async function jtlList<T>(ctx: Ctx<JtlConfig>, path: string, skip: number, query: Query = {}): Promise<CollectionPage<T>> {
  const res = await ctx.http.request<{ items?: unknown; nextPageLink?: unknown }>({ path: `${MERCHANT}/${path}`, query: { ...query, $top: PAGE_SIZE, $skip: skip } });
  const body = res.body;
  if (!body || typeof body !== 'object' || !Array.isArray(body.items)) {
    throw new SyncError('upstream_invalid_response', `JTL-FFN GET ${path} answered without an items list`, { details: { path, status: res.status } });
  }
  const items = body.items as T[];
  const more = typeof body.nextPageLink === 'string' && body.nextPageLink !== '' ? items.length > 0 : items.length >= PAGE_SIZE;
  return { items, more };
}

/** A `$filter` value: single quotes doubled, as OData wants. */
export const odata = (v: string) => `'${v.replace(/'/g, "''")}'`;

export const FeedChunk = z.object({
  from: z.string().optional(),
  to: z.string(),
  data: z.array(z.unknown()),
  moreDataAvailable: z.boolean().default(false),
  nextChunkUrl: z.string().nullish(),
});
export type FeedChunk = z.infer<typeof FeedChunk>;

/**
 * One chunk of a change feed (`<resource>/updates`). Our own changes are not hidden: the stock a reservation
 * by our outbound moves is stock the storefronts must see.
 */
export async function jtlFeed(ctx: Ctx<JtlConfig>, resource: string, window: { fromDate: string; toDate: string | null; page: number }): Promise<FeedChunk> {
  const res = await ctx.http.request({
    path: `${MERCHANT}/${resource}/updates`,
    query: { fromDate: window.fromDate, ...(window.toDate ? { toDate: window.toDate } : {}), page: window.page },
  });
  const parsed = FeedChunk.safeParse(res.body);
  if (!parsed.success) {
    throw new SyncError('upstream_invalid_response', `JTL-FFN GET ${resource}/updates answered something that is not a feed chunk`, { details: { resource, status: res.status } });
  }
  return parsed.data;
}

/** JTL's error code (`errorCode.code`) and metadata from a refused request, when its body says. */
export function jtlErrorOf(err: unknown): { status?: number; code?: string; meta: Record<string, unknown> } {
  const details = (err instanceof SyncError ? err.details : undefined) as { status?: number; body?: string } | undefined;
  let body: { errorCode?: { code?: unknown }; errorMetaData?: unknown } | null = null;
  try {
    body = details?.body ? JSON.parse(details.body) : null;
  } catch {
    // An excerpt cut off at its length limit: the status is all there is.
  }
  const code = typeof body?.errorCode?.code === 'string' ? body.errorCode.code : undefined;
  const meta = body?.errorMetaData && typeof body.errorMetaData === 'object' ? (body.errorMetaData as Record<string, unknown>) : {};
  return { status: details?.status, code, meta };
}

/** A GET of one object; null when it does not exist. */
export async function jtlGetOne<T>(ctx: Ctx<JtlConfig>, path: string): Promise<T | null> {
  try {
    const res = await ctx.http.request<T>({ path: `${MERCHANT}/${path}` });
    return res.body && typeof res.body === 'object' ? res.body : null;
  } catch (err) {
    const { status } = jtlErrorOf(err);
    if (status === 404 || status === 410) return null;
    throw err;
  }
}

const Grant = z.object({ access_token: z.string().min(1), refresh_token: z.string().min(1), expires_in: z.coerce.number().positive() });

/** The token endpoint: authorization-code grant only; every refresh rotates the refresh token (section 1). */
export const jtlOAuth: OAuthRefresh<JtlConfig> = {
  tokenUrl: jtlOAuthUrl,
  refreshRequest: (cfg, refreshToken) => ({
    method: 'POST',
    path: 'token',
    headers: { authorization: `Basic ${Buffer.from(`${cfg.clientId}:${cfg.clientSecret}`).toString('base64')}` },
    form: { grant_type: 'refresh_token', refresh_token: refreshToken },
  }),
  parseGrant(body: unknown): TokenGrant {
    const g = Grant.safeParse(body);
    if (!g.success) throw new SyncError('upstream_invalid_response', 'the JTL token endpoint answered without an access token, a refresh token and expires_in');
    return { accessToken: g.data.access_token, refreshToken: g.data.refresh_token, expiresInSec: g.data.expires_in };
  },
  headers: (accessToken) => ({ authorization: `Bearer ${accessToken}` }),
};

/** The X-RateLimit-* headers JTL's other APIs send, should FFN ever send them (section 4). */
export function observeJtl(res: HttpResponse): { remaining: number; resetAt?: number } | undefined {
  const remaining = Number(res.headers.get('x-ratelimit-remaining'));
  const interval = Number(res.headers.get('x-ratelimit-interval-length-seconds'));
  if (!res.headers.has('x-ratelimit-remaining') || !Number.isFinite(remaining)) return undefined;
  return Number.isFinite(interval) && interval > 0 ? { remaining, resetAt: Date.now() + interval * 1000 } : { remaining };
}
