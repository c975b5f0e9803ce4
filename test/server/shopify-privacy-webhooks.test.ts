// Shopify's mandatory privacy webhooks through the server (issue 14): customers/data_request is
// recorded and answered by GET /privacy-requests/:id; customers/redact leaves none of the customer's
// personal values in any text or json column of any table while order totals and other customers'
// data stay; shop/redact removes what only that connection brought. Signatures fail closed (401), a
// signed body that cannot be read is a 400, and a redelivery is applied once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shopifyConnector } from '../../src/connectors/shopify/index.js';
import { signShopify } from '../../src/connectors/shopify/webhooks.js';
import { personalPattern } from '../../src/engine/privacy-redact.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import {
  ADA, CORA, KEEP, OTHER_SHOP, SECRET, SHOP, customerGid, customerRedactBody, dataRequestBody, deliverer, orderGid, personalValues,
  productPayload, seedPerson, shopRedactBody, textColumns, whereFound,
} from './privacy-fixture.js';

describe('Shopify privacy webhooks', () => {
  let h: TestApp;
  let tenant: Awaited<ReturnType<TestApp['newTenant']>>;
  let stranger: Awaited<ReturnType<TestApp['newTenant']>>;
  let shop: string;
  let otherShop: string;
  const deliver = deliverer(() => h);
  const get = (url: string, auth = tenant.auth) => h.app.inject({ method: 'GET', url: `/api/v1${url}`, headers: auth });
  const count = async (sql: string, params: unknown[] = []) => (await h.t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params)).rows[0]!.n;
  const connect = async (name: string, shopDomain: string) => {
    const res = await h.app.inject({
      method: 'POST', url: '/api/v1/connections', headers: tenant.auth,
      payload: { platform: 'shopify', name, settings: { shopDomain }, credentials: { accessToken: 'shpat_x', apiSecret: SECRET } },
    });
    return res.json().id as string;
  };
  const stored = async () => ({ events: await count('webhook_events'), requests: await count('privacy_requests'), letters: await count('dead_letters') });

  beforeAll(async () => {
    h = await createTestApp({ connectors: [shopifyConnector] });
    tenant = await h.newTenant('merchant');
    stranger = await h.newTenant('stranger');
    shop = await connect('shop', SHOP);
    otherShop = await connect('other-shop', OTHER_SHOP);
    await seedPerson(h, tenant.id, shop, ADA);
    await seedPerson(h, tenant.id, shop, KEEP);
    await seedPerson(h, tenant.id, otherShop, CORA);
    // One product both shops sell (same SKU: one hub product, two links), one only the other shop sells.
    await deliver(shop, 'products/update', productPayload(501, 'SHARED-1'));
    await deliver(otherShop, 'products/update', productPayload(601, 'SHARED-1'));
    await deliver(otherShop, 'products/update', productPayload(602, 'ONLY-OTHER-1'));
    await h.engine.webhooksIdle(shop);
    await h.engine.webhooksIdle(otherShop);
  });
  afterAll(() => h?.close());

  it('refuses a forged or missing signature on every privacy topic with 401 and stores nothing', async () => {
    const before = await stored();
    const bodies = { 'customers/data_request': dataRequestBody(SHOP, ADA, ADA.orders), 'customers/redact': customerRedactBody(SHOP, ADA), 'shop/redact': shopRedactBody(SHOP) };
    for (const [topic, body] of Object.entries(bodies)) {
      const forged = await deliver(shop, topic, body, { signature: signShopify(JSON.stringify(body), 'not-the-app-secret') });
      expect(forged.statusCode, topic).toBe(401);
      expect(forged.json().error.code).toBe('webhook_signature_invalid');
      const unsigned = await deliver(shop, topic, body, { signature: null });
      expect(unsigned.statusCode, topic).toBe(401);
      expect(unsigned.json().error.code).toBe('webhook_signature_invalid');
    }
    expect(await stored()).toEqual(before);
    expect(await count('customers WHERE email = $1', [ADA.email])).toBe(1);
  });

  it('answers 400 webhook_payload_invalid to a signed body it cannot read, keeping nothing of it', async () => {
    const before = await stored();
    const cases: [string, string][] = [
      ['customers/redact', `{"shop_id": 954889, "customer": {"email": "${ADA.email}"`],
      ['customers/redact', JSON.stringify({ shop_id: 954889, shop_domain: SHOP, orders_to_redact: [] })],
      ['customers/data_request', JSON.stringify({ shop_id: 'abc', shop_domain: SHOP, customer: { email: ADA.email } })],
      ['customers/redact', JSON.stringify({ shop_id: 954889, shop_domain: SHOP, customer: { phone: ADA.phone } })],
      ['shop/redact', JSON.stringify([shopRedactBody(SHOP)])],
      ['customers/redact', JSON.stringify({ shop_id: 954889, shop_domain: SHOP, customer: { id: ADA.id, email: `${ADA.email}\u0000` } })],
    ];
    for (const [topic, raw] of cases) {
      const res = await deliver(shop, topic, null, { raw });
      expect(res.statusCode, raw).toBe(400);
      expect(res.json().error.code).toBe('webhook_payload_invalid');
      expect(res.body).not.toContain(ADA.email);
      expect(res.body).not.toContain(ADA.phone);
    }
    expect(await stored()).toEqual(before);
  });

  it('customers/data_request: records the request once and GET answers with the customer and their orders; another tenant gets 404', async () => {
    const body = dataRequestBody(SHOP, ADA, ADA.orders);
    expect((await deliver(shop, 'customers/data_request', body, { webhookId: 'dr-1' })).json()).toEqual({ received: 1, duplicates: 0 });
    expect((await deliver(shop, 'customers/data_request', body, { webhookId: 'dr-1' })).json()).toEqual({ received: 0, duplicates: 1 });
    await h.engine.webhooksIdle(shop);

    const list = (await get('/privacy-requests?topic=customers/data_request')).json();
    expect(list.items).toHaveLength(1);
    const listed = list.items[0];
    expect(listed).toMatchObject({ connectionId: shop, platform: 'shopify', webhookId: 'dr-1', shopDomain: SHOP, dataRequestId: '9999' });
    expect(listed.customer).toEqual({ externalId: customerGid(ADA), email: ADA.email, phone: ADA.phone });
    expect(listed.orderExternalIds).toEqual(ADA.orders.map(orderGid));

    const detail = await get(`/privacy-requests/${listed.id}`);
    expect(detail.statusCode).toBe(200);
    const { customers, orders } = detail.json().data;
    expect(customers).toHaveLength(1);
    expect(customers[0]).toMatchObject({ email: ADA.email, firstName: ADA.first, lastName: ADA.last, links: [{ connectionId: shop, externalId: customerGid(ADA) }] });
    expect(customers[0].data).toMatchObject({ phone: ADA.phone, addresses: [expect.objectContaining({ address1: ADA.address1 })] });
    expect(orders.map((o: { number: string }) => o.number).sort()).toEqual(ADA.orders.map((id) => `#${id}`));
    const first = orders.find((o: { number: string }) => o.number === `#${ADA.orders[0]}`);
    expect(first).toMatchObject({ currency: 'EUR', total: '47.60', lines: [{ sku: 'MUG-1', quantity: 2, unitPrice: '20.00' }] });
    expect(first.data.addresses.shipping.address1).toBe(ADA.address1);
    expect(detail.body).not.toContain(KEEP.email);
    // The stored delivery keeps ids only: the request's contact details live in its privacy_requests row.
    const event = (await h.t.db.query<{ payload: string }>(`SELECT payload::text AS payload FROM webhook_events WHERE event_id = 'dr-1'`)).rows[0]!;
    expect(event.payload).not.toContain(ADA.email);
    expect(event.payload).toContain(listed.id);

    const foreign = await get(`/privacy-requests/${listed.id}`, stranger.auth);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().error.code).toBe('not_found');
    expect((await get('/privacy-requests', stranger.auth)).json().items).toEqual([]);

    // A customer id the hub never linked: found by e-mail instead.
    await deliver(shop, 'customers/data_request', dataRequestBody(SHOP, { id: 123, email: KEEP.email.toUpperCase(), phone: null }, []), { webhookId: 'dr-2' });
    await h.engine.webhooksIdle(shop);
    const byEmail = (await get('/privacy-requests?topic=customers/data_request')).json().items.find((i: { webhookId: string }) => i.webhookId === 'dr-2');
    const keepData = (await get(`/privacy-requests/${byEmail.id}`)).json().data;
    expect(keepData.customers.map((c: { email: string }) => c.email)).toEqual([KEEP.email]);
    expect(keepData.orders.map((o: { number: string }) => o.number)).toEqual([`#${KEEP.orders[0]}`]);
  });

  it('customers/redact: no personal value of the customer is left in any column of any table; totals and other customers stay', async () => {
    const columns = await textColumns(h);
    expect(columns.map((c) => `${c.t}.${c.c}`)).toEqual(expect.arrayContaining(['privacy_requests.customer_email', 'webhook_events.payload', 'dead_letters.payload', 'sync_log.changes', 'orders.data']));
    // The scan finds what the seed put everywhere, so finding nothing afterwards means something.
    const seeded = await whereFound(h, personalValues(ADA));
    for (const at of ['customers.email', 'customers.data', 'orders.data', 'webhook_events.payload', 'dead_letters.payload', 'sync_log.changes', 'privacy_requests.customer_email']) {
      expect(seeded.some((f) => f.startsWith(`${at}:`)), `${at} in ${seeded.join(', ')}`).toBe(true);
    }
    const totals = () =>
      h.t.db.query(
        `SELECT o.total::text AS total, o.currency, o.number, o.data->'totals' AS totals,
                (SELECT json_agg(json_build_array(x.sku, x.quantity, x.unit_price::text) ORDER BY x.line_no) FROM order_lines x WHERE x.order_id = o.id) AS lines
           FROM orders o JOIN links l ON l.hub_id = o.id AND l.entity = 'order' WHERE l.external_id = ANY($1::text[]) ORDER BY o.number`,
        [ADA.orders.map(orderGid)],
      ).then((r) => r.rows);
    const others = () =>
      h.t.db.query<{ row: string }>(
        `SELECT to_jsonb(c)::text AS row FROM customers c WHERE email IN ($1, $2)
         UNION ALL SELECT to_jsonb(o)::text FROM orders o WHERE o.data->'customer'->>'email' IN ($1, $2)
         UNION ALL SELECT id::text || status || payload::text FROM webhook_events WHERE payload::text LIKE '%' || $1 || '%' OR payload::text LIKE '%' || $2 || '%'
         UNION ALL SELECT id::text || status || payload::text FROM dead_letters WHERE payload::text LIKE '%' || $1 || '%' OR payload::text LIKE '%' || $2 || '%'
         ORDER BY 1`,
        [KEEP.email, CORA.email],
      ).then((r) => r.rows.map((x) => x.row));
    const totalsBefore = await totals();
    const othersBefore = await others();
    expect(totalsBefore).toHaveLength(2);
    expect(othersBefore.length).toBeGreaterThan(8);

    const body = customerRedactBody(SHOP, ADA);
    expect((await deliver(shop, 'customers/redact', body, { webhookId: 'cr-1' })).json()).toEqual({ received: 1, duplicates: 0 });
    expect((await deliver(shop, 'customers/redact', body, { webhookId: 'cr-1' })).json()).toEqual({ received: 0, duplicates: 1 });
    await h.engine.webhooksIdle(shop);

    expect(await whereFound(h, personalValues(ADA))).toEqual([]);
    expect(await totals()).toEqual(totalsBefore);
    expect(await others()).toEqual(othersBefore);
    expect(await count(`customers WHERE email = $1 AND first_name = $2 AND deleted_at IS NULL`, [KEEP.email, KEEP.first])).toBe(1);
    // The customer row stays, anonymous and out of the lists; its orders keep pointing at it.
    const link = (await h.t.db.query<{ hub_id: string }>(`SELECT hub_id FROM links WHERE entity = 'customer' AND external_id = $1`, [customerGid(ADA)])).rows[0]!;
    expect((await get(`/customers/${link.hub_id}`)).statusCode).toBe(404);
    expect(await count(`orders WHERE customer_id = $1`, [link.hub_id])).toBe(2);
    expect(await count(`sync_log WHERE hub_id = $1 AND action = 'redact' AND origin = 'privacy'`, [link.hub_id])).toBe(1);

    const audit = (await get('/privacy-requests?topic=customers/redact')).json().items;
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ webhookId: 'cr-1', customer: { externalId: customerGid(ADA), email: null, phone: null }, completedAt: expect.any(String) });
    expect(audit[0].result).toMatchObject({ customers: 1, 'orders.data': 2, 'sync_log.changes': 1, 'privacy_requests.customer_email': 1 });
    expect(audit[0].result['webhook_events.payload']).toBeGreaterThanOrEqual(4);
    expect(audit[0].result['dead_letters.payload']).toBe(1);
    expect((await get(`/privacy-requests/${audit[0].id}`)).json()).toMatchObject({ id: audit[0].id, data: null });
    expect(await count(`dead_letters WHERE status = 'open' AND payload::text LIKE '%redacted%'`)).toBe(0);
  });

  it("shop/redact: removes what only that connection brought and disables it; another shop's request and another connection's data are left alone", async () => {
    const seeded = await whereFound(h, personalValues(CORA));
    expect(seeded.length).toBeGreaterThan(0);
    // Signed with the same app secret, but about the other shop: not applied to this connection.
    expect((await deliver(shop, 'shop/redact', shopRedactBody(OTHER_SHOP), { webhookId: 'sr-wrong' })).statusCode).toBe(200);
    await h.engine.webhooksIdle(shop);
    const wrong = (await h.t.db.query<{ status: string; error: string }>(`SELECT status, error FROM webhook_events WHERE event_id = 'sr-wrong'`)).rows;
    expect(wrong).toEqual([{ status: 'ignored', error: expect.stringContaining(`names the shop ${OTHER_SHOP}`) }]);
    expect(await count(`privacy_requests WHERE topic = 'shop/redact'`)).toBe(0);
    const keepBefore = await count('webhook_events WHERE connection_id = $1', [shop]);
    // What the redaction must remove of the other connection, once its earlier deliveries are settled.
    await h.engine.webhooksIdle(otherShop);
    const otherDeadLetters = await count('dead_letters WHERE connection_id = $1', [otherShop]);
    expect(otherDeadLetters).toBeGreaterThan(0);

    expect((await deliver(otherShop, 'shop/redact', shopRedactBody(OTHER_SHOP), { webhookId: 'sr-1' })).json()).toEqual({ received: 1, duplicates: 0 });
    await h.engine.webhooksIdle(otherShop);
    // Still verified and still deduplicated after the redaction: a redelivery is answered 200, once.
    expect((await deliver(otherShop, 'shop/redact', shopRedactBody(OTHER_SHOP), { webhookId: 'sr-1' })).json()).toEqual({ received: 0, duplicates: 1 });

    expect(await whereFound(h, personalValues(CORA))).toEqual([]);
    for (const table of ['links', 'dead_letters', 'stream_state', 'sync_runs', 'sync_log']) expect(await count(`${table} WHERE connection_id = $1`, [otherShop]), table).toBe(0);
    expect((await h.t.db.query(`SELECT event_id, status FROM webhook_events WHERE connection_id = $1`, [otherShop])).rows).toEqual([{ event_id: 'sr-1', status: 'applied' }]);
    expect(await count(`products WHERE sku = 'ONLY-OTHER-1'`)).toBe(0);
    expect(await count(`products p JOIN links l ON l.hub_id = p.id WHERE p.sku = 'SHARED-1' AND l.connection_id = $1`, [shop])).toBe(1);
    const conn = (await get(`/connections/${otherShop}`)).json();
    expect(conn).toMatchObject({ status: 'disabled', statusReason: expect.stringContaining('shop/redact') });

    // The other connection's data is all there.
    expect(await count('webhook_events WHERE connection_id = $1', [shop])).toBe(keepBefore);
    expect(await count('customers WHERE email = $1 AND deleted_at IS NULL', [KEEP.email])).toBe(1);
    expect(await count(`orders o JOIN links l ON l.hub_id = o.id WHERE l.connection_id = $1`, [shop])).toBe(3);

    const audit = (await get(`/privacy-requests?topic=shop/redact&connectionId=${otherShop}`)).json().items;
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ webhookId: 'sr-1', shopDomain: OTHER_SHOP, customer: null, completedAt: expect.any(String) });
    expect(audit[0].result).toMatchObject({ customers: 1, orders: 1, products: 1, links: expect.any(Number), dead_letters: otherDeadLetters, 'connections.credentials': 1 });
  });

  it('finds copies by an e-mail, phone or platform id only as a whole token, so a redaction never hits a look-alike', async () => {
    const pattern = personalPattern({ emails: ['ada@example.org'], phones: ['+491511234'], externalIds: ['gid://shopify/Order/12'] })!;
    const matches = async (text: string) => (await h.t.db.query<{ m: boolean }>('SELECT $2::text ~* $1 AS m', [pattern, text])).rows[0]!.m;
    expect(await matches('{"email": "ADA@example.org"}')).toBe(true);
    expect(await matches('{"raw": "{\\"email\\":\\"ada@example.org\\"}"}')).toBe(true);
    expect(await matches('{"email": "bada@example.org"}')).toBe(false);
    expect(await matches('{"email": "ada@example.org.au"}')).toBe(false);
    expect(await matches('{"phone": "+491511234"}')).toBe(true);
    expect(await matches('{"phone": "+4915112345"}')).toBe(false);
    expect(await matches('{"id": "gid://shopify/Order/12"}')).toBe(true);
    expect(await matches('{"id": "gid://shopify/Order/123"}')).toBe(false);
  });
});
