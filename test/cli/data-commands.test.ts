// The hub data commands (products, orders, customers, stock) over data written by the engine's write
// path: their --json output is what the read API answers for the same filters (names and e-mails
// resolved to the ids the API takes), tables are readable, and bad input exits 2.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { execute, type Io, type View } from '../../src/cli/command.js';
import { customersView, customerView, orderView, ordersView, productsView, productView, stockView } from '../../src/cli/commands/data.js';
import type { Operation } from '../../src/cli/ops/context.js';
import { customersList, customersShow, ordersList, ordersShow, productsList, productsShow, stock } from '../../src/cli/ops/hub.js';
import { EXIT, exitCodeFor } from '../../src/cli/output.js';
import { ContextSession } from '../../src/cli/session.js';
import { createLogger } from '../../src/server/logger.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { type Fixture, getter, seedHub } from '../server/hub-reads-fixture.js';

describe('hub data commands', () => {
  let h: TestApp;
  let f: Fixture;
  let session: ContextSession;
  const TENANT = 'hub-reads';

  beforeAll(async () => {
    h = await createTestApp();
    f = await seedHub(h);
    session = new ContextSession({ db: h.t.db, box: h.box, engine: h.engine, logger: createLogger({ level: 'silent' }) });
  });
  afterAll(() => h?.close());

  /** Runs a command in this process as the CLI would; its stdout, stderr and exit code. */
  async function run<A extends z.ZodType, R>(op: Operation<A, R>, args: z.input<A>, view: View<R>, json = true) {
    let out = '';
    let err = '';
    const io: Io = { out: (t) => void (out += t), err: (t) => void (err += t), json, live: false };
    let code: number;
    try {
      code = await execute(session, op, args, view, io);
    } catch (e) {
      code = exitCodeFor(e);
      err += (e as Error).message;
    }
    return { code, out, err, json: () => JSON.parse(out) as Record<string, unknown> };
  }
  const api = async (url: string) => {
    const res = await getter(h, () => f.tenant.auth)(url);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as Record<string, unknown>;
  };

  it('products list --json is the API page, with filters and paging; a connection is named by name', async () => {
    const first = await run(productsList, { tenant: TENANT, limit: 50 }, productsView);
    expect(first.code).toBe(EXIT.ok);
    expect(first.json()).toEqual(await api('/products?limit=50'));
    const cursor = first.json().nextCursor as string;
    expect(cursor).toEqual(expect.any(String));
    expect((await run(productsList, { tenant: TENANT, limit: 50, cursor }, productsView)).json()).toEqual(await api(`/products?limit=50&cursor=${encodeURIComponent(cursor)}`));

    expect((await run(productsList, { tenant: TENANT, sku: 'TEE-001' }, productsView)).json()).toEqual(await api('/products?sku=TEE-001'));
    expect((await run(productsList, { tenant: TENANT, q: 'blue tee 1' }, productsView)).json()).toEqual(await api('/products?q=blue%20tee%201'));
    const byName = await run(productsList, { tenant: TENANT, connection: 'emag-main', syncStatus: 'in_sync' }, productsView);
    expect(byName.json()).toEqual(await api(`/products?connectionId=${f.emag}&syncStatus=in_sync`));
    expect((byName.json().items as unknown[]).length).toBe(5);
    // The tenant by id works as well as by name.
    expect((await run(productsList, { tenant: f.tenant.id, sku: 'TEE-001' }, productsView)).json()).toEqual(await api('/products?sku=TEE-001'));
  });

  it('products list shows a table and where the next page starts', async () => {
    const table = await run(productsList, { tenant: TENANT, limit: 3 }, productsView, false);
    expect(table.code).toBe(EXIT.ok);
    const lines = table.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+SKU\s+NAME\s+STATUS\s+LINKS\s+UPDATED$/);
    expect(lines.slice(1, 4).every((l) => /^[0-9a-f-]{36}\s/.test(l))).toBe(true);
    expect(lines[4]).toMatch(/^more: --cursor p\.\S+$/);
    const one = await run(productsList, { tenant: TENANT, sku: 'TEE-000' }, productsView, false);
    expect(one.out).toMatch(/\n[0-9a-f-]{36}\s+TEE-000\s+Blue Tee 0 \/ S\s+in_sync\s+shopify:shop, emag:emag-main, jtl-ffn:ffn\s+\d{4}-/);
    expect(one.out).not.toMatch(/more:/);
  });

  it('products show --json is the API detail; the table has links and stock', async () => {
    const id = f.productIds[0]!;
    const shown = await run(productsShow, { tenant: TENANT, id: id.toUpperCase() }, productView);
    expect(shown.json()).toEqual(await api(`/products/${id}`));
    const table = await run(productsShow, { tenant: TENANT, id }, productView, false);
    expect(table.out).toMatch(/^id:\s+[0-9a-f-]{36}\nsku:\s+TEE-000\n/);
    expect(table.out).toMatch(/\nLinks:\nPLATFORM\s+CONNECTION\s+EXTERNALID\s+STATE\s+ERROR\nshopify\s+shop\s+gid:\/\/shopify\/ProductVariant\/9007199254740993\s+in_sync/);
    expect(table.out).toMatch(/\nStock:\nLOCATIONID\s+AVAILABLE[^\n]*\ngid:\/\/shopify\/Location\/1\s+3\s/);
  });

  it('orders list --json is the API page: status, dates, connection by name and customer by e-mail', async () => {
    expect((await run(ordersList, { tenant: TENANT, status: 'cancelled', limit: 10 }, ordersView)).json()).toEqual(await api('/orders?status=cancelled&limit=10'));
    const dated = await run(ordersList, { tenant: TENANT, createdFrom: '2025-02-01', createdTo: '2025-02-10T00:00:00Z' }, ordersView);
    expect(dated.json()).toEqual(await api('/orders?createdFrom=2025-02-01&createdTo=2025-02-10T00:00:00Z'));
    expect((dated.json().items as unknown[]).length).toBe(9);
    const byEmail = await run(ordersList, { tenant: TENANT, customer: 'alice.example@EXAMPLE.com', connection: 'shop' }, ordersView);
    expect(byEmail.json()).toEqual(await api(`/orders?customerId=${f.customerIds[0]}&connectionId=${f.shop}`));
    expect((byEmail.json().items as unknown[]).length).toBe(1);
    expect((await run(ordersList, { tenant: TENANT, customer: f.customerIds[1]!, limit: 500 }, ordersView)).json()).toEqual(await api(`/orders?customerId=${f.customerIds[1]}&limit=500`));
    const table = await run(ordersList, { tenant: TENANT, status: 'new' }, ordersView, false);
    expect(table.out).toMatch(/^ID\s+NUMBER\s+STATUS\s+FINANCIAL\s+FULFILLMENT\s+TOTAL\s+LINES\s+ORDERED\n[0-9a-f-]{36}\s+9007199254741070\s+new\s+90\.00 RON\s+1\s/);
  });

  it('orders show, customers list and show, stock: --json is the API answer', async () => {
    const orderId = ((await api('/orders?limit=1')).items as { id: string }[])[0]!.id;
    expect((await run(ordersShow, { tenant: TENANT, id: orderId }, orderView)).json()).toEqual(await api(`/orders/${orderId}`));
    expect((await run(customersList, { tenant: TENANT, email: 'ALICE.example@example.com' }, customersView)).json()).toEqual(await api('/customers?email=ALICE.example%40example.com'));
    expect((await run(customersList, { tenant: TENANT, limit: 5 }, customersView)).json()).toEqual(await api('/customers?limit=5'));
    const customer = await run(customersShow, { tenant: TENANT, id: f.customerIds[1]! }, customerView);
    expect(customer.json()).toEqual(await api(`/customers/${f.customerIds[1]}`));
    expect((await run(customersShow, { tenant: TENANT, id: f.customerIds[1]! }, customerView, false)).out).toMatch(/\nNewest 100 of 106 orders \(orders list --customer [0-9a-f-]{36} pages through all\):\n/);

    const below = await run(stock, { tenant: TENANT, belowReorderPoint: true }, stockView);
    expect(below.json()).toEqual(await api('/stock?belowReorderPoint=true'));
    expect((below.json().items as { sku: string }[]).map((s) => s.sku)).toEqual(['TEE-000', 'TEE-000']);
    expect((await run(stock, { tenant: TENANT, sku: 'TEE-001' }, stockView)).json()).toEqual(await api('/stock?sku=TEE-001'));
    const table = await run(stock, { tenant: TENANT, sku: 'TEE-001' }, stockView, false);
    expect(table.out).toMatch(/^SKU\s+PRODUCT\s+LOCATION\s+AVAILABLE\s+RESERVED\s+ANNOUNCED\s+REORDERPOINT\n/);
    expect(table.out).toMatch(/\nTEE-001\s+Red Tee 0 \/ M\s+gid:\/\/shopify\/Location\/1\s+8\s+1\s+0\s+10\n/);
  });

  it('exits 2 for what cannot be found or is not valid, naming it', async () => {
    const cases: [Promise<{ code: number; err: string }>, RegExp][] = [
      [run(productsShow, { tenant: TENANT, id: f.otherProductId }, productView), /product .* not found/],
      [run(productsShow, { tenant: TENANT, id: 'not-a-uuid' }, productView), /id: must be a UUID/],
      [run(ordersShow, { tenant: TENANT, id: f.otherOrderId }, orderView), /order .* not found/],
      [run(customersShow, { tenant: TENANT, id: f.otherCustomerId }, customerView), /customer .* not found/],
      [run(productsList, { tenant: TENANT, connection: 'other-shop' }, productsView), /no connection "other-shop"/],
      [run(productsList, { tenant: 'nobody' }, productsView), /no single tenant "nobody"/],
      [run(productsList, { tenant: TENANT, cursor: 'o.bogus' }, productsView), /cursor is not valid/],
      [run(productsList, { tenant: TENANT, limit: 501 }, productsView), /limit/],
      [run(ordersList, { tenant: TENANT, status: 'shipped' as never }, ordersView), /status/],
      [run(ordersList, { tenant: TENANT, createdFrom: '2025-03-01', createdTo: '2025-02-01' }, ordersView), /--created-from must not be after --created-to/],
      [run(ordersList, { tenant: TENANT, createdFrom: '2023-02-29' }, ordersView), /createdFrom/],
      [run(ordersList, { tenant: TENANT, customer: 'nobody@example.com' }, ordersView), /no customer with the id or e-mail "nobody@example.com"/],
      [run(stock, { tenant: TENANT, cursor: 'p.x' }, stockView), /cursor is not valid/],
    ];
    for (const [pending, message] of cases) {
      const res = await pending;
      expect(res.code, res.err).toBe(EXIT.usage);
      expect(res.err).toMatch(message);
    }
  });
});
