import { describe, expect, it } from 'vitest';
import { isSyncError } from '../../core/errors.js';
import { readChildPages } from '../../engine/child-pages.js';
import type { Ctx, HttpRequest } from '../types.js';
import type { ShopifyConfig } from './config-merged.js';
import { orderChildren, productChildren } from './follow-ups.js';
import type { GqlOrder, GqlProduct } from './mapping.js';

const info = (endCursor: string | null, hasNextPage = true) => ({ hasNextPage, endCursor });

/** A ctx whose GraphQL answers come from `answer(operationName, variables)`; every request is recorded. */
function fakeCtx(answer: (op: string, vars: Record<string, unknown>) => unknown) {
  const asked: { op: string; after: unknown }[] = [];
  const ctx = {
    config: { apiVersion: '2026-07' } as ShopifyConfig,
    signal: new AbortController().signal,
    runStartedAt: new Date(),
    log: { debug() {}, info() {}, warn() {} },
    http: {
      async request(req: HttpRequest) {
        const { query, variables } = req.body as { query: string; variables: Record<string, unknown> };
        const op = /query (\w+)/.exec(query)?.[1] ?? '';
        asked.push({ op, after: variables.after });
        return { status: 200, headers: new Headers(), body: { data: answer(op, variables) } };
      },
      download: () => Promise.reject(new Error('not used')),
    },
  } as unknown as Ctx<ShopifyConfig>;
  return { ctx, asked };
}

const line = (n: number) => ({ id: `gid://shopify/LineItem/${n}`, quantity: 1 });
const order = (lines: number[], endCursor: string | null, more: boolean): GqlOrder =>
  ({ id: 'gid://shopify/Order/1', lineItems: { nodes: lines.map(line), pageInfo: info(endCursor, more) } }) as GqlOrder;

describe('Shopify child reads', () => {
  it('declare nothing for items whose nested lists fit on the page', () => {
    expect(orderChildren([order([1, 2], 'c2', false)])).toEqual([]);
    expect(productChildren([{ id: 'gid://shopify/Product/1', variants: { nodes: [{ id: 'v1' }], pageInfo: info('v', false) } } as GqlProduct])).toEqual([]);
  });

  it('an order with more lines than its first page: the engine reads them after the page end cursor and attaches them in order', async () => {
    const o = order([1, 2], 'c2', true);
    const pages: Record<string, unknown> = {
      c2: { nodes: [3, 4].map(line), pageInfo: info('c4') },
      c4: { nodes: [5].map(line), pageInfo: info('c5', false) },
    };
    const { ctx, asked } = fakeCtx((_op, vars) => ({ order: { lineItems: pages[String(vars.after)] } }));
    const children = orderChildren([o]);
    expect(children.map((c) => c.what)).toEqual(['line items of gid://shopify/Order/1']);
    expect(await readChildPages(ctx, children, { signal: ctx.signal })).toBe(2);
    expect(o.lineItems?.nodes?.map((l) => l.id)).toEqual([1, 2, 3, 4, 5].map((n) => `gid://shopify/LineItem/${n}`));
    expect(asked).toEqual([{ op: 'OrderLines', after: 'c2' }, { op: 'OrderLines', after: 'c4' }]);
  });

  it('variants beyond the first page declare the inventory levels beyond theirs, as do first-page variants', async () => {
    const level = (n: number) => ({ id: `gid://shopify/InventoryLevel/${n}` });
    const variant = (n: number, moreLevels: boolean) => ({
      id: `gid://shopify/ProductVariant/${n}`,
      inventoryItem: { id: `gid://shopify/InventoryItem/${n}`, inventoryLevels: { nodes: [level(n * 10)], pageInfo: info(`l${n}`, moreLevels) } },
    });
    const product = { id: 'gid://shopify/Product/1', variants: { nodes: [variant(1, true)], pageInfo: info('v1') } } as unknown as GqlProduct;
    const { ctx, asked } = fakeCtx((op, vars) =>
      op === 'ProductVariants'
        ? { product: { variants: { nodes: [variant(2, true), variant(3, false)], pageInfo: info('v3', false) } } }
        : { inventoryItem: { inventoryLevels: { nodes: [level(Number(String(vars.id).split('/').pop()) * 10 + 1)], pageInfo: info('x', false) } } },
    );
    await readChildPages(ctx, productChildren([product]), { signal: ctx.signal });
    const variants = product.variants!.nodes!;
    expect(variants.map((v) => v.id)).toEqual([1, 2, 3].map((n) => `gid://shopify/ProductVariant/${n}`));
    expect(variants.map((v) => v.inventoryItem!.inventoryLevels!.nodes!.map((l) => l.id))).toEqual([
      ['gid://shopify/InventoryLevel/10', 'gid://shopify/InventoryLevel/11'],
      ['gid://shopify/InventoryLevel/20', 'gid://shopify/InventoryLevel/21'],
      ['gid://shopify/InventoryLevel/30'],
    ]);
    expect(asked.map((a) => a.op).sort()).toEqual(['InventoryLevels', 'InventoryLevels', 'ProductVariants']);
  });

  it.each([
    ['a cursor that repeats', (after: unknown) => ({ nodes: [line(Number(String(after).slice(1)) + 100)], pageInfo: info(String(after)) })],
    ['the same page again under a new cursor', (after: unknown) => ({ nodes: [line(9)], pageInfo: info(`${String(after)}x`) })],
    ['no cursor while more is said to follow', () => ({ nodes: [line(9)], pageInfo: info(null) })],
  ])('stop with pagination_loop naming the read on %s', async (_name, next) => {
    const { ctx } = fakeCtx((_op, vars) => ({ order: { lineItems: next(vars.after) } }));
    const err = await readChildPages(ctx, orderChildren([order([1], 'c1', true)]), { signal: ctx.signal }).catch((e: unknown) => e);
    expect(isSyncError(err) && err.code).toBe('pagination_loop');
    expect((err as Error).message).toContain('line items of gid://shopify/Order/1');
  });

  it('keep what was read when the parent disappears meanwhile', async () => {
    const o = order([1], 'c1', true);
    const { ctx } = fakeCtx(() => ({ order: null }));
    expect(await readChildPages(ctx, orderChildren([o]), { signal: ctx.signal })).toBe(1);
    expect(o.lineItems?.nodes).toHaveLength(1);
  });
});
