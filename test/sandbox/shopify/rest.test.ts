// REST legacy subset: Link page_info pagination, filters, orders' status=open default, the request
// bucket with X-Shopify-Shop-Api-Call-Limit and 429 + Retry-After: 2.0 (platforms/shopify.md sections 3-4).
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ShopifySandbox } from '../../../src/sandbox/shopify/index.js';
import { startShopifySandbox } from '../../../src/sandbox/shopify/index.js';
import type { Loose } from './helpers.js';
import { TOKEN } from './helpers.js';

let sb: ShopifySandbox;
afterEach(async () => sb?.close());

async function rest(path: string) {
  const response = await fetch(path.startsWith('http') ? path : `${sb.url}/admin/api/2025-01/${path}`, { headers: { 'x-shopify-access-token': TOKEN } });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, Loose> };
}

function links(header: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(', ')) {
    const match = /^<([^>]+)>; rel="(next|previous)"$/.exec(part);
    if (match?.[1] && match[2]) out[match[2]] = match[1];
  }
  return out;
}

describe('REST legacy', () => {
  it('pages with Link rel="next"/"previous" and page_info, and no Link for a single page', async () => {
    sb = await startShopifySandbox();
    sb.seed({ products: 5, variantsPerProduct: 2 });
    const first = await rest('products.json?limit=2');
    expect(first.body.products.map((p: { id: number }) => p.id)).toEqual(sb.products().slice(0, 2).map((p) => p.id));
    expect(first.body.products[0]).toMatchObject({ admin_graphql_api_id: sb.products()[0]?.gid, variants: [{ product_id: sb.products()[0]?.id }, {}] });
    expect(typeof first.body.products[0].tags).toBe('string');
    const firstLinks = links(first.headers.get('link'));
    expect(Object.keys(firstLinks)).toEqual(['next']);
    expect(firstLinks.next).toMatch(new RegExp(`^${sb.url}/admin/api/2025-01/products.json\\?limit=2&page_info=`));
    const second = await rest(firstLinks.next ?? '');
    expect(Object.keys(links(second.headers.get('link')))).toEqual(['previous', 'next']);
    const third = await rest(links(second.headers.get('link')).next ?? '');
    expect(third.body.products).toHaveLength(1);
    const back = await rest(links(third.headers.get('link')).previous ?? '');
    expect(back.body.products.map((p: { id: number }) => p.id)).toEqual(second.body.products.map((p: { id: number }) => p.id));
    expect((await rest('products.json?limit=250')).headers.get('link')).toBeNull();
    expect((await rest(`${firstLinks.next}&vendor=x`)).status).toBe(400);
    expect((await rest('products.json?limit=251')).status).toBe(400);
  });

  it('filters by updated_at_min and defaults orders.json to status=open', async () => {
    sb = await startShopifySandbox();
    sb.seed({ products: 3, orders: 40, baseTime: '2024-06-01T00:00:00Z' });
    const open = sb.orders().filter((o) => o.closedAt === null && o.cancelledAt === null).length;
    expect((await rest('orders.json?limit=250')).body.orders).toHaveLength(open);
    expect((await rest('orders.json?limit=250&status=any')).body.orders).toHaveLength(40);
    expect((await rest('orders/count.json')).body.count).toBe(open);
    const edited = sb.editProduct(sb.products()[1]?.id ?? 0, { title: 'Fresh' });
    const recent = await rest(`products.json?updated_at_min=${encodeURIComponent(edited.updatedAt)}`);
    expect(recent.body.products.map((p: { title: string }) => p.title)).toEqual(['Fresh']);
  });

  it('counts calls in X-Shopify-Shop-Api-Call-Limit and answers 429 with Retry-After: 2.0 when the bucket is full', async () => {
    sb = await startShopifySandbox({ timeScale: 0.001 });
    const first = await rest('customers.json');
    expect(first.headers.get('x-shopify-shop-api-call-limit')).toBe('1/40');
    for (let i = 2; i <= 40; i += 1) expect((await rest('customers.json')).headers.get('x-shopify-shop-api-call-limit')).toBe(`${i}/40`);
    const throttled = await rest('customers.json');
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('2.0');
    expect(throttled.body).toEqual({ errors: 'Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.' });
    expect(sb.stats().rest).toEqual({ requests: 41, throttled: 1 });
  });

  it('leaks 2 calls per second, time-scaled', async () => {
    // The bucket restores by the clock; on a fake one, "one call back after 0.5 s of platform time,
    // 5 ms at 100x" is checked exactly, just before and at that moment.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      sb = await startShopifySandbox({ timeScale: 100 });
      sb.runtime.restBucket.configure({ currentlyAvailable: 0 });
      expect((await rest('products.json')).status).toBe(429);
      vi.advanceTimersByTime(4);
      expect((await rest('products.json')).status).toBe(429);
      vi.advanceTimersByTime(1);
      expect((await rest('products.json')).status).toBe(200);
      expect((await rest('products.json')).status).toBe(429); // that one call, no more
      expect(sb.stats().rest).toEqual({ requests: 4, throttled: 3 });
    } finally {
      vi.useRealTimers();
    }
  });
});
