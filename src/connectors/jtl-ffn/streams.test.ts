// The feed reading of the JTL-FFN streams with a scripted HTTP client: the server's `to` bounds the pass,
// a chunk repeating the previous chunk's items has them dropped, and the next pass starts from `to` less
// the overlap.
import { describe, expect, it } from 'vitest';
import type { Ctx, HttpRequest } from '../types.js';
import type { JtlConfig } from './config-merged.js';
import { FEED_OVERLAP_MS, type FeedCursor, stockStream } from './streams.js';

const change = (jfsku: string, v: number, level: number) => ({
  stockChangeId: { warehouseId: 'W1', jfsku, stockVersion: v }, merchantSku: `SKU-${jfsku}`, stockLevel: level, stockLevelReserved: 0,
  stockLevelBlocked: 0, stockLevelAnnounced: 0, changeType: 'Adjustment', modificationInfo: { updatedAt: '2026-12-01T10:00:00Z', state: 'Modified' },
});

function ctxAnswering(chunks: unknown[]): { ctx: Ctx<JtlConfig>; seen: HttpRequest[] } {
  const seen: HttpRequest[] = [];
  const http = {
    async request(req: HttpRequest) {
      seen.push(req);
      return { status: 200, headers: new Headers(), body: chunks.shift() };
    },
    async download() {
      throw new Error('not used');
    },
  };
  const ctx = { config: {} as JtlConfig, http, signal: new AbortController().signal, runStartedAt: new Date('2026-12-01T12:00:00Z'), log: { debug() {}, info() {}, warn() {} } } as unknown as Ctx<JtlConfig>;
  return { ctx, seen };
}

describe('JTL-FFN stock feed', () => {
  it('keeps the server-named `to` across chunks and drops the items a chunk repeats', async () => {
    const to = '2026-12-01T11:59:30.000Z';
    const { ctx, seen } = ctxAnswering([
      { from: 'x', to, data: [change('A', 1, 5), change('B', 1, 6)], moreDataAvailable: true, nextChunkUrl: 'http://h/next' },
      { from: 'x', to, data: [change('B', 1, 6), change('C', 1, 7)], moreDataAvailable: false, nextChunkUrl: null },
    ]);
    const start: FeedCursor = { mode: 'feed', skip: 0, from: '2026-12-01T11:00:00.000Z', to: null, page: 1, lastKeys: [] };
    const p1 = await stockStream.fetchPage(ctx, start, 'incremental');
    expect(p1.items.map((i) => (i.stockChangeId as { jfsku: string }).jfsku)).toEqual(['A', 'B']);
    expect(p1.done).toBe(false);
    expect(p1.next).toMatchObject({ to, page: 2 });
    const p2 = await stockStream.fetchPage(ctx, p1.next, 'incremental');
    expect(p2.items.map((i) => (i.stockChangeId as { jfsku: string }).jfsku)).toEqual(['C']);
    expect(p2.done).toBe(true);
    expect(p2.next).toMatchObject({ mode: 'feed', to: null, page: 1, from: new Date(Date.parse(to) - FEED_OVERLAP_MS).toISOString() });
    expect(seen[0]!.query).toMatchObject({ fromDate: start.from, page: 1 });
    expect(seen[0]!.query).not.toHaveProperty('toDate');
    expect(seen[1]!.query).toMatchObject({ fromDate: start.from, toDate: to, page: 2 });
    expect(stockStream.toRecords(p2.items[0]!)).toEqual([
      { entity: 'stock_level', productExternalId: 'C', sku: 'SKU-C', locationId: 'W1', available: 7, reserved: 0, announced: 0, remoteUpdatedAt: '2026-12-01T10:00:00.000Z' },
    ]);
  });

  it('reads the whole collection on a full pass, then continues with the feed from its start less the overlap', async () => {
    const { ctx, seen } = ctxAnswering([{ items: [{ jfsku: 'A', merchantSku: 'SKU-A', warehouses: [{ warehouseId: 'W1', stockLevel: 2.5 }, { warehouseId: 'W2', stockLevel: 1 }] }], nextPageLink: null }]);
    const page = await stockStream.fetchPage(ctx, null, 'full');
    expect(seen[0]!.path).toBe('v1/merchant/stocks');
    expect(page.done).toBe(true);
    expect(page.next).toMatchObject({ mode: 'feed', from: new Date(ctx.runStartedAt.getTime() - FEED_OVERLAP_MS).toISOString() });
    expect(stockStream.toRecords(page.items[0]!).map((r) => [(r as { locationId: string }).locationId, (r as { available: number }).available])).toEqual([['W1', 2], ['W2', 1]]);
  });
});
