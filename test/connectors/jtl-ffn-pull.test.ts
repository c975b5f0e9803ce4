// The JTL-FFN connector against its sandbox: products and stock per warehouse pulled, the stock feed
// read incrementally (chunked, with repeated items), and the token lifecycle within one process.
import { afterEach, describe, expect, it } from 'vitest';
import { createJtlHarness, type JtlHarness } from '../helpers/jtl-ffn.js';

let h: JtlHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function stockRows(x: JtlHarness) {
  const { rows } = await x.t.db.query<{ sku: string; location_id: string; available: number }>(
    `SELECT p.sku, s.location_id, s.available FROM stock_levels s JOIN products p ON p.id = s.product_id
      WHERE s.tenant_id = $1 AND s.origin = 'jtl-ffn' ORDER BY p.sku, s.location_id`, [x.tenantId]);
  return rows;
}

describe('JTL-FFN pull', () => {
  it('pulls products and one stock row per SKU and warehouse (3 warehouses, float levels floored)', async () => {
    h = await createJtlHarness();
    const seeded = h.sb.seed({ products: 120, warehouses: 3, seed: 7 });
    h.sb.setStock(seeded.products[0]!.jfsku, seeded.warehouses[1]!, 12.75);
    const runs = await h.sync('full', ['products', 'stock']);
    expect(runs.map((r) => [r.stream, r.status])).toEqual([['products', 'succeeded'], ['stock', 'succeeded']]);
    const { rows: products } = await h.t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM products WHERE tenant_id = $1', [h.tenantId]);
    expect(products[0]!.n).toBe(120);
    const rows = await stockRows(h);
    expect(rows).toHaveLength(360);
    const first = rows.filter((r) => r.sku === seeded.products[0]!.merchantSku);
    expect(first.map((r) => r.location_id).sort()).toEqual([...seeded.warehouses].sort());
    expect(first.find((r) => r.location_id === seeded.warehouses[1])!.available).toBe(12);
  });

  it('reads stock changes from the feed after the first pass, chunk by chunk, each repeated item applied once', async () => {
    h = await createJtlHarness({ sandbox: { feedChunkSize: 5, repeatFeedItems: true } });
    const seeded = h.sb.seed({ products: 30, warehouses: 3, seed: 3 });
    await h.sync('incremental', ['products', 'stock']);
    const changed = seeded.products.slice(0, 12);
    changed.forEach((p, i) => h!.sb.setStock(p.jfsku, seeded.warehouses[i % 3]!, 100 + i));
    h.sb.clearRequestLog();
    const [run] = await h.sync('incremental', ['stock']);
    expect(run!.status).toBe('succeeded');
    const feedCalls = h.sb.requestLog().filter((e) => e.path.endsWith('/stocks/updates'));
    expect(feedCalls.length).toBeGreaterThan(2); // chunked
    expect(h.sb.requestLog().some((e) => e.path.endsWith('/v1/merchant/stocks'))).toBe(false); // no full listing
    const rows = await stockRows(h);
    changed.forEach((p, i) => expect(rows.find((r) => r.sku === p.merchantSku && r.location_id === seeded.warehouses[i % 3])!.available).toBe(100 + i));
    // Each change is one audit line: the repeated items at chunk boundaries did not write twice.
    const { rows: log } = await h.t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM sync_log WHERE tenant_id = $1 AND entity = 'stock_level' AND run_id = $2`, [h.tenantId, run!.id]);
    expect(log[0]!.n).toBe(12);
  });

  it('refreshes an expired access token once on a 401 and stores the rotated refresh token', async () => {
    h = await createJtlHarness();
    h.sb.seed({ products: 10, warehouses: 1, seed: 1 });
    await h.sync('full', ['products']);
    const before = Number((await h.connection()).token_refreshes);
    h.sb.expireAccessTokens();
    const [run] = await h.sync('full', ['products']);
    expect(run!.status).toBe('succeeded');
    const after = await h.connection();
    expect(Number(after.token_refreshes)).toBe(before + 1);
    expect(after.status).toBe('active');
    expect(h.sb.tokenStats().refreshTokenReuses).toBe(0);
  });

  it('marks the connection needs_reauth with a clear reason when the refresh token is refused', async () => {
    h = await createJtlHarness();
    h.sb.seed({ products: 3, warehouses: 1, seed: 1 });
    await h.sync('full', ['products']);
    // Someone else spent the stored refresh token (another installation with the same credentials).
    const { rows } = await h.t.db.query<{ credentials_enc: string }>('SELECT credentials_enc FROM connections WHERE id = $1', [h.connectionId]);
    const creds = h.box.decryptJson<Record<string, string>>(rows[0]!.credentials_enc, `connection:${h.connectionId}:credentials`);
    await fetch(`${h.sb.oauthUrl}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${h.sb.clientId}:${h.sb.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.refreshToken! }).toString(),
    });
    h.sb.expireAccessTokens();
    const [run] = await h.sync('full', ['products']);
    expect(run!.status).toBe('failed');
    const conn = await h.connection();
    expect(conn.status).toBe('needs_reauth');
    expect(conn.status_reason).toMatch(/invalid_grant.*authorize the connection again/);
  });
});
