// Pulls and webhooks write products through the one merge (core/merge.ts via engine/product-merge.ts):
// a source that may not write a field no longer overwrites an owner's value, two writers changing a
// field within the window leave one conflict row (once, however often the change is delivered), every
// applied change is in the audit log with its old and new values, a refused one is logged and marked
// for re-assertion, and tenant overrides (GET/PUT /field-ownership) change who may write.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProductRecord } from '../../src/core/records.js';
import { applyRecords, type ApplyResult } from '../../src/engine/apply.js';
import { insertConnection } from '../../src/store/connections.js';
import { pruneSyncLog } from '../../src/engine/retention.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

type Tenant = Awaited<ReturnType<TestApp['newTenant']>>;

describe('products through the merge', () => {
  let h: TestApp;
  let t: Tenant;
  const conn: Record<string, string> = {};

  const pull = (platform: string, records: Partial<ProductRecord>[]): Promise<ApplyResult> =>
    h.t.db.withTenant(t.id, (tx) =>
      applyRecords(tx, { tenantId: t.id, connectionId: conn[platform]!, runId: null, origin: platform, passId: null }, records.map((r) => ({ entity: 'product', parentExternalId: null, ...r }) as ProductRecord)),
    );
  const product = async (sku: string) =>
    (await h.t.db.query<{ id: string; data: Record<string, unknown>; field_meta: Record<string, { origin: string; at: string }> }>('SELECT id, data, field_meta FROM products WHERE tenant_id = $1 AND sku = $2', [t.id, sku])).rows[0]!;
  const log = async (hubId: string) =>
    (await h.t.db.query<{ origin: string; action: string; direction: string; changes: Record<string, unknown> }>('SELECT origin, action, direction, changes FROM sync_log WHERE hub_id = $1 ORDER BY id', [hubId])).rows;
  const conflicts = async (hubId: string) =>
    (await h.t.db.query<{ field: string; local_origin: string; remote_origin: string; local_value: unknown; remote_value: unknown }>('SELECT field, local_origin, remote_origin, local_value, remote_value FROM conflicts WHERE product_id = $1 ORDER BY created_at', [hubId])).rows;

  beforeAll(async () => {
    h = await createTestApp();
    t = await h.newTenant('merge');
    for (const platform of ['shopify', 'emag', 'jtl-ffn', 'printful']) {
      conn[platform] = (await h.t.db.withTenant(t.id, (tx) => insertConnection(tx, h.box, { tenantId: t.id, platform, name: platform, settings: {}, credentials: { token: 'x' } }))).id;
    }
  });
  afterAll(() => h?.close());

  it("an eMAG offer does not overwrite Shopify's price; JTL sets the ops fields; Shopify's weight is refused, logged and marked for re-assertion", async () => {
    await pull('shopify', [{ externalId: 'gid://shopify/ProductVariant/1', sku: 'M-1', name: 'Mug', price: '19.90', weight: { value: 0.3, unit: 'kg' }, remoteUpdatedAt: '2026-12-01T10:00:00.000Z' }]);
    const emag = await pull('emag', [{ externalId: '9007199254740993', sku: 'M-1', price: '24.00', name: 'Mug', remoteUpdatedAt: '2026-12-01T11:00:00.000Z' }]);
    let p = await product('M-1');
    expect([p.data.price, p.field_meta.price?.origin]).toEqual(['19.90', 'shopify']);
    expect([...emag.reassertProducts]).toEqual([p.id]); // the hub's price goes back to eMAG
    expect([...emag.changedProducts]).toEqual([]);
    // The same refused value again after the re-assertion took (a merchant insisting) is logged but not
    // re-asserted a second time within the hour: no ping-pong.
    await pull('emag', [{ externalId: '9007199254740993', sku: 'M-1', price: '19.90', name: 'Mug', remoteUpdatedAt: '2026-12-01T11:10:00.000Z' }]);
    const again = await pull('emag', [{ externalId: '9007199254740993', sku: 'M-1', price: '24.00', name: 'Mug', tags: ['marketplace'], remoteUpdatedAt: '2026-12-01T11:30:00.000Z' }]);
    expect([...again.reassertProducts]).toEqual([]);

    const jtl = await pull('jtl-ffn', [{ externalId: 'JTL-1', sku: 'M-1', weight: { value: 0.35, unit: 'kg' }, reorderPoint: 5, remoteUpdatedAt: '2026-12-01T12:00:00.000Z' }]);
    expect([...jtl.changedProducts]).toEqual([p.id]);
    // Shopify still holding the weight it had is no edit of it (links.last_pulled_fields): nothing refused.
    const held = await pull('shopify', [{ externalId: 'gid://shopify/ProductVariant/1', sku: 'M-1', name: 'Mug', price: '20.00', weight: { value: 0.3, unit: 'kg' }, remoteUpdatedAt: '2026-12-01T12:30:00.000Z' }]);
    expect([...held.reassertProducts]).toEqual([]);
    // Shopify changing it is refused: JTL owns the weight.
    const shop = await pull('shopify', [{ externalId: 'gid://shopify/ProductVariant/1', sku: 'M-1', name: 'Mug', price: '21.00', weight: { value: 0.4, unit: 'kg' }, remoteUpdatedAt: '2026-12-01T13:00:00.000Z' }]);
    p = await product('M-1');
    expect([p.data.price, p.data.weight, p.data.reorderPoint]).toEqual(['21.00', { value: 0.35, unit: 'kg' }, 5]);
    expect([p.field_meta.weight?.origin, p.field_meta.price?.origin]).toEqual(['jtl-ffn', 'shopify']);
    expect([...shop.changedProducts, ...shop.reassertProducts]).toEqual([p.id, p.id]);

    const lines = await log(p.id);
    expect(lines.filter((l) => l.origin === 'emag' && l.action === 'refused')).toHaveLength(2);
    expect(lines.find((l) => l.origin === 'emag' && l.action === 'refused')?.changes).toEqual({ price: { hub: '19.90', incoming: '24.00' } });
    expect(lines.filter((l) => l.origin === 'shopify' && l.action === 'refused').map((l) => l.changes)).toEqual([{ weight: { hub: { value: 0.35, unit: 'kg' }, incoming: { value: 0.4, unit: 'kg' } } }]);
    expect(lines.filter((l) => l.origin === 'shopify' && l.action === 'update').at(-1)?.changes).toEqual({ price: { old: '20.00', new: '21.00' } });
  });

  it('the first source fills a field no writer has set; the first writer replaces it without a conflict', async () => {
    await pull('emag', [{ externalId: '9007199254740999', sku: 'E-1', name: 'Lamp', price: '50.00', remoteUpdatedAt: '2026-12-01T10:00:00.000Z' }]);
    await pull('emag', [{ externalId: '9007199254740999', sku: 'E-1', name: 'Lamp', price: '55.00', remoteUpdatedAt: '2026-12-01T10:01:00.000Z' }]);
    let p = await product('E-1');
    expect(p.data.price).toBe('55.00'); // no writer of price has spoken: the only source's latest value
    // Shopify's price, older by the clock, still replaces it: an owner beats a source.
    await pull('shopify', [{ externalId: 'gid://shopify/ProductVariant/2', sku: 'E-1', name: 'Lamp', price: '49.00', remoteUpdatedAt: '2026-12-01T09:00:00.000Z' }]);
    p = await product('E-1');
    expect([p.data.price, p.field_meta.price?.origin]).toEqual(['49.00', 'shopify']);
    expect(await conflicts(p.id)).toEqual([]);
  });

  it('the hub and Shopify changing the name within the window leave one conflict, recorded once however often it is delivered', async () => {
    await pull('shopify', [{ externalId: 'gid://shopify/ProductVariant/3', sku: 'C-1', name: 'Cup', remoteUpdatedAt: '2026-12-01T10:00:00.000Z' }]);
    const p = await product('C-1');
    const edit = await h.app.inject({ method: 'PATCH', url: `/api/v1/products/${p.id}`, headers: { ...t.auth, 'if-match': '"1"' }, payload: { name: 'Hub cup' } });
    expect(edit.statusCode, edit.body).toBe(200);
    // A Shopify edit made 2 minutes before the hub edit, delivered after it (and again).
    const hubAt = Date.parse((await product('C-1')).field_meta.name!.at);
    const shopAt = new Date(hubAt - 120_000).toISOString();
    for (let i = 0; i < 2; i++) await pull('shopify', [{ externalId: 'gid://shopify/ProductVariant/3', sku: 'C-1', name: `Shop cup`, remoteUpdatedAt: shopAt, tags: [`try-${i}`] }]);
    expect((await product('C-1')).data.name).toBe('Hub cup'); // the later edit wins
    expect(await conflicts(p.id)).toEqual([{ field: 'name', local_origin: 'hub', remote_origin: 'shopify', local_value: 'Hub cup', remote_value: 'Shop cup' }]);
    expect((await h.app.inject({ method: 'GET', url: `/api/v1/products/${p.id}`, headers: t.auth })).json().syncStatus).toBe('conflict');
  });

  it("GET /products/:id/logs pages the product's audit trail, newest first; the retention job deletes lines past their days", async () => {
    const p = await product('M-1');
    const page = (await h.app.inject({ method: 'GET', url: `/api/v1/products/${p.id}/logs?limit=3`, headers: t.auth })).json();
    expect(page.items).toHaveLength(3);
    expect(Number(page.items[0].id)).toBeGreaterThan(Number(page.items[1].id));
    const all = (await h.app.inject({ method: 'GET', url: `/api/v1/products/${p.id}/logs?limit=500`, headers: t.auth })).json().items as { action: string; origin: string; changes: Record<string, unknown> }[];
    expect(all.map((l) => l.action)).toEqual(expect.arrayContaining(['create', 'update', 'refused']));
    const next = (await h.app.inject({ method: 'GET', url: `/api/v1/products/${p.id}/logs?limit=3&offset=3`, headers: t.auth })).json();
    expect(next.items[0]).toEqual(all[3]);
    const other = await h.newTenant('logs-other');
    expect((await h.app.inject({ method: 'GET', url: `/api/v1/products/${p.id}/logs`, headers: other.auth })).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'GET', url: `/api/v1/products/${p.id}/logs?limit=0`, headers: t.auth })).statusCode).toBe(400);

    // Two lines made old: the retention pass deletes exactly those.
    await h.t.db.query(`UPDATE sync_log SET created_at = now() - interval '31 days' WHERE id IN (SELECT id FROM sync_log WHERE hub_id = $1 ORDER BY id LIMIT 2)`, [p.id]);
    expect(await pruneSyncLog(h.t.db, 30)).toBe(2);
    expect((await h.app.inject({ method: 'GET', url: `/api/v1/products/${p.id}/logs?limit=500`, headers: t.auth })).json().items).toHaveLength(all.length - 2);
  });

  it('GET/PUT /field-ownership: the matrix, a valid override changes who writes, an invalid one is refused with every issue', async () => {
    const got = (await h.app.inject({ method: 'GET', url: '/api/v1/field-ownership', headers: t.auth })).json();
    expect(got.fields.price).toEqual({ mode: 'owned', writers: expect.arrayContaining(['hub', 'shopify', 'woocommerce']) });
    expect(got.fields.price.writers).not.toContain('emag');
    expect(got.conflictWindowSeconds).toBe(300);

    const bad = await h.app.inject({ method: 'PUT', url: '/api/v1/field-ownership', headers: t.auth, payload: { overrides: { storageLocation: { mode: 'owned', owners: ['printful'] }, colour: { mode: 'shared' } } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/printful cannot hold storageLocation/);
    expect(bad.json().error.message).toMatch(/colour/);

    const put = await h.app.inject({ method: 'PUT', url: '/api/v1/field-ownership', headers: t.auth, payload: { overrides: { price: { mode: 'owned', owners: ['emag'] } }, conflictWindowSeconds: 60 } });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({ overrides: { price: { mode: 'owned', owners: ['emag'] } }, conflictWindowSeconds: 60 });
    await pull('emag', [{ externalId: '9007199254740993', sku: 'M-1', price: '26.00', name: 'Mug', remoteUpdatedAt: '2026-12-02T10:00:00.000Z' }]);
    expect((await product('M-1')).data.price).toBe('26.00');
    const other = await h.newTenant('merge-other');
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/field-ownership', headers: other.auth })).json().overrides).toEqual({});
  });
});
