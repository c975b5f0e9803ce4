// The Printful connector against the sandbox: a full catalog pass at the default limit without a
// single 429, store products linked to their catalog variants, the staleness rules across a server
// restart, and sandbox-sent webhooks (v2 signed, v1 on the URL token) applied to the hub.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printfulConnector } from '../../src/connectors/printful/index.js';
import { Engine } from '../../src/engine/engine.js';
import { connectorRegistry } from '../../src/engine/registry.js';
import { startPrintfulSandbox, type PrintfulSandbox } from '../../src/sandbox/printful/index.js';
import { buildApp } from '../../src/server/app.js';
import { createLogger } from '../../src/server/logger.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { waitFor } from '../helpers/db.js';
import { SANDBOX_OUTBOUND } from '../helpers/outbound.js';

describe('Printful connector against the sandbox', () => {
  let h: TestApp;
  let sb: PrintfulSandbox;
  let tenant: Awaited<ReturnType<TestApp['newTenant']>>;
  let connId: string;
  const URL_TOKEN = 'v1-url-token-8f3a2c';

  const sync = async (stream: string) => {
    const res = await h.engine.trigger({ tenantId: tenant.id, connectionId: connId, streams: [stream], mode: 'full', trigger: 'cli', force: true });
    return h.engine.execute(tenant.id, res.created[0]!.id);
  };
  const count = async (sql: string) => (await h.t.db.query<{ n: number }>(sql, [connId])).rows[0]!.n;

  beforeAll(async () => {
    // Default catalog (300 products) and default limits, with time compressed 60x: a minute is a second.
    sb = await startPrintfulSandbox({ timeScale: 60 });
    h = await createTestApp({ connectors: [printfulConnector] });
    tenant = await h.newTenant('pf');
    const res = await h.app.inject({
      method: 'POST', url: '/api/v1/connections', headers: tenant.auth,
      payload: { platform: 'printful', name: 'pf', settings: { baseUrl: sb.url }, credentials: { token: sb.token }, webhookSecret: URL_TOKEN },
    });
    connId = res.json().id;
  });
  afterAll(async () => {
    await h?.close();
    await sb?.close();
  });

  it('a full catalog sync at the default limit receives no 429 and stores every variant', async () => {
    const run = await sync('catalog');
    expect(run?.status).toBe('succeeded');
    const stats = sb.stats();
    expect(stats.v1.requests).toBeGreaterThan(2 * 120); // more than two windows' worth: pacing was needed
    expect(stats.v1.throttled).toBe(0);
    expect(stats.catalog.passes).toBe(1);
    expect(await count('SELECT count(*)::int AS n FROM catalog_items WHERE connection_id = $1')).toBe(sb.catalogCounts().variants);
  }, 60_000);

  it('store products become hub products (one per SKU) linked to their catalog variants', async () => {
    expect((await sync('products'))?.status).toBe('succeeded');
    const { rows } = await h.t.db.query<{ sku: string; group_key: string; catalog: string | null; price: string }>(
      `SELECT p.sku, p.group_key, c.external_id AS catalog, p.data->>'price' AS price FROM products p
         LEFT JOIN catalog_items c ON c.external_id = p.data->>'catalogVariantId' AND c.connection_id = $1 ORDER BY p.sku`,
      [connId],
    );
    const truth = [...sb.runtime.store.syncVariants.values()];
    expect(rows).toHaveLength(truth.length);
    expect(rows.every((r) => r.catalog !== null)).toBe(true);
    const sv = truth[0]!;
    expect(rows.find((r) => r.sku === sv.sku)).toMatchObject({ group_key: String(sv.syncProductId), catalog: String(sv.variantId), price: sv.retailPrice });
  });

  it('sandbox webhooks reach the hub: v2 signed stock updates, v1 product deletes on the URL token', async () => {
    const address = await h.app.listen({ host: '127.0.0.1', port: 0 });
    const hook = `${address}/webhooks/printful/${connId}`;
    const auth = { authorization: `Bearer ${sb.token}`, 'content-type': 'application/json' };
    const v2 = (await (await fetch(`${sb.url}/v2/webhooks`, { method: 'POST', headers: auth, body: JSON.stringify({ default_url: hook, events: [{ type: 'catalog_stock_updated', params: [{ name: 'products', value: [{ id: 3 }] }] }] }) })).json()) as { data: { secret_key: string } };
    await h.app.inject({ method: 'PATCH', url: `/api/v1/connections/${connId}`, headers: tenant.auth, payload: { credentials: { token: sb.token, webhookSecret: v2.data.secret_key } } });
    await fetch(`${sb.url}/webhooks`, { method: 'POST', headers: auth, body: JSON.stringify({ url: `${hook}?token=${URL_TOKEN}`, types: ['product_deleted'] }) });

    const [variant] = sb.setCatalogStock({ productId: 3, status: 'out_of_stock' });
    await waitFor(() => sb.deliveries().find((d) => d.version === 'v2')?.status === 'delivered', 5_000, 'the v2 delivery');
    await waitFor(async () => (await h.t.db.query(`SELECT in_stock FROM catalog_items WHERE external_id = $1`, [String(variant!.id)])).rows[0]?.in_stock === false, 5_000, 'stock applied');

    const doomed = [...sb.runtime.store.syncProducts.values()][0]!;
    sb.deleteStoreProduct(String(doomed.id));
    await waitFor(() => sb.deliveries().find((d) => d.version === 'v1')?.status === 'delivered', 5_000, 'the v1 delivery');
    await waitFor(async () => (await count(`SELECT count(*)::int AS n FROM products p JOIN links l ON l.hub_id = p.id WHERE l.connection_id = $1 AND p.deleted_at IS NOT NULL`)) === doomed.variantIds.length, 5_000, 'SKUs deleted');

    // Unsigned v2-shaped or token-less deliveries are refused; a garbage body with a valid token is a 4xx, never a 500.
    const post = (url: string, body: string, headers: Record<string, string> = {}) => h.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...headers }, payload: body });
    const path = `/webhooks/printful/${connId}`;
    expect((await post(path, JSON.stringify({ type: 'product_deleted', created: 1, store: 4242, data: {} }))).statusCode).toBe(401);
    expect((await post(`${path}?token=wrong`, JSON.stringify({ type: 'product_deleted', created: 1, store: 4242, data: {} }))).statusCode).toBe(401);
    expect((await post(`${path}?token=${URL_TOKEN}`, JSON.stringify({ type: 'catalog_price_changed', data: {} }))).statusCode).toBe(401);
    expect((await post(`${path}?token=${URL_TOKEN}`, '{not json')).statusCode).toBe(401);
    expect((await post(path, '{"type":', { 'x-pf-webhook-signature': 'zz' })).statusCode).toBe(401);
    expect((await post('/webhooks/printful/not-a-connection', '{}')).statusCode).toBe(400);
  });

  it('after a server restart, single-flight and the minimum interval still hold (they live in the database)', async () => {
    await h.t.db.query(`UPDATE stream_state SET last_success_at = now() - interval '2 days', last_attempt_at = now() - interval '1 hour' WHERE connection_id = $1 AND stream = 'catalog'`, [connId]);
    const read = (app: TestApp['app']) => app.inject({ method: 'GET', url: '/api/v1/catalog?limit=1', headers: tenant.auth }).then((r) => r.json());
    const first = await read(h.app);
    expect(first.refreshRunId).toEqual(expect.any(String));

    // A new process: a new engine and server on the same database, the first one gone.
    await h.app.close();
    const engine = new Engine({ db: h.t.db, box: h.box, logger: createLogger({ level: 'silent' }), registry: connectorRegistry([printfulConnector]), outbound: SANDBOX_OUTBOUND });
    const app = await buildApp({ db: h.t.db, box: h.box, logger: createLogger({ level: 'silent' }), engine });
    try {
      const again = await read(app);
      expect(again).toMatchObject({ stale: true, refreshRunId: first.refreshRunId });
      expect(await count(`SELECT count(*)::int AS n FROM sync_runs WHERE connection_id = $1 AND status IN ('queued','running')`)).toBe(1);
      expect((await engine.execute(tenant.id, first.refreshRunId))?.status).toBe('succeeded');
      await h.t.db.query(`UPDATE stream_state SET last_success_at = now() - interval '2 days' WHERE connection_id = $1 AND stream = 'catalog'`, [connId]);
      const throttled = await read(app);
      expect(throttled).toMatchObject({ stale: true, refreshRunId: null });
      expect(throttled.connections[0].retryAfterMs).toBeGreaterThan(0);
    } finally {
      await engine.stop();
      await app.close();
    }
  }, 60_000);
});
