// WooCommerce writes against a fake HttpClient: batches of at most 100, per-item refusals inside a 200
// reported per SKU, a lost create recovered through the duplicate-SKU answer, variations through their
// product's batch route, stock with manage_stock.
import { describe, expect, it } from 'vitest';
import { isSyncError } from '../../core/errors.js';
import type { Ctx, HttpClient, HttpRequest, HttpResponse, ProductPush } from '../types.js';
import { wooConfig, type WooConfig } from './config-merged.js';
import { mapWooProduct } from './mapping.js';
import { setWooStock, upsertWooProduct, WOO_PUSHED_FIELDS } from './push.js';

type Entry = { id: number; [k: string]: unknown };
/** Answers batches entry by entry through `answer`; records every request. */
function fakeHttp(answer: (kind: 'create' | 'update', o: Record<string, unknown>, path: string) => Entry | { id: number; error: unknown }) {
  const calls: HttpRequest[] = [];
  const http: HttpClient = {
    async request<T>(req: HttpRequest): Promise<HttpResponse<T>> {
      calls.push(req);
      const b = (req.body ?? {}) as { create?: Record<string, unknown>[]; update?: Record<string, unknown>[] };
      const body = req.path.endsWith('/batch')
        ? { create: (b.create ?? []).map((o) => answer('create', o, req.path)), update: (b.update ?? []).map((o) => answer('update', o, req.path)) }
        : { id: 1, ...(req.body as object) };
      return { status: 200, headers: new Headers(), body: body as T };
    },
    download: () => Promise.reject(new Error('not used')),
  };
  return { http, calls };
}
const config = wooConfig.parse({ siteUrl: 'https://shop.example', consumerKey: 'ck_x', consumerSecret: 'cs_x' });
const ctxOf = (http: HttpClient): Ctx<WooConfig> => ({ config, http, signal: new AbortController().signal, runStartedAt: new Date(), log: { debug() {}, info() {}, warn() {} } });

const simple = (n: number): ProductPush['skus'] => Array.from({ length: n }, (_, i) => ({ externalId: String(i + 1), sku: `SKU-${i + 1}`, variantName: `V${i + 1}`, price: '10.00' }));

describe('WooCommerce push', () => {
  it('writes a simple product so that the mapping reads the pushed fields back unchanged', async () => {
    let stored: Record<string, unknown> = {};
    const { http, calls } = fakeHttp((_k, o) => ((stored = { ...o }), { id: 794, ...o }));
    const push: ProductPush = { parentExternalId: null, title: 'Mug', description: '<p>Big</p>', isActive: false, skus: [{ externalId: '794', sku: 'MUG-1', variantName: 'Default Title', price: '9.50', compareAtPrice: '12.00', taxable: false }] };
    const res = await upsertWooProduct(ctxOf(http), push);
    expect(res).toEqual({ parentExternalId: '794', skus: [{ sku: 'MUG-1', externalId: '794', platformIds: {} }] });
    expect(calls.map((c) => [c.method, c.path])).toEqual([['POST', 'products/batch']]);
    expect(stored).toEqual({ id: 794, name: 'Mug', description: '<p>Big</p>', status: 'draft', sku: 'MUG-1', regular_price: '12.00', sale_price: '9.50', tax_status: 'none' });
    const [back] = mapWooProduct({ product: { ...stored, type: 'simple' }, variations: [] });
    const pick = (r: object) => Object.fromEntries(WOO_PUSHED_FIELDS.map((f) => [f, (r as Record<string, unknown>)[f] ?? null]));
    expect(pick(back!)).toEqual({ name: 'Mug', description: '<p>Big</p>', sku: 'MUG-1', price: '9.50', compareAtPrice: '12.00', taxable: false, isActive: false });
  });

  it('sends at most 100 objects per batch call', async () => {
    const { http, calls } = fakeHttp((_k, o) => ({ id: Number(o.id) }));
    await upsertWooProduct(ctxOf(http), { parentExternalId: null, title: 'Bulk', skus: simple(250) });
    expect(calls.map((c) => ((c.body as { update: unknown[] }).update).length)).toEqual([100, 100, 50]);
  });

  it('reports refusals inside a 200 per SKU, and takes a duplicate-SKU answer as the product created before', async () => {
    const { http, calls } = fakeHttp((kind, o) => {
      if (kind === 'create') return { id: 0, error: { code: 'product_invalid_sku', message: 'Invalid or duplicated SKU.', data: { status: 400, resource_id: 55 } } };
      if (o.id === 2) return { id: 2, error: { code: 'woocommerce_rest_invalid_product_id', message: 'Invalid ID.', data: { status: 400 } } };
      return { id: Number(o.id) };
    });
    const skus = [...simple(3), { externalId: null, sku: 'NEW', variantName: 'New', price: '1.00' }];
    const err = await upsertWooProduct(ctxOf(http), { parentExternalId: null, title: 'Set', skus }).catch((e: unknown) => e);
    expect(isSyncError(err) && err.code).toBe('upstream_rejected');
    expect((err as Error).message).toBe('WooCommerce refused 1 of 4 SKUs: SKU SKU-2 (#2): woocommerce_rest_invalid_product_id: Invalid ID.');
    expect((err as { details: unknown }).details).toMatchObject({ failures: [{ sku: 'SKU-2', externalId: '2', code: 'woocommerce_rest_invalid_product_id' }], accepted: expect.arrayContaining(['SKU-1', 'SKU-3', 'NEW']) });
    // The existing product of the duplicate SKU was updated with the pushed fields.
    expect(calls[1]!.body).toEqual({ create: [], update: [expect.objectContaining({ id: 55, sku: 'NEW' })] });
  });

  it('writes a variable product and its variations through the variations batch route', async () => {
    const { http, calls } = fakeHttp((_k, o) => ({ id: Number(o.id) }));
    const res = await upsertWooProduct(ctxOf(http), { parentExternalId: '799', title: 'Tee', isActive: true, skus: [{ externalId: '732', sku: 'T-B', variantName: 'Black', price: '9.00' }] });
    expect(calls.map((c) => c.path)).toEqual(['products/batch', 'products/799/variations/batch']);
    expect(calls[0]!.body).toEqual({ create: [], update: [{ id: 799, name: 'Tee', status: 'publish' }] });
    expect(calls[1]!.body).toEqual({ create: [], update: [{ id: 732, status: 'publish', sku: 'T-B', regular_price: '9.00', sale_price: '' }] });
    expect(res.skus).toEqual([{ sku: 'T-B', externalId: '732', platformIds: { parentId: '799' } }]);
    await expect(upsertWooProduct(ctxOf(http), { parentExternalId: '799', title: 'Tee', skus: [{ externalId: null, sku: 'T-G', variantName: 'Green' }] })).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it('sets stock with manage_stock on the product, or on the variation under its product', async () => {
    const { http, calls } = fakeHttp(() => ({ id: 1 }));
    await setWooStock(ctxOf(http), { productExternalId: '794', locationId: 'default', available: 7, idempotencyKey: 'k1' });
    await setWooStock(ctxOf(http), { productExternalId: '732', locationId: 'default', available: 0, idempotencyKey: 'k2', platformIds: { parentId: '799' } });
    expect(calls.map((c) => [c.method, c.path, c.body])).toEqual([
      ['PUT', 'products/794', { manage_stock: true, stock_quantity: 7 }],
      ['PUT', 'products/799/variations/732', { manage_stock: true, stock_quantity: 0 }],
    ]);
  });
});
