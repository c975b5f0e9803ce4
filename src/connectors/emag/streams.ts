// eMAG streams: orders (incremental on `modified`) and offers (no change filter exists, so every run
// reads them all).
//
// Orders page inside the engine's two-phase window [since - overlap, run start). eMAG takes a date pair
// spanning at most one month, so the window is read as consecutive one-month sub-windows, declared as
// the stream's slices (Stream.slices) and paged one after another by the engine. Within a
// sub-window the pages are read from the last one down to the first: the upper bound is in the past, so
// orders can only leave the filter while it is read (an edit or our own acknowledgement moves `modified`
// past it), and a removal only shifts items of lower pages onto pages already read — re-read, never
// skipped. The very first pass (no window yet) reads every order with no date filter, forward until a
// short page: that listing only grows, and whatever is added meanwhile lies after the run's start and
// belongs to the next window anyway.
//
// New orders (status 1) are acknowledged when `autoAcknowledge` is on, but not here: a page names them
// as writes (PageResult.writes), which the engine stores with the page and performs once the page is
// committed (engine/pull-writes.ts), so an order is only acknowledged once the hub holds it, and a
// refused or failing acknowledgement never fails or repeats a read.
import { z } from 'zod';
import { addOneMonthLocal, formatLocal, parseLocal } from '../../core/local-time.js';
import { afterPage, closeWindow, IncrementalCursor, openWindow } from '../../core/incremental.js';
import { SyncError } from '../../core/errors.js';
import type { Ctx, PageResult, PullWrite, Slice, SliceAt, Stream, SyncMode } from '../types.js';
import { countOf, emagCall, listOf } from './api.js';
import { type EmagConfig, emagTimeZone, orderType } from './config-merged.js';
import { type EmagOffer, type EmagOrder, mapEmagOffer, mapEmagOrder } from './mapping.js';

export const PAGE_SIZE = 100;
/** Naive local timestamps and edits landing in the same second: every window starts this much earlier. */
export const MODIFIED_OVERLAP_MS = 10 * 60_000;
/** The write kind of an order's acknowledgement (`order/acknowledge/{id}`); its key is the order id. */
export const ACKNOWLEDGE = 'emag.acknowledge';

const OrderPage = z.object({
  /** `all`: no date filter, forward; `window`: one sub-window, backward. */
  mode: z.enum(['all', 'window']),
  /** The sub-window [from, to) as ISO instants on whole seconds (window mode). */
  from: z.string().nullable(),
  to: z.string().nullable(),
  /** Page to read next; null in window mode until the sub-window was counted. */
  next: z.number().int().min(0).nullable(),
  /**
   * Checkpoints written before acknowledgements became page writes carry the ids still to acknowledge
   * (`pending`) and, after the last page, `ackOnly`. Read once more so that a run resumed across an
   * upgrade neither fails nor drops them: they become the next page's writes. Never written any more.
   */
  pending: z.array(z.number().int()).optional(),
  ackOnly: z.boolean().optional(),
});
type OrderPage = z.infer<typeof OrderPage>;

export const OrdersCursor = IncrementalCursor.extend({ page: OrderPage.nullable() });
export type OrdersCursor = z.infer<typeof OrdersCursor>;

const second = (ms: number) => Math.floor(ms / 1000) * 1000;

/** The sub-window starting at `fromMs`: one calendar month in local time, cut at the window's end. */
function subWindow(fromMs: number, windowEndMs: number, tz: string): OrderPage {
  const monthLater = parseLocal(addOneMonthLocal(formatLocal(fromMs, tz)), tz) ?? fromMs + 28 * 86_400_000;
  const to = second(Math.min(windowEndMs, monthLater));
  return { mode: 'window', from: new Date(fromMs).toISOString(), to: new Date(to).toISOString(), next: null };
}

function windowParams(cfg: EmagConfig, state: OrderPage): Record<string, unknown> {
  const tz = emagTimeZone(cfg);
  // The API's Before is read as inclusive: the last whole second before `to` keeps sub-windows disjoint.
  return { type: orderType(cfg), modifiedAfter: formatLocal(Date.parse(state.from!), tz), modifiedBefore: formatLocal(Date.parse(state.to!) - 1000, tz) };
}

const acknowledgement = (id: number): PullWrite => ({ kind: ACKNOWLEDGE, key: String(id), payload: { id } });

/** Performs one acknowledgement (1 -> 2); a refusal (e.g. the buyer cancelled meanwhile) is eMAG's `isError` answer, thrown as upstream_rejected. */
async function acknowledge(ctx: Ctx<EmagConfig>, payload: unknown): Promise<void> {
  const id = (payload as { id?: unknown } | null)?.id;
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 1) throw new SyncError('record_invalid', `an acknowledgement needs an order id, got ${JSON.stringify(payload)}`);
  // Turned off since the page was read: acknowledging tells eMAG the merchant took the order over, so
  // the setting at the time of the call decides.
  if (!ctx.config.autoAcknowledge) throw new SyncError('config_invalid', `order ${id} not acknowledged: autoAcknowledge was turned off before the acknowledgement was sent`);
  await emagCall(ctx, `order/acknowledge/${id}`);
}

/** An order as read, with the zone its naive timestamps are in: mapping is pure and needs to know it. */
export interface ZonedOrder {
  timeZone: string;
  order: EmagOrder;
}

/** A slice of an orders pass: every order (the first pass: no date filter), or one sub-window [from, to). */
interface OrdersSlice extends Slice {
  from?: string;
  to?: string;
}

/**
 * The slices of an orders pass (Stream.slices): one-month sub-windows of the incremental window, or,
 * on the very first pass, one slice with no date filter. A checkpoint written before orders were
 * sliced may be inside a sub-window: the plan then starts at that sub-window, so its pages go on.
 */
function planOrderSlices(ctx: Ctx<EmagConfig>, cursor: OrdersCursor | null): OrdersSlice[] {
  const tz = emagTimeZone(ctx.config);
  const { cursor: open, bounds } = openWindow(cursor, ctx.runStartedAt, MODIFIED_OVERLAP_MS);
  const stored = open.page as OrderPage | null;
  if (stored?.ackOnly) return [{ key: 'acknowledgements' }];
  if (bounds.from === null) return [{ key: 'all' }];
  const windowEnd = second(Date.parse(bounds.to));
  let from = stored?.mode === 'window' && stored.from ? Date.parse(stored.from) : second(Date.parse(bounds.from));
  const slices: OrdersSlice[] = [];
  do {
    const w = subWindow(from, windowEnd, tz);
    slices.push({ key: `${w.from}..${w.to}`, from: w.from!, to: w.to! });
    from = Date.parse(w.to!);
  } while (from < windowEnd);
  return slices;
}

/** Whether a stored page state belongs to `slice` (it does not once the engine moved to the next slice). */
const inSlice = (state: OrderPage | null, slice: OrdersSlice): state is OrderPage =>
  state !== null && (slice.from === undefined ? state.mode === 'all' : state.mode === 'window' && state.from === slice.from && state.to === slice.to);

async function fetchOrdersPage(ctx: Ctx<EmagConfig>, cursor: OrdersCursor | null, at: SliceAt | undefined): Promise<PageResult<ZonedOrder, OrdersCursor>> {
  if (!at) throw new SyncError('internal_error', 'eMAG orders are read slice by slice: fetchPage needs the slice (Stream.slices)');
  const cfg = ctx.config;
  const tz = emagTimeZone(cfg);
  const slice = at.slice as OrdersSlice;
  const lastSlice = at.index === at.count - 1;
  const { cursor: open } = openWindow(cursor, ctx.runStartedAt, MODIFIED_OVERLAP_MS);
  const stored = open.page as OrderPage | null;
  // An old checkpoint's ids still to acknowledge are asked for by this page (see OrderPage).
  const carried = (stored?.pending ?? []).map(acknowledgement);
  if (stored?.ackOnly) return { items: [], writes: carried, next: closeWindow({ ...open, page: null }) as OrdersCursor, done: true };
  let state: OrderPage = inSlice(stored, slice)
    ? { mode: stored.mode, from: stored.from, to: stored.to, next: stored.next }
    : slice.from === undefined ? { mode: 'all', from: null, to: null, next: 1 } : { mode: 'window', from: slice.from, to: slice.to!, next: null };

  // One call reads one page (and counts a sub-window it enters): no loop here. The engine pages the
  // slices and their pages — an empty sub-window is an empty page that ends its slice — so the loop
  // guard, the deadline, cancellation and a checkpoint cover each of them.
  let items: EmagOrder[] = [];
  let sliceRead = false;
  if (state.mode === 'all') {
    items = listOf('order/read', await emagCall(ctx, 'order/read', { currentPage: state.next, itemsPerPage: PAGE_SIZE, type: orderType(cfg) })) as EmagOrder[];
    sliceRead = items.length < PAGE_SIZE;
    state = { ...state, next: state.next! + 1 };
  } else {
    if (state.next === null) {
      const { pages } = countOf('order/count', await emagCall(ctx, 'order/count', { ...windowParams(cfg, state), itemsPerPage: PAGE_SIZE }));
      state = { ...state, next: pages };
    }
    if (state.next! > 0) {
      items = listOf('order/read', await emagCall(ctx, 'order/read', { ...windowParams(cfg, state), currentPage: state.next, itemsPerPage: PAGE_SIZE })) as EmagOrder[];
      state = { ...state, next: state.next! - 1 };
    }
    sliceRead = state.next === 0;
  }

  const modified = items.map((o) => parseLocal(o?.modified, tz)).filter((ms): ms is number => ms !== null).map((ms) => new Date(ms).toISOString());
  const fresh = cfg.autoAcknowledge ? items.filter((o) => o?.status === 1 && typeof o.id === 'number').map((o) => acknowledgement(o.id as number)) : [];
  const writes = [...carried, ...fresh];
  // A slice that is read leaves no page state behind (the next slice starts at its first page); the
  // last one closes the window.
  const after = afterPage(open, sliceRead ? null : state, modified) as OrdersCursor;
  const zoned = items.map((order) => ({ timeZone: tz, order }));
  const next = sliceRead && lastSlice ? (closeWindow({ ...after, page: null }) as OrdersCursor) : after;
  return { items: zoned, next, done: sliceRead, ...(writes.length > 0 ? { writes } : {}) };
}

export const ordersStream: Stream<EmagConfig, ZonedOrder, OrdersCursor> = {
  name: 'orders',
  entity: 'order',
  dependsOn: ['offers'],
  cursor: OrdersCursor,
  slices: { plan: (ctx, cursor) => planOrderSlices(ctx, cursor) },
  fetchPage: (ctx, cursor, _mode: SyncMode, slice) => fetchOrdersPage(ctx, cursor, slice),
  toRecords: (raw) => [mapEmagOrder(raw?.order, raw?.timeZone)],
  writes: { [ACKNOWLEDGE]: acknowledge },
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
