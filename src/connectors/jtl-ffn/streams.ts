// JTL-FFN streams: products, stock (one level per warehouse) and outbounds (fulfilment status and
// tracking of hub orders). JTL has no webhooks (platforms/jtl-ffn.md section 6): changes are polled
// from its `/updates` feeds, by default every 2 minutes (connectors/configs.ts DEFAULT_SCHEDULES).
//
// A stream's first pass, and every full pass, reads the collection by $skip. It remembers when it
// started (our clock, less an overlap for clock skew); incremental passes then read the feed from there.
// A feed pass asks for changes since `from` without an end; the first chunk's answer names the server's
// `to`, which the following chunks of the pass keep, and which (less the overlap) is where the next pass
// starts: the server's clock, never ours, bounds the window. Whether bounds are inclusive is not
// published, so windows overlap and what is read twice is unchanged (content hash, no write). A chunk
// that repeats items of the one before (seen at chunk boundaries) has them dropped by their change key
// before they are mapped, so each change is applied once.
import { z } from 'zod';
import type { ChildRead, Ctx, PageResult, Stream } from '../types.js';
import { jtlFeed, jtlGetOne, jtlList } from './api.js';
import type { JtlConfig } from './config-merged.js';
import { hasShipments, isDeleted, mapJtlOutbound, mapJtlProduct, mapJtlStock, mapJtlStockChange, type OutboundItem, stockChangeKey } from './mapping.js';
import { createOutbound } from './outbounds.js';

/** How far windows overlap: clock skew between us and JTL, and bounds of unknown inclusiveness. */
export const FEED_OVERLAP_MS = 2 * 60_000;

export const FeedCursor = z.object({
  mode: z.enum(['list', 'feed']),
  /** list: the next $skip. */
  skip: z.number().int().min(0),
  /** list: where the feed starts once the list is read. feed: the window's start. */
  from: z.string(),
  /** feed: the window's end as the server named it (null until the pass's first chunk). */
  to: z.string().nullable(),
  page: z.number().int().min(1),
  /** Change keys of the previous chunk: a chunk that repeats them has them dropped. */
  lastKeys: z.array(z.string()),
});
export type FeedCursor = z.infer<typeof FeedCursor>;

type Json = Record<string, unknown>;

const minus = (iso: string, ms: number) => new Date(Date.parse(iso) - ms).toISOString();
const listStart = (ctx: Ctx<JtlConfig>): FeedCursor => ({ mode: 'list', skip: 0, from: minus(ctx.runStartedAt.toISOString(), FEED_OVERLAP_MS), to: null, page: 1, lastKeys: [] });

interface Read {
  items: Json[];
  /** Whether the items come from the collection (list) or the feed. */
  from: 'list' | 'feed';
  next: FeedCursor;
  done: boolean;
}

/**
 * The next page of a stream: its collection (first and full passes) or its change feed. `keyOf` names an
 * item's change for the repeat check (feed only).
 */
async function readPage(ctx: Ctx<JtlConfig>, resource: string, cursor: FeedCursor | null, mode: 'full' | 'incremental', keyOf: (item: Json) => string): Promise<Read> {
  const at = mode === 'full' || cursor === null ? (cursor?.mode === 'list' ? cursor : listStart(ctx)) : cursor;
  if (at.mode === 'list') {
    const page = await jtlList<Json>(ctx, resource, at.skip);
    const done = !page.more;
    const next: FeedCursor = done ? { mode: 'feed', skip: 0, from: at.from, to: null, page: 1, lastKeys: [] } : { ...at, skip: at.skip + page.items.length };
    return { items: page.items, from: 'list', next, done };
  }
  const chunk = await jtlFeed(ctx, resource, { fromDate: at.from, toDate: at.to, page: at.page });
  const seen = new Set(at.lastKeys);
  const all = chunk.data.filter((d): d is Json => !!d && typeof d === 'object');
  const items = all.filter((d) => !seen.has(keyOf(d)));
  const keys = all.map(keyOf);
  const next: FeedCursor = chunk.moreDataAvailable
    ? { mode: 'feed', skip: 0, from: at.from, to: chunk.to, page: at.page + 1, lastKeys: keys }
    : { mode: 'feed', skip: 0, from: minus(chunk.to, FEED_OVERLAP_MS), to: null, page: 1, lastKeys: keys };
  return { items, from: 'feed', next, done: !chunk.moreDataAvailable };
}

const modified = (o: Json) => String((o.modificationInfo as Json | undefined)?.updatedAt ?? '');
const objectKey = (id: string) => (o: Json) => `${String(o[id])}@${modified(o)}`;

export const productsStream: Stream<JtlConfig, Json, FeedCursor> = {
  name: 'products',
  entity: 'product',
  cursor: FeedCursor,
  async fetchPage(ctx, cursor, mode): Promise<PageResult<Json, FeedCursor>> {
    const page = await readPage(ctx, 'products', cursor, mode, objectKey('jfsku'));
    return { items: page.items.filter((p) => !isDeleted(p)), next: page.next, done: page.done };
  },
  toRecords: (raw) => [mapJtlProduct(raw)],
  fetchRecord: (ctx, jfsku) => jtlGetOne<Json>(ctx, `products/${encodeURIComponent(jfsku)}`),
};

/** A stock item is a Stock object (collection) or a StockChange (feed); marked so that mapping knows. */
type StockItem = Json & { __change?: true };

export const stockStream: Stream<JtlConfig, StockItem, FeedCursor> = {
  name: 'stock',
  entity: 'stock_level',
  dependsOn: ['products'],
  cursor: FeedCursor,
  async fetchPage(ctx, cursor, mode) {
    const page = await readPage(ctx, 'stocks', cursor, mode, stockChangeKey);
    // A feed window overlaps the last one, so it re-reads changes already applied. One that is no longer
    // its cell's latest (`current: false`) would set the cell back to an older level until a later chunk
    // brings the latest: dropped. The latest change of that cell is at or after it, so this window or the
    // next one reads it.
    const items: StockItem[] = page.from === 'feed' ? page.items.filter((c) => !isDeleted(c) && c.current !== false).map((c) => ({ ...c, __change: true as const })) : page.items;
    return { items, next: page.next, done: page.done };
  },
  toRecords: (raw) => {
    const { __change, ...item } = raw;
    return __change ? [mapJtlStockChange(item)] : mapJtlStock(item);
  },
  // A stock dead letter (a level for a jfsku no product link knew yet) is retried from the product's
  // current Stock object: its payload is the canonical record, which toRecords cannot read.
  fetchRecord: (ctx, jfsku) => jtlGetOne<StockItem>(ctx, `stocks/${encodeURIComponent(jfsku)}`),
};

/** The shipping notifications of a shipped outbound (tracking), read by the engine as a child read. */
function notificationsRead(item: OutboundItem): ChildRead<JtlConfig, Json> {
  const id = encodeURIComponent(String(item.outbound.outboundId));
  return {
    what: `shipping notifications of outbound ${id}`,
    after: 0,
    async fetch(ctx, after) {
      const page = await jtlList<Json>(ctx, `outbounds/${id}/shipping-notifications`, Number(after)).catch((err) => {
        if ((err as { details?: { status?: number } }).details?.status === 404) return null;
        throw err;
      });
      if (!page) return null;
      const next = Number(after) + page.items.length;
      return { nodes: page.items, next: page.more ? next : null, done: !page.more };
    },
    attach(nodes) {
      item.notifications.push(...nodes);
    },
  };
}

export const outboundsStream: Stream<JtlConfig, OutboundItem, FeedCursor> = {
  name: 'outbounds',
  entity: 'fulfilment',
  cursor: FeedCursor,
  async fetchPage(ctx, cursor, mode) {
    const page = await readPage(ctx, 'outbounds', cursor, mode, objectKey('outboundId'));
    const items: OutboundItem[] = page.items.filter((o) => !isDeleted(o)).map((outbound) => ({ outbound, notifications: [] }));
    const children = items.filter((i) => hasShipments(i.outbound)).map(notificationsRead);
    return { items, next: page.next, done: page.done, ...(children.length > 0 ? { children } : {}) };
  },
  toRecords: (raw) => [mapJtlOutbound(raw)],
  async fetchRecord(ctx, outboundId) {
    const outbound = await jtlGetOne<Json>(ctx, `outbounds/${encodeURIComponent(outboundId)}`);
    if (!outbound) return null;
    const notifications = hasShipments(outbound) ? (await jtlList<Json>(ctx, `outbounds/${encodeURIComponent(outboundId)}/shipping-notifications`, 0)).items : [];
    return { outbound, notifications };
  },
  // Outbounds of hub orders (engine/fulfilments.ts): performed after the commit that stored the order.
  writes: { 'fulfilment.outbound': createOutbound },
};


