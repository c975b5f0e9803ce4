// The REST legacy mode (settings.mode = "rest"; platforms/shopify.md section 4): products, orders and
// customers from `/admin/api/{version}/{resource}.json`, 250 per page, paged by the opaque `page_info`
// of the `Link: <...>; rel="next"` header (which allows only `limit` next to it, so the window's
// filters travel inside it), windows on `updated_at_min/max` as the GraphQL path does. The
// connection's limiter is a leaky bucket (40 requests, 2/s) synced from X-Shopify-Shop-Api-Call-Limit.
// REST has no per-location stock on products: stock comes from inventory_levels/update webhooks.
import { afterPage, closeWindow, type IncrementalCursor, openWindow } from '../../core/incremental.js';
import { SyncError } from '../../core/errors.js';
import type { RateLimitObservation } from '../../core/rate-limit.js';
import type { CanonicalRecord, InvalidRecord } from '../../core/records.js';
import type { Ctx, HttpRequest, HttpResponse, PageResult } from '../types.js';
import type { ShopifyConfig } from './config-merged.js';
import { mapShopifyPayload } from './webhooks.js';

export type RestResource = 'products' | 'orders' | 'customers';

/** A REST item as the stream hands it to toRecords: tagged, so one stream can carry both API shapes. */
export interface RestItem {
  rest: RestResource;
  body: Record<string, unknown>;
}

export const isRestItem = (raw: unknown): raw is RestItem =>
  typeof raw === 'object' && raw !== null && 'rest' in raw && 'body' in raw && typeof (raw as RestItem).rest === 'string';

const PAGE_LIMIT = 250;

/** The `page_info` of the rel="next" link, if there is one. */
export function nextPageInfo(link: string | null): string | null {
  if (!link) return null;
  for (const part of link.split(',')) {
    if (!/rel="?next"?/.test(part)) continue;
    const url = /<([^>]+)>/.exec(part)?.[1];
    if (!url) continue;
    try {
      return new URL(url).searchParams.get('page_info');
    } catch {
      return null;
    }
  }
  return null;
}

export async function fetchRestPage(
  ctx: Ctx<ShopifyConfig>,
  resource: RestResource,
  cursor: IncrementalCursor | null,
  overlapMs: number,
): Promise<PageResult<RestItem, IncrementalCursor>> {
  // A full pass starts from no cursor (the engine's rule), so its window has no lower bound.
  const { cursor: open, bounds } = openWindow(cursor, ctx.runStartedAt, overlapMs);
  const query: Record<string, string | number> = { limit: PAGE_LIMIT };
  if (typeof bounds.page === 'string') {
    query.page_info = bounds.page;
  } else {
    if (bounds.from) query.updated_at_min = bounds.from;
    if (bounds.to) query.updated_at_max = bounds.to;
    // Orders default to status=open; a sync wants every order.
    if (resource === 'orders') query.status = 'any';
  }
  const res = await ctx.http.request<Record<string, unknown>>({ path: `/admin/api/${ctx.config.apiVersion}/${resource}.json`, query });
  const list = res.body?.[resource];
  if (!Array.isArray(list)) {
    throw new SyncError('upstream_rejected', `Shopify REST ${resource}.json answered without a "${resource}" list`);
  }
  const items = list.filter((b): b is Record<string, unknown> => typeof b === 'object' && b !== null).map((body) => ({ rest: resource, body }));
  const next = nextPageInfo(res.headers.get('link'));
  const updated = items.map((i) => i.body.updated_at).filter((u): u is string => typeof u === 'string');
  const after = afterPage(open, next, updated);
  return { items, next: next ? after : closeWindow(after), done: !next };
}

export function restItemRecords(item: RestItem): (CanonicalRecord | InvalidRecord)[] {
  return mapShopifyPayload(`${item.rest}/update`, item.body);
}

/** `X-Shopify-Shop-Api-Call-Limit: 32/40`: the leaky bucket's fill as Shopify counts it. */
export function observeRestCallLimit(res: HttpResponse, _req: HttpRequest): RateLimitObservation | undefined {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(res.headers.get('x-shopify-shop-api-call-limit') ?? '');
  return m ? { used: Number(m[1]), limit: Number(m[2]) } : undefined;
}
