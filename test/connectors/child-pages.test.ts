// The engine's child-page loop (engine/child-pages.ts) on declared reads: the hard cap stops cursors
// that never repeat, the run's signal stops the loop between child pages, progress is reported page by
// page, and child reads declared by child pages are read too.
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
});
