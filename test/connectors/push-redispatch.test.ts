// A target marked as waiting for a push whose job never got queued (the process ended between its
// commit and the queueing, or deferred it without a queue) is found by the engine's re-dispatch pass
// and pushed; a target whose push was dead-lettered, or that has a job, is left alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/db.js';
import { type PushHarness, pushHarness } from '../helpers/push.js';

const SEED = { products: 3, variantsPerProduct: 1, locations: 1, orders: 0, customers: 0, seed: 7 };

describe('product pushes waiting without a job', () => {
  let h: PushHarness;
  let linked: Awaited<ReturnType<PushHarness['linked']>>;
  const shopPrice = (externalId: string) =>
    h.sb.products().flatMap((p) => p.variants).find((v) => v.id === Number(externalId.split('/').pop()))?.price;
  /** What a crash right after an edit's commit leaves: the hub changed, the link pending, no job. */
  const orphanEdit = async (id: string, price: string) => {
    await h.t.db.query(`UPDATE products SET data = data || jsonb_build_object('price', $2::text), sync_status = 'PENDING' WHERE id = $1`, [id, price]);
    await h.t.db.query(`UPDATE links SET push_requested_at = now() - interval '10 minutes' WHERE hub_id = $1 AND entity = 'product'`, [id]);
  };

  beforeAll(async () => {
    h = await pushHarness(SEED, { debounceMs: 50, maxAttempts: 1 });
    linked = await h.linked();
  }, 60_000);
  afterAll(() => h?.close());

  it('queues them, and the product reaches the shop and is in sync again', async () => {
    const p = linked[0]!;
    await orphanEdit(p.id, '77.70');
    // The engine's own sweep may find it first (it runs this on a timer): then this call finds it queued.
    expect(await h.engine.productPushes.redispatchStale()).toBeLessThanOrEqual(1);
    await waitFor(() => shopPrice(p.externalId) === '77.70', 15_000, 'the orphaned edit in the shop');
    await h.settled(p.id);
    // Pushed and cleared: nothing left to re-dispatch.
    expect(await h.engine.productPushes.redispatchStale()).toBe(0);
  });

  it('leaves a target whose push was dead-lettered, and one whose job is queued', async () => {
    const [dead, queued] = [linked[1]!, linked[2]!];
    await orphanEdit(dead.id, '66.60');
    await h.t.db.query(
      `INSERT INTO dead_letters (tenant_id, connection_id, kind, external_id, payload, reason, error_code, attempts)
       VALUES ($1, $2, 'push', $3, '{}'::jsonb, 'refused by the shop', 'validation_failed', 1)`,
      [h.tenantId, h.connectionId, dead.externalId],
    );
    // A job of the key waits (a long debounce): it carries the change, no second one is queued.
    await h.queue.send('product-push', { tenantId: h.tenantId, connectionId: h.connectionId, parentExternalId: queued.parentExternalId, externalId: queued.externalId, productId: queued.id, attempt: 1 },
      { singletonKey: `${h.connectionId}:p:${queued.parentExternalId}`, startAfter: 3600 });
    await orphanEdit(queued.id, '55.50');
    expect(await h.engine.productPushes.redispatchStale()).toBe(0);
    expect(shopPrice(dead.externalId)).not.toBe('66.60');
  });
});
