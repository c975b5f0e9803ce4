// Calls to the Marketplace API: POST {resource}/{action} with the parameters at the top level (as
// production clients send them), the route group that paces it, and a check of the envelope: anything
// without `isError: false` is a failure, with eMAG's own messages in the error.
import { SyncError } from '../../core/errors.js';
import type { ErrorKind } from '../../core/errors.js';
import type { RateLimitObservation } from '../../core/rate-limit.js';
import type { Ctx, HttpRequest, HttpResponse } from '../types.js';
import type { EmagConfig } from './config-merged.js';

export type EmagRoute = 'orders' | 'other';

/** Order routes have their own limit; every other resource shares one. */
export const routeOf = (path: string): EmagRoute => (path === 'order' || path.startsWith('order/') ? 'orders' : 'other');

interface Envelope {
  isError?: unknown;
  messages?: unknown;
  errors?: unknown;
  results?: unknown;
}

function messagesOf(body: Envelope): string {
  const list = [body.messages, body.errors].flatMap((m) => (Array.isArray(m) ? m : m === undefined || m === null ? [] : [m]));
  const text = list.map((m) => (typeof m === 'string' ? m : JSON.stringify(m))).join('; ');
  return text.length > 500 ? `${text.slice(0, 500)}...` : text;
}

/** The envelope's `results` when `isError` is false; otherwise a SyncError that says what eMAG said. */
export function resultsOf(path: string, body: unknown): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new SyncError('upstream_invalid_response', `eMAG ${path} answered without the {isError, messages, results} envelope`, {
      details: { path, body: typeof body === 'string' ? body.slice(0, 300) : body },
    });
  }
  const env = body as Envelope;
  if (env.isError === false) return env.results;
  const said = messagesOf(env);
  if (/invalid vendor ip/i.test(said)) {
    throw new SyncError('upstream_rejected', `eMAG refused the caller's IP (${said}); add this server's public IP to the seller account's API whitelist`, { details: { path } });
  }
  if (env.isError === true) throw new SyncError('upstream_rejected', `eMAG ${path} failed: ${said || 'no message given'}`, { details: { path, messages: env.messages } });
  throw new SyncError('upstream_invalid_response', `eMAG ${path} answered with isError ${JSON.stringify(env.isError)} instead of true/false`, { details: { path } });
}

/** POST {path} with `params`; returns the envelope's results. */
export async function emagCall(ctx: Ctx<EmagConfig>, path: string, params?: unknown): Promise<unknown> {
  const res = await ctx.http.request({ method: 'POST', path, body: params ?? {}, route: routeOf(path) });
  return resultsOf(path, res.body);
}

/** 403 carries the envelope; 200s with isError are handled by the caller, who knows what was asked. */
export function classifyEmag(res: HttpResponse): ErrorKind | undefined {
  return res.status === 403 ? 'auth' : undefined;
}

/** `X-RateLimit-Remaining-3second` (the name dates from an older limit) lowers the local bucket. */
export function observeEmag(res: HttpResponse, req: HttpRequest): RateLimitObservation | undefined {
  const remaining = res.headers.get('x-ratelimit-remaining-3second');
  if (remaining === null || !/^\d+$/.test(remaining.trim())) return undefined;
  return { route: req.route, remaining: Number(remaining) };
}

/** `noOfPages` etc. arrive as ints or as strings ("123") depending on the server. */
export function countOf(path: string, results: unknown): { items: number; pages: number } {
  const r = results as { noOfItems?: unknown; noOfPages?: unknown } | null;
  const num = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : NaN);
  const items = num(r?.noOfItems);
  const pages = num(r?.noOfPages);
  if (!Number.isInteger(items) || !Number.isInteger(pages) || items < 0 || pages < 0) {
    throw new SyncError('upstream_invalid_response', `eMAG ${path} answered without integer noOfItems/noOfPages`, { details: { path, results } });
  }
  return { items, pages };
}

/** A read's results must be a list. */
export function listOf(path: string, results: unknown): unknown[] {
  if (!Array.isArray(results)) throw new SyncError('upstream_invalid_response', `eMAG ${path} answered with results that are not a list`, { details: { path } });
  return results;
}
