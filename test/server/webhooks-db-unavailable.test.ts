// A database that is unavailable or full while a webhook delivery is stored: the delivery is answered
// 503 with Retry-After and the catalogued error body, nothing is stored, and the platform's
// redelivery once the database is back is answered 200 and stored exactly once. The same 503 comes
// from the one error handler on every route (here: an API route whose key lookup fails).
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { shopifyConnector } from '../../src/connectors/shopify/index.js';
import { signShopify } from '../../src/connectors/shopify/webhooks.js';
import type { Queryable } from '../../src/store/db.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

const SECRET = 'shpss_outage_secret';

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code, severity: 'FATAL' });
const nodeError = (code: string, message: string) => Object.assign(new Error(message), { code, errno: -111, syscall: 'connect' });

/** Errors the drivers raise when the database is unavailable or full. */
const OUTAGES: [string, () => Error][] = [
  ['57P01 admin shutdown', () => pgError('57P01', 'terminating connection due to administrator command')],
  ['a bare { code: 57P01 }', () => Object.assign(new Error('x'), { code: '57P01' })],
  ['57P03 cannot connect now', () => pgError('57P03', 'the database system is starting up')],
  ['53100 disk full', () => Object.assign(pgError('53100', 'could not extend file "base/16384/16385": No space left on device'), { severity: 'ERROR' })],
  ['53300 too many connections', () => pgError('53300', 'sorry, too many clients already')],
  ['08006 connection failure', () => pgError('08006', 'connection failure')],
  ['ECONNREFUSED', () => nodeError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
  ['ECONNRESET', () => nodeError('ECONNRESET', 'read ECONNRESET')],
  ['ETIMEDOUT', () => nodeError('ETIMEDOUT', 'connect ETIMEDOUT 10.0.0.5:5432')],
  ['pg-pool connect timeout', () => new Error('timeout exceeded when trying to connect')],
  ['pg connection lost', () => new Error('Connection terminated unexpectedly')],
];

function productPayload(id: number, title: string) {
  return {
    id, admin_graphql_api_id: `gid://shopify/Product/${id}`, title, status: 'active', updated_at: '2025-03-01T00:00:00Z',
    variants: [{ id: id * 10, admin_graphql_api_id: `gid://shopify/ProductVariant/${id * 10}`, title: 'Default Title', sku: `OUT-${id}`, price: '10.00' }],
  };
}

describe('webhook deliveries while the database is unavailable', () => {
  let h: TestApp;
  let connId: string;
  let tenant: Awaited<ReturnType<TestApp['newTenant']>>;

  const deliver = (body: unknown, webhookId: string) => {
    const raw = JSON.stringify(body);
    return h.app.inject({
      method: 'POST', url: `/webhooks/shopify/${connId}`, payload: raw,
      headers: {
        'content-type': 'application/json', 'x-shopify-topic': 'products/update', 'x-shopify-webhook-id': webhookId,
        'x-shopify-shop-domain': 'acme.myshopify.com', 'x-shopify-hmac-sha256': signShopify(raw, SECRET),
      },
    });
  };
  const stored = async (webhookId: string) =>
    (await h.t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_events WHERE event_id = $1', [webhookId])).rows[0]!.n;
  const deadLetters = async () => (await h.t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM dead_letters')).rows[0]!.n;

  /** Until restored: the statement that stores deliveries fails with `error()`, inside its transaction (rolled back). */
  const failStoring = (error: () => Error) => {
    const real = h.t.db.withTenant.bind(h.t.db);
    vi.spyOn(h.t.db, 'withTenant').mockImplementation((tenantId, fn) =>
      real(tenantId, (tx) => {
        const failing: Queryable = {
          query: <R>(sql: string, params?: unknown[]) => (/INSERT INTO webhook_events/.test(sql) ? Promise.reject(error()) : tx.query<R>(sql, params)),
          exec: (sql) => tx.exec(sql),
        };
        return fn(failing);
      }),
    );
  };

  beforeAll(async () => {
    h = await createTestApp({ connectors: [shopifyConnector] });
    tenant = await h.newTenant('outage');
    const res = await h.app.inject({
      method: 'POST', url: '/api/v1/connections', headers: tenant.auth,
      payload: { platform: 'shopify', name: 'shop', settings: { shopDomain: 'acme.myshopify.com' }, credentials: { accessToken: 'shpat_x', apiSecret: SECRET } },
    });
    connId = res.json().id;
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  afterAll(() => h?.close());

  it.each(OUTAGES)('%s while storing: 503 with Retry-After and nothing stored', async (_name, error) => {
    const webhookId = randomUUID();
    failStoring(error);
    const res = await deliver(productPayload(1, 'Lost?'), webhookId);
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.json()).toEqual({ error: { code: 'service_unavailable', message: expect.stringMatching(/database is unavailable/) } });
    expect(await stored(webhookId)).toBe(0);
    expect(await deadLetters()).toBe(0);
  });

  it('the redelivery after the database recovers is answered 200 and stored once; a later one is a duplicate', async () => {
    const webhookId = randomUUID();
    const body = productPayload(2, 'Board');
    failStoring(() => pgError('57P01', 'terminating connection due to administrator command'));
    const during = await deliver(body, webhookId);
    expect(during.statusCode).toBe(503);
    expect(during.headers['retry-after']).toBe('5');
    expect(await stored(webhookId)).toBe(0);

    vi.restoreAllMocks(); // the database is back
    const redelivered = await deliver(body, webhookId);
    expect(redelivered.statusCode).toBe(200);
    expect(redelivered.json()).toEqual({ received: 1, duplicates: 0 });
    expect(await stored(webhookId)).toBe(1);

    const again = await deliver(body, webhookId);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ received: 0, duplicates: 1 });
    expect(await stored(webhookId)).toBe(1);
    await h.engine.webhooksIdle(connId);
    const product = (await h.t.db.query<{ name: string }>(`SELECT name FROM products WHERE sku = 'OUT-2'`)).rows;
    expect(product).toEqual([{ name: 'Board' }]);
  });

  it('an already stored delivery redelivered during an outage of the store step is 503, then 200 as a duplicate', async () => {
    const webhookId = randomUUID();
    const body = productPayload(3, 'Kept');
    expect((await deliver(body, webhookId)).json()).toEqual({ received: 1, duplicates: 0 });
    failStoring(() => nodeError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'));
    expect((await deliver(body, webhookId)).statusCode).toBe(503);
    vi.restoreAllMocks();
    const res = await deliver(body, webhookId);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ received: 0, duplicates: 1 });
    expect(await stored(webhookId)).toBe(1);
  });

  it('an outage before the delivery is verified (the connection lookup) is a 503 too', async () => {
    vi.spyOn(h.t.db, 'query').mockRejectedValue(nodeError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'));
    const webhookId = randomUUID();
    const res = await deliver(productPayload(4, 'x'), webhookId);
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.json().error.code).toBe('service_unavailable');
    vi.restoreAllMocks();
    expect(await stored(webhookId)).toBe(0);
  });

  it('every route answers a database outage with the same 503 (here the API key lookup)', async () => {
    vi.spyOn(h.t.db, 'query').mockRejectedValue(pgError('53300', 'sorry, too many clients already'));
    const res = await h.app.inject({ method: 'GET', url: '/api/v1/connections', headers: tenant.auth });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.json().error.code).toBe('service_unavailable');
  });

  it('other database errors are not mistaken for an outage', async () => {
    failStoring(() => Object.assign(pgError('42P01', 'relation "webhook_events" does not exist'), { severity: 'ERROR' }));
    const res = await deliver(productPayload(5, 'x'), randomUUID());
    expect(res.statusCode).toBe(500);
    expect(res.headers['retry-after']).toBeUndefined();
    expect(res.json().error.code).toBe('internal_error');
  });
});
