import { describe, expect, it } from 'vitest';
import { isSyncError } from '../../core/errors.js';
import { type NestedPage, remainingNodes } from './follow-ups.js';

const page = (nodes: number[], endCursor: string | null, hasNextPage = true): NestedPage<number> => ({ nodes, pageInfo: { hasNextPage, endCursor } });

describe('remainingNodes', () => {
  it('reads every page after the first until Shopify says there are no more', async () => {
    const pages: Record<string, NestedPage<number>> = { a: page([3, 4], 'b'), b: page([5], 'c', false) };
    const asked: string[] = [];
    const rest = await remainingNodes(page([1, 2], 'a'), async (after) => (asked.push(after), pages[after]!), 'x');
    expect(rest).toEqual([3, 4, 5]);
    expect(asked).toEqual(['a', 'b']);
  });

  it('asks nothing when the first page is the only one', async () => {
    let asked = 0;
    expect(await remainingNodes(page([1], null, false), async () => (asked++, null), 'x')).toEqual([]);
    expect(asked).toBe(0);
  });

  it.each([
    ['a cursor that repeats', (after: string) => page([9], after)],
    ['no cursor while more is said to follow', () => page([9], null)],
  ])('stops with pagination_loop on %s', async (_name, next) => {
    const err = await remainingNodes(page([1], 'a'), async (after) => next(after), 'variants of gid://shopify/Product/1').catch((e: unknown) => e);
    expect(isSyncError(err) && err.code).toBe('pagination_loop');
    expect((err as Error).message).toContain('variants of gid://shopify/Product/1');
  });

  it('keeps what it read when the parent disappears meanwhile', async () => {
    expect(await remainingNodes(page([1], 'a'), async () => null, 'x')).toEqual([]);
  });
});
