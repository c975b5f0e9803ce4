// Child pages (DESIGN.md 2, "loops inside a platform call ... are declared to the engine"): nested lists
// a page's items still need — a product's variants beyond its first page, a variant's inventory levels
// beyond theirs, an order's lines beyond the first 10 — are declared by the connector as ChildReads and
// read here, page by page, with the guarantees of the top-level page loop:
// - the loop guard: a cursor or a page content seen before within one child read stops the run with
//   `pagination_loop` naming the read (a platform that keeps saying "more follows" would otherwise keep
//   the run busy until its deadline, every time it runs);
// - the run's signal, checked between child pages (deadline and cancel); the requests themselves go
//   through ctx.http, so the limiter, the timeout and the classification apply to each of them;
// - progress, so that a long child read (2,048 variants, each stocked at many locations) shows it is alive;
// - a hard cap on child pages as a safety net against loops the guard cannot see (cursors that never
//   repeat).
//
// There is no checkpoint inside a child read: the page is committed with all its children complete, or
// not at all. A parent committed half-read would map to a product missing variants (or an order missing
// lines), and the mark-and-sweep of a full pass or the merge would take the missing ones as deleted.
// A crash therefore re-reads the page and its children, which stays within "at most one page".
import type { ChildCursor, ChildRead, Ctx } from '../connectors/types.js';
import { SyncError } from '../core/errors.js';
import { contentHash, stableStringify } from '../core/hash.js';

/** Pages one child read may take: far beyond a real nested list (2,048 variants are 41 pages of 50). */
export const MAX_PAGES_PER_CHILD_READ = 1_000;
/** Child pages one top-level page may need in all (2 products x 2,048 variants x their levels fit). */
export const MAX_CHILD_PAGES_PER_PAGE = 20_000;

export interface ChildPageProgress {
  /** The ChildRead's `what`. */
  what: string;
  /** Pages of this read so far. */
  page: number;
  /** Nodes of this read so far. */
  nodes: number;
  /** Child pages read for the current top-level page so far. */
  total: number;
}

export interface ChildLoopOptions {
  /** The run's signal (deadline, cancel). */
  signal: AbortSignal;
  /** Called after every child page. */
  onPage?: (p: ChildPageProgress) => void;
  maxPagesPerRead?: number;
  maxPages?: number;
  /** Child reads at once (default CHILD_READ_CONCURRENCY). */
  concurrency?: number;
}

function loop(read: ChildRead, what: string, page: number, after: ChildCursor | null): SyncError {
  return new SyncError('pagination_loop', `${read.what}: the source ${what} on child page ${page}; stopping instead of looping`, {
    details: { childRead: read.what, page, after },
  });
}

/** Child reads of one page read side by side: the limiter still paces every request of them. */
export const CHILD_READ_CONCURRENCY = 4;

/**
 * Reads every declared child read (and the child reads their pages declare) to completion, attaching the
 * nodes to their parents. Returns the number of child pages read.
 *
 * Reads are independent (each attaches to its own parent), so up to `concurrency` of them run at once:
 * a page of 20 variable products is 20 reads a platform with a concurrency allowance (WooCommerce behind
 * its host's cap, Shopify's cost bucket) can serve side by side. Each read's own pages stay in order. The
 * first failure stops the others before their next request.
 */
export async function readChildPages(ctx: Ctx<unknown>, children: ChildRead[] | undefined, opts: ChildLoopOptions): Promise<number> {
  const maxPerRead = opts.maxPagesPerRead ?? MAX_PAGES_PER_CHILD_READ;
  const maxTotal = opts.maxPages ?? MAX_CHILD_PAGES_PER_PAGE;
  const lanes = Math.max(1, opts.concurrency ?? CHILD_READ_CONCURRENCY);
  let total = 0;
  let failed = false;
  const readOne = async (read: ChildRead, next: ChildRead[]): Promise<void> => {
    const seenCursors = new Set<string>();
    const seenContent = new Set<string>();
    let after = read.after;
    let nodes = 0;
    for (let page = 1; ; page++) {
      if (after === null) throw loop(read, 'said more followed but gave no cursor', page, after);
      const key = stableStringify(after);
      if (seenCursors.has(key)) throw loop(read, 'returned a cursor it had already returned', page, after);
      seenCursors.add(key);
      if (page > maxPerRead || total >= maxTotal) {
        throw new SyncError('pagination_loop', `${read.what}: more than ${page > maxPerRead ? `${maxPerRead} pages in one child read` : `${maxTotal} child pages for one page`}; stopping instead of reading on`, {
          details: { childRead: read.what, page, after },
        });
      }
      opts.signal.throwIfAborted();
      if (failed) return;
      const got = await read.fetch(ctx, after);
      opts.signal.throwIfAborted();
      total++;
      if (!got) break; // the parent is gone meanwhile: keep what was read, the next pull sees the deletion
      if (got.nodes.length > 0) {
        const hash = contentHash(got.nodes);
        if (seenContent.has(hash)) throw loop(read, 'returned a page it had already returned', page, after);
        seenContent.add(hash);
      }
      read.attach(got.nodes);
      nodes += got.nodes.length;
      if (got.children) next.push(...got.children);
      opts.onPage?.({ what: read.what, page, nodes, total });
      if (got.done) break;
      after = got.next;
    }
  };
  // Breadth first, in waves: a variant page's level reads run after the wave of variant reads that
  // declared them.
  for (let wave: ChildRead[] = [...(children ?? [])]; wave.length > 0; ) {
    const next: ChildRead[] = [];
    let i = 0;
    const lane = async () => {
      while (i < wave.length && !failed) {
        const read = wave[i++]!;
        try {
          await readOne(read, next);
        } catch (err) {
          failed = true;
          throw err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(lanes, wave.length) }, lane));
    wave = next;
  }
  return total;
}
