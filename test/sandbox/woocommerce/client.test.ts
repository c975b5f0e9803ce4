// The official JS client drives the sandbox (DESIGN.md section 7): on an http URL it always signs with
// OAuth 1.0a HMAC-SHA256 in the query string, so this also proves the home-URL base string is right.
import WooModule from '@woocommerce/woocommerce-rest-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWooSandbox, type WooSandbox } from '../../../src/sandbox/woocommerce/index.js';
import type { Loose } from './helpers.js';

// The package is Babel-compiled CommonJS: under plain Node ESM the class sits on `.default` of the module
// object, while vitest's interop already unwraps it. Accept both so the test does not depend on the loader.
type ClientClass = typeof WooModule.default;
const WooCommerceRestApi: ClientClass = (WooModule as unknown as { default?: ClientClass }).default ?? (WooModule as unknown as ClientClass);

let sb: WooSandbox;
let api: InstanceType<ClientClass>;
beforeAll(async () => {
  sb = await startWooSandbox();
  sb.seed({ products: 23, variableProducts: 2, seed: 3 });
  api = new WooCommerceRestApi({ url: sb.url, consumerKey: sb.consumerKey, consumerSecret: sb.consumerSecret, version: 'wc/v3' });
});
afterAll(async () => {
  await sb?.close();
});

describe('@woocommerce/woocommerce-rest-api against the sandbox', () => {
  it('lists every product page by page with X-WP-TotalPages', async () => {
    const seen: number[] = [];
    let pages = 0;
    for (let page = 1; ; page += 1) {
      const res = await api.get('products', { per_page: 10, page, orderby: 'id', order: 'asc' });
      expect(res.status).toBe(200);
      pages = Number(res.headers['x-wp-totalpages']);
      seen.push(...(res.data as Loose[]).map((p) => p.id));
      if (page >= pages) break;
    }
    expect(pages).toBe(3);
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);
    expect(sb.requests().every((r) => r.auth === 'oauth')).toBe(true);
  });

  it('creates, updates and batches', async () => {
    const created = await api.post('products', { name: 'Client Tee', sku: 'CL-1', regular_price: '19.99', manage_stock: true, stock_quantity: 3 });
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({ name: 'Client Tee', regular_price: '19.99', stock_quantity: 3 });
    const updated = await api.put(`products/${created.data.id}`, { sale_price: '15.00' });
    expect(updated.data).toMatchObject({ id: created.data.id, sale_price: '15.00', price: '15.00', on_sale: true });
    const batch = await api.post('products/batch', { create: [{ name: 'B1', sku: 'CL-1' }, { name: 'B2', sku: 'CL-2' }], update: [{ id: created.data.id, stock_quantity: 9 }] });
    expect(batch.status).toBe(200);
    expect(batch.data.create[0].error.code).toBe('product_invalid_sku');
    expect(batch.data.create[1]).toMatchObject({ name: 'B2', sku: 'CL-2' });
    expect(batch.data.update[0]).toMatchObject({ id: created.data.id, stock_quantity: 9 });
  });

  it('surfaces the sandbox 400 for per_page above 100 through the client', async () => {
    await expect(api.get('products', { per_page: 101 })).rejects.toMatchObject({ response: { status: 400, data: { code: 'rest_invalid_param' } } });
  });
});
