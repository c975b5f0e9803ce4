// Batched webhook apply: events are applied many per transaction, with the outcome each would have
// had alone — a failing event is isolated and dead-lettered while the rest of its batch is applied,
// a later event for a record wins, an older one is recorded but not applied, and two passes over
// one connection at once settle every event exactly once. Deliveries are stored with receiveWebhook
// (nothing applies them on its own) and applied by explicit passes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shopifyConnector } from '../../src/connectors/shopify/index.js';
import { signShopify } from '../../src/connectors/shopify/webhooks.js';
import type { WebhookEvent } from '../../src/connectors/types.js';
import { generateMasterKey, parseMasterKey, SecretBox } from '../../src/core/secret-box.js';
import { Engine } from '../../src/engine/engine.js';
import { connectorRegistry } from '../../src/engine/registry.js';
import type { ContextDeps } from '../../src/engine/run-context.js';
import { processWebhookEvents, receiveWebhook } from '../../src/engine/webhooks.js';
import { createLogger } from '../../src/server/logger.js';
import { insertConnection } from '../../src/store/connections.js';
import type { Db } from '../../src/store/db.js';
import { createTenant } from '../../src/store/tenants.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { SANDBOX_OUTBOUND } from '../helpers/outbound.js';

const SECRET = 'shpss_batch_secret';

/** Shopify, except that a product titled "mapping throws" makes its webhook mapping throw. */
const throwingShopify = {
  ...shopifyConnector,
  webhooks: {
    ...shopifyConnector.webhooks!,
    toRecords(ev: WebhookEvent, lookup: Parameters<NonNullable<NonNullable<typeof shopifyConnector.webhooks>['toRecords']>>[1]) {
      if ((ev.payload as { body?: { title?: string } }).body?.title === 'mapping throws') throw new TypeError('the mapping cannot read this payload');
      return shopifyConnector.webhooks!.toRecords!(ev, lookup);
    },
  },
};

interface Setup {
  db: Db;
  deps: ContextDeps;
  tenantId: string;
  connectionId: string;
  /** withTenant transactions opened through deps.db since setup. */
  transactions(): number;
}

/** A tenant with its own Shopify connection on the shared test database. */
async function setup(t: TestDb): Promise<Setup> {
  const box = new SecretBox(parseMasterKey(generateMasterKey()));
  const { tenant } = await t.db.transaction((tx) => createTenant(tx, 'batch'));
  const conn = await t.db.withTenant(tenant.id, (tx) =>
    insertConnection(tx, box, { tenantId: tenant.id, platform: 'shopify', name: 'shop', settings: { shopDomain: 'acme.myshopify.com' }, credentials: { accessToken: 'shpat_x', apiSecret: SECRET } }),
  );
  const engine = new Engine({ db: t.db, box, logger: createLogger({ level: 'silent' }), registry: connectorRegistry([throwingShopify]), outbound: SANDBOX_OUTBOUND });
  let opened = 0;
  const db: Db = { ...t.db, withTenant: (id, fn) => (opened++, t.db.withTenant(id, fn)) };
  return { db: t.db, deps: { ...engine.deps, db }, tenantId: tenant.id, connectionId: conn.id, transactions: () => opened };
}

function product(id: number, title: string, updatedAt: string, inventoryItemId?: number) {
  return {
    id, admin_graphql_api_id: `gid://shopify/Product/${id}`, title, status: 'active', updated_at: updatedAt,
    variants: [{ id: id * 10, admin_graphql_api_id: `gid://shopify/ProductVariant/${id * 10}`, title: 'Default Title', sku: `SKU-${id}`, price: '10.00', ...(inventoryItemId ? { inventory_item_id: inventoryItemId } : {}) }],
  };
}

let seq = 0;
async function deliver(s: Setup, topic: string, body: unknown): Promise<void> {
  const raw = Buffer.from(JSON.stringify(body));
  const r = await receiveWebhook(s.deps, 'shopify', s.connectionId, {
    headers: { 'x-shopify-topic': topic, 'x-shopify-webhook-id': `w-${++seq}`, 'x-shopify-hmac-sha256': signShopify(raw, SECRET) },
    rawBody: raw,
    query: {},
  });
  expect(r.received).toBe(1);
}

const apply = (s: Setup, batchSize?: number) => processWebhookEvents(s.deps, s.tenantId, s.connectionId, batchSize ? { batchSize } : {});
const hubProduct = async (s: Setup, sku: string) =>
  (await s.db.query<{ name: string; deleted_at: Date | null }>('SELECT name, deleted_at FROM products WHERE tenant_id = $1 AND sku = $2', [s.tenantId, sku])).rows[0];
const events = async (s: Setup) =>
  (await s.db.query<{ external_id: string; status: string; error: string | null }>('SELECT external_id, status, error FROM webhook_events WHERE connection_id = $1 ORDER BY received_at', [s.connectionId])).rows;
const countOf = async (s: Setup, table: string) => (await s.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE tenant_id = $1`, [s.tenantId])).rows[0]!.n;

describe('batched webhook apply', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(() => t?.cleanup());

  it('drains every received event in batches, in a few transactions rather than one per event', async () => {
    const s = await setup(t);
    for (let i = 1; i <= 60; i++) await deliver(s, 'products/update', product(i, `P${i}`, '2025-03-01T00:00:00Z'));
    const before = s.transactions();
    expect(await apply(s, 25)).toBe(60);
    // Three batches of 25, 25 and 10, plus the one that finds nothing left.
    expect(s.transactions() - before).toBe(4);
    expect((await events(s)).every((e) => e.status === 'applied')).toBe(true);
    expect(await countOf(s, 'products')).toBe(60);
  });

  it('a pass stops between batches when its signal aborts (shutdown), leaving the rest received', async () => {
    const s = await setup(t);
    for (let i = 1; i <= 30; i++) await deliver(s, 'products/update', product(300 + i, `S${i}`, '2025-03-01T00:00:00Z'));
    const stop = new AbortController();
    const db = s.deps.db;
    // Shutdown arrives while the first batch is being applied.
    const deps = { ...s.deps, db: { ...db, withTenant: <T>(id: string, fn: Parameters<Db['withTenant']>[1]) => db.withTenant(id, (tx) => (stop.abort(), fn(tx) as Promise<T>)) } as Db };
    expect(await processWebhookEvents(deps, s.tenantId, s.connectionId, { batchSize: 10, signal: stop.signal })).toBe(10);
    expect((await events(s)).filter((e) => e.status === 'received')).toHaveLength(20);
    expect(await apply(s, 10)).toBe(20);
  });

  it('a failing event in a batch is marked failed and dead-lettered; the others of the batch are applied', async () => {
    const s = await setup(t);
    const order = {
      id: 77, admin_graphql_api_id: 'gid://shopify/Order/77', name: '#77', currency: 'EUR', financial_status: 'paid',
      total_price: '999999999999999.00', subtotal_price: '1.00', total_tax: '0.00', updated_at: '2025-03-05T10:00:00Z',
      line_items: [{ id: 770, admin_graphql_api_id: 'gid://shopify/LineItem/770', sku: 'X', name: 'X', quantity: 1, price: '1.00' }],
    };
    await deliver(s, 'products/update', product(1, 'Before', '2025-03-01T00:00:00Z'));
    await deliver(s, 'orders/updated', order); // the database refuses the total: fails the batch's transaction
    await deliver(s, 'products/update', product(2, 'mapping throws', '2025-03-01T00:00:00Z')); // fails before any statement
    await deliver(s, 'products/update', product(3, 'After', '2025-03-01T00:00:00Z'));
    await deliver(s, 'inventory_levels/update', { inventory_item_id: 999, location_id: 1, available: 5, updated_at: '2025-03-01T00:00:00Z' }); // names no SKU
    await deliver(s, 'products/update', product(4, 'Last', '2025-03-01T00:00:00Z'));
    expect(await apply(s)).toBe(6);
    expect(await events(s)).toEqual([
      { external_id: 'gid://shopify/Product/1', status: 'applied', error: null },
      { external_id: 'gid://shopify/Order/77', status: 'failed', error: expect.stringMatching(/^the event cannot be applied: .*(out of range|overflow)/i) },
      { external_id: 'gid://shopify/Product/2', status: 'failed', error: 'the event cannot be applied: the mapping cannot read this payload' },
      { external_id: 'gid://shopify/Product/3', status: 'applied', error: null },
      { external_id: 'gid://shopify/InventoryItem/999', status: 'failed', error: expect.stringMatching(/belongs to no SKU/) },
      { external_id: 'gid://shopify/Product/4', status: 'applied', error: null },
    ]);
    for (const sku of ['SKU-1', 'SKU-3', 'SKU-4']) expect(await hubProduct(s, sku)).toMatchObject({ deleted_at: null });
    expect(await hubProduct(s, 'SKU-2')).toBeUndefined();
    expect(await countOf(s, 'orders')).toBe(0);
    const letters = (await s.db.query<{ kind: string; external_id: string }>('SELECT kind, external_id FROM dead_letters WHERE connection_id = $1', [s.connectionId])).rows;
    expect(letters.map((l) => [l.kind, l.external_id]).sort()).toEqual([
      ['webhook', 'gid://shopify/InventoryItem/999'],
      ['webhook', 'gid://shopify/Order/77'],
      ['webhook', 'gid://shopify/Product/2'],
    ]);
    // Nothing is left for a sweeper to retry.
    expect(await apply(s)).toBe(0);
  });

  it('two updates of one record in one batch are both written, in order: the later wins', async () => {
    const s = await setup(t);
    await deliver(s, 'products/update', product(5, 'First', '2025-03-01T00:00:00Z'));
    await deliver(s, 'products/update', product(6, 'Other', '2025-03-01T00:00:00Z'));
    await deliver(s, 'products/update', product(5, 'Second', '2025-03-01T00:00:00Z'));
    const before = s.transactions();
    expect(await apply(s)).toBe(3);
    expect(s.transactions() - before).toBe(2); // one batch, and the claim that finds nothing left
    expect((await hubProduct(s, 'SKU-5'))!.name).toBe('Second');
    expect((await events(s)).map((e) => e.status)).toEqual(['applied', 'applied', 'applied']);
    // Both versions were written (the audit log has a create and an update), not folded into one.
    const log = (await s.db.query<{ action: string }>(`SELECT action FROM sync_log l JOIN products p ON p.id = l.hub_id WHERE p.tenant_id = $1 AND p.sku = 'SKU-5' ORDER BY l.id`, [s.tenantId])).rows;
    expect(log.map((l) => l.action)).toEqual(['create', 'update']);
  });

  it.each([1, 250])('an older update arriving after a newer one is recorded, not applied (batch size %i)', async (batchSize) => {
    const s = await setup(t);
    await deliver(s, 'products/update', product(7, 'Newer', '2025-03-05T00:00:00Z'));
    await deliver(s, 'products/update', product(7, 'Older', '2025-03-01T00:00:00Z'));
    // Without an event time (some platforms send none) events are taken in arrival order: newer first.
    await s.db.query('UPDATE webhook_events SET occurred_at = NULL WHERE connection_id = $1', [s.connectionId]);
    expect(await apply(s, batchSize)).toBe(2);
    expect((await hubProduct(s, 'SKU-7'))!.name).toBe('Newer');
    expect((await events(s)).map((e) => [e.status, e.error])).toEqual([
      ['applied', null],
      ['ignored', 'older than what the hub already holds'],
    ]);
    // And across passes: an even older one, after the batch committed.
    await deliver(s, 'products/update', product(7, 'Oldest', '2025-02-01T00:00:00Z'));
    expect(await apply(s, batchSize)).toBe(1);
    expect((await hubProduct(s, 'SKU-7'))!.name).toBe('Newer');
  });

  it('in one batch: a stock event finds the SKU an earlier event of the batch created, and a delete follows an update', async () => {
    const s = await setup(t);
    await deliver(s, 'products/update', product(8, 'Stocked', '2025-03-01T00:00:00Z', 8008));
    await deliver(s, 'inventory_levels/update', { inventory_item_id: 8008, location_id: 77, available: 12, updated_at: '2025-03-02T00:00:00Z' });
    await deliver(s, 'products/update', product(9, 'Doomed', '2025-03-01T00:00:00Z'));
    await deliver(s, 'products/delete', { id: 9 });
    expect(await apply(s)).toBe(4);
    expect((await events(s)).map((e) => e.status)).toEqual(['applied', 'applied', 'applied', 'applied']);
    const stock = (await s.db.query<{ available: number }>(`SELECT available FROM stock_levels WHERE tenant_id = $1 AND sku = 'SKU-8'`, [s.tenantId])).rows;
    expect(stock).toEqual([{ available: 12 }]);
    expect((await hubProduct(s, 'SKU-9'))!.deleted_at).not.toBeNull();
  });

  it('two passes over one connection at once settle every event exactly once, the newest version winning', async () => {
    const s = await setup(t);
    const products = 12;
    const rounds = 10;
    for (let r = 0; r < rounds; r++) {
      for (let p = 1; p <= products; p++) await deliver(s, 'products/update', product(100 + p, `P${p} r${r}`, `2025-03-01T00:00:${String(r).padStart(2, '0')}Z`));
    }
    const handled = await Promise.all([apply(s, 7), apply(s, 5)]);
    expect(handled[0] + handled[1]).toBe(products * rounds);
    expect((await events(s)).every((e) => e.status === 'applied')).toBe(true);
    // Each event wrote its version once: one audit line per event, no more.
    expect(await countOf(s, 'sync_log')).toBe(products * rounds);
    for (let p = 1; p <= products; p++) expect((await hubProduct(s, `SKU-${100 + p}`))!.name).toBe(`P${p} r${rounds - 1}`);
  });
});
