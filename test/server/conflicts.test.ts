// GET /api/v1/conflicts, GET /conflicts/:id and POST /conflicts/:id/resolve: a conflict is resolved by
// keeping the local value, taking the remote one, or setting a merged value; the value is a hub edit of
// the field (origin hub, version bumped), the product leaves CONFLICT once none of its conflicts is open,
// and a resolution is refused when the value is not valid for the field or the conflict is closed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertConflicts } from '../../src/store/conflicts.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

type Tenant = Awaited<ReturnType<TestApp['newTenant']>>;

describe('conflicts API', () => {
  let h: TestApp;
  let a: Tenant;
  let b: Tenant;
  let product: { id: string; version: number };

  const call = (method: 'GET' | 'POST', url: string, body?: unknown, as: Tenant = a) =>
    h.app.inject({ method, url: `/api/v1${url}`, headers: as.auth, ...(body === undefined ? {} : { payload: body as object }) });

  /** Two collisions on the product (name and price), as the merge records them, and the product in CONFLICT. */
  async function collide(): Promise<void> {
    await h.t.db.withTenant(a.id, async (tx) => {
      await insertConflicts(tx, a.id, product.id, [
        { field: 'name', local: { value: 'Hub name', origin: 'hub', at: '2026-12-01T10:00:00.000Z' }, remote: { value: 'Shop name', origin: 'shopify', at: '2026-12-01T10:02:00.000Z' } },
        { field: 'price', local: { value: '10.00', origin: 'hub', at: '2026-12-01T10:00:00.000Z' }, remote: { value: '12.00', origin: 'shopify', at: '2026-12-01T10:01:00.000Z' } },
      ]);
      await tx.query(`UPDATE products SET sync_status = 'CONFLICT' WHERE id = $1`, [product.id]);
    });
  }

  beforeAll(async () => {
    h = await createTestApp();
    a = await h.newTenant('conflicts-a');
    b = await h.newTenant('conflicts-b');
    const res = await call('POST', '/products', { sku: 'C-1', name: 'Shop name', price: '12.00' });
    expect(res.statusCode, res.body).toBe(201);
    product = res.json();
    await collide();
  });
  afterAll(() => h?.close());

  it('lists open conflicts oldest first, pages them, filters by product; another tenant sees none', async () => {
    const page = (await call('GET', '/conflicts?limit=1')).json();
    expect(page.items).toHaveLength(1);
    expect(page.nextCursor).toEqual(expect.any(String));
    const next = (await call('GET', `/conflicts?limit=1&cursor=${page.nextCursor}`)).json();
    expect([page.items[0].field, next.items[0].field].sort()).toEqual(['name', 'price']);
    expect(next.nextCursor).toBeNull();
    expect((await call('GET', `/conflicts?productId=${product.id}`)).json().items).toHaveLength(2);
    expect(page.items[0]).toMatchObject({ productId: product.id, status: 'open', resolution: null, local: { origin: 'hub' }, remote: { origin: 'shopify' } });
    expect((await call('GET', '/conflicts', undefined, b)).json().items).toEqual([]);
    expect((await call('GET', `/conflicts/${page.items[0].id}`, undefined, b)).statusCode).toBe(404);
    expect((await call('GET', '/conflicts?cursor=nope')).json().error.code).toBe('validation_failed');
  });

  it('accept_local writes the local value as a hub edit; merge takes a valid value; the product leaves CONFLICT when none is open', async () => {
    const open = (await call('GET', `/conflicts?productId=${product.id}`)).json().items as { id: string; field: string }[];
    const name = open.find((c) => c.field === 'name')!;
    const price = open.find((c) => c.field === 'price')!;

    const kept = await call('POST', `/conflicts/${name.id}/resolve`, { resolution: 'accept_local' });
    expect(kept.statusCode, kept.body).toBe(200);
    expect(kept.json()).toMatchObject({ status: 'resolved', resolution: 'accept_local', resolvedValue: 'Hub name' });
    let shown = (await call('GET', `/products/${product.id}`)).json();
    expect([shown.name, shown.fieldMeta.name.origin, shown.version, shown.syncStatus]).toEqual(['Hub name', 'hub', product.version + 1, 'conflict']);

    expect((await call('POST', `/conflicts/${price.id}/resolve`, { resolution: 'merge' })).json().error.code).toBe('validation_failed');
    expect((await call('POST', `/conflicts/${price.id}/resolve`, { resolution: 'merge', value: 'eleven' })).json().error.code).toBe('validation_failed');
    expect((await call('POST', `/conflicts/${price.id}/resolve`, { resolution: 'accept_remote', value: '1.00' })).json().error.code).toBe('validation_failed');
    expect((await call('POST', `/conflicts/${price.id}/resolve`, { resolution: 'sideways' })).statusCode).toBe(400);
    expect((await call('POST', `/conflicts/${price.id}/resolve`, { resolution: 'merge', value: '11.00' }, b)).statusCode).toBe(404);
    const merged = await call('POST', `/conflicts/${price.id}/resolve`, { resolution: 'merge', value: '11.00' });
    expect(merged.statusCode, merged.body).toBe(200);
    shown = (await call('GET', `/products/${product.id}`)).json();
    expect([shown.fields.price, shown.fieldMeta.price.origin, shown.syncStatus, shown.conflicts]).toEqual(['11.00', 'hub', 'in_sync', []]);

    const again = await call('POST', `/conflicts/${price.id}/resolve`, { resolution: 'accept_remote' });
    expect([again.statusCode, again.json().error.code]).toEqual([409, 'conflict']);
    expect((await call('GET', '/conflicts?status=resolved')).json().items.map((c: { field: string }) => c.field).sort()).toEqual(['name', 'price']);
  });
});
