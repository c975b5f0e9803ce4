// Cursor connections and the `query:` search syntax (platforms/shopify.md section 3).
import { afterEach, describe, expect, it } from 'vitest';
import type { ShopifySandbox, ShopifySandboxOptions } from '../../../src/sandbox/shopify/index.js';
import { startShopifySandbox } from '../../../src/sandbox/shopify/index.js';
import { gql, waitFor } from './helpers.js';

let sb: ShopifySandbox;
afterEach(async () => sb?.close());

interface ProductPage {
  products: {
    nodes: { id: string; title: string; updatedAt: string }[];
    edges: { cursor: string; node: { id: string } }[];
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  };
}

const PAGE = `query Page($first: Int, $after: String, $last: Int, $before: String, $query: String, $sortKey: ProductSortKeys, $reverse: Boolean) {
  products(first: $first, after: $after, last: $last, before: $before, query: $query, sortKey: $sortKey, reverse: $reverse) {
    nodes { id title updatedAt } edges { cursor node { id } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

async function page(vars: Record<string, unknown>, version?: string) {
  return gql<ProductPage>(sb, PAGE, vars, { version });
}

async function titles(query: string, extra: Record<string, unknown> = {}): Promise<string[]> {
  const result = await page({ first: 50, query, sortKey: 'UPDATED_AT', ...extra });
  expect(result.body.errors).toBeUndefined();
  return result.body.data?.products.nodes.map((n) => n.title) ?? [];
}

/** Four products with controlled timestamps: A and B share 10:00:00, C one second later, D the next day. */
async function timedShop(opts: ShopifySandboxOptions = {}): Promise<void> {
  sb = await startShopifySandbox(opts);
  const at = {
    A: '2024-01-01T10:00:00Z', B: '2024-01-01T10:00:00Z', C: '2024-01-01T10:00:01Z', D: '2024-01-02T00:00:00Z', E: '2023-12-31T23:59:59Z',
  };
  for (const [title, time] of Object.entries(at)) {
    const product = sb.store.products.get(sb.createProduct({ title }).id);
    if (!product) throw new Error('missing product');
    product.updatedAt = Date.parse(time);
    product.indexedAt = 0;
  }
  sb.store.changed('products');
}

describe('cursor pagination', () => {
  it('walks every record once with opaque cursors, nodes and edges, and pageInfo', async () => {
    sb = await startShopifySandbox();
    sb.seed({ products: 7 });
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const result = await page({ first: 3, after });
      const products = result.body.data?.products;
      if (!products) throw new Error(JSON.stringify(result.body));
      expect(products.edges.map((e) => e.node.id)).toEqual(products.nodes.map((n) => n.id));
      expect(products.pageInfo.endCursor).toBe(products.edges.at(-1)?.cursor);
      expect(products.pageInfo.hasPreviousPage).toBe(pages > 0);
      seen.push(...products.nodes.map((n) => n.id));
      pages += 1;
      if (!products.pageInfo.hasNextPage) break;
      after = products.pageInfo.endCursor;
    }
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(7);
    expect(seen).toEqual([...seen].sort());
    const cursor = JSON.parse(Buffer.from(after ?? '', 'base64').toString()) as Record<string, unknown>;
    expect(Object.keys(cursor)).toEqual(['last_id', 'last_value']);
  });

  it('pages backwards with last/before, and reverse flips the order', async () => {
    sb = await startShopifySandbox();
    sb.seed({ products: 5 });
    const all = (await page({ first: 5 })).body.data?.products.nodes.map((n) => n.id) ?? [];
    const tail = await page({ last: 2 });
    expect(tail.body.data?.products.nodes.map((n) => n.id)).toEqual(all.slice(3));
    expect(tail.body.data?.products.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
    const before = await page({ last: 2, before: tail.body.data?.products.pageInfo.startCursor });
    expect(before.body.data?.products.nodes.map((n) => n.id)).toEqual(all.slice(1, 3));
    const reversed = await page({ first: 5, reverse: true });
    expect(reversed.body.data?.products.nodes.map((n) => n.id)).toEqual([...all].reverse());
  });

  it('rejects first over 250, a missing page size and a malformed cursor', async () => {
    sb = await startShopifySandbox();
    const tooBig = await page({ first: 251 });
    expect(tooBig.body.errors?.[0]?.message).toMatch(/^first cannot exceed 250\./);
    expect((await page({})).body.errors?.[0]?.message).toBe('you must provide one of first or last');
    expect((await page({ first: 1, after: 'not-a-cursor' })).body.errors?.[0]?.message).toMatch(/cursor/i);
    const ok = await page({ first: 250 });
    expect(ok.body.errors).toBeUndefined();
  });

  it('sees a record again when an UPDATED_AT walk passes an edit (keyset cursors)', async () => {
    await timedShop();
    const first = await page({ first: 2, sortKey: 'UPDATED_AT' });
    expect(first.body.data?.products.nodes.map((n) => n.title)).toEqual(['E', 'A']);
    const e = sb.products().find((p) => p.title === 'E');
    sb.editProduct(e?.id ?? 0, { vendor: 'moved' });
    const rest = await page({ first: 10, sortKey: 'UPDATED_AT', after: first.body.data?.products.pageInfo.endCursor });
    expect(rest.body.data?.products.nodes.map((n) => n.title)).toEqual(['B', 'C', 'D', 'E']);
  });
});

describe('query: search syntax', () => {
  it('treats > on dates as >= by default (observed), and strictly when configured', async () => {
    await timedShop();
    expect(await titles("updated_at:>'2024-01-01T10:00:00Z'")).toEqual(['A', 'B', 'C', 'D']);
    expect(await titles("updated_at:>='2024-01-01T10:00:00Z'")).toEqual(['A', 'B', 'C', 'D']);
    expect(await titles("updated_at:<'2024-01-01T10:00:00Z'")).toEqual(['E', 'A', 'B']);
    expect(await titles("updated_at:<='2024-01-01T10:00:00Z'")).toEqual(['E', 'A', 'B']);
    await sb.close();
    await timedShop({ strictGreaterThan: true });
    expect(await titles("updated_at:>'2024-01-01T10:00:00Z'")).toEqual(['C', 'D']);
    expect(await titles("updated_at:<'2024-01-01T10:00:00Z'")).toEqual(['E']);
  });

  it('compares quoted date-times exactly but keeps only the date of unquoted ones', async () => {
    await timedShop();
    expect(await titles("updated_at:>='2024-01-01T10:00:01Z'")).toEqual(['C', 'D']);
    expect(await titles('updated_at:>=2024-01-01T10:00:01Z')).toEqual(['A', 'B', 'C', 'D']);
    expect(await titles('updated_at:2024-01-02')).toEqual(['D']);
    expect(await titles("updated_at:>='2024-01-01T10:00:00Z' updated_at:<'2024-01-02T00:00:00Z'", {})).toEqual(['A', 'B', 'C', 'D']);
    expect(await titles("updated_at:>='2024-01-01T10:00:01Z' OR title:E")).toEqual(['E', 'C', 'D']);
  });

  it('reports unknown search fields in extensions.search and ignores them', async () => {
    await timedShop();
    const result = await page({ first: 10, query: 'colour:red' });
    expect(result.body.data?.products.nodes).toHaveLength(5);
    expect(result.body.extensions?.search).toEqual([
      { path: ['products'], query: 'colour:red', warnings: [{ field: 'colour', message: 'Invalid search field for this query.' }] },
    ]);
  });

  it('hides records written within the search lag from query: searches only', async () => {
    await timedShop({ searchLagMs: 1000 });
    const d = sb.products().find((p) => p.title === 'D');
    sb.editProduct(d?.id ?? 0, { title: 'D2' });
    expect(await titles("updated_at:>='2024-01-01T00:00:00Z'")).toEqual(['A', 'B', 'C']);
    expect((await page({ first: 10 })).body.data?.products.nodes.map((n) => n.title)).toContain('D2');
    await waitFor(async () => (await titles("updated_at:>='2024-01-01T00:00:00Z'")).includes('D2'), 5000, 'the index to catch up');
  });

  it('hides orders older than 60 days from tokens without read_all_orders', async () => {
    sb = await startShopifySandbox();
    sb.seed({ products: 2, orders: 5, baseTime: '2024-01-01T00:00:00Z' });
    const recent = sb.createOrder({ lines: [{ variantId: sb.products()[0]?.variants[0]?.id ?? 0, quantity: 1 }] });
    sb.runtime.tokens.set('shpat_recent_only', new Set(['read_orders']));
    const query = '{ orders(first: 50) { nodes { id } } }';
    const all = await gql<{ orders: { nodes: { id: string }[] } }>(sb, query);
    expect(all.body.data?.orders.nodes).toHaveLength(6);
    const limited = await gql<{ orders: { nodes: { id: string }[] } }>(sb, query, {}, { token: 'shpat_recent_only' });
    expect(limited.body.data?.orders.nodes.map((n) => n.id)).toEqual([recent.gid]);
    const denied = await gql(sb, '{ products(first: 1) { nodes { id } } }', {}, { token: 'shpat_recent_only' });
    expect(denied.body.errors?.[0]?.extensions?.code).toBe('ACCESS_DENIED');
  });
});

describe('lookups, counts and deletion events', () => {
  it('resolves node(id:) for any type, counts with a cap, and lists deleted products', async () => {
    sb = await startShopifySandbox();
    sb.seed({ products: 3, orders: 1 });
    const [p1, p2] = sb.products();
    const nodes = await gql(sb, `query N($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on Product { title } } }`,
      { ids: [p1?.gid, p1?.variants[0]?.gid, sb.orders()[0]?.gid, 'gid://shopify/Product/1'] });
    expect(nodes.body.data?.nodes.map((n: { __typename: string } | null) => n?.__typename ?? null)).toEqual(['Product', 'ProductVariant', 'Order', null]);
    const counts = await gql(sb, '{ all: productsCount { count precision } capped: productsCount(limit: 2) { count precision } }');
    expect(counts.body.data).toEqual({ all: { count: 3, precision: 'EXACT' }, capped: { count: 2, precision: 'AT_LEAST' } });
    sb.deleteProduct(p2?.id ?? 0);
    const deleted = await gql(sb, '{ deletionEvents(first: 10, subjectTypes: [PRODUCT]) { nodes { subjectId subjectType occurredAt } } }');
    expect(deleted.body.data?.deletionEvents.nodes).toEqual([{ subjectId: p2?.gid, subjectType: 'PRODUCT', occurredAt: expect.any(String) }]);
  });
});
