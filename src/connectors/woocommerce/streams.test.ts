// WooCommerce reads against a fake HttpClient: which pages are asked for and when a pass ends (counted
// and read backwards, per_page ignored by a proxy, no page count), the modified window with its overlap,
// variations declared as child reads, and the OAuth 1.0a signature of plain-http stores.
import { describe, expect, it } from 'vitest';
import { SyncError } from '../../core/errors.js';
import type { Ctx, HttpClient, HttpRequest, HttpResponse } from '../types.js';
import { authQuery, classifyWoo, oauthSignature } from './api.js';
import { wooConfig, type WooConfig } from './config-merged.js';
import type { WooProductItem } from './mapping.js';
import { customersStream, MODIFIED_OVERLAP_MS, type PageState, productsStream, readListPage } from './streams.js';

interface FakeStore {
  rows: Record<string, { id: number; [k: string]: unknown }[]>;
  /** The page size the server really uses (a proxy that drops per_page makes it 10). */
  forcePerPage?: number;
  noTotalPagesHeader?: boolean;
}

function fakeHttp(store: FakeStore): { http: HttpClient; calls: HttpRequest[] } {
  const calls: HttpRequest[] = [];
  const http: HttpClient = {
    async request<T>(req: HttpRequest): Promise<HttpResponse<T>> {
      calls.push(req);
      const rows = store.rows[req.path];
      if (!rows) throw new SyncError('upstream_rejected', `GET ${req.path} answered 404`, { details: { status: 404 } });
      const size = store.forcePerPage ?? Number(req.query?.per_page ?? 10);
      const page = Number(req.query?.page ?? 1);
      const headers = new Headers(store.noTotalPagesHeader ? {} : { 'x-wp-totalpages': String(Math.ceil(rows.length / size)), 'x-wp-total': String(rows.length) });
      return { status: 200, headers, body: rows.slice((page - 1) * size, page * size) as T };
    },
    download: () => Promise.reject(new Error('not used')),
  };
  return { http, calls };
}

const config: WooConfig = wooConfig.parse({ siteUrl: 'https://shop.example', consumerKey: 'ck_x', consumerSecret: 'cs_x' });
const ctxOf = (http: HttpClient, runStartedAt = new Date('2026-01-01T12:00:00Z')): Ctx<WooConfig> => ({
  config, http, signal: new AbortController().signal, runStartedAt, log: { debug() {}, info() {}, warn() {} },
});
const products = (n: number, extra: Record<string, unknown> = {}) =>
  Array.from({ length: n }, (_, i) => ({ id: i + 1, type: 'simple', name: `P${i + 1}`, date_modified_gmt: `2025-12-0${1 + (i % 9)}T10:00:00`, ...extra }));

/** Drives a stream's pages like the engine (without its loop guard), returning the ids read. */
async function readAll(_ctx: Ctx<WooConfig>, fetch: (cursor: unknown) => Promise<{ items: unknown[]; next: unknown; done: boolean }>, cursor: unknown = null) {
  const ids: unknown[] = [];
  for (let i = 0; i < 100; i++) {
    const page = await fetch(cursor);
    ids.push(...page.items.map((it) => (it as { id?: unknown }).id ?? (it as WooProductItem).product?.id));
    cursor = page.next;
    if (page.done) return { ids, cursor };
  }
  throw new Error('did not end');
}

describe('WooCommerce paging', () => {
  it('counts the pages, then reads them from the last to the first, 100 a page, by id', async () => {
    const { http, calls } = fakeHttp({ rows: { customers: products(250) } });
    const ctx = ctxOf(http);
    const { ids } = await readAll(ctx, (c) => customersStream.fetchPage(ctx, c as never, 'full'));
    expect(new Set(ids).size).toBe(250);
    expect(calls.map((c) => [c.query?.page, c.query?._fields ?? ''])).toEqual([[1, 'id'], [3, ''], [2, ''], [1, '']]);
    expect(calls.every((c) => c.query?.per_page === 100 && c.query?.orderby === 'id' && c.query?.order === 'asc')).toBe(true);
  });

  it('reads everything when a proxy makes WooCommerce ignore per_page (10 a page, counted by the server)', async () => {
    const { http, calls } = fakeHttp({ rows: { customers: products(35) }, forcePerPage: 10 });
    const ctx = ctxOf(http);
    const { ids } = await readAll(ctx, (c) => customersStream.fetchPage(ctx, c as never, 'full'));
    expect([...ids].sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 35 }, (_, i) => i + 1));
    expect(calls.map((c) => c.query?.page)).toEqual([1, 4, 3, 2, 1]);
  });

  it('without a page count reads forward until an empty page or one shorter than the longest', async () => {
    const short = fakeHttp({ rows: { customers: products(25) }, forcePerPage: 10, noTotalPagesHeader: true });
    let state: PageState | null = null;
    const seen: number[] = [];
    for (;;) {
      const r: { items: { id: number }[]; state: PageState | null } = await readListPage<{ id: number }>(ctxOf(short.http), 'customers', {}, state);
      seen.push(...r.items.map((i) => i.id));
      if (!r.state) break;
      state = r.state;
    }
    expect(seen).toHaveLength(25);
    // Counting request, then pages 1, 2, 3 (5 rows < 10: the last).
    expect(short.calls.map((c) => c.query?.page)).toEqual([1, 1, 2, 3]);
    const exact = fakeHttp({ rows: { customers: products(20) }, forcePerPage: 10, noTotalPagesHeader: true });
    const ctx = ctxOf(exact.http);
    const { ids } = await readAll(ctx, (c) => customersStream.fetchPage(ctx, c as never, 'full'));
    expect(ids).toHaveLength(20);
    expect(exact.calls.map((c) => c.query?.page)).toEqual([1, 1, 2, 3]);
  });

  it('an empty listing is one page and the end of the pass', async () => {
    const { http, calls } = fakeHttp({ rows: { products: [] } });
    const page = await productsStream.fetchPage(ctxOf(http), null, 'full');
    expect(page).toMatchObject({ items: [], done: true });
    expect(calls).toHaveLength(1);
  });

  it('filters later passes on a modified window with an overlap, ending at the run start, and moves it on', async () => {
    const { http, calls } = fakeHttp({ rows: { products: products(3) } });
    const first = await readAll(ctxOf(http), (c) => productsStream.fetchPage(ctxOf(http), c as never, 'full'));
    // The first pass reads everything by id, no date filter at all.
    expect(calls[0]!.query).toMatchObject({ orderby: 'id', order: 'asc' });
    expect(calls[0]!.query?.modified_after).toBeUndefined();
    expect(calls[0]!.query?.modified_before).toBeUndefined();
    expect(first.cursor).toMatchObject({ since: '2025-12-03T10:00:00.000Z', until: null, page: null });
    calls.length = 0;
    const run2 = new Date('2026-01-02T08:00:00Z');
    await readAll(ctxOf(http, run2), (c) => productsStream.fetchPage(ctxOf(http, run2), c as never, 'incremental'), first.cursor);
    const after = new Date(Date.parse('2025-12-03T10:00:00Z') - MODIFIED_OVERLAP_MS).toISOString().slice(0, 19);
    expect(calls[0]!.query).toMatchObject({ modified_after: after, modified_before: '2026-01-02T08:00:00' });
  });

  it('reads later product passes in two slices: modified products, then variations modified in the window', async () => {
    const { http, calls } = fakeHttp({ rows: { products: [{ id: 9, type: 'variable', name: 'Tee', date_modified_gmt: '2025-11-01T00:00:00' }], 'products/9/variations': [{ id: 1000 }] } });
    const ctx = ctxOf(http);
    const cursor = { since: '2025-12-01T00:00:00.000Z', until: null, page: null, maxSeen: null };
    const slices = productsStream.slices!.plan(ctx, cursor, 'incremental');
    expect(slices.map((s) => s.key)).toEqual(['modified', 'variations']);
    expect(productsStream.slices!.plan(ctx, null, 'full').map((s) => s.key)).toEqual(['all']);
    const first = await productsStream.fetchPage(ctx, cursor, 'incremental', { slice: slices[0]!, index: 0, count: 2 });
    // The first slice ends without closing the window; the second reads every variable product.
    expect(first.done).toBe(true);
    expect(first.next).toMatchObject({ since: cursor.since, until: '2026-01-01T12:00:00.000Z', page: null });
    calls.length = 0;
    const second = await productsStream.fetchPage(ctx, first.next, 'incremental', { slice: slices[1]!, index: 1, count: 2 });
    expect(calls.map((c) => c.query?.type)).toEqual(['variable', 'variable']);
    expect(calls[0]!.query?.modified_after).toBeUndefined();
    expect(second.items).toEqual([{ product: expect.objectContaining({ id: 9 }), variations: [], modifiedVariationsOnly: true }]);
    expect(second.next).toMatchObject({ until: null, page: null });
    await second.children![0]!.fetch(ctx, 0);
    expect(calls[2]!.query).toMatchObject({ modified_after: '2025-11-30T23:50:00', modified_before: '2026-01-01T12:00:00', dates_are_gmt: true });
  });

  it('declares the variations of a variable product as child reads that page until the last page', async () => {
    const variations = Array.from({ length: 130 }, (_, i) => ({ id: 1000 + i, status: 'publish', attributes: [{ name: 'Size', option: `S${i}` }] }));
    const { http, calls } = fakeHttp({ rows: { products: [{ id: 9, type: 'variable', name: 'Tee', status: 'publish', variations: [1000] }, { id: 10, type: 'variable', variations: [] }], 'products/9/variations': variations } });
    const ctx = ctxOf(http);
    const page = await productsStream.fetchPage(ctx, null, 'full');
    expect(page.children).toHaveLength(1);
    const read = page.children![0]!;
    expect(read.what).toBe('variations of product 9');
    let after = read.after;
    for (;;) {
      const got = await read.fetch(ctx, after!);
      read.attach(got!.nodes);
      if (got!.done) break;
      after = got!.next;
    }
    expect((page.items[0] as WooProductItem).variations).toHaveLength(130);
    expect(calls.filter((c) => c.path === 'products/9/variations').map((c) => c.query?.page)).toEqual([1, 2]);
    expect(productsStream.toRecords(page.items[0]!)).toHaveLength(130);
    // The product deleted meanwhile: the read ends with what it had.
    const gone = fakeHttp({ rows: { products: [{ id: 11, type: 'variable' }] } });
    const p2 = await productsStream.fetchPage(ctxOf(gone.http), null, 'full');
    expect(await p2.children![0]!.fetch(ctxOf(gone.http), 0)).toBeNull();
  });
});

describe('WooCommerce requests', () => {
  it('signs plain-http requests with OAuth 1.0a as WooCommerce checks them (the sheet\'s example)', () => {
    const params = { per_page: '5', oauth_consumer_key: 'ck_example', oauth_nonce: 'abc123', oauth_signature_method: 'HMAC-SHA256', oauth_timestamp: '1700000000', oauth_version: '1.0' };
    expect(oauthSignature('GET', 'http://localhost:8080/wp-json/wc/v3/products', params, 'cs_example')).toBe('vGf9NWpI+VC/hdkH6GBQGVMQAEZDbNa1nyhnwQZfm18=');
    const http = wooConfig.parse({ siteUrl: 'http://localhost:8080', consumerKey: 'ck_example', consumerSecret: 'cs_example' });
    // The query carries the OAuth parameters; the request's own (per_page) are signed but sent by the caller.
    const { per_page: _signedNotReturned, ...oauth } = params;
    expect(authQuery(http, 'GET', 'products', { per_page: 5 }, 1_700_000_000_000, 'abc123')).toEqual({ ...oauth, oauth_signature: 'vGf9NWpI+VC/hdkH6GBQGVMQAEZDbNa1nyhnwQZfm18=' });
    // https: Basic auth in the headers, or the keys in the query when the host strips Authorization.
    expect(authQuery(config, 'GET', 'products', {})).toEqual({});
    expect(authQuery({ ...config, queryStringAuth: true }, 'GET', 'products', {})).toEqual({ consumer_key: 'ck_x', consumer_secret: 'cs_x' });
  });

  it('classifies an empty 200 as transient and an OAuth nonce refusal as not a credentials problem', () => {
    expect(classifyWoo({ status: 200, headers: new Headers(), body: null })).toBe('transient');
    expect(classifyWoo({ status: 200, headers: new Headers(), body: [] })).toBeUndefined();
    expect(classifyWoo({ status: 401, headers: new Headers(), body: { code: 'woocommerce_rest_authentication_error', message: 'Invalid nonce - nonce has already been used.' } })).toBe('permanent');
    expect(classifyWoo({ status: 401, headers: new Headers(), body: { code: 'woocommerce_rest_authentication_error', message: 'Consumer secret is invalid.' } })).toBeUndefined();
  });
});
