// The /updates feeds (platforms/jtl-ffn.md sections 3, 9): (from, to] windows, chunking with moreDataAvailable
// and nextChunkUrl, the server's `to` echoed, ignoreOwnApplicationId, and the repeat and clock-skew faults.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startJtlFfnSandbox, type JtlFfnSandbox, type SeedResult } from '../../../src/sandbox/jtl-ffn/index.js';
import { accessToken, api, type Loose, mark } from './helpers.js';

const OTHER = { clientId: 'other-app', clientSecret: 'other-secret' };
const EPOCH = '2000-01-01T00:00:00.000Z';

let sb: JtlFfnSandbox;
let token: string;
let seeded: SeedResult;
beforeAll(async () => {
  sb = await startJtlFfnSandbox({ feedChunkSize: 10, extraClients: [OTHER] });
  token = await accessToken(sb);
});
beforeEach(() => {
  sb.clearFaults();
  seeded = sb.seed({ products: 25, warehouses: 1, stockPerWarehouse: 4, seed: 9 });
});
afterAll(async () => {
  await sb?.close();
});

async function readAll(path: string, query: Record<string, string>, as = token): Promise<{ chunks: Loose[]; data: Loose[] }> {
  const chunks: Loose[] = [];
  let res = await api(sb, 'GET', path, { token: as, query });
  for (;;) {
    expect(res.status).toBe(200);
    chunks.push(res.body);
    if (!res.body.moreDataAvailable) break;
    res = await api(sb, 'GET', res.body.nextChunkUrl, { token: as });
  }
  return { chunks, data: chunks.flatMap((c) => c.data) };
}

describe('stock feed', () => {
  it('chunks with moreDataAvailable and a nextChunkUrl that pins from/to and increments page', async () => {
    const { chunks, data } = await readAll('v1/merchant/stocks/updates', { fromDate: EPOCH });
    expect(chunks.map((c) => c.data.length)).toEqual([10, 10, 5]);
    expect(chunks.map((c) => c.moreDataAvailable)).toEqual([true, true, false]);
    expect(chunks[2].nextChunkUrl).toBeNull();
    const next = new URL(chunks[0].nextChunkUrl);
    expect(next.searchParams.get('page')).toBe('2');
    expect(next.searchParams.get('fromDate')).toBe(EPOCH);
    expect(next.searchParams.get('toDate')).toBe(chunks[0].to);
    expect(new Set(chunks.map((c) => c.to)).size).toBe(1);
    expect(chunks[0].from).toBe(EPOCH);
    expect(Math.abs(Date.parse(chunks[0].to) - Date.now())).toBeLessThan(5000);
    expect(data.map((d: Loose) => d.stockChangeId.jfsku)).toEqual(seeded.products.map((p) => p.jfsku));
    expect(data[0]).toMatchObject({
      stockChangeId: { warehouseId: seeded.warehouses[0], stockVersion: 1 }, merchantSku: seeded.products[0]?.merchantSku,
      stockLevel: 4, stockLevelReserved: 0, quantity: 4, quantityReserved: 0, changeType: 'Inbound', current: true, modificationInfo: { state: 'New' },
    });
  });

  it('serves (from, to]: the returned `to` as the next fromDate picks up exactly the later changes, with rising stockVersion', async () => {
    // With the default `to` (server now), a change right after this call is stamped later, never inside it.
    const first = await api(sb, 'GET', 'v1/merchant/stocks/updates', { token, query: { fromDate: EPOCH } });
    const { jfsku } = seeded.products[3] ?? { jfsku: '' };
    sb.setStock(jfsku, seeded.warehouses[0] ?? '', 1.5);
    const second = await api(sb, 'GET', 'v1/merchant/stocks/updates', { token, query: { fromDate: first.body.to } });
    expect(second.body.data).toEqual([expect.objectContaining({
      stockChangeId: { warehouseId: seeded.warehouses[0], jfsku, stockVersion: 2 }, stockLevel: 1.5, quantity: -2.5, changeType: 'Adjustment', current: true,
    })]);
    expect(second.body.from).toBe(first.body.to);
    // The first entry of that cell is no longer current.
    const again = await api(sb, 'GET', 'v1/merchant/stocks/updates', { token, query: { fromDate: EPOCH, $top: 5, page: 1 } });
    expect(again.body.data[3]).toMatchObject({ stockChangeId: { jfsku, stockVersion: 1 }, current: false });
  });

  it('never loses a change made right after a read: chaining `to` as fromDate sees every change exactly once', async () => {
    let from = (await api(sb, 'GET', 'v1/merchant/stocks/updates', { token, query: { fromDate: EPOCH, $top: 1 } })).body.to as string;
    const { jfsku } = seeded.products[0] ?? { jfsku: '' };
    const seen: number[] = [];
    for (let i = 1; i <= 30; i += 1) {
      sb.setStock(jfsku, seeded.warehouses[0] ?? '', i);
      const res = await api(sb, 'GET', 'v1/merchant/stocks/updates', { token, query: { fromDate: from } });
      seen.push(...res.body.data.map((c: Loose) => c.stockLevel));
      from = res.body.to;
    }
    expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  });

  it('echoes an explicit toDate and requires fromDate', async () => {
    const to = new Date(Date.now() - 60_000).toISOString();
    const res = await api(sb, 'GET', 'v1/merchant/stocks/updates', { token, query: { fromDate: EPOCH, toDate: to } });
    expect(res.body).toMatchObject({ to, data: [], moreDataAvailable: false, nextChunkUrl: null });
    const missing = await api(sb, 'GET', 'v1/merchant/stocks/updates', { token });
    expect(missing.status).toBe(400);
    expect(missing.body.errorCode.code).toBe('InvalidQuery');
  });

  it('repeatFeedItems: every chunk after the first starts with the previous chunk\'s last item', async () => {
    sb.setFaults({ repeatFeedItems: true });
    const { chunks } = await readAll('v1/merchant/stocks/updates', { fromDate: EPOCH });
    expect(chunks.map((c) => c.data.length)).toEqual([10, 11, 6]);
    expect(chunks[1].data[0]).toEqual(chunks[0].data[9]);
    expect(chunks[2].data[0]).toEqual(chunks[1].data[10]);
  });

  it('clock skew moves the default `to`', async () => {
    sb.setClockSkewMs(3_600_000);
    const res = await api(sb, 'GET', 'v1/merchant/stocks/updates', { token, query: { fromDate: EPOCH } });
    expect(Date.parse(res.body.to) - Date.now()).toBeGreaterThan(3_500_000);
  });
});

describe('product and outbound feeds', () => {
  it('carry one whole object per changed product, latest state, in change order', async () => {
    const since = await mark();
    const [a, b] = [seeded.products[0] ?? { jfsku: '' }, seeded.products[1] ?? { jfsku: '' }];
    await api(sb, 'PATCH', `v1/merchant/products/${b.jfsku}`, { token, body: { name: 'B1' } });
    await api(sb, 'PATCH', `v1/merchant/products/${a.jfsku}`, { token, body: { name: 'A1' } });
    await api(sb, 'PATCH', `v1/merchant/products/${b.jfsku}`, { token, body: { name: 'B2' } });
    sb.deleteProduct(a.jfsku);
    const res = await api(sb, 'GET', 'v1/merchant/products/updates', { token, query: { fromDate: since } });
    expect(res.body.data.map((p: Loose) => [p.jfsku, p.name, p.modificationInfo.state])).toEqual([[b.jfsku, 'B2', 'Modified'], [a.jfsku, 'A1', 'Deleted']]);
    expect(res.body.data[0].modificationInfo.changesInRange).toHaveLength(2);
  });

  it('ignoreOwnApplicationId hides the caller\'s own changes but not another app\'s or the fulfiller\'s', async () => {
    const since = await mark();
    const other = await accessToken(sb, { client: OTHER });
    const mine = await api(sb, 'POST', 'v1/merchant/products', { token, body: { merchantSku: 'MINE', name: 'mine' } });
    const theirs = await api(sb, 'POST', 'v1/merchant/products', { token: other, body: { merchantSku: 'THEIRS', name: 'theirs' } });
    const portal = sb.addProduct({ merchantSku: 'PORTAL', name: 'portal' });
    const skus = async (as: string, ignore: boolean) => (await api(sb, 'GET', 'v1/merchant/products/updates', {
      token: as, query: { fromDate: since, ignoreOwnApplicationId: ignore },
    })).body.data.map((p: Loose) => p.merchantSku);
    expect(await skus(token, false)).toEqual(['MINE', 'THEIRS', 'PORTAL']);
    expect(await skus(token, true)).toEqual(['THEIRS', 'PORTAL']);
    expect(await skus(other, true)).toEqual(['MINE', 'PORTAL']);
    // ignoreOwnUserId: both apps act for the same merchant user.
    const byUser = await api(sb, 'GET', 'v1/merchant/products/updates', { token, query: { fromDate: since, ignoreOwnUserId: true } });
    expect(byUser.body.data.map((p: Loose) => p.merchantSku)).toEqual(['PORTAL']);
    expect(mine.body.jfsku).not.toBe(theirs.body.jfsku);
    expect(portal.jfsku).toBeTruthy();
  });
});
