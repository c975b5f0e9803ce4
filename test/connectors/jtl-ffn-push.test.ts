// Hub edits of the ops fields JTL-FFN owns reach its merchant product (PATCH products/{jfsku}), in its
// units (metres, kg); the read-back of our own write is no change; a field JTL does not hold is not sent.
import { afterEach, describe, expect, it } from 'vitest';
import { startQueue } from '../../src/engine/queue.js';
import { buildApp } from '../../src/server/app.js';
import { createLogger } from '../../src/server/logger.js';
import { createApiKey } from '../../src/store/tenants.js';
import { waitFor } from '../helpers/db.js';
import { createJtlHarness, type JtlHarness } from '../helpers/jtl-ffn.js';

let h: JtlHarness | undefined;
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
  await h?.close();
  h = undefined;
});

describe('JTL-FFN product push', () => {
  it('a hub edit of weight, dimensions and customs code is PATCHed to the merchant product in kg and metres, once', async () => {
    h = await createJtlHarness({ engine: { productPush: { debounceMs: 100, maxAttempts: 3, backoff: { baseMs: 20, capMs: 100 } } } });
    const seeded = h.sb.seed({ products: 3, warehouses: 1, seed: 4 });
    const [run] = await h.sync('full', ['products']);
    expect(run!.status).toBe('succeeded');
    const queue = await startQueue(h.t.db, { error: () => undefined });
    await h.engine.start(queue, { embedded: true });
    closers.push(() => queue.stop({ graceful: false, wait: true }), () => h!.engine.stop());
    const app = await buildApp({ db: h.t.db, box: h.box, logger: createLogger({ level: 'silent' }), engine: h.engine });
    closers.push(() => app.close());
    const auth = { authorization: `Bearer ${await h.t.db.transaction((tx) => createApiKey(tx, h!.tenantId, 'jtl-push'))}` };

    const target = seeded.products[1]!;
    const { rows: [hub] } = await h.t.db.query<{ id: string }>('SELECT id FROM products WHERE tenant_id = $1 AND sku = $2', [h.tenantId, target.merchantSku]);
    const current = (await app.inject({ method: 'GET', url: `/api/v1/products/${hub!.id}`, headers: auth })).json();
    h.sb.clearRequestLog();
    const res = await app.inject({
      method: 'PATCH', url: `/api/v1/products/${hub!.id}`, headers: { ...auth, 'if-match': `"${current.version}"` },
      payload: { weight: { value: 1250, unit: 'g' }, dimensions: { length: 30, width: 20, height: 10, unit: 'cm' }, customsCode: '61091000', price: '19.90' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const patches = () => h!.sb.requestLog().filter((r) => r.method === 'PATCH' && r.path.endsWith(`/products/${target.jfsku}`));
    await waitFor(() => patches().length === 1, 10_000, 'the PATCH of the merchant product');
    const product = h.sb.products().find((p) => p.jfsku === target.jfsku)!;
    expect(product.weight).toBe(1.25);
    expect(product.dimensions).toMatchObject({ length: 0.3, width: 0.2, height: 0.1 });
    expect((product.specifications as { taric?: string }).taric).toBe('61091000');
    // The price is commerce-owned and not a JTL field the push writes (netRetailPrice is net).
    expect(product.netRetailPrice).not.toBe(19.9);

    // Read back: our own write is no change (no conflict, no second PATCH).
    const [again] = await h.sync('full', ['products']);
    expect(again!.status).toBe('succeeded');
    await waitFor(async () => (await app.inject({ method: 'GET', url: `/api/v1/products/${hub!.id}`, headers: auth })).json().syncStatus === 'in_sync', 10_000, 'in sync');
    expect(patches()).toHaveLength(1);
    const after = (await app.inject({ method: 'GET', url: `/api/v1/products/${hub!.id}`, headers: auth })).json();
    expect(after.fields.weight).toEqual({ value: 1250, unit: 'g' });
    expect(after.fields.dimensions).toEqual({ length: 30, width: 20, height: 10, unit: 'cm' });
  });
});
