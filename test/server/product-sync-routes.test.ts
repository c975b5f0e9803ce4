// The push routes against the Shopify sandbox: POST /products/:id/sync and /queue, GET
// /products/:id/queue-status, POST /products/full-sync; 404 across tenants, 400 for bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant } from '../../src/store/tenants.js';
import { waitFor } from '../helpers/db.js';
import { type PushHarness, pushHarness } from '../helpers/push.js';

describe('product push routes', () => {
  let h: PushHarness;
  let other: { authorization: string };
  const post = (url: string, payload?: unknown, headers = h.auth) => h.app.inject({ method: 'POST', url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
  const status = async (id: string, headers = h.auth) => h.app.inject({ method: 'GET', url: `/api/v1/products/${id}/queue-status`, headers });
  const queuedJobs = async () =>
    (await h.t.db.query<{ priority: number; key: string }>(`SELECT priority, singleton_key AS key FROM pgboss.job WHERE name = 'product-push' AND state = 'created'`)).rows;

  beforeAll(async () => {
    // A debounce long enough to see a push queued before it runs.
    h = await pushHarness({ products: 4, variantsPerProduct: 2, locations: 1, orders: 0, customers: 0, seed: 3 }, { debounceMs: 2_000 });
    const t = await h.t.db.transaction((tx) => createTenant(tx, 'someone else'));
    other = { authorization: `Bearer ${t.apiKey}` };
  }, 30_000);
  afterAll(() => h?.close());

  it('full-sync queues every linked product, one push per shop product, and ends with every link pushed', async () => {
    const linked = await h.linked();
    h.sb.clearRequests();
    const res = await post('/api/v1/products/full-sync', {});
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ products: linked.length, targets: linked.length });
    // The two variants of each shop product share one job (productSet carries the whole product).
    expect(await queuedJobs()).toHaveLength(new Set(linked.map((l) => l.parentExternalId)).size);
    expect((await queuedJobs()).every((j) => j.priority < 0)).toBe(true);
    await waitFor(async () => (await h.t.db.query(`SELECT 1 FROM links WHERE connection_id = $1 AND entity = 'product' AND (push_requested_at IS NOT NULL OR last_pushed_at IS NULL)`, [h.connectionId])).rows.length === 0, 15_000, 'every link pushed');
    expect(h.productSets()).toBe(new Set(linked.map((l) => l.parentExternalId)).size);
    const list = (await h.app.inject({ method: 'GET', url: '/api/v1/products?limit=100', headers: h.auth })).json();
    expect(list.items.flatMap((p: { links: { lastPushedAt: string | null }[] }) => p.links.map((l) => l.lastPushedAt)).every(Boolean)).toBe(true);
  });

  it('queue: queued with the debounce and the priority asked for; queue-status follows it to the end', async () => {
    const [v] = await h.linked();
    await h.t.db.query(`UPDATE products SET data = data || '{"price": "31.00"}' WHERE id = $1`, [v!.id]);
    const res = await post(`/api/v1/products/${v!.id}/queue`, { priority: 'high' });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ productId: v!.id, targets: [{ connectionId: h.connectionId, platform: 'shopify', externalId: v!.externalId, newJob: true }] });
    expect((await queuedJobs()).map((j) => j.priority)).toEqual([10]);
    const queued = (await status(v!.id)).json();
    expect(queued).toMatchObject({ productId: v!.id, targets: [{ connectionId: h.connectionId, platform: 'shopify', connectionName: 'shop', state: 'queued', attempt: 1 }] });
    expect(Date.parse(queued.targets[0].nextRunAt)).toBeGreaterThan(Date.now() - 1_000);
    expect(queued.targets[0].requestedAt).toEqual(expect.any(String));

    const done = await waitFor(async () => {
      const t = (await status(v!.id)).json().targets[0];
      return t.state === 'idle' && t.requestedAt === null ? t : null;
    }, 10_000, 'the queued push done');
    expect(done).toMatchObject({ attempt: null, nextRunAt: null, lastError: null, lastPushedAt: expect.any(String) });
    expect(h.sb.products().flatMap((p) => p.variants).find((x) => x.gid === v!.externalId)?.price).toBe('31.00');
  });

  it('sync: pushed now, not after the debounce; skipPlatforms leaves those platforms out', async () => {
    const [, v] = await h.linked();
    const skipped = await post(`/api/v1/products/${v!.id}/sync`, { skipPlatforms: ['shopify'] });
    expect(skipped.statusCode).toBe(202);
    expect(skipped.json()).toEqual({ productId: v!.id, targets: [] });
    expect(await queuedJobs()).toHaveLength(0);

    await h.t.db.query(`UPDATE products SET data = data || '{"price": "32.00"}' WHERE id = $1`, [v!.id]);
    // A push queued with the debounce first is hurried by the sync.
    await post(`/api/v1/products/${v!.id}/queue`);
    const res = await post(`/api/v1/products/${v!.id}/sync`);
    expect(res.statusCode).toBe(202);
    expect(res.json().targets).toEqual([{ connectionId: h.connectionId, platform: 'shopify', externalId: v!.externalId, newJob: false }]);
    const started = Date.now();
    await waitFor(() => h.sb.products().flatMap((p) => p.variants).find((x) => x.gid === v!.externalId)?.price === '32.00', 10_000, 'the pushed price');
    // The job's start was moved to now: it ran at the worker's next poll, not a full debounce later.
    const { rows } = await h.t.db.query<{ waited: number }>(
      `SELECT extract(epoch FROM started_on - created_on)::float8 AS waited FROM pgboss.job WHERE name = 'product-push' AND data->>'externalId' = $1 ORDER BY created_on DESC LIMIT 1`,
      [v!.externalId],
    );
    expect(rows[0]!.waited).toBeLessThan(1.5);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('a product of another tenant, a deleted one or an unknown one is 404', async () => {
    const [, , v] = await h.linked();
    for (const [method, url] of [['POST', `/api/v1/products/${v!.id}/sync`], ['POST', `/api/v1/products/${v!.id}/queue`], ['GET', `/api/v1/products/${v!.id}/queue-status`]] as const) {
      const res = await h.app.inject({ method, url, headers: other, ...(method === 'POST' ? { payload: {} } : {}) });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    }
    expect((await status('0195aaaa-0000-7000-8000-000000000000')).statusCode).toBe(404);
    // The other tenant has no linked products: its full sync queues nothing.
    expect((await post('/api/v1/products/full-sync', {}, other)).json()).toEqual({ products: 0, targets: 0 });

    // DELETE is not pushed (the shop keeps the variant), and the deleted product is 404 here.
    const version = (await h.product(v!.id)).version;
    expect((await h.app.inject({ method: 'DELETE', url: `/api/v1/products/${v!.id}`, headers: { ...h.auth, 'if-match': `"${version}"` } })).statusCode).toBe(204);
    expect(await queuedJobs()).toHaveLength(0);
    expect((await status(v!.id)).statusCode).toBe(404);
    expect((await post(`/api/v1/products/${v!.id}/sync`)).statusCode).toBe(404);
  });

  it('bad bodies and ids are 400', async () => {
    const [v] = await h.linked();
    const bad = [
      [`/api/v1/products/${v!.id}/sync`, { skipPlatforms: ['amazon'] }],
      [`/api/v1/products/${v!.id}/sync`, { skipPlatforms: 'shopify' }],
      [`/api/v1/products/${v!.id}/sync`, { force: true }],
      [`/api/v1/products/${v!.id}/queue`, { priority: 'urgent' }],
      [`/api/v1/products/${v!.id}/queue`, { priority: 1 }],
      ['/api/v1/products/full-sync', { tenant: 'x' }],
      ['/api/v1/products/not-a-uuid/sync', {}],
    ] as const;
    for (const [url, payload] of bad) {
      const res = await post(url, payload);
      expect(res.statusCode, `${url} ${JSON.stringify(payload)}`).toBe(400);
      expect(res.json().error.code).toBe('validation_failed');
    }
    expect((await status('not-a-uuid')).statusCode).toBe(400);
    expect(await queuedJobs()).toHaveLength(0);
  });

  it('the routes are in the OpenAPI document', async () => {
    const doc = (await h.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/products/{id}/sync', '/api/v1/products/{id}/queue', '/api/v1/products/{id}/queue-status', '/api/v1/products/full-sync']),
    );
    expect(doc.paths['/api/v1/products/{id}/queue'].post.requestBody.content['application/json'].schema.properties.priority.enum).toEqual(['high', 'normal']);
  });
});
