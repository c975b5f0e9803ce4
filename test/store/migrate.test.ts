import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestMigrationVersion, loadMigrations, migrate } from '../../src/store/migrate.js';
import { createTestDb, type TestDb } from '../helpers/db.js';

describe('migrations', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb({ migrate: false });
  });
  afterAll(() => t?.cleanup());

  it('apply in order once, then are a no-op', async () => {
    const first = await migrate(t.db);
    expect(first.applied).toEqual(loadMigrations().map((m) => `${String(m.version).padStart(3, '0')}_${m.name}`));
    expect(first.current).toBe(latestMigrationVersion());
    const second = await migrate(t.db);
    expect(second.applied).toEqual([]);
  });

  it('create every table of the data model', async () => {
    const { rows } = await t.db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
    );
    const names = rows.map((r) => r.table_name);
    for (const table of ['tenants', 'api_keys', 'connections', 'products', 'stock_levels', 'orders', 'order_lines', 'customers',
      'catalog_items', 'links', 'sync_runs', 'stream_state', 'dead_letters', 'webhook_events', 'sync_log', 'conflicts']) {
      expect(names).toContain(table);
    }
  });

  it('allow one active run per connection and stream (single-flight index)', async () => {
    await t.db.exec(`
      INSERT INTO tenants (id, name) VALUES ('00000000-0000-0000-0000-000000000001', 't');
      INSERT INTO connections (id, tenant_id, platform, name, credentials_enc)
        VALUES ('00000000-0000-0000-0000-0000000000c1', '00000000-0000-0000-0000-000000000001', 'emag', 'main', 'x');
      INSERT INTO sync_runs (tenant_id, connection_id, stream, status)
        VALUES ('00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000c1', 'orders', 'running');`);
    await expect(
      t.db.query(`INSERT INTO sync_runs (tenant_id, connection_id, stream) VALUES
        ('00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000c1', 'orders')`),
    ).rejects.toThrow(/duplicate key|unique/);
    // a finished run does not block a new one
    await t.db.query(`UPDATE sync_runs SET status = 'succeeded'`);
    await t.db.query(`INSERT INTO sync_runs (tenant_id, connection_id, stream) VALUES
      ('00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000c1', 'orders')`);
  });
});

describe('migration 007: stock keyed by product', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb({ migrate: false });
  });
  afterAll(() => t?.cleanup());

  it('attaches SKU-keyed rows to their product, keeps the rest, and lets SKU-less products hold stock', async () => {
    await migrate(t.db, loadMigrations().filter((m) => m.version < 7));
    await t.db.exec(`
      INSERT INTO tenants (id, name) VALUES ('00000000-0000-0000-0000-000000000001', 't');
      INSERT INTO products (id, tenant_id, sku) VALUES ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-000000000001', 'SKU-1');
      INSERT INTO stock_levels (tenant_id, product_id, sku, location_id, available)
        VALUES ('00000000-0000-0000-0000-000000000001', NULL, 'SKU-1', 'L1', 5),
               ('00000000-0000-0000-0000-000000000001', NULL, 'SKU-GONE', 'L1', 2);`);
    await migrate(t.db);
    const rows = (await t.db.query('SELECT product_id, sku, available FROM stock_levels ORDER BY sku')).rows;
    expect(rows).toEqual([
      { product_id: '00000000-0000-0000-0000-0000000000a1', sku: 'SKU-1', available: 5 },
      { product_id: null, sku: 'SKU-GONE', available: 2 },
    ]);
    await t.db.exec(`
      INSERT INTO products (id, tenant_id, sku) VALUES ('00000000-0000-0000-0000-0000000000a2', '00000000-0000-0000-0000-000000000001', NULL);
      INSERT INTO stock_levels (tenant_id, product_id, sku, location_id, available)
        VALUES ('00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000a2', NULL, 'L1', -1);`);
    await expect(t.db.exec(`INSERT INTO stock_levels (tenant_id, product_id, location_id, available)
      VALUES ('00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000a2', 'L1', 3)`)).rejects.toThrow(/duplicate key|unique/);
  });
});
