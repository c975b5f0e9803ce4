// WooCommerce streams: products (one hub SKU per simple product or variation), customers and orders.
//
// Paging (platforms/woocommerce.md section 3). Lists are paged by `page`/`per_page=100`, sorted by id
// ascending, and read from the last page down to the first, having counted the pages (X-WP-TotalPages)
// at the start of the pass. Offset paging over a changing set skips rows when rows before the read
// position disappear; read backwards, a row that leaves the listing (an edit moving it out of the
// modified window, a deletion) only shifts rows of lower pages onto pages already read: re-read,
// never skipped. A row added meanwhile lands after the pages counted and is read by the next run (new
// ids sort last; an edit now is after the window's end). A full pass reads everything by id, so no
// edit during it makes a row look deleted to the engine's mark-and-sweep.
//
// A host that strips the query string makes WooCommerce ignore per_page (always 10 rows): the page
// count then comes from the server's own X-WP-TotalPages, so nothing changes. Without that header the
// listing is read forward until an empty page or one shorter than the longest seen; a server that
// ignores `page` too answers the same rows again, which the engine's loop guard stops.
//
// Incremental windows filter on modified_after/modified_before (GMT) with an overlap (core/incremental):
// the boundary's inclusiveness is not documented, and re-read rows cost no write (content hash).
// Customers have no date filter: every run reads them all.
import { z } from 'zod';
import { SyncError } from '../../core/errors.js';
import { afterPage, closeWindow, IncrementalCursor, openWindow } from '../../core/incremental.js';
import type { ChildRead, Ctx, GroupRead, HttpRequest, PageResult, Slice, SliceAt, Stream } from '../types.js';
import { PER_PAGE, wooGetOne, wooList } from './api.js';
import type { WooConfig } from './config-merged.js';
import { gmtInstant, mapWooCustomer, mapWooOrder, mapWooProduct, wooId, type WooProduct, type WooProductItem } from './mapping.js';

/** Overlap of every incremental window: naive store clocks and an undocumented boundary. */
export const MODIFIED_OVERLAP_MS = 10 * 60_000;

export const PageState = z.object({
  /** `back`: pages counted, read from `next` down to 1. `forward`: no count given, read up from `next`. */
  mode: z.enum(['back', 'forward']),
  next: z.number().int().min(1),
  /** The longest page seen (forward mode): a shorter one is the last. */
  size: z.number().int().min(0),
});
export type PageState = z.infer<typeof PageState>;

type Query = NonNullable<HttpRequest['query']>;

/**
 * One page of a listing and the state after it (null: the pass is read). The first call of a pass
 * counts the pages with a trimmed request (`_fields=id`) and reads the last one in the same call.
 */
export async function readListPage<T>(ctx: Ctx<WooConfig>, path: string, filter: Query, stored: PageState | null): Promise<{ items: T[]; state: PageState | null }> {
  let state = stored;
  if (state === null) {
    const count = await wooList<unknown>(ctx, path, { ...filter, per_page: PER_PAGE, page: 1, _fields: 'id' });
    if (count.totalPages === null) state = { mode: 'forward', next: 1, size: 0 };
    else if (count.totalPages === 0 || count.items.length === 0) return { items: [], state: null };
    else state = { mode: 'back', next: count.totalPages, size: 0 };
  }
  const page = state.next;
  const got = await wooList<T>(ctx, path, { ...filter, per_page: PER_PAGE, page });
  if (state.mode === 'back') return { items: got.items, state: page <= 1 ? null : { ...state, next: page - 1 } };
  const size = Math.max(state.size, got.items.length);
  const last = got.items.length === 0 || got.items.length < size || (got.totalPages !== null && page >= got.totalPages);
  return { items: got.items, state: last ? null : { mode: 'forward', next: page + 1, size } };
}

/** WooCommerce takes GMT dates without an offset when dates_are_gmt is set; whole seconds. */
const gmt = (iso: string) => new Date(iso).toISOString().slice(0, 19);

/**
 * The list filter of a window, by id. A window with a start reads the rows modified in [from, to): `to`
 * is the run's start cut to the whole second, so a row edited in that second or later is read by the
 * next run, and no row can enter the window while it is read (which would push an unread row onto a
 * page already read). The first pass has no start and no end: it reads every row there is, so that
 * the newest rows are not missing when it ends (a full pass's mark-and-sweep would take them as gone).
 */
function windowFilter(bounds: { from: string | null; to: string }): Query {
  const base = { orderby: 'id', order: 'asc' };
  return bounds.from === null ? base : { ...base, dates_are_gmt: true, modified_after: gmt(bounds.from), modified_before: gmt(bounds.to) };
}

/**
 * A page of a modified-windowed stream (products, orders) as the engine wants it; `filter` replaces the
 * window's filter (a slice that reads something else within the same window). A slice that is read
 * leaves no page state behind; the last one closes the window.
 */
async function windowPage<T extends { date_modified_gmt?: unknown }>(
  ctx: Ctx<WooConfig>, path: string, cursor: IncrementalCursor | null, at?: SliceAt, filter?: Query,
): Promise<{ items: T[]; next: IncrementalCursor; done: boolean }> {
  const { cursor: open, bounds } = openWindow(cursor, ctx.runStartedAt, MODIFIED_OVERLAP_MS);
  const stored = PageState.safeParse(open.page);
  const { items, state } = await readListPage<T>(ctx, path, filter ?? windowFilter(bounds), stored.success ? stored.data : null);
  const modified = items.map((i) => gmtInstant(i?.date_modified_gmt)).filter((t): t is string => t !== undefined);
  const after = afterPage(open, state, modified);
  if (state !== null) return { items, next: after, done: false };
  const lastSlice = !at || at.index === at.count - 1;
  return { items, next: lastSlice ? closeWindow(after) : after, done: true };
}

const statusOf = (err: unknown) => ((err as SyncError).details as { status?: number } | undefined)?.status;

/** The variations of a variable product, page by page (declared to the engine, not looped here). */
export function variationsRead(item: WooProductItem, filter: Query = {}): ChildRead<WooConfig, WooProduct> {
  const id = wooId(item.product.id)!;
  let size = 0;
  return {
    what: `variations of product ${id}`,
    after: 0,
    async fetch(ctx, after) {
      const page = Number(after) + 1;
      let got;
      try {
        got = await wooList<WooProduct>(ctx, `products/${id}/variations`, { ...filter, orderby: 'id', order: 'asc', per_page: PER_PAGE, page });
      } catch (err) {
        // The product was deleted since it was listed: keep what was read, the next pull sees the deletion.
        if (err instanceof SyncError && (statusOf(err) === 404 || statusOf(err) === 400)) return null;
        throw err;
      }
      size = Math.max(size, got.items.length);
      const done = got.items.length === 0 || (got.totalPages !== null ? page >= got.totalPages : got.items.length < size);
      return { nodes: got.items, next: done ? null : page, done };
    },
    attach(nodes) {
      item.variations.push(...nodes);
    },
  };
}

/** A variable product needs its variations read, unless it says it has none. */
const needsVariations = (p: WooProduct) => p.type === 'variable' && wooId(p.id) !== undefined && !(Array.isArray(p.variations) && p.variations.length === 0);

function withVariations(product: WooProduct, filter?: Query): GroupRead<WooProductItem> {
  // Marked, so that a page of the variations slice never looks like a repeat of a page of the other slice.
  const item: WooProductItem = { product, variations: [], ...(filter ? { modifiedVariationsOnly: true } : {}) };
  return needsVariations(product) ? { item, children: [variationsRead(item, filter)] } : { item };
}

/**
 * A variation's edit need not move its product's date_modified (WooCommerce only syncs the product's
 * price and stock status), so the products modified in a window do not show it. Later passes therefore
 * read in two slices: the products modified in the window (with all their variations), then every
 * variable product with only its variations modified in the window — one request per variable product,
 * mostly answering an empty list. The first pass reads everything in one slice.
 */
const PRODUCT_SLICES = { all: 'all', modified: 'modified', variations: 'variations' } as const;

function planProductSlices(ctx: Ctx<WooConfig>, cursor: IncrementalCursor | null): Slice[] {
  const { bounds } = openWindow(cursor, ctx.runStartedAt, MODIFIED_OVERLAP_MS);
  return bounds.from === null ? [{ key: PRODUCT_SLICES.all }] : [{ key: PRODUCT_SLICES.modified }, { key: PRODUCT_SLICES.variations }];
}

export const productsStream: Stream<WooConfig, WooProductItem, IncrementalCursor> = {
  name: 'products',
  entity: 'product',
  cursor: IncrementalCursor,
  slices: { plan: (ctx, cursor) => planProductSlices(ctx, cursor) },
  async fetchPage(ctx, cursor, _mode, at): Promise<PageResult<WooProductItem, IncrementalCursor>> {
    const variationsOnly = at?.slice.key === PRODUCT_SLICES.variations;
    const { bounds } = openWindow(cursor, ctx.runStartedAt, MODIFIED_OVERLAP_MS);
    const page = await windowPage<WooProduct>(ctx, 'products', cursor, at, variationsOnly ? { orderby: 'id', order: 'asc', type: 'variable' } : undefined);
    const reads = page.items.map((p) => withVariations(p, variationsOnly ? windowFilter(bounds) : undefined));
    const children = reads.flatMap((r) => r.children ?? []);
    return { items: reads.map((r) => r.item), next: page.next, done: page.done, ...(children.length > 0 ? { children } : {}) };
  },
  toRecords: (raw) => mapWooProduct(raw),
  async fetchGroup(ctx, groupId) {
    // Read through the list (`include`), not GET products/<id>: with a plugin that saves a product on a
    // single read (platforms/woocommerce.md section 8) that GET would fire product.updated again, and
    // the webhook's re-read would fire the next one, for ever. A trashed product is not listed: gone.
    if (!wooId(groupId)) return null;
    const { items } = await wooList<WooProduct>(ctx, 'products', { include: groupId, per_page: 1 });
    return items[0] ? withVariations(items[0]) : null;
  },
  async fetchRecord(ctx, externalId) {
    const found = await wooGetOne<WooProduct>(ctx, `products/${externalId}`);
    if (!found) return null;
    if (found.type !== 'variation') return { product: found, variations: [] };
    // A variation's record needs its product (name, status): the item carries only this variation.
    const parent = wooId(found.parent_id) ? await wooGetOne<WooProduct>(ctx, `products/${wooId(found.parent_id)}`) : null;
    return parent ? { product: parent, variations: [found] } : null;
  },
};

type Json = Record<string, unknown>;

export const ordersStream: Stream<WooConfig, Json, IncrementalCursor> = {
  name: 'orders',
  entity: 'order',
  dependsOn: ['customers', 'products'],
  cursor: IncrementalCursor,
  fetchPage: (ctx, cursor) => windowPage<Json>(ctx, 'orders', cursor),
  toRecords: (raw) => [mapWooOrder(raw)],
  fetchRecord: (ctx, externalId) => wooGetOne<Json>(ctx, `orders/${externalId}`),
};

const CustomersCursor = z.object({ page: PageState.nullable() });
type CustomersCursor = z.infer<typeof CustomersCursor>;

export const customersStream: Stream<WooConfig, Json, CustomersCursor> = {
  name: 'customers',
  entity: 'customer',
  cursor: CustomersCursor,
  async fetchPage(ctx, cursor) {
    // No modified filter exists for customers: a whole pass every run; unchanged ones cost no write.
    const { items, state } = await readListPage<Json>(ctx, 'customers', { orderby: 'id', order: 'asc' }, cursor?.page ?? null);
    return { items, next: { page: state }, done: state === null };
  },
  toRecords: (raw) => [mapWooCustomer(raw)],
  fetchRecord: (ctx, externalId) => wooGetOne<Json>(ctx, `customers/${externalId}`),
};
