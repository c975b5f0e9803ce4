// Printful responses: the v1 envelope {code, result, paging}, the rate-limit headers and the
// error bodies, which are parsed defensively and classified by HTTP status (platforms/printful.md
// sections 2, 4, 7).
import { SyncError } from '../../core/errors.js';
import type { RateLimitObservation } from '../../core/rate-limit.js';
import type { Ctx, HttpRequest, HttpResponse } from '../types.js';
import type { PrintfulConfig } from './config-merged.js';

export interface V1Paging {
  total: number;
  offset: number;
  limit: number;
}

/** Printful's page size maximum: asking for fewer would cost more requests of the 120 per minute. */
export const PAGE_LIMIT = 100;

/** GET of a v1 route; returns `result` (and `paging`), or fails with upstream_invalid_response on a body that is no envelope. */
export async function v1Get<T>(ctx: Ctx<PrintfulConfig>, path: string, query?: HttpRequest['query']): Promise<{ result: T; paging: V1Paging | null }> {
  const res = await ctx.http.request<unknown>({ path, query });
  const body = res.body as { code?: unknown; result?: unknown; paging?: unknown } | null;
  if (typeof body !== 'object' || body === null || !('result' in body)) {
    throw new SyncError('upstream_invalid_response', `GET ${path} answered without a {code, result} envelope`);
  }
  const p = body.paging as Partial<V1Paging> | undefined;
  const paging = p && Number.isInteger(p.total) && Number.isInteger(p.offset) ? { total: p.total!, offset: p.offset!, limit: p.limit ?? PAGE_LIMIT } : null;
  return { result: body.result as T, paging };
}

const num = (v: string | null): number | undefined => {
  if (v === null || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
};

/**
 * The X-Ratelimit-* headers. v1 routes report a fixed window (Reset = seconds until it refills);
 * v2's token bucket reports Reset as seconds until full, which is no window end, so only
 * `remaining` is passed on for /v2/ routes.
 */
export function observePrintful(res: HttpResponse, req: HttpRequest, now = Date.now()): RateLimitObservation | undefined {
  const remaining = num(res.headers.get('x-ratelimit-remaining'));
  const limit = num(res.headers.get('x-ratelimit-limit'));
  const reset = num(res.headers.get('x-ratelimit-reset'));
  if (remaining === undefined && limit === undefined) return undefined;
  if (req.path.startsWith('/v2/')) return { remaining };
  return { remaining, limit, ...(reset !== undefined ? { resetAt: now + Math.ceil(reset * 1000) } : {}) };
}
