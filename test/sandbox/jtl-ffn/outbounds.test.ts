// Outbounds (platforms/jtl-ffn.md sections 2, 5, 9): creation reserves stock, duplicate merchantOutboundNumbers
// are counted (or refused), shipping writes a notification with tracking and a feed entry, objectVersion
// conflicts, cancel releases reservations, partial shipments, fulfiller auto-progress.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startJtlFfnSandbox, type JtlFfnSandbox, type SeedResult } from '../../../src/sandbox/jtl-ffn/index.js';
import { accessToken, api, type Loose, mark, outboundBody, waitFor } from './helpers.js';

let sb: JtlFfnSandbox;
let token: string;
let seeded: SeedResult;
let wh: string;
let sku: string;
let jfsku: string;
beforeAll(async () => {
  sb = await startJtlFfnSandbox();
  token = await accessToken(sb);
});
beforeEach(() => {
  seeded = sb.seed({ products: 3, stockPerWarehouse: 10, seed: 5 });
  wh = seeded.warehouses[0] ?? '';
  [sku, jfsku] = [seeded.products[0]?.merchantSku ?? '', seeded.products[0]?.jfsku ?? ''];
});
afterAll(async () => {
  await sb?.close();
});

const create = (number: string, quantity = 3) => api(sb, 'POST', 'v1/merchant/outbounds', { token, body: outboundBody(number, wh, [{ merchantSku: sku, quantity }]) });
const levelsIn = (warehouseId: string) => (sb.stock(jfsku).warehouses as Loose[]).find((w) => w.warehouseId === warehouseId);

describe('create', () => {
  it('resolves merchantSku, starts Pending and reserves stock (Reservation in the stock feed)', async () => {
    const since = await mark();
    const res = await create('ORD-1', 2.5);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      merchantOutboundNumber: 'ORD-1', warehouseId: wh, currency: 'EUR', status: 'Pending',
      items: [{ outboundItemId: 'L1', jfsku, merchantSku: sku, quantity: 2.5, quantityOpen: 2.5, itemType: 'Product', name: 'Item 1' }],
      modificationInfo: { state: 'New' },
    });
    expect(Date.parse(res.body.statusTimestamp.pending)).toBeGreaterThan(0);
    expect(levelsIn(wh)).toMatchObject({ stockLevel: 7.5, stockLevelReserved: 2.5 });
    const feed = await api(sb, 'GET', 'v1/merchant/stocks/updates', { token, query: { fromDate: since } });
    expect(feed.body.data).toEqual([expect.objectContaining({
      stockChangeId: { warehouseId: wh, jfsku, stockVersion: 2 }, changeType: 'Reservation', stockLevel: 7.5, stockLevelReserved: 2.5, quantity: -2.5, quantityReserved: 2.5,
    })]);
    expect((await api(sb, 'GET', `v1/merchant/outbounds/${res.body.outboundId}`, { token })).body).toEqual(res.body);
  });

  it('answers 400 for invalid bodies and unknown products', async () => {
    const noAddress = { ...outboundBody('ORD-X', wh, [{ merchantSku: sku, quantity: 1 }]), shippingAddress: undefined };
    const bad = await api(sb, 'POST', 'v1/merchant/outbounds', { token, body: noAddress });
    expect(bad.status).toBe(400);
    expect(bad.body.errorCode.code).toBe('Outbounds_ValidationError');
    const unknown = await api(sb, 'POST', 'v1/merchant/outbounds', { token, body: outboundBody('ORD-Y', wh, [{ merchantSku: 'NOPE', quantity: 1 }]) });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errorMessages[0].message).toContain('NOPE');
    expect(sb.outbounds()).toHaveLength(0);
  });

  it('accepts a duplicate merchantOutboundNumber as a new outbound and counts it', async () => {
    const first = await create('ORD-DUP');
    const second = await create('ORD-DUP');
    expect(second.status).toBe(201);
    expect(second.body.outboundId).not.toBe(first.body.outboundId);
    expect(sb.outboundNumberDuplicates()).toBe(1);
    const lookup = await api(sb, 'GET', 'v1/merchant/outbounds', { token, query: { $filter: "merchantOutboundNumber eq 'ORD-DUP'" } });
    expect(lookup.body.items.map((o: Loose) => o.outboundId)).toEqual([first.body.outboundId, second.body.outboundId]);
  });

  it('refuses the duplicate with rejectDuplicateOutboundNumbers', async () => {
    const strict = await startJtlFfnSandbox({ rejectDuplicateOutboundNumbers: true });
    try {
      const s = strict.seed({ products: 1, stockPerWarehouse: 5 });
      const t = await accessToken(strict);
      const body = outboundBody('ORD-1', s.warehouses[0] ?? '', [{ jfsku: s.products[0]?.jfsku ?? '', quantity: 1 }]);
      const first = await api(strict, 'POST', 'v1/merchant/outbounds', { token: t, body });
      const dup = await api(strict, 'POST', 'v1/merchant/outbounds', { token: t, body });
      expect(dup.status).toBe(400);
      expect(dup.body).toMatchObject({ errorCode: { code: 'Outbounds_DuplicateMerchantOutboundNumber' }, errorMetaData: { OutboundId: first.body.outboundId } });
      expect(strict.outboundNumberDuplicates()).toBe(0);
    } finally {
      await strict.close();
    }
  });
});

describe('lifecycle', () => {
  it('ships: notification with tracking, Shipped with timestamp, Delivery stock change, entry in the outbounds feed', async () => {
    const { body: created } = await create('ORD-S', 4);
    const since = await mark();
    sb.advanceOutbound(created.outboundId, 'Acknowledged');
    sb.shipOutbound(created.outboundId, { trackingUrl: 'https://track.example/123', identifier: ['00340434161234567890'], carrier: 'DHL' });
    const notes = await api(sb, 'GET', `v1/merchant/outbounds/${created.outboundId}/shipping-notifications`, { token });
    expect(notes.status).toBe(200);
    expect(notes.body).toMatchObject({ count: 1, _page: { total: 1 } });
    expect(notes.body.items[0]).toMatchObject({
      outboundId: created.outboundId, outboundStatus: 'Shipped', items: [{ jfsku, quantity: 4 }],
      packages: [{ trackingUrl: 'https://track.example/123', identifier: ['00340434161234567890'], freightOption: 'DHL', shippingDate: expect.any(String) }],
    });
    expect(levelsIn(wh)).toMatchObject({ stockLevel: 6, stockLevelReserved: 0 });
    const feed = await api(sb, 'GET', 'v1/merchant/outbounds/updates', { token, query: { fromDate: since } });
    expect(feed.body.data).toHaveLength(1);
    expect(feed.body.data[0]).toMatchObject({ outboundId: created.outboundId, status: 'Shipped', modificationInfo: { state: 'Modified' } });
    expect(Object.keys(feed.body.data[0].statusTimestamp)).toEqual(['pending', 'acknowledged', 'shipped']);
    const stockFeed = await api(sb, 'GET', 'v1/merchant/stocks/updates', { token, query: { fromDate: since } });
    expect(stockFeed.body.data.map((c: Loose) => [c.changeType, c.quantity, c.quantityReserved])).toEqual([['Delivery', 0, -4]]);
  });

  it('ships partially, then cancels the rest as PartiallyCanceled, releasing the reservation', async () => {
    const { body: created } = await create('ORD-P', 4);
    sb.shipOutbound(created.outboundId, { items: [{ outboundItemId: 'L1', quantity: 1 }] });
    expect(sb.outbounds()[0]).toMatchObject({ status: 'PartiallyShipped', items: [{ quantityOpen: 3 }] });
    sb.advanceOutbound(created.outboundId, 'Canceled');
    expect(sb.outbounds()[0]).toMatchObject({ status: 'PartiallyCanceled', items: [{ quantityOpen: 0 }] });
    expect(levelsIn(wh)).toMatchObject({ stockLevel: 9, stockLevelReserved: 0 });
    expect(() => sb.advanceOutbound(created.outboundId, 'Acknowledged')).toThrow();
  });

  it('PATCH needs the current objectVersion: stale is 409 Outbounds_ObjectVersionConflict, missing is 400', async () => {
    const { body: created } = await create('ORD-V');
    const url = `v1/merchant/outbounds/${created.outboundId}`;
    const ok = await api(sb, 'PATCH', url, { token, body: { objectVersion: created.modificationInfo.updatedAt, externalNote: 'leave at door' } });
    expect(ok.status).toBe(200);
    expect(ok.body.externalNote).toBe('leave at door');
    const stale = await api(sb, 'PATCH', url, { token, body: { objectVersion: created.modificationInfo.updatedAt, externalNote: 'again' } });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ errorCode: { code: 'Outbounds_ObjectVersionConflict' }, errorMetaData: { currentObjectVersion: ok.body.modificationInfo.updatedAt } });
    expect((await api(sb, 'PATCH', url, { token, body: { externalNote: 'x' } })).status).toBe(400);
    const cancel = await api(sb, 'PATCH', url, { token, body: { objectVersion: ok.body.modificationInfo.updatedAt, status: 'Canceled', cancelReason: 'customer' } });
    expect(cancel.body).toMatchObject({ status: 'Canceled', cancelReason: 'customer' });
    expect(levelsIn(wh)).toMatchObject({ stockLevel: 10, stockLevelReserved: 0 });
  });

  it('autoProgress acknowledges and ships on its own (time-scaled)', async () => {
    const auto = await startJtlFfnSandbox({ timeScale: 100, autoProgress: { acknowledgeAfterMs: 1000, shipAfterMs: 3000 } });
    try {
      const s = auto.seed({ products: 1, stockPerWarehouse: 5 });
      const t = await accessToken(auto);
      const res = await api(auto, 'POST', 'v1/merchant/outbounds', { token: t, body: outboundBody('AUTO-1', s.warehouses[0] ?? '', [{ jfsku: s.products[0]?.jfsku ?? '', quantity: 2 }]) });
      const shipped = await waitFor(() => auto.outbounds().find((o) => o.status === 'Shipped'), 5000, 'auto shipment');
      expect(Object.keys(shipped.statusTimestamp as object)).toEqual(['pending', 'acknowledged', 'shipped']);
      const notes = await api(auto, 'GET', `v1/merchant/outbounds/${res.body.outboundId}/shipping-notifications`, { token: t });
      expect(notes.body.items[0].packages[0].identifier[0]).toMatch(/^JJD/);
    } finally {
      await auto.close();
    }
  });
});
