// GraphQL over the shared HTTP client: one POST per document, with the requested cost reserved in
// the connection's cost bucket first. Throttling and cost feedback are read from every response.
import type { ErrorKind } from '../../core/errors.js';
import { SyncError } from '../../core/errors.js';
import type { RateLimitObservation } from '../../core/rate-limit.js';
import type { Ctx, HttpRequest, HttpResponse } from '../types.js';
import type { ShopifyConfig } from './config-merged.js';

export interface GraphQLError {
  message?: string;
  extensions?: { code?: string; [k: string]: unknown };
}

export interface GraphQLBody<T> {
  data?: T | null;
  errors?: GraphQLError[];
  extensions?: { cost?: CostExtension };
}

interface CostExtension {
  requestedQueryCost?: number | null;
  actualQueryCost?: number | null;
  throttleStatus?: { maximumAvailable?: number; currentlyAvailable?: number; restoreRate?: number };
}

// REST bodies carry `errors` as a string or an object: only a GraphQL error list has codes.
const codes = (body: unknown): string[] =>
  (Array.isArray((body as GraphQLBody<unknown> | null)?.errors) ? (body as GraphQLBody<unknown>).errors! : []).map((e) => e?.extensions?.code ?? (e?.message === 'Throttled' ? 'THROTTLED' : ''));

/** Kinds the HTTP status alone gets wrong: Shopify answers throttles and most errors with 200. */
export function classifyShopify(res: HttpResponse): ErrorKind | undefined {
  const c = codes(res.body);
  if (c.includes('THROTTLED')) return 'rate_limited';
  if (c.includes('ACCESS_DENIED')) return 'auth';
  if (c.includes('INTERNAL_SERVER_ERROR')) return 'transient';
  if (c.length > 0 && !(res.body as GraphQLBody<unknown>).data) return 'permanent';
  return undefined;
}

/** The cost bucket's truth, as Shopify reports it on every GraphQL response. */
export function observeShopify(res: HttpResponse, req: HttpRequest): RateLimitObservation | undefined {
  const cost = (res.body as GraphQLBody<unknown> | null)?.extensions?.cost;
  if (!cost) return undefined;
  const t = cost.throttleStatus;
  const obs: RateLimitObservation = {};
  if (req.cost !== undefined) obs.requestedCost = req.cost;
  // A throttled query ran nothing: everything requested comes back.
  obs.actualCost = cost.actualQueryCost ?? 0;
  if (t?.currentlyAvailable !== undefined) obs.available = Number(t.currentlyAvailable);
  if (t?.maximumAvailable !== undefined) obs.capacity = Number(t.maximumAvailable);
  if (t?.restoreRate !== undefined) obs.restoreRate = Number(t.restoreRate);
  return obs;
}

export async function gql<T>(ctx: Ctx<ShopifyConfig>, query: string, variables: Record<string, unknown>, cost: number): Promise<T> {
  const res = await ctx.http.request<GraphQLBody<T>>({
    method: 'POST',
    path: `/admin/api/${ctx.config.apiVersion}/graphql.json`,
    body: { query, variables },
    cost,
  });
  const body = res.body;
  if (!body || typeof body !== 'object' || !body.data) {
    const first = body?.errors?.[0];
    throw new SyncError('upstream_rejected', `Shopify GraphQL error: ${first?.message ?? 'no data in the response'}`, {
      details: { codes: codes(body) },
    });
  }
  return body.data;
}
