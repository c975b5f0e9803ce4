// Both directions against the Shopify sandbox, with its webhooks delivered to a listening server: a hub
// edit reaches the shop once and the shop's webhook of it (the price rewritten "19.9" -> "19.90", the
// tags re-sorted) is recognised as our own echo, so nothing is pushed again; a shop edit of a commerce
// field reaches the hub and is not pushed back; a shop edit of an ops field the hub has set is refused
// and the hub's value re-asserted in the shop, with one push.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/db.js';
import { type PushHarness, pushHarness } from '../helpers/push.js';

const SEED = { products: 6, variantsPerProduct: 2, locations: 1, orders: 0, customers: 0, seed: 23 };
const TOPICS = ['products/create', 'products/update'];

describe('bi-directional product sync with Shopify (webhooks on)', () => {
  let h: PushHarness;

  const variantOf = (gid: string) => h.sb.products().flatMap((p) => p.variants).find((v) => v.gid === gid)!;
  const productOf = (gid: string) => h.sb.products().find((p) => p.gid === gid)!;
  const numeric = (gid: string) => Number(gid.split('/').pop());
  const logLines = async (hubId: string, action: string) =>
    (await h.t.db.query<{ changes: Record<string, unknown> }>(`SELECT changes FROM sync_log WHERE hub_id = $1 AND action = $2 ORDER BY id`, [hubId, action])).rows;
  /** Every delivery of the shop so far has been applied (or ignored) by the hub. */
  const webhooksSettled = async () =>
    waitFor(
      async () => {
        const { rows } = await h.t.db.query<{ pending: number }>(`SELECT count(*)::int AS pending FROM webhook_events WHERE connection_id = $1 AND status = 'received'`, [h.connectionId]);
        return rows[0]!.pending === 0 && h.sb.deliveries().every((d) => d.status !== 'pending');
      },
      15_000,
      'the shop webhooks applied',
    );

  beforeAll(async () => {
    h = await pushHarness(SEED, { debounceMs: 150 });
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = h.app.server.address() as AddressInfo;
    for (const topic of TOPICS) h.sb.subscribeWebhook({ topic, address: `http://127.0.0.1:${port}/webhooks/shopify/${h.connectionId}` } as never);
  }, 60_000);
  afterAll(() => h?.close());

  it('a hub edit reaches the shop once; its webhook, with the values rewritten by the shop, is our echo: nothing is pushed again', async () => {
    const [v] = await h.linked();
    h.sb.clearRequests();
    expect((await h.patch(v!.id, { price: '19.9', tags: ['zeta', 'Alpha'] })).statusCode).toBe(200);
    await waitFor(() => variantOf(v!.externalId).price === '19.90', 10_000, 'the price in the shop');
    expect(productOf(v!.parentExternalId).tags).toEqual(['Alpha', 'zeta']);
    await waitFor(async () => (await logLines(v!.id, 'echo')).length > 0, 15_000, 'the echo of the push recognised');
    await webhooksSettled();
    await h.settled(v!.id);
    expect(h.productSets()).toBe(1);
    const shown = await h.product(v!.id);
    expect([shown.fields.price, shown.fieldMeta.price.origin, shown.syncStatus]).toEqual(['19.9', 'hub', 'in_sync']);
  });

  it("a shop edit of a commerce field reaches the hub with the shop as its origin and is not pushed back to the shop", async () => {
    const [, v] = await h.linked();
    h.sb.clearRequests();
    h.sb.editProduct(numeric(v!.parentExternalId), { variants: [{ id: numeric(v!.externalId), price: '41.00' }] } as never);
    await waitFor(async () => (await h.product(v!.id)).fields.price === '41.00', 15_000, 'the shop price in the hub');
    await webhooksSettled();
    await h.settled(v!.id);
    expect((await h.product(v!.id)).fieldMeta.price.origin).toBe('shopify');
    expect(h.productSets()).toBe(0);
  });

  it('a shop edit of an ops field the hub has set is refused and the hub value re-asserted in the shop, with one push', async () => {
    const [, , v] = await h.linked();
    expect((await h.patch(v!.id, { gtin: '4006381333931' })).statusCode).toBe(200);
    await waitFor(() => variantOf(v!.externalId).barcode === '4006381333931', 10_000, 'the hub barcode in the shop');
    await webhooksSettled();
    await h.settled(v!.id);
    h.sb.clearRequests();

    h.sb.editProduct(numeric(v!.parentExternalId), { variants: [{ id: numeric(v!.externalId), barcode: '0000000000017' }] } as never);
    await waitFor(async () => (await logLines(v!.id, 'refused')).some((l) => JSON.stringify(l.changes).includes('0000000000017')), 15_000, 'the refusal');
    await waitFor(() => variantOf(v!.externalId).barcode === '4006381333931', 15_000, 'the hub barcode re-asserted in the shop');
    await webhooksSettled();
    await h.settled(v!.id);
    expect(h.productSets()).toBe(1);
    const shown = await h.product(v!.id);
    expect([shown.fields.gtin, shown.fieldMeta.gtin.origin]).toEqual(['4006381333931', 'hub']);
  });
});
