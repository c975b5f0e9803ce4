// GET /api/v1/orders, /customers and /stock (and their :id forms) over hub data written by the
// engine's write path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORDER_STATUS } from '../../src/connectors/emag/mapping.js';
import { orderStatus } from '../../src/connectors/shopify/mapping.js';
import { ORDER_STATUSES } from '../../src/server/routes/orders.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { BIG, customerGid, type Fixture, getter, rawExternalId, orderGid, PRODUCTS, seedHub, allPages } from './hub-reads-fixture.js';

describe('hub read API: orders, customers, stock', () => {
  let h: TestApp;
  let f: Fixture;
  const get = (url: string, auth?: { authorization: string }) => getter(h, () => f.tenant.auth)(url, auth);
  const ids = async (sql: string, params: unknown[]) => (await h.t.db.query<{ id: string }>(sql, params)).rows.map((r) => r.id);

  const all = (path: string, limit: number) => allPages(get, path, limit);
  const expectError = async (url: string, status: number, code: string) => {
    const res = await get(url);
    expect(res.statusCode, res.body).toBe(status);
    expect(res.json().error.code).toBe(code);
  };

  beforeAll(async () => {
    h = await createTestApp();
    f = await seedHub(h);
  });
  afterAll(() => h?.close());

  describe('orders', () => {
    const orderedIds = (where = '', params: unknown[] = []) =>
      ids(`SELECT id FROM orders WHERE tenant_id = $1 AND deleted_at IS NULL ${where} ORDER BY coalesce(placed_at, created_at) DESC, id DESC`, [f.tenant.id, ...params]);

    it('pages through every order exactly once, newest first, a dateless order dated when stored', async () => {
      const { items, pages } = await all('/orders', 50);
      expect(items).toHaveLength(75 + 1 + 105 + 1);
      expect(pages).toBe(4);
      expect(items.map((i) => i.id)).toEqual(await orderedIds());
      expect(items[0]).toMatchObject({ number: '#1501', placedAt: null, orderedAt: expect.any(String) });
      const dates = items.map((i) => Date.parse(i.orderedAt as string));
      expect(dates).toEqual([...dates].sort((a, b) => b - a));
    });

    it('shows an order with its lines, voucher discount, buyer, hub customer and links', async () => {
      const { items } = (await get('/orders?limit=2')).json();
      const res = await get(`/orders/${items[1].id}`);
      expect(res.statusCode).toBe(200);
      expect(res.body).toMatch(rawExternalId(orderGid(0)));
      expect(res.json()).toMatchObject({
        number: '#1001', status: 'cancelled', financialStatus: 'PAID', currency: 'EUR', total: '47.26',
        totals: { subtotal: '39.80', tax: '7.56', shipping: '4.90', discount: '5.00', total: '47.26' },
        customerId: f.customerIds[0], customer: { externalId: customerGid(0), email: 'buyer0@example.com' },
        addresses: { shipping: { city: 'Berlin', countryCode: 'DE' } }, placedAt: '2025-02-28T12:00:00.000Z', orderedAt: '2025-02-28T12:00:00.000Z',
        lines: [
          { lineNo: 1, externalId: `gid://shopify/LineItem/${BIG}`, sku: 'TEE-000', productId: f.productIds[0], quantity: 2, unitPrice: '19.90', total: '39.80' },
          { lineNo: 2, sku: null, productId: null, name: 'Gift wrap', quantity: 1, unitPrice: '0.00', total: '0.00' },
        ],
        links: [{ connectionId: f.shop, platform: 'shopify', externalId: orderGid(0) }],
      });
      expect(items[1].lines).toHaveLength(2);
    });

    it('filters by status in the platforms\' vocabularies, and refuses an unknown one', async () => {
      const cancelled = await all('/orders?status=cancelled', 10);
      expect(cancelled.items.map((i) => i.id)).toEqual(await orderedIds(`AND status = 'cancelled'`));
      expect(cancelled.items.length).toBeGreaterThan(20);
      const fresh = (await get('/orders?status=new')).json().items;
      expect(fresh).toHaveLength(1);
      expect(fresh[0]).toMatchObject({ status: 'new', currency: 'RON', totals: { discount: '10.00', total: '90.00' }, links: [{ platform: 'emag', externalId: String(BIG + 77n) }] });
      await expectError('/orders?status=shipped', 400, 'validation_failed');
      await expectError('/orders?status=Cancelled', 400, 'validation_failed');
    });

    it('keeps the status list in step with what the connectors write', () => {
      for (const s of Object.values(ORDER_STATUS)) expect(ORDER_STATUSES).toContain(s);
      for (const o of [{}, { closedAt: '2025-01-01T00:00:00Z' }, { cancelledAt: '2025-01-01T00:00:00Z' }]) expect(ORDER_STATUSES).toContain(orderStatus(o));
    });

    it('filters by date: createdFrom inclusive, createdTo exclusive, a date alone meaning midnight UTC', async () => {
      const feb = (await get('/orders?createdFrom=2025-02-01&createdTo=2025-02-10')).json().items;
      expect(feb.map((o: { number: string }) => o.number)).toEqual(Array.from({ length: 9 }, (_, k) => `#${1001 + 19 + k}`));
      // The eMAG order is placed at exactly 2025-01-30T00:00:00Z.
      const edge = (await get('/orders?createdFrom=2025-01-30T00:00:00Z&createdTo=2025-01-30T00:00:00.001%2B00:00')).json().items;
      expect(edge.map((o: { status: string }) => o.status)).toEqual(['new']);
      expect((await get('/orders?createdFrom=2025-01-30T00:00:00.000001Z&createdTo=2025-01-30T12:00:00Z')).json().items).toEqual([]);
      const since = await all('/orders?createdFrom=2025-01-01T00:00:00%2B01:00', 20);
      expect(since.items.map((i) => i.id)).toEqual(await orderedIds(`AND coalesce(placed_at, created_at) >= '2024-12-31T23:00:00Z'`));
      await expectError('/orders?createdFrom=2025-02-10&createdTo=2025-02-01', 400, 'validation_failed');
      await expectError('/orders?createdFrom=2025-13-01', 400, 'validation_failed');
      await expectError('/orders?createdTo=last%20week', 400, 'validation_failed');
    });

    it('filters by customer across pages, and answers 404 for a customer of another tenant', async () => {
      const mine = await all(`/orders?customerId=${f.customerIds[1]}`, 50);
      expect(mine.items).toHaveLength(106);
      expect(mine.pages).toBe(3);
      expect(mine.items.every((o) => o.customerId === f.customerIds[1])).toBe(true);
      expect(mine.items.map((i) => i.id)).toEqual(await orderedIds('AND customer_id = $2', [f.customerIds[1]]));
      await expectError(`/orders?customerId=${f.otherCustomerId}`, 404, 'not_found');
      await expectError('/orders?customerId=1234', 400, 'validation_failed');
    });

    it('filters by connection', async () => {
      const emag = (await get(`/orders?connectionId=${f.emag}`)).json().items;
      expect(emag.map((o: { status: string }) => o.status)).toEqual(['new']);
      expect((await all(`/orders?connectionId=${f.shop}`, 100)).items).toHaveLength(181);
      expect((await get(`/orders?connectionId=${f.ffn}`)).json().items).toEqual([]);
      await expectError(`/orders?connectionId=${f.otherShop}`, 404, 'not_found');
    });

    it('answers 404 for another tenant\'s order and 400 for a malformed id, cursor or limit', async () => {
      await expectError(`/orders/${f.otherOrderId}`, 404, 'not_found');
      expect((await get(`/orders/${f.otherOrderId}`, f.other.auth)).statusCode).toBe(200);
      await expectError('/orders/12345', 400, 'validation_failed');
      const products = (await get('/products?limit=1')).json();
      await expectError(`/orders?cursor=${products.nextCursor}`, 400, 'validation_failed');
      await expectError('/orders?limit=1000', 400, 'validation_failed');
    });
  });

  describe('customers', () => {
    it('pages through customers and finds one by email in any letter case, exactly', async () => {
      const { items, pages } = await all('/customers', 5);
      expect(items).toHaveLength(12);
      expect(pages).toBe(3);
      expect(items.map((i) => i.id)).toEqual(await ids('SELECT id FROM customers WHERE tenant_id = $1 ORDER BY created_at, id', [f.tenant.id]));
      for (const email of ['alice.example@example.com', 'ALICE.EXAMPLE@EXAMPLE.COM']) {
        const found = (await get(`/customers?email=${encodeURIComponent(email)}`)).json().items;
        expect(found.map((c: { id: string }) => c.id)).toEqual([f.customerIds[0]]);
        expect(found[0]).toMatchObject({ email: 'Alice.Example@Example.COM', firstName: 'First0', phone: '+49 30 1234567', tags: ['vip'], acceptsMarketing: true });
      }
      expect((await get('/customers?email=alice')).json().items).toEqual([]);
      await expectError('/customers?email=', 400, 'validation_failed');
      await expectError('/customers?cursor=c.AAAA', 400, 'validation_failed');
    });

    it('shows a customer with their newest orders, capped and counted', async () => {
      const res = await get(`/customers/${f.customerIds[1]}`);
      expect(res.statusCode).toBe(200);
      expect(res.body).toMatch(rawExternalId(customerGid(1)));
      const c = res.json();
      expect(c).toMatchObject({ email: 'buyer1@example.com', orderCount: 106, ordersTruncated: true, links: [{ platform: 'shopify', externalId: customerGid(1) }] });
      expect(c.orders).toHaveLength(100);
      expect(c.orders.map((o: { id: string }) => o.id)).toEqual(
        (await ids('SELECT id FROM orders WHERE customer_id = $1 ORDER BY coalesce(placed_at, created_at) DESC, id DESC LIMIT 100', [f.customerIds[1]])),
      );
      expect(c.orders[0]).toMatchObject({ number: '#1002', total: '47.26' });
      expect((await get(`/customers/${f.customerIds[0]}`)).json()).toMatchObject({ orderCount: 1, ordersTruncated: false, orders: [{ number: '#1001' }] });
      expect((await get(`/customers/${f.customerIds[11]}`)).json()).toMatchObject({ orderCount: 0, ordersTruncated: false, orders: [] });
      await expectError(`/customers/${f.otherCustomerId}`, 404, 'not_found');
      await expectError('/customers/x', 400, 'validation_failed');
    });
  });

  describe('stock', () => {
    it('pages through stock per product and location, SKU-less variants included', async () => {
      const { items, pages } = await all('/stock', 4);
      expect(items).toHaveLength(6);
      expect(pages).toBe(2);
      expect(items.map((i) => i.id)).toEqual(await ids('SELECT id FROM stock_levels WHERE tenant_id = $1 ORDER BY id', [f.tenant.id]));
      const skuless = items.find((i) => i.productId === f.productIds[9]);
      expect(skuless).toMatchObject({ sku: null, productName: 'Blue Tee 3 / S', locationId: 'gid://shopify/Location/1', available: 5, reserved: 1, announced: 0, reorderPoint: null });
      expect((await get('/stock', f.other.auth)).json().items).toEqual([]);
    });

    it('filters by SKU (a shop\'s duplicate SKU included) and by product', async () => {
      const tee = (await get('/stock?sku=TEE-000')).json().items;
      expect(tee.map((s: { locationId: string }) => s.locationId).sort()).toEqual(['gid://shopify/Location/1', 'gid://shopify/Location/2']);
      expect(tee.every((s: { productId: string; reorderPoint: number }) => s.productId === f.productIds[0] && s.reorderPoint === 10)).toBe(true);
      const dup = (await get('/stock?sku=DUP-1')).json().items;
      expect(dup).toMatchObject([{ productId: f.productIds[PRODUCTS + 1], sku: 'DUP-1', available: 2 }]);
      expect((await get(`/stock?productId=${f.productIds[1]}`)).json().items).toHaveLength(2);
      expect((await get('/stock?sku=TEE-005')).json().items).toEqual([]);
      await expectError(`/stock?productId=${f.otherProductId}`, 404, 'not_found');
    });

    it('belowReorderPoint compares the stock summed over locations with the product\'s reorder point', async () => {
      const below = (await get('/stock?belowReorderPoint=true')).json().items;
      expect(below.map((s: { available: number }) => s.available).sort()).toEqual([3, 4]);
      expect(below.every((s: { sku: string }) => s.sku === 'TEE-000')).toBe(true);
      const rest = (await get('/stock?belowReorderPoint=false')).json().items;
      expect(rest).toHaveLength(4);
      await expectError('/stock?belowReorderPoint=yes', 400, 'validation_failed');
      await expectError('/stock?productId=abc', 400, 'validation_failed');
      await expectError(`/stock?cursor=${(await get('/orders?limit=1')).json().nextCursor}`, 400, 'validation_failed');
    });
  });
});
