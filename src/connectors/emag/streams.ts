// eMAG streams: orders (incremental on `modified`) and offers (no change filter exists, so every run
// reads them all).
//
// Orders page inside the engine's two-phase window [since - overlap, run start). eMAG takes a date pair
// spanning at most one month, so the window is read as consecutive one-month sub-windows. Within a
// sub-window the pages are read from the last one down to the first: the upper bound is in the past, so
// orders can only leave the filter while it is read (an edit or our own acknowledgement moves `modified`
// past it), and a removal only shifts items of lower pages onto pages already read — re-read, never
// skipped. The very first pass (no window yet) reads every order with no date filter, forward until a
// short page: that listing only grows, and whatever is added meanwhile lies after the run's start and
// belongs to the next window anyway.
import { z } from 'zod';
import { addOneMonthLocal, formatLocal, parseLocal } from '../../core/local-time.js';
import { afterPage, closeWindow, IncrementalCursor, openWindow } from '../../core/incremental.js';
import { SyncError } from '../../core/errors.js';
import type { Ctx, PageResult, Stream, SyncMode } from '../types.js';
import { countOf, emagCall, listOf } from './api.js';
import { type EmagConfig, emagTimeZone, orderType } from './config-merged.js';
import { type EmagOffer, type EmagOrder, mapEmagOffer, mapEmagOrder } from './mapping.js';

export const PAGE_SIZE = 100;
/** Naive local timestamps and edits landing in the same second: every window starts this much earlier. */
export const MODIFIED_OVERLAP_MS = 10 * 60_000;
/** Acknowledgements in flight at once; the limiter still paces them at the order routes' rate. */
const ACK_CONCURRENCY = 4;

const OrderPage = z.object({
  /** `all`: no date filter, forward; `window`: one sub-window, backward. */
  mode: z.enum(['all', 'window']),
  /** The sub-window [from, to) as ISO instants on whole seconds (window mode). */
  from: z.string().nullable(),
  to: z.string().nullable(),
  /** Page to read next; null in window mode until the sub-window was counted. */
  next: z.number().int().min(0).nullable(),
  /** New orders of the last committed page, acknowledged before the next read. */
  pending: z.array(z.number().int()),
  /** Everything is read; only `pending` is left to acknowledge. */
  ackOnly: z.boolean(),
});
type OrderPage = z.infer<typeof OrderPage>;

export const OrdersCursor = IncrementalCursor.extend({ page: OrderPage.nullable() });
export type OrdersCursor = z.infer<typeof OrdersCursor>;

const second = (ms: number) => Math.floor(ms / 1000) * 1000;

/** The sub-window starting at `fromMs`: one calendar month in local time, cut at the window's end. */
function subWindow(fromMs: number, windowEndMs: number, tz: string): OrderPage {
  const monthLater = parseLocal(addOneMonthLocal(formatLocal(fromMs, tz)), tz) ?? fromMs + 28 * 86_400_000;
  const to = second(Math.min(windowEndMs, monthLater));
  return { mode: 'window', from: new Date(fromMs).toISOString(), to: new Date(to).toISOString(), next: null, pending: [], ackOnly: false };
}

function windowParams(cfg: EmagConfig, state: OrderPage): Record<string, unknown> {
  const tz = emagTimeZone(cfg);
  // The API's Before is read as inclusive: the last whole second before `to` keeps sub-windows disjoint.
  return { type: orderType(cfg), modifiedAfter: formatLocal(Date.parse(state.from!), tz), modifiedBefore: formatLocal(Date.parse(state.to!) - 1000, tz) };
}

async function acknowledgeAll(ctx: Ctx<EmagConfig>, ids: number[]): Promise<void> {
  const refused: string[] = [];
  const queue = [...ids];
  const worker = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      try {
        await emagCall(ctx, `order/acknowledge/${id}`);
      } catch (err) {
        // A refusal (e.g. the buyer cancelled meanwhile) concerns that order only; the order is in the hub
        // either way, and an acknowledgement can be given by hand.
        if (err instanceof SyncError && err.code === 'upstream_rejected') refused.push(`${id}: ${err.message}`);
        else throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(ACK_CONCURRENCY, ids.length) }, worker));
  if (refused.length > 0) ctx.log.warn({ refused }, `eMAG refused to acknowledge ${refused.length} order(s)`);
}

/** An order as read, with the zone its naive timestamps are in: mapping is pure and needs to know it. */
export interface ZonedOrder {
  timeZone: string;
  order: EmagOrder;
}

async function fetchOrdersPage(ctx: Ctx<EmagConfig>, cursor: OrdersCursor | null): Promise<PageResult<ZonedOrder, OrdersCursor>> {
  const cfg = ctx.config;
  const tz = emagTimeZone(cfg);
  const { cursor: open, bounds } = openWindow(cursor, ctx.runStartedAt, MODIFIED_OVERLAP_MS);
  const windowEnd = second(Date.parse(bounds.to));
  let state: OrderPage =
    (open.page as OrderPage | null) ??
    (bounds.from === null ? { mode: 'all', from: null, to: null, next: 1, pending: [], ackOnly: false } : subWindow(second(Date.parse(bounds.from)), windowEnd, tz));
  if (state.pending.length > 0) {
    await acknowledgeAll(ctx, state.pending);
    state = { ...state, pending: [] };
  }
  if (state.ackOnly) return { items: [], next: closeWindow({ ...open, page: null }) as OrdersCursor, done: true };

  let items: EmagOrder[] = [];
  let finished = false;
  for (;;) {
    if (state.mode === 'all') {
      items = listOf('order/read', await emagCall(ctx, 'order/read', { currentPage: state.next, itemsPerPage: PAGE_SIZE, type: orderType(cfg) })) as EmagOrder[];
      finished = items.length < PAGE_SIZE;
      state = { ...state, next: state.next! + 1 };
      break;
    }
    if (state.next === null) {
      const { pages } = countOf('order/count', await emagCall(ctx, 'order/count', { ...windowParams(cfg, state), itemsPerPage: PAGE_SIZE }));
      state = { ...state, next: pages };
    }
    if (state.next! > 0) {
      items = listOf('order/read', await emagCall(ctx, 'order/read', { ...windowParams(cfg, state), currentPage: state.next, itemsPerPage: PAGE_SIZE })) as EmagOrder[];
      state = { ...state, next: state.next! - 1 };
    }
    if (state.next! > 0) break;
    // This sub-window is read; move to the next one, or end the window.
    if (Date.parse(state.to!) >= windowEnd) {
      finished = true;
      break;
    }
    state = subWindow(Date.parse(state.to!), windowEnd, tz);
    if (items.length > 0) break;
  }

  const modified = items.map((o) => parseLocal(o?.modified, tz)).filter((ms): ms is number => ms !== null).map((ms) => new Date(ms).toISOString());
  const pending = cfg.autoAcknowledge ? items.filter((o) => o?.status === 1 && typeof o.id === 'number').map((o) => o.id as number) : [];
  const after = afterPage(open, { ...state, pending }, modified) as OrdersCursor;
  const zoned = items.map((order) => ({ timeZone: tz, order }));
  if (!finished) return { items: zoned, next: after, done: false };
  // The last page's new orders are acknowledged in one more call, once this page is committed.
  if (pending.length > 0) return { items: zoned, next: { ...after, page: { ...state, pending, ackOnly: true } }, done: false };
  return { items: zoned, next: closeWindow({ ...after, page: null }) as OrdersCursor, done: true };
}

export const ordersStream: Stream<EmagConfig, ZonedOrder, OrdersCursor> = {
  name: 'orders',
  entity: 'order',
  dependsOn: ['offers'],
  cursor: OrdersCursor,
  fetchPage: (ctx, cursor, _mode: SyncMode) => fetchOrdersPage(ctx, cursor),
  toRecords: (raw) => [mapEmagOrder(raw?.order, raw?.timeZone)],
  async fetchRecord(ctx, externalId) {
    const found = listOf('order/read', await emagCall(ctx, 'order/read', { id: Number(externalId), type: orderType(ctx.config) }));
    return found[0] ? { timeZone: emagTimeZone(ctx.config), order: found[0] as EmagOrder } : null;
  },
};

const OffersCursor = z.object({ page: z.number().int().min(1) });
type OffersCursor = z.infer<typeof OffersCursor>;

export const offersStream: Stream<EmagConfig, EmagOffer, OffersCursor> = {
  name: 'offers',
  entity: 'product',
  cursor: OffersCursor,
  async fetchPage(ctx, cursor) {
    const page = cursor?.page ?? 1;
    const items = listOf('product_offer/read', await emagCall(ctx, 'product_offer/read', { currentPage: page, itemsPerPage: PAGE_SIZE })) as EmagOffer[];
    return { items, next: { page: page + 1 }, done: items.length < PAGE_SIZE };
  },
  toRecords: (raw) => mapEmagOffer(raw),
  async fetchRecord(ctx, externalId) {
    const found = listOf('product_offer/read', await emagCall(ctx, 'product_offer/read', { id: Number(externalId) }));
    return (found[0] as EmagOffer | undefined) ?? null;
  },
};
