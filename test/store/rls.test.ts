// Row-level security: inside a transaction set to tenant A, even a deliberately unscoped SELECT
// on any tenant table sees none of tenant B's rows, and A cannot write rows claiming to be B's.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMasterKey, parseMasterKey, SecretBox } from '../../src/core/secret-box.js';
import { insertConnection } from '../../src/store/connections.js';
import { createTenant } from '../../src/store/tenants.js';
import { createTestDb, type TestDb } from '../helpers/db.js';

const TENANT_TABLES = [
  'connections', 'tenant_settings', 'products', 'stock_levels', 'customers', 'orders', 'order_lines',
  'catalog_items', 'links', 'sync_runs', 'stream_state', 'dead_letters', 'webhook_events', 'sync_log', 'conflicts', 'pull_writes',
  'privacy_requests',
];

describe('row-level security', () => {
  let t: TestDb;
  let a: string;
  let b: string;
  const box = new SecretBox(parseMasterKey(generateMasterKey()));

  async function seed(tenantId: string) {
    // Written as the owner role, the way the engine's system work writes.
    await t.db.transaction(async (tx) => {
      const conn = await insertConnection(tx, box, { tenantId, platform: 'shopify', name: 'shop', settings: {}, credentials: { accessToken: 'x' } });
      const product = randomUUID();
      const customer = randomUUID();
      const order = randomUUID();
      await tx.query(`INSERT INTO products (id, tenant_id, sku, name) VALUES ($1, $2, 'SKU-1', 'P')`, [product, tenantId]);
      await tx.query(`INSERT INTO stock_levels (tenant_id, product_id, sku, location_id, available) VALUES ($1, $2, 'SKU-1', 'L1', 5)`, [tenantId, product]);
      await tx.query(`INSERT INTO customers (id, tenant_id, email) VALUES ($1, $2, 'c@example.com')`, [customer, tenantId]);
      await tx.query(`INSERT INTO orders (id, tenant_id, customer_id, number) VALUES ($1, $2, $3, '1001')`, [order, tenantId, customer]);
      await tx.query(`INSERT INTO order_lines (tenant_id, order_id, line_no, sku, quantity) VALUES ($1, $2, 1, 'SKU-1', 2)`, [tenantId, order]);
      await tx.query(`INSERT INTO catalog_items (tenant_id, connection_id, external_id) VALUES ($1, $2, 'v1')`, [tenantId, conn.id]);
      await tx.query(`INSERT INTO links (tenant_id, entity, hub_id, connection_id, external_id) VALUES ($1, 'product', $2, $3, 'gid://1')`, [tenantId, product, conn.id]);
      const run = randomUUID();
      await tx.query(`INSERT INTO sync_runs (id, tenant_id, connection_id, stream) VALUES ($1, $2, $3, 'products')`, [run, tenantId, conn.id]);
      await tx.query(`INSERT INTO stream_state (tenant_id, connection_id, stream, cursor) VALUES ($1, $2, 'products', '{"page":1}')`, [tenantId, conn.id]);
      await tx.query(`INSERT INTO dead_letters (tenant_id, connection_id, run_id, kind, payload, reason) VALUES ($1, $2, $3, 'record', '{}', 'bad')`, [tenantId, conn.id, run]);
      await tx.query(`INSERT INTO webhook_events (tenant_id, connection_id, platform, event_id) VALUES ($1, $2, 'shopify', 'e1')`, [tenantId, conn.id]);
      await tx.query(`INSERT INTO sync_log (tenant_id, entity, hub_id, direction, action) VALUES ($1, 'product', $2, 'pull', 'update')`, [tenantId, product]);
      await tx.query(`INSERT INTO conflicts (tenant_id, product_id, field) VALUES ($1, $2, 'name')`, [tenantId, product]);
      await tx.query(`INSERT INTO pull_writes (tenant_id, connection_id, stream, kind, key) VALUES ($1, $2, 'orders', 'emag.acknowledge', '1')`, [tenantId, conn.id]);
      await tx.query(`INSERT INTO privacy_requests (tenant_id, connection_id, platform, topic, webhook_id) VALUES ($1, $2, 'shopify', 'customers/data_request', 'w1')`, [tenantId, conn.id]);
    });
  }

  beforeAll(async () => {
    t = await createTestDb();
    a = (await t.db.transaction((tx) => createTenant(tx, 'A'))).tenant.id;
    b = (await t.db.transaction((tx) => createTenant(tx, 'B'))).tenant.id;
    await seed(a);
    await seed(b);
  });
  afterAll(() => t?.cleanup());

  it.each(TENANT_TABLES)('unscoped SELECT on %s as tenant A returns only A rows', async (table) => {
    const rows = await t.db.withTenant(a, async (tx) => (await tx.query<{ tenant_id: string }>(`SELECT tenant_id FROM ${table}`)).rows);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.tenant_id === a)).toBe(true);
    // the owner sees both tenants: the rows of B exist, RLS hid them
    const all = (await t.db.query<{ n: number }>(`SELECT count(DISTINCT tenant_id)::int AS n FROM ${table}`)).rows[0]!.n;
    expect(all).toBe(2);
  });

  it('tenants table shows only the own tenant', async () => {
    const rows = await t.db.withTenant(a, async (tx) => (await tx.query<{ id: string }>('SELECT id FROM tenants')).rows);
    expect(rows.map((r) => r.id)).toEqual([a]);
  });

  it('rejects writing a row that belongs to another tenant', async () => {
    await expect(
      t.db.withTenant(a, (tx) => tx.query(`INSERT INTO products (tenant_id, sku) VALUES ($1, 'EVIL')`, [b])),
    ).rejects.toThrow(/row-level security/);
    const n = await t.db.withTenant(a, async (tx) => (await tx.query(`UPDATE products SET name = 'hacked' WHERE tenant_id = $1`, [b])).rowCount);
    expect(n).toBe(0);
    const names = (await t.db.query<{ name: string }>('SELECT name FROM products WHERE tenant_id = $1', [b])).rows;
    expect(names.map((r) => r.name)).toEqual(['P']);
  });

  it('api_keys are not readable from a tenant scope', async () => {
    await expect(t.db.withTenant(a, (tx) => tx.query('SELECT * FROM api_keys'))).rejects.toThrow(/permission denied/);
  });

  it('without a tenant set, the app role sees nothing', async () => {
    const rows = await t.db.transaction(async (tx) => {
      await tx.exec('SET LOCAL ROLE commerce_sync_app');
      return (await tx.query('SELECT * FROM products')).rows;
    });
    expect(rows).toEqual([]);
  });

  it('a failed statement inside a transaction rolls back and the database stays usable', async () => {
    await expect(
      t.db.transaction(async (tx) => {
        await tx.query(`UPDATE products SET name = 'changed' WHERE tenant_id = $1`, [a]);
        await tx.query('SELECT * FROM no_such_table');
      }),
    ).rejects.toThrow();
    const { rows } = await t.db.query<{ name: string }>('SELECT name FROM products WHERE tenant_id = $1', [a]);
    expect(rows[0]!.name).toBe('P');
    await expect(t.db.exec('SELECT 1; SELECT * FROM no_such_table; SELECT 2')).rejects.toThrow();
    expect((await t.db.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one).toBe(1);
  });
});
