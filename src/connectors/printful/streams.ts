// Printful streams. Neither the catalog nor store products have a modified-since filter, so every
// pass lists them all (offset paging, 100 per page: the first-20-only bug comes from trusting the
// default) and fetches each entry's details, which carry the variants with price and availability.
// One page of the engine = the details of up to DETAIL_BATCH listed entries, so a checkpoint is
// never more than that many requests behind. Ten, not more: a catalog product carries tens of
// variants, and a page is written in one transaction, which on the embedded database holds up the
// catalog reads served meanwhile (twenty products' variants took 15–30 ms to write). The platform's
// rate limit, not the page count, sets how long a pass takes.
import { z } from 'zod';
import { isSyncError } from '../../core/errors.js';
import { contentHash } from '../../core/hash.js';
import type { Ctx, PageResult, Stream } from '../types.js';
import { PAGE_LIMIT, type V1Paging, v1Get } from './api.js';
import type { PrintfulConfig } from './config-merged.js';
import { mapCatalogProduct, mapSyncProduct } from './mapping.js';

export const DETAIL_BATCH = 10;
const DETAIL_CONCURRENCY = 5;

export const ListDetailCursor = z.object({
  /** Offset of the next listing page. */
  offset: z.int().min(0),
  /** Ids listed but not fetched yet. */
  pending: z.array(z.int().positive()),
  /** The listing has pages after `offset`. */
  more: z.boolean(),
  /** Fingerprint of the last listing's ids, to tell a list that ignores `offset` from a next page. */
  listHash: z.string().optional(),
});
export type ListDetailCursor = z.infer<typeof ListDetailCursor>;

type Json = Record<string, unknown>;

/**
 * An answer that holds the whole list: the v1 spec of `/store/products` names no paging parameters,
 * so a store may ignore offset/limit and answer everything at once. That shows as more items than
 * the limit asked for, or a `paging.total` no larger than the items received. A list without
 * `paging` and exactly `limit` items may still have a next page: that one is asked for, and if it
 * repeats the list (fetchPage compares fingerprints), the list was whole.
 */
export function isWholeList(received: number, paging: V1Paging | null): boolean {
  return received > PAGE_LIMIT || (paging !== null && paging.total <= received);
}

async function detailOrNull(ctx: Ctx<PrintfulConfig>, path: string): Promise<Json | null> {
  try {
    return (await v1Get<Json>(ctx, path)).result;
  } catch (err) {
    // Removed between listing and detail: the sweep of the full pass takes care of it.
    if (isSyncError(err) && (err.details as { status?: number } | undefined)?.status === 404) return null;
    throw err;
  }
}

function listThenDetail(spec: {
  name: string;
  entity: 'catalog_item' | 'product';
  listPath: string;
  detailPath: (id: number) => string;
  map: (raw: Json) => ReturnType<typeof mapCatalogProduct>;
  fetchRecord: (ctx: Ctx<PrintfulConfig>, externalId: string) => Promise<Json | null>;
}): Stream<PrintfulConfig, Json, ListDetailCursor> {
  return {
    name: spec.name,
    entity: spec.entity,
    cursor: ListDetailCursor,
    async fetchPage(ctx, cursor): Promise<PageResult<Json, ListDetailCursor>> {
      let c: ListDetailCursor = cursor ?? { offset: 0, pending: [], more: true };
      if (c.pending.length === 0) {
        const { result, paging } = await v1Get<unknown>(ctx, spec.listPath, { offset: c.offset, limit: PAGE_LIMIT });
        const listed = Array.isArray(result) ? (result as Json[]) : [];
        const ids = listed.map((p) => p?.id).filter((id): id is number => Number.isSafeInteger(id) && (id as number) > 0);
        const offset = c.offset + listed.length;
        const listHash = contentHash(ids);
        // The same list again at a new offset, with no total that says otherwise: the platform ignores
        // offset, and the first answer was everything. (With a larger total it is a loop: the engine's guard stops it.)
        if (c.offset > 0 && !paging && listed.length > 0 && c.listHash === listHash) return { items: [], next: { ...c, more: false }, done: true };
        const more = listed.length > 0 && !isWholeList(listed.length, paging) && (paging ? offset < paging.total : listed.length >= PAGE_LIMIT);
        c = { offset, pending: ids, more, listHash };
        if (ids.length === 0) return { items: [], next: c, done: !more };
      }
      const batch = c.pending.slice(0, DETAIL_BATCH);
      // A few at a time: the connection's limiter paces them within the platform's budget, and
      // each request in flight listens on the run's abort signal.
      const details: (Json | null)[] = [];
      for (let i = 0; i < batch.length; i += DETAIL_CONCURRENCY) {
        details.push(...(await Promise.all(batch.slice(i, i + DETAIL_CONCURRENCY).map((id) => detailOrNull(ctx, spec.detailPath(id))))));
      }
      const next = { ...c, pending: c.pending.slice(batch.length) };
      return { items: details.filter((d): d is Json => d !== null), next, done: next.pending.length === 0 && !next.more };
    },
    toRecords: (raw) => spec.map(raw),
    fetchRecord: spec.fetchRecord,
    // A listed entry's details are the group: a catalog product with its variants, a sync product with its SKUs.
    fetchGroup: async (ctx, groupId) => {
      const item = /^\d+$/.test(groupId) ? await detailOrNull(ctx, spec.detailPath(Number(groupId))) : null;
      return item === null ? null : { item };
    },
  };
}

export const catalogStream = listThenDetail({
  name: 'catalog',
  entity: 'catalog_item',
  listPath: '/products',
  detailPath: (id) => `/products/${id}`,
  map: mapCatalogProduct,
  async fetchRecord(ctx, variantId) {
    if (!/^\d+$/.test(variantId)) return null;
    const found = await detailOrNull(ctx, `/products/variant/${variantId}`);
    return found ? { product: found.product, variants: [found.variant] } : null;
  },
});

export const productsStream = listThenDetail({
  name: 'products',
  entity: 'product',
  listPath: '/store/products',
  detailPath: (id) => `/store/products/${id}`,
  map: mapSyncProduct,
  async fetchRecord(ctx, syncVariantId) {
    if (!/^\d+$/.test(syncVariantId)) return null;
    const variant = await detailOrNull(ctx, `/sync/variant/${syncVariantId}`);
    const productId = variant?.sync_product_id;
    return typeof productId === 'number' ? detailOrNull(ctx, `/store/products/${productId}`) : null;
  },
});
