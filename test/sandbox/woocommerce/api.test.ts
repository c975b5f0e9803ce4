// The REST surface (platforms/woocommerce.md sections 2, 3, 5): shapes with money as strings and
// stock_quantity null unless managed, WP paging headers and bounds, duplicate SKU, batch per-item errors,
// modified_after on products/orders only, orders with line items taking stock, trash semantics.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startWooSandbox, type WooSandbox } from '../../../src/sandbox/woocommerce/index.js';
import { call, type Loose } from './helpers.js';

let sb: WooSandbox;
beforeAll(async () => {
  sb = await startWooSandbox();
});
beforeEach(() => {
  sb.seed({ products: 20, variableProducts: 5, variationsPerProduct: 3, customers: 12, orders: 30, seed: 7 });
  sb.clearFaults();
});
afterAll(async () => {
  await sb?.close();
});

describe('products and variations', () => {
  it('creates a simple product: 201 + Location, integer id, money strings, null stock unless managed, date pairs', async () => {
    const res = await call(sb, 'POST', 'products', { body: { name: 'Mug', sku: 'MUG-1', regular_price: '9.90', stock_quantity: 5 } });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`${sb.url}/wp-json/wc/v3/products/${res.body.id}`);
    expect(res.body).toMatchObject({ name: 'Mug', type: 'simple', status: 'publish', sku: 'MUG-1', regular_price: '9.90', sale_price: '', price: '9.90', manage_stock: false, stock_quantity: null });
    expect(Number.isInteger(res.body.id)).toBe(true);
    expect(res.body.date_modified).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    expect(res.body.date_modified_gmt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    expect(res.body.date_modified).not.toBe(res.body.date_modified_gmt); // Europe/Berlin is never UTC
    const managed = await call(sb, 'PUT', `products/${res.body.id}`, { body: { manage_stock: true, stock_quantity: 0 } });
    expect(managed.body).toMatchObject({ manage_stock: true, stock_quantity: 0, stock_status: 'outofstock' });
    const unmanaged = await call(sb, 'PUT', `products/${res.body.id}`, { body: { manage_stock: false } });
    expect(unmanaged.body).toMatchObject({ manage_stock: false, stock_quantity: null, backorders: 'no' });
  });

  it('refuses money sent as a number on single writes (schema says string) but coerces it in batch items', async () => {
    const single = await call(sb, 'POST', 'products', { body: { name: 'X', regular_price: 10 } });
    expect(single.status).toBe(400);
    expect(single.body).toMatchObject({ code: 'rest_invalid_param', data: { status: 400, params: { regular_price: 'regular_price is not of type string.' } } });
    const batch = await call(sb, 'POST', 'products/batch', { body: { create: [{ name: 'Y', regular_price: 10 }] } });
    expect(batch.body.create[0].regular_price).toBe('10');
  });

  it('answers a duplicate SKU with 400 product_invalid_sku and the existing resource_id', async () => {
    const existing = sb.products().find((p) => p.sku === 'SIM-00003') as Loose;
    const res = await call(sb, 'POST', 'products', { body: { name: 'Copy', sku: 'SIM-00003' } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ code: 'product_invalid_sku', message: 'Invalid or duplicated SKU.', data: { status: 400, resource_id: existing.id, unique_sku: 'SIM-00003-1' } });
    expect(sb.products().filter((p) => p.sku === 'SIM-00003')).toHaveLength(1);
  });

  it('serves variable products with variation ids and their variations under products/<id>/variations', async () => {
    const variable = (await call(sb, 'GET', 'products', { query: { type: 'variable', per_page: 1 } })).body[0];
    expect(variable.variations).toHaveLength(3);
    expect(variable.price).not.toBe('');
    const vars = await call(sb, 'GET', `products/${variable.id}/variations`, { query: { orderby: 'id', order: 'asc' } });
    expect(vars.status).toBe(200);
    expect(vars.headers.get('x-wp-total')).toBe('3');
    expect(vars.body.map((v: Loose) => v.id)).toEqual([...variable.variations].sort((a: number, b: number) => a - b));
    expect(vars.body[0]).toMatchObject({ parent_id: variable.id, shipping_class_id: '0', attributes: [{ name: 'Size' }] });
    expect(vars.body[0]).not.toHaveProperty('name');
    const created = await call(sb, 'POST', `products/${variable.id}/variations`, { body: { sku: 'NEW-VAR', regular_price: '5.00', manage_stock: true, stock_quantity: 4, attributes: [{ name: 'Size', option: 'XL' }] } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ sku: 'NEW-VAR', stock_quantity: 4, stock_status: 'instock' });
    const asProduct = await call(sb, 'GET', `products/${created.body.id}`);
    expect(asProduct.body).toMatchObject({ id: created.body.id, type: 'variation', parent_id: variable.id });
    expect((await call(sb, 'GET', `products/${variable.id}/variations/999999`)).status).toBe(404);
    expect((await call(sb, 'PUT', `products/${variable.id}/variations/999999`, { body: {} })).status).toBe(400);
  });

  it('trashes, refuses a second trash with 410, and deletes permanently with force=true', async () => {
    const id = (sb.products()[0] as Loose).id;
    const trashed = await call(sb, 'DELETE', `products/${id}`);
    expect(trashed.body.status).toBe('trash');
    expect((await call(sb, 'DELETE', `products/${id}`)).body.code).toBe('woocommerce_rest_already_trashed');
    const list = await call(sb, 'GET', 'products', { query: { per_page: 100 } });
    expect(list.body.some((p: Loose) => p.id === id)).toBe(false);
    expect((await call(sb, 'DELETE', `products/${id}`, { query: { force: 'true' } })).status).toBe(200);
    expect((await call(sb, 'GET', `products/${id}`)).body).toMatchObject({ code: 'woocommerce_rest_product_invalid_id', data: { status: 404 } });
  });
});

describe('paging', () => {
  it('pages with X-WP-Total, X-WP-TotalPages and prev/next Link headers; [] past the end', async () => {
    const page2 = await call(sb, 'GET', 'products', { query: { per_page: 10, page: 2, orderby: 'id', order: 'asc' } });
    expect(page2.headers.get('x-wp-total')).toBe('25');
    expect(page2.headers.get('x-wp-totalpages')).toBe('3');
    const link = page2.headers.get('link') ?? '';
    expect(link).toContain('rel="prev"');
    expect(link).toContain('rel="next"');
    expect(link).not.toContain('rel="first"');
    expect(link).toMatch(/<http:\/\/127\.0\.0\.1:\d+\/wp-json\/wc\/v3\/products\?per_page=10&orderby=id&order=asc&page=3>; rel="next"/);
    expect(page2.body).toHaveLength(10);
    const page1 = await call(sb, 'GET', 'products', { query: { per_page: 10, page: 1, orderby: 'id', order: 'asc' } });
    expect(page1.body[9].id).toBeLessThan(page2.body[0].id);
    expect(page1.headers.get('link')).not.toContain('rel="prev"');
    const past = await call(sb, 'GET', 'products', { query: { per_page: 10, page: 4 } });
    expect(past.body).toEqual([]);
    expect(past.headers.get('x-wp-total')).toBe('25');
    const defaults = await call(sb, 'GET', 'products');
    expect(defaults.body).toHaveLength(10);
  });

  it('answers per_page above 100 (or below 1) with 400 rest_invalid_param', async () => {
    const res = await call(sb, 'GET', 'products', { query: { per_page: 101 } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      code: 'rest_invalid_param', message: 'Invalid parameter(s): per_page',
      data: { status: 400, params: { per_page: 'per_page must be between 1 (inclusive) and 100 (inclusive)' } },
    });
    expect((await call(sb, 'GET', 'orders', { query: { per_page: 0 } })).status).toBe(400);
    expect((await call(sb, 'GET', 'products', { query: { per_page: 100 } })).status).toBe(200);
  });

  it('sorts customers by name ascending by default and products newest first with an ID tie-breaker', async () => {
    const customers = await call(sb, 'GET', 'customers', { query: { per_page: 100 } });
    const names = customers.body.map((c: Loose) => `${c.first_name} ${c.last_name}`.toLowerCase());
    expect(names).toEqual([...names].sort());
    const products = await call(sb, 'GET', 'products', { query: { per_page: 100 } });
    const keys = products.body.map((p: Loose) => [p.date_created_gmt, p.id]);
    const sorted = [...keys].sort((a, b) => (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : b[1] - a[1]));
    expect(keys).toEqual(sorted);
    expect((await call(sb, 'GET', 'products', { query: { orderby: 'bogus' } })).status).toBe(400);
  });

  it('filters by modified_after on products and orders (GMT with dates_are_gmt) and ignores it on customers', async () => {
    const since = new Date(Date.now() + 2000).toISOString().slice(0, 19);
    const target = (sb.products()[2] as Loose).id;
    // Store time runs 5 s ahead for the edit, so it is after `since` at one-second resolution.
    sb.setFaults({ clockSkewMs: 5000 });
    sb.editProduct(target, { name: 'Edited' });
    const order = sb.orders()[0] as Loose;
    sb.editOrder(order.id, { status: 'completed' });
    sb.clearFaults();
    const products = await call(sb, 'GET', 'products', { query: { modified_after: since, dates_are_gmt: 'true' } });
    expect(products.body.map((p: Loose) => p.id)).toEqual([target]);
    const orders = await call(sb, 'GET', 'orders', { query: { modified_after: since, dates_are_gmt: 'true' } });
    expect(orders.body.map((o: Loose) => o.id)).toEqual([order.id]);
    const customers = await call(sb, 'GET', 'customers', { query: { modified_after: since, dates_are_gmt: 'true', per_page: 100 } });
    expect(customers.body).toHaveLength(12);
  });
});

describe('batch', () => {
  it('answers per-item errors inside HTTP 200: creates, then updates, then forced deletes', async () => {
    const [a, b] = sb.products() as Loose[];
    const res = await call(sb, 'POST', 'products/batch', {
      body: { create: [{ name: 'New 1', sku: 'B-1' }, { name: 'Dup', sku: 'SIM-00001' }], update: [{ id: a.id, regular_price: '1.23' }, { id: 999999, name: 'nope' }], delete: [b.id, 0, 888888] },
    });
    expect(res.status).toBe(200);
    expect(res.body.create[0]).toMatchObject({ name: 'New 1', sku: 'B-1' });
    expect(res.body.create[1]).toEqual({ id: 0, error: { code: 'product_invalid_sku', message: 'Invalid or duplicated SKU.', data: { status: 400, resource_id: expect.any(Number), unique_sku: 'SIM-00001-1' } } });
    expect(res.body.update[0]).toMatchObject({ id: a.id, regular_price: '1.23' });
    expect(res.body.update[1]).toMatchObject({ id: 999999, error: { code: 'woocommerce_rest_product_invalid_id', data: { status: 400 } } });
    expect(res.body.delete).toHaveLength(2); // the 0 is skipped
    expect(res.body.delete[0]).toMatchObject({ id: b.id });
    expect(res.body.delete[1]).toMatchObject({ id: 888888, error: { code: 'woocommerce_rest_product_invalid_id' } });
    expect(sb.products().some((p) => p.id === b.id)).toBe(false); // forced: gone, not trashed
  });

  it('refuses more than 100 items in total with 413', async () => {
    const res = await call(sb, 'POST', 'products/batch', { body: { create: Array.from({ length: 60 }, (_, i) => ({ name: `p${i}` })), delete: Array.from({ length: 41 }, (_, i) => i + 1) } });
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ code: 'woocommerce_rest_request_entity_too_large', message: 'Unable to accept more than 100 items for this request.', data: { status: 413 } });
  });

  it('batches variations of one product', async () => {
    const variable = sb.products().find((p) => p.type === 'variable') as Loose;
    const [v1] = variable.variations as number[];
    const res = await call(sb, 'POST', `products/${variable.id}/variations/batch`, {
      body: { create: [{ sku: 'VB-1', regular_price: '3.00' }], update: [{ id: v1, manage_stock: true, stock_quantity: 7 }] },
    });
    expect(res.status).toBe(200);
    expect(res.body.create[0]).toMatchObject({ sku: 'VB-1', parent_id: variable.id });
    expect(res.body.update[0]).toMatchObject({ id: v1, stock_quantity: 7, stock_status: 'instock' });
  });
});

describe('orders and customers', () => {
  it('creates an order with line items, string totals, and takes stock when paid', async () => {
    const product = (await call(sb, 'POST', 'products', { body: { name: 'Stocked', regular_price: '12.50', manage_stock: true, stock_quantity: 10 } })).body;
    const res = await call(sb, 'POST', 'orders', { body: { set_paid: true, line_items: [{ product_id: product.id, quantity: 3 }], shipping_lines: [{ method_id: 'flat_rate', total: '4.90' }] } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'processing', total: '42.40', shipping_total: '4.90', currency: 'EUR', customer_id: 0, number: String(res.body.id) });
    expect(res.body.line_items[0]).toMatchObject({ product_id: product.id, variation_id: 0, quantity: 3, total: '37.50', price: 12.5 });
    expect((await call(sb, 'GET', `products/${product.id}`)).body.stock_quantity).toBe(7);
    const done = await call(sb, 'PUT', `orders/${res.body.id}`, { body: { status: 'completed' } });
    expect(done.body.status).toBe('completed');
    expect((await call(sb, 'PUT', 'orders/999999', { body: { status: 'completed' } })).body).toMatchObject({ code: 'woocommerce_rest_shop_order_invalid_id', data: { status: 400 } });
    const byStatus = await call(sb, 'GET', 'orders', { query: { status: 'completed', per_page: 100 } });
    expect(byStatus.body.every((o: Loose) => o.status === 'completed')).toBe(true);
  });

  it('creates customers (email required and unique) and deletes them only with force=true', async () => {
    expect((await call(sb, 'POST', 'customers', { body: { first_name: 'No' } })).status).toBe(400);
    const c = await call(sb, 'POST', 'customers', { body: { email: 'new@example.com', first_name: 'New', billing: { country: 'DE' } } });
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({ email: 'new@example.com', role: 'customer', username: 'new', billing: { country: 'DE', city: '' } });
    expect((await call(sb, 'POST', 'customers', { body: { email: 'new@example.com' } })).body.code).toBe('registration-error-email-exists');
    expect((await call(sb, 'DELETE', `customers/${c.body.id}`)).status).toBe(501);
    expect((await call(sb, 'DELETE', `customers/${c.body.id}`, { query: { force: 'true' } })).status).toBe(200);
  });
});
