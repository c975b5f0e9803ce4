// The engine's child-page loop (engine/child-pages.ts) on declared reads: the hard cap stops cursors
// that never repeat, the run's signal stops the loop between child pages, progress is reported page by
// page, child reads declared by child pages are read too, and independent reads run side by side.
import { describe, expect, it } from 'vitest';
import type { ChildPage, ChildRead, Ctx } from '../../src/connectors/types.js';
import { isSyncError, SyncError } from '../../src/core/errors.js';
import { readChildPages } from '../../src/engine/child-pages.js';

const ctx = {} as Ctx<unknown>;

/** A read whose page after cursor n holds node n+1 and says more follows until `last`. */
function counting(what: string, last: number, onFetch: (after: number) => void = () => {}, children: (n: number) => ChildRead[] = () => []) {
  const got: number[] = [];
  const read: ChildRead<unknown, number> = {
    what,
    after: 0,
    async fetch(_ctx, after): Promise<ChildPage<number>> {
      const n = Number(after) + 1;
      onFetch(n);
      return { nodes: [n], next: n, done: n >= last, children: children(n) };
    },
    attach: (nodes) => void got.push(...nodes),
  };
  return { read, got };
}

describe('readChildPages', () => {
  it('reads every page of every read, and the reads its pages declare, reporting progress', async () => {
    const inner = counting('levels of 2', 3);
    const outer = counting('variants', 4, () => {}, (n) => (n === 2 ? [inner.read] : []));
    const progress: string[] = [];
    const pages = await readChildPages(ctx, [outer.read], { signal: new AbortController().signal, onPage: (p) => progress.push(`${p.what}:${p.page}:${p.nodes}:${p.total}`) });
    expect(pages).toBe(7);
    expect(outer.got).toEqual([1, 2, 3, 4]);
    expect(inner.got).toEqual([1, 2, 3]);
    expect(progress).toEqual(['variants:1:1:1', 'variants:2:2:2', 'variants:3:3:3', 'variants:4:4:4', 'levels of 2:1:1:5', 'levels of 2:2:2:6', 'levels of 2:3:3:7']);
  });

  it('stops a read whose cursors never repeat at the hard cap, with pagination_loop naming it', async () => {
    const { read } = counting('line items of gid://shopify/Order/7', Infinity);
    const err = await readChildPages(ctx, [read], { signal: new AbortController().signal, maxPagesPerRead: 50 }).catch((e: unknown) => e);
    expect(isSyncError(err) && err.code).toBe('pagination_loop');
    expect((err as Error).message).toContain('line items of gid://shopify/Order/7');
    expect((err as Error).message).toContain('more than 50 pages');
  });

  it('caps the child pages of one page in all', async () => {
    const reads = Array.from({ length: 5 }, (_, i) => counting(`read ${i}`, 10).read);
    const err = await readChildPages(ctx, reads, { signal: new AbortController().signal, maxPages: 25 }).catch((e: unknown) => e);
    expect(isSyncError(err) && err.code).toBe('pagination_loop');
    expect((err as Error).message).toContain('more than 25 child pages for one page');
  });

  it("stops between child pages when the run's signal aborts, with the signal's reason", async () => {
    const controller = new AbortController();
    const fetched: number[] = [];
    const { read } = counting('variants', 100, (n) => {
      fetched.push(n);
      if (n === 3) controller.abort(new SyncError('deadline_exceeded', 'run deadline reached'));
    });
    const err = await readChildPages(ctx, [read], { signal: controller.signal }).catch((e: unknown) => e);
    expect(isSyncError(err) && err.code).toBe('deadline_exceeded');
    expect(fetched).toEqual([1, 2, 3]);
  });

  it('reads independent child reads side by side, at most `concurrency` at once, each in its own page order', async () => {
    let inFlight = 0;
    let most = 0;
    const slow = (what: string, last: number) => {
      const got: number[] = [];
      const read: ChildRead<unknown, number> = {
        what,
        after: 0,
        async fetch(_ctx, after): Promise<ChildPage<number>> {
          inFlight++;
          most = Math.max(most, inFlight);
          // Yield a few turns so the other lanes start their requests meanwhile (no timer involved).
          for (let i = 0; i < 5; i++) await Promise.resolve();
          inFlight--;
          const n = Number(after) + 1;
          return { nodes: [n], next: n, done: n >= last };
        },
        attach: (nodes) => void got.push(...nodes),
      };
      return { read, got };
    };
    const reads = Array.from({ length: 10 }, (_, i) => slow(`variations of ${i}`, 3));
    const pages = await readChildPages(ctx, reads.map((r) => r.read), { signal: new AbortController().signal, concurrency: 3 });
    expect(pages).toBe(30);
    expect(most).toBe(3);
    for (const r of reads) expect(r.got).toEqual([1, 2, 3]);
  });

  it('a failing read stops the others before their next request', async () => {
    let fetches = 0;
    const failing: ChildRead<unknown, number> = {
      what: 'variations of 1',
      after: 0,
      async fetch() {
        fetches++;
        throw new SyncError('validation_failed', 'refused');
      },
      attach: () => undefined,
    };
    const others = Array.from({ length: 5 }, (_, i) => counting(`variations of ${i + 2}`, 50, () => void fetches++).read);
    const err = await readChildPages(ctx, [failing, ...others], { signal: new AbortController().signal, concurrency: 2 }).catch((e: unknown) => e);
    expect(isSyncError(err) && err.code).toBe('validation_failed');
    // Lanes still running after the rejection would keep fetching: let them run out of turns first.
    for (let i = 0; i < 200; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    // The lane beside it read at most a page or two before it saw the failure; the 4 reads queued never started.
    expect(fetches).toBeLessThanOrEqual(3);
  });
});
