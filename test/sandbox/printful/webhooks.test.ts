// Sandbox webhooks: v2 deliveries signed with the hex-decoded secret (checked against the fact
// sheet's vector), the 1/4/16/64/256/1024-minute retry schedule with a growing `retries`, v1
// stock_updated only for the listed products, and the expired-configuration 404.
import { createServer, type Server } from 'node:http';
import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { RETRY_DELAYS_MS, signPrintfulV2, startPrintfulSandbox, type PrintfulSandbox } from '../../../src/sandbox/printful/index.js';
import { waitFor } from '../../helpers/db.js';

interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

async function receiver(statuses: number[]): Promise<{ url: string; got: Received[]; server: Server }> {
  const got: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      res.statusCode = statuses[got.length - 1] ?? 200;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address() as { port: number };
  return { url: `http://127.0.0.1:${addr.port}/hook`, got, server };
}

describe('Printful sandbox webhooks', () => {
  let sb: PrintfulSandbox | undefined;
  let server: Server | undefined;
  afterEach(async () => {
    await sb?.close();
    server?.close();
    sb = undefined;
  });
  const auth = { authorization: 'Bearer pf_sandbox_token' };

  it('signs with the hex-decoded secret_key (the fact sheet vector), not the hex text', () => {
    const key = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
    const body = '{"type":"order_created","occurred_at":"2023-04-04T12:36:42Z","retries":0,"store_id":123456,"data":{}}';
    expect(signPrintfulV2(key, body)).toBe('54003a178bdec748a4ab626dd56058e56debfb0f6c5d655c3a25bc85384bd693');
    expect(createHmac('sha256', key).update(body).digest('hex').startsWith('b3765ec8')).toBe(true);
  });

  it('v2: a signed catalog_stock_updated is retried on failure with growing retries and fresh signatures', async () => {
    // 1 minute of platform time = 1 ms: the six retries of ~22.75 h take about 1.4 s.
    sb = await startPrintfulSandbox({ timeScale: 60_000, catalog: { products: 5 } });
    const r = await receiver([500, 502, 200]);
    server = r.server;
    const cfg = await sb.app.inject({ method: 'POST', url: '/v2/webhooks', headers: auth, payload: { default_url: r.url, events: [{ type: 'catalog_stock_updated', params: [{ name: 'products', value: [{ id: 2 }] }] }, { type: 'catalog_price_changed' }] } });
    const { secret_key: secret, public_key: publicKey } = cfg.json().data;
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    sb.setCatalogStock({ productId: 1, status: 'out_of_stock' }); // not subscribed: no delivery
    sb.setCatalogStock({ productId: 2, status: 'out_of_stock', region: 'US' });
    await waitFor(() => r.got.length === 3, 5_000, 'three attempts');
    const bodies = r.got.map((g) => JSON.parse(g.body));
    expect(bodies.map((b) => b.retries)).toEqual([0, 1, 2]);
    expect(bodies[0]).toMatchObject({ type: 'catalog_stock_updated', store_id: 4242, data: expect.arrayContaining([expect.objectContaining({ catalog_product_id: 2, availability: expect.arrayContaining([{ region: 'US', status: 'out of stock' }]) })]) });
    for (const g of r.got) {
      expect(g.headers['x-pf-webhook-signature']).toBe(signPrintfulV2(secret, g.body));
      expect(g.headers['x-pf-webhook-public-key']).toBe(publicKey);
    }
    // The receiver has the third body before the sandbox has read its 200: wait for the sandbox to record it.
    const sandbox = sb;
    const delivery = await waitFor(() => sandbox.deliveries().find((d) => d.type === 'catalog_stock_updated' && d.status !== 'retrying'), 5_000, 'the delivery to settle');
    expect(delivery.status).toBe('delivered');
    expect(sb.deliveries().filter((d) => d.type === 'catalog_stock_updated')).toHaveLength(1);
    expect(RETRY_DELAYS_MS).toEqual([60_000, 240_000, 960_000, 3_840_000, 15_360_000, 61_440_000]);
  });

  it('v1: unsigned, stock_updated only for listed products; a new v2 POST replaces the key pair; expired settings answer 404', async () => {
    sb = await startPrintfulSandbox({ catalog: { products: 5 } });
    const r = await receiver([]);
    server = r.server;
    const bad = await sb.app.inject({ method: 'POST', url: '/webhooks', headers: auth, payload: { url: r.url, types: ['stock_updated'] } });
    expect(bad.statusCode).toBe(400);
    await sb.app.inject({ method: 'POST', url: '/webhooks', headers: auth, payload: { url: r.url, types: ['stock_updated', 'product_updated'], params: { stock_updated: { product_ids: [3] } } } });
    sb.setCatalogStock({ productId: 4, status: 'out_of_stock' });
    sb.setCatalogStock({ productId: 3, status: 'discontinued' });
    sb.editStoreProduct(String([...sb.runtime.store.syncProducts.keys()][0]), { sync_product: { name: 'Renamed' } });
    await waitFor(() => r.got.length === 2, 5_000, 'two deliveries');
    const types = r.got.map((g) => JSON.parse(g.body));
    expect(types[0]).toMatchObject({ type: 'stock_updated', store: 4242, retries: 0, created: expect.any(Number), data: { product_id: 3 } });
    expect(types[0].data.variant_stock.discontinued.length).toBeGreaterThan(0);
    expect(types[1]).toMatchObject({ type: 'product_updated', data: { sync_product: { name: 'Renamed' } } });
    expect(r.got.every((g) => g.headers['x-pf-webhook-signature'] === undefined)).toBe(true);

    const one = (await sb.app.inject({ method: 'POST', url: '/v2/webhooks', headers: auth, payload: { default_url: r.url, events: [{ type: 'catalog_price_changed' }] } })).json().data;
    const two = (await sb.app.inject({ method: 'POST', url: '/v2/webhooks', headers: auth, payload: { default_url: r.url, events: [{ type: 'catalog_price_changed' }], expires_at: '2000-01-01T00:00:00Z' } })).json().data;
    expect(two.secret_key).not.toBe(one.secret_key);
    const expired = await sb.app.inject({ method: 'GET', url: '/v2/webhooks', headers: auth });
    expect(expired.statusCode).toBe(404);
    expect(expired.json().result).toBe('The settings are expired. To view them, please use query param show_expired with value true.');
    expect((await sb.app.inject({ method: 'GET', url: '/v2/webhooks?show_expired=true', headers: auth })).statusCode).toBe(200);
    expect((await sb.app.inject({ method: 'POST', url: '/v2/webhooks', headers: auth, payload: { default_url: r.url, events: [{ type: 'nope' }] } })).statusCode).toBe(400);
  });
});
