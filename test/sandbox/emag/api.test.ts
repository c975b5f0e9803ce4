// The eMAG sandbox speaks the Marketplace API as platforms/emag.md describes it: Basic auth per account,
// the {isError, messages, results} envelope, bodies with or without `data`, paging capped at 100, the
// one-month rule on date pairs, order types, per-account limits per route group with eMAG's 429, and the
// page-repeat fault.
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { CAMPAIGN_LOCK_BODY, type EmagSandbox, FORBIDDEN_BODY, startEmagSandbox, THROTTLED_BODY } from '../../../src/sandbox/emag/index.js';

describe('eMAG sandbox API', () => {
  let sb: EmagSandbox;
  const auth = (account: string) => {
    const c = sb.credentials(account);
    return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
  };
  const call = async (account: string, path: string, body?: unknown, method = 'POST') => {
    const res = await fetch(`${sb.apiUrl}/${path}`, {
      method, headers: { authorization: auth(account), 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
  };

  beforeAll(async () => {
    sb = await startEmagSandbox();
  });
  beforeEach(() => {
    sb.seed({ orders: 250, offers: 30, spanDays: 90, newShare: 0.2, seed: 9 });
    sb.clearFaults();
    sb.resetLimits();
    sb.clearRequests();
  });
  afterAll(async () => {
    await sb?.close();
  });

  it('answers bad or missing credentials with 403 and the envelope; each account has its own login', async () => {
    const bad = await fetch(`${sb.apiUrl}/order/read`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from('main-api-user:wrong').toString('base64')}` } });
    expect(bad.status).toBe(403);
    expect(await bad.json()).toEqual(FORBIDDEN_BODY);
    expect((await fetch(`${sb.apiUrl}/order/read`, { method: 'POST' })).status).toBe(403);
    const main = await call('main', 'order/read', { itemsPerPage: 5 });
    const fbe = await call('fbe', 'order/read', { itemsPerPage: 5, type: 2 });
    expect(main.body.results[0].id).not.toBe(fbe.body.results[0].id);
  });

  it('reads with and without the data wrapper, in the envelope, with decimals as strings and naive timestamps', async () => {
    const top = await call('main', 'order/read', { currentPage: 2, itemsPerPage: 10 });
    const wrapped = await call('main', 'order/read', { data: { currentPage: 2, itemsPerPage: 10 } });
    expect(top.status).toBe(200);
    expect(top.body).toMatchObject({ isError: false, messages: [] });
    expect(wrapped.body.results).toEqual(top.body.results);
    const order = top.body.results[0];
    expect(order.modified).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(typeof order.products[0].sale_price).toBe('string');
    expect(top.headers.get('x-ratelimit-limit-3second')).toBe('12');
    // Keys are case-sensitive: an unknown spelling is ignored, so this is page 1.
    const lower = await call('main', 'order/read', { currentpage: 2, itemsPerPage: 10 });
    expect(lower.body.results[0].id).not.toBe(order.id);
  });

  it('pages with currentPage/itemsPerPage up to 100, ends with an empty page, and counts', async () => {
    expect((await call('main', 'order/read', { itemsPerPage: 101 })).body).toMatchObject({ isError: true, messages: [expect.stringMatching(/itemsPerPage/)] });
    const count = await call('main', 'order/count', { itemsPerPage: 100 });
    expect(count.body.results).toEqual({ noOfItems: 250, noOfPages: 3, itemsPerPage: 100 });
    const last = await call('main', 'order/read', { currentPage: 3, itemsPerPage: 100 });
    expect(last.body.results).toHaveLength(50);
    expect((await call('main', 'order/read', { currentPage: 4, itemsPerPage: 100 })).body.results).toEqual([]);
  });

  it('filters by type (FBE orders only with type 2), status lists and date pairs of at most one month', async () => {
    expect((await call('fbe', 'order/count', {})).body.results.noOfItems).toBe(0);
    expect((await call('fbe', 'order/count', { type: 2 })).body.results.noOfItems).toBe(250);
    const news = await call('main', 'order/read', { status: [1], itemsPerPage: 100 });
    expect(news.body.results.length).toBeGreaterThan(20);
    expect(news.body.results.every((o: { status: number }) => o.status === 1)).toBe(true);
    const onlyBefore = await call('main', 'order/read', { modifiedBefore: '2030-01-01 00:00:00' });
    expect(onlyBefore.body).toMatchObject({ isError: true, messages: ['modifiedBefore requires modifiedAfter.'] });
    const tooLong = await call('main', 'order/read', { modifiedAfter: '2024-01-31 10:00:00', modifiedBefore: '2024-03-01 10:00:00' });
    expect(tooLong.body.messages[0]).toMatch(/at most one month/);
    const month = await call('main', 'order/count', { modifiedAfter: '2024-01-31 10:00:00', modifiedBefore: '2024-02-29 10:00:00' });
    expect(month.body.isError).toBe(false);
  });

  it('limits each account per route group: 12/s on order routes and 3/s on all others, with the 429 body', async () => {
    const burst = async (account: string, path: string, n: number) => Promise.all(Array.from({ length: n }, () => call(account, path, {})));
    // Buckets refill continuously (one order request per 83 ms): on a loaded machine a burst can take
    // longer than that. Nearly frozen platform time keeps the counts independent of the machine's speed.
    sb.setTimeScale(0.0001);
    onTestFinished(() => {
      sb.setTimeScale(1);
    });
    const orders = await burst('main', 'order/count', 20);
    const throttled = orders.filter((r) => r.status === 429);
    expect(orders.filter((r) => r.status === 200)).toHaveLength(12);
    expect(throttled[0]!.body).toEqual(THROTTLED_BODY);
    expect(throttled[0]!.headers.get('x-ratelimit-remaining-3second')).toBe('0');
    // The other group of the same account still has its own budget, and so does the other account.
    const offers = await burst('main', 'product_offer/read', 5);
    expect(offers.filter((r) => r.status === 200)).toHaveLength(3);
    expect((await burst('fbe', 'order/count', 12)).every((r) => r.status === 200)).toBe(true);
    const stats = sb.stats().accounts;
    expect(stats.main!.byGroup).toMatchObject({ orders: { requests: 20, throttled: 8 }, other: { requests: 5, throttled: 2 } });
    expect(stats.fbe!.throttled).toBe(0);
  });

  it('reports the most requests an account had in flight at once', async () => {
    sb.setFaults({ latencyMs: 200, accounts: ['fbe'] });
    await Promise.all([1, 2, 3].map(() => call('fbe', 'order/count', { type: 2 })));
    await call('main', 'order/count', {});
    const stats = sb.stats().accounts;
    expect(stats.fbe!.maxConcurrency).toBe(3);
    expect(stats.main!.maxConcurrency).toBe(1);
  });

  it('the page-repeat fault serves the previous page again', async () => {
    sb.setFaults({ pageRepeat: true, accounts: ['main'] });
    const p1 = await call('main', 'order/read', { currentPage: 1, itemsPerPage: 50 });
    const p2 = await call('main', 'order/read', { currentPage: 2, itemsPerPage: 50 });
    expect(p2.body.results).toEqual(p1.body.results);
    expect(sb.requests().at(-1)).toMatchObject({ fault: 'page-repeat', page: 2 });
    const fbe1 = await call('fbe', 'order/read', { currentPage: 1, type: 2, itemsPerPage: 50 });
    const fbe2 = await call('fbe', 'order/read', { currentPage: 2, type: 2, itemsPerPage: 50 });
    expect(fbe2.body.results).not.toEqual(fbe1.body.results);
  });

  it('acknowledges new orders (1 -> 2, modified moves) and refuses other moves to 2', async () => {
    const order = sb.orders('main').find((o) => o.status === 1)!;
    const ack = await call('main', `order/acknowledge/${order.id}`);
    expect(ack.body).toEqual({ isError: false, messages: [], results: [] });
    const after = sb.orders('main').find((o) => o.id === order.id)!;
    expect(after.status).toBe(2);
    expect(String(after.modified) >= String(order.modified)).toBe(true);
    const another = sb.orders('main').find((o) => o.status === 1)!;
    expect(() => sb.editOrder('main', another.id as number, { status: 2 })).toThrow(/only through order\/acknowledge/);
    const canceled = sb.orders('main').find((o) => o.status === 0)!;
    expect((await call('main', `order/acknowledge/${canceled.id}`)).body).toMatchObject({ isError: true });
  });

  it('sets offer stock by PATCH (204), and refuses bad content, unknown offers and campaign-locked offers', async () => {
    const offer = sb.offers('main')[0]!;
    const ok = await call('main', `offer_stock/${offer.id}`, { stock: 21 }, 'PATCH');
    expect(ok.status).toBe(204);
    expect(sb.offers('main')[0]!.general_stock).toBe(21);
    expect(await call('main', `offer_stock/${offer.id}`, { stock: 'many' }, 'PATCH')).toMatchObject({ status: 400, body: { message: 'Invalid content' } });
    expect(await call('main', 'offer_stock/999', { stock: 1 }, 'PATCH')).toMatchObject({ status: 404, body: { message: 'This offer does not exist' } });
    sb.setFaults({ campaignLock: true });
    sb.resetLimits(); // four calls in a row exceed the 3/s of non-order routes
    expect(await call('main', `offer_stock/${offer.id}`, { stock: 5 }, 'PATCH')).toMatchObject({ status: 400, body: CAMPAIGN_LOCK_BODY });
  });

  it('saves offers in batches of at most 50 and checks the price range', async () => {
    const o = sb.offers('main')[0]!;
    const base = { id: o.id, status: 1, vat_id: 1, handling_time: o.handling_time, stock: o.stock };
    const saved = await call('main', 'product_offer/save', { data: [{ ...base, sale_price: o.min_sale_price }] });
    expect(saved.body.isError).toBe(false);
    const outside = await call('main', 'product_offer/save', [{ ...base, sale_price: '0.0001' }]);
    expect(outside.body).toMatchObject({ isError: true, messages: [expect.stringMatching(/between min_sale_price/)] });
    const many = await call('main', 'product_offer/save', Array.from({ length: 51 }, () => ({ ...base, sale_price: o.sale_price })));
    expect(many.body.messages[0]).toMatch(/At most 50/);
  });
});
