// Child pages against the Shopify sandbox: an order with more lines than an orders page asks for per
// order (10) is completed by the engine's child-page loop before its page is committed, and a nested
// connection that keeps answering its first page stops the run with `pagination_loop` instead of
// looping, without committing the half-read order.
import { afterEach, describe, expect, it } from 'vitest';
import { LINES_PER_ORDER } from '../../src/connectors/shopify/queries.js';
import { compare, deadLetters, type Harness, shopifyHarness } from '../helpers/shopify.js';

const SHOP = { products: 30, variantsPerProduct: 10, orders: 3, linesPerOrder: 2, customers: 2, locations: 1, seed: 4 };

async function variantIds(h: Harness): Promise<number[]> {
  const products = (await (await fetch(`${h.sb.url}/_sandbox/data/products`)).json()) as { variants: { id: number }[] }[];
  return products.flatMap((p) => p.variants.map((v) => v.id));
}

async function hubLines(h: Harness, orderGid: string): Promise<number | null> {
  const { rows } = await h.t.db.query<{ lines: number }>(
    `SELECT (SELECT count(*)::int FROM order_lines ol WHERE ol.order_id = o.id) AS lines
       FROM links l JOIN orders o ON o.id = l.hub_id WHERE l.connection_id = $1 AND l.entity = 'order' AND l.external_id = $2`,
    [h.connectionId, orderGid],
  );
  return rows[0]?.lines ?? null;
}

/** Answered requests of a GraphQL operation (a throttled attempt and its retry count once). */
const childRequests = (h: Harness, operation: string) => h.sb.requests().filter((r) => r.operationName === operation && !r.throttled && r.status === 200).length;

describe('Shopify child pages', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('an order with more lines than fit on one page is paged to completion by an incremental pull', async () => {
    h = await shopifyHarness(SHOP, { timeScale: 200 });
    const variants = await variantIds(h);
    // 37 lines: the first page of 10 and one page more; 260 lines: the first 10, then pages of 240 and 10.
    const long = h.sb.createOrder({ lines: variants.slice(0, 37).map((id) => ({ variantId: id, quantity: 1 })) });
    const longer = h.sb.createOrder({ lines: variants.slice(0, 260).map((id) => ({ variantId: id, quantity: 2 })) });
    expect(LINES_PER_ORDER).toBeLessThan(37); // the orders really are longer than a page asks for

    const runs = await h.sync('incremental');
    expect(runs.map((r) => [r.stream, r.status, r.error?.message ?? ''])).toEqual([['customers', 'succeeded', ''], ['products', 'succeeded', ''], ['orders', 'succeeded', '']]);
    expect(await hubLines(h, long.gid)).toBe(37);
    expect(await hubLines(h, longer.gid)).toBe(260);
    const c = await compare(h);
    expect(c.hub.orders).toEqual(c.shop.orders);
    expect(await deadLetters(h.t.db, h.connectionId)).toEqual([]);
    // The lines past the first page came from child pages: one for the 37-line order, two for the 260-line one.
    expect(childRequests(h, 'OrderLines')).toBe(3);
  });

  it('a repeating sub-page stops the run with pagination_loop and commits no half-read order', async () => {
    h = await shopifyHarness(SHOP, { timeScale: 200 });
    const variants = await variantIds(h);
    const long = h.sb.createOrder({ lines: variants.slice(0, 37).map((id) => ({ variantId: id, quantity: 1 })) });
    h.sb.setFaults({ nestedPageLoop: true });

    const runs = await h.sync('incremental');
    const orders = runs.find((r) => r.stream === 'orders')!;
    expect(orders.status).toBe('failed');
    expect(orders.error?.code).toBe('pagination_loop');
    expect(orders.error?.message).toContain(`line items of ${long.gid}`);
    // Bounded: the first page of lines, then the repeat (at most one more read to see it repeat).
    expect(childRequests(h, 'OrderLines')).toBeLessThanOrEqual(2);
    // The page holding the order (all four orders fit on it) was not committed: no order with its
    // first lines only, and none of the others either.
    expect(await hubLines(h, long.gid)).toBeNull();
    expect((await compare(h)).hub.orders).toEqual([]);
  });
});
