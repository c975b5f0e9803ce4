// Shopify webhooks end to end through the server: signature (401 and nothing stored when forged),
// dedup on X-Shopify-Webhook-Id, out-of-order protection, deletes and app/uninstalled.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shopifyConnector } from '../../src/connectors/shopify/index.js';
import { signShopify } from '../../src/connectors/shopify/webhooks.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

const SECRET = 'shpss_app_client_secret';

function productPayload(id: number, title: string, updatedAt: string) {
  return {
    id,
    admin_graphql_api_id: `gid://shopify/Product/${id}`,
    title,
    status: 'active',
    tags: 'a, b',
    updated_at: updatedAt,
    variants: [{ id: id * 10, admin_graphql_api_id: `gid://shopify/ProductVariant/${id * 10}`, title: 'Default Title', sku: `SKU-${id}`, price: '10.00', updated_at: updatedAt }],
  };
}

describe('Shopify webhooks through the server', () => {
  let h: TestApp;
  let connId: string;
  let tenant: Awaited<ReturnType<TestApp['newTenant']>>;

  const deliver = (topic: string, body: unknown, opts: { webhookId?: string; signature?: string | null; raw?: string } = {}) => {
    const raw = opts.raw ?? JSON.stringify(body);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-shopify-topic': topic,
      'x-shopify-webhook-id': opts.webhookId ?? randomUUID(),
      'x-shopify-shop-domain': 'acme.myshopify.com',
      'x-shopify-triggered-at': new Date().toISOString(),
    };
    if (opts.signature !== null) headers['x-shopify-hmac-sha256'] = opts.signature ?? signShopify(raw, SECRET);
    return h.app.inject({ method: 'POST', url: `/webhooks/shopify/${connId}`, headers, payload: raw });
  };
  const hubProduct = async (sku: string) =>
    (await h.t.db.query<{ name: string; deleted_at: Date | null }>('SELECT name, deleted_at FROM products WHERE sku = $1', [sku])).rows[0];
  const eventCount = async () => (await h.t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_events')).rows[0]!.n;

  beforeAll(async () => {
    h = await createTestApp({ connectors: [shopifyConnector] });
    tenant = await h.newTenant('hooks');
    const res = await h.app.inject({
      method: 'POST', url: '/api/v1/connections', headers: tenant.auth,
      payload: { platform: 'shopify', name: 'shop', settings: { shopDomain: 'acme.myshopify.com' }, credentials: { accessToken: 'shpat_x', apiSecret: SECRET } },
    });
    connId = res.json().id;
  });
  afterAll(() => h?.close());

  it('a forged or missing signature gets 401 and stores nothing', async () => {
    const forged = await deliver('products/update', productPayload(1, 'Forged', '2025-03-01T00:00:00Z'), { signature: signShopify('{}', SECRET) });
    expect(forged.statusCode).toBe(401);
    expect(forged.json().error.code).toBe('webhook_signature_invalid');
    const missing = await deliver('products/update', productPayload(1, 'Forged', '2025-03-01T00:00:00Z'), { signature: null });
    expect(missing.statusCode).toBe(401);
    expect(await eventCount()).toBe(0);
    expect(await hubProduct('SKU-1')).toBeUndefined();
  });

  it('a connection without a secret refuses every delivery (fail closed)', async () => {
    const res = await h.app.inject({
      method: 'POST', url: '/api/v1/connections', headers: tenant.auth,
      payload: { platform: 'shopify', name: 'no-secret', settings: { shopDomain: 'acme.myshopify.com' }, credentials: { accessToken: 'shpat_x' } },
    });
    const raw = JSON.stringify(productPayload(2, 'x', '2025-03-01T00:00:00Z'));
    const answer = await h.app.inject({
      method: 'POST', url: `/webhooks/shopify/${res.json().id}`, payload: raw,
      headers: { 'content-type': 'application/json', 'x-shopify-topic': 'products/update', 'x-shopify-webhook-id': 'w', 'x-shopify-hmac-sha256': signShopify(raw, '') },
    });
    expect(answer.statusCode).toBe(401);
    expect(answer.json().error.message).toMatch(/no webhook secret/);
  });

  it('applies a delivery once, however often it is delivered', async () => {
    const body = productPayload(3, 'Board', '2025-03-01T00:00:00Z');
    const first = await deliver('products/update', body, { webhookId: 'dup-1' });
    expect(first.json()).toEqual({ received: 1, duplicates: 0 });
    const again = await deliver('products/update', body, { webhookId: 'dup-1' });
    expect(again.json()).toEqual({ received: 0, duplicates: 1 });
    await h.engine.webhooksIdle(connId);
    expect(await hubProduct('SKU-3')).toMatchObject({ name: 'Board', deleted_at: null });
    const log = (await h.t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM sync_log l JOIN products p ON p.id = l.hub_id WHERE p.sku = 'SKU-3'`)).rows[0]!.n;
    expect(log).toBe(1);
  });

  it('an older update arriving after a newer one does not regress the hub', async () => {
    await deliver('products/update', productPayload(4, 'Newer title', '2025-03-05T00:00:00Z'));
    await h.engine.webhooksIdle(connId);
    await deliver('products/update', productPayload(4, 'Older title', '2025-03-01T00:00:00Z'));
    await h.engine.webhooksIdle(connId);
    expect((await hubProduct('SKU-4'))!.name).toBe('Newer title');
    const statuses = (await h.t.db.query<{ status: string; error: string | null }>(`SELECT status, error FROM webhook_events WHERE external_id = 'gid://shopify/Product/4' ORDER BY received_at`)).rows;
    expect(statuses).toEqual([{ status: 'applied', error: null }, { status: 'ignored', error: 'older than what the hub already holds' }]);
  });

  it('applies inventory_levels/update to the SKU found through its inventory item, never regressing to an older level', async () => {
    const product = productPayload(6, 'Stocked', '2025-03-01T00:00:00Z');
    product.variants[0] = { ...product.variants[0]!, inventory_item_id: 6006 } as (typeof product.variants)[0];
    await deliver('products/update', product);
    await h.engine.webhooksIdle(connId);
    const link = (await h.t.db.query<{ platform_ids: Record<string, string> }>(`SELECT platform_ids FROM links WHERE external_id = 'gid://shopify/ProductVariant/60'`)).rows[0];
    expect(link?.platform_ids).toEqual({ inventoryItemId: 'gid://shopify/InventoryItem/6006' });
    const level = (available: number, updatedAt: string) => ({
      inventory_item_id: 6006, location_id: 77, available, updated_at: updatedAt,
      admin_graphql_api_id: 'gid://shopify/InventoryLevel/901?inventory_item_id=6006',
    });
    const stock = async () =>
      (await h.t.db.query<{ available: number; reserved: number }>(`SELECT available, reserved FROM stock_levels WHERE sku = 'SKU-6' AND location_id = 'gid://shopify/Location/77'`)).rows;
    await deliver('inventory_levels/update', level(12, '2025-03-02T00:00:00Z'));
    await h.engine.webhooksIdle(connId);
    expect(await stock()).toEqual([{ available: 12, reserved: 0 }]);
    await deliver('inventory_levels/update', level(3, '2025-03-01T12:00:00Z')); // older: ignored
    await deliver('inventory_levels/update', level(9, '2025-03-03T00:00:00Z'));
    await h.engine.webhooksIdle(connId);
    expect(await stock()).toEqual([{ available: 9, reserved: 0 }]);

    // An item the hub has never pulled: the event fails into dead letters with the reason; nothing else changes.
    await deliver('inventory_levels/update', { ...level(5, '2025-03-04T00:00:00Z'), inventory_item_id: 999999 });
    await h.engine.webhooksIdle(connId);
    const failed = (await h.t.db.query<{ status: string; error: string }>(`SELECT status, error FROM webhook_events WHERE external_id = 'gid://shopify/InventoryItem/999999'`)).rows;
    expect(failed).toEqual([{ status: 'failed', error: expect.stringMatching(/InventoryItem\/999999 belongs to no SKU/) }]);
    expect(await stock()).toEqual([{ available: 9, reserved: 0 }]);
  });

  it('deletes a product on products/delete and disables the connection on app/uninstalled', async () => {
    await deliver('products/update', productPayload(5, 'Doomed', '2025-03-01T00:00:00Z'));
    await h.engine.webhooksIdle(connId);
    await deliver('products/delete', { id: 5, admin_graphql_api_id: 'gid://shopify/Product/5' });
    await h.engine.webhooksIdle(connId);
    expect((await hubProduct('SKU-5'))!.deleted_at).not.toBeNull();
    await deliver('app/uninstalled', { id: 1, name: 'Acme' });
    await h.engine.webhooksIdle(connId);
    const conn = (await h.app.inject({ method: 'GET', url: `/api/v1/connections/${connId}`, headers: tenant.auth })).json();
    expect(conn).toMatchObject({ status: 'disabled', statusReason: 'the app was uninstalled from the shop' });
  });

  it('answers 404 for an unknown endpoint and never 500 on a malformed body', async () => {
    const unknown = await h.app.inject({ method: 'POST', url: `/webhooks/shopify/${randomUUID()}`, payload: '{}', headers: { 'content-type': 'application/json' } });
    expect(unknown.statusCode).toBe(404);
    const wrongPlatform = await h.app.inject({ method: 'POST', url: `/webhooks/emag/${connId}`, payload: '{}', headers: { 'content-type': 'application/json' } });
    expect(wrongPlatform.statusCode).toBe(404);
    const garbage = await deliver('products/update', null, { raw: '{"id": 12, "variants": [tru' });
    expect(garbage.statusCode).toBe(200);
    expect(garbage.json()).toEqual({ received: 0, duplicates: 0 });
  });
});
