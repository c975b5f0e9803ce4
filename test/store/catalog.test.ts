// Catalog items as the API shows them are rendered by the database (listCatalogItemsJson,
// getCatalogItem): money with its significant decimals and at least two, times as
// Date.toISOString() writes them, data fields only when they have the right type, and keyset pages
// that neither skip nor repeat an item.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMasterKey, parseMasterKey, SecretBox } from '../../src/core/secret-box.js';
import { decodeCatalogCursor, getCatalogItem, listCatalogItemsJson } from '../../src/store/catalog.js';
import { insertConnection } from '../../src/store/connections.js';
import { createTenant } from '../../src/store/tenants.js';
import { createTestDb, type TestDb } from '../helpers/db.js';

describe('catalog items rendered by the database', () => {
  let t: TestDb;
  let tenantId: string;
  let connectionId: string;
  const box = new SecretBox(parseMasterKey(generateMasterKey()));

  beforeAll(async () => {
    t = await createTestDb();
    tenantId = (await t.db.transaction((tx) => createTenant(tx, 'catalog'))).tenant.id;
    connectionId = (await t.db.withTenant(tenantId, (tx) => insertConnection(tx, box, { tenantId, platform: 'printful', name: 'pf', settings: {}, credentials: { token: 'x' } }))).id;
    const rows: [string, string | null, string][] = [
      ['v1', '12.5', JSON.stringify({ size: 'M', color: 'Black', colorCode: '#000', imageUrl: 'https://x/1.jpg', availability: { US: 'in_stock' } })],
      ['v2', '10', JSON.stringify({ size: 42, availability: ['not', 'a', 'map'] })],
      ['v3', '9.125', '{}'],
      ['v4', null, '{}'],
      ['v5', '0.1', '{}'],
    ];
    for (const [ext, price, data] of rows) {
      await t.db.query(
        `INSERT INTO catalog_items (tenant_id, connection_id, external_id, product_external_id, product_name, variant_name, price, currency, in_stock, data, updated_at)
         VALUES ($1, $2, $3, '7', 'Tee', $3, $4, 'USD', true, $5, '2025-03-04T05:06:07.089Z')`,
        [tenantId, connectionId, ext, price, data],
      );
    }
  });
  afterAll(async () => t.cleanup());

  const page = (limit: number, afterId: string | null = null) => t.db.withTenant(tenantId, (tx) => listCatalogItemsJson(tx, tenantId, { limit, afterId }));

  it('renders each field as the API documents it', async () => {
    const items = JSON.parse((await page(10)).itemsJson) as Record<string, unknown>[];
    const byExt = Object.fromEntries(items.map((i) => [i.externalId, i]));
    expect(byExt.v1).toEqual({
      id: expect.any(String), connectionId, externalId: 'v1', productExternalId: '7', productName: 'Tee', variantName: 'v1',
      size: 'M', color: 'Black', colorCode: '#000', imageUrl: 'https://x/1.jpg', price: '12.50', currency: 'USD', inStock: true,
      availability: { US: 'in_stock' }, updatedAt: '2025-03-04T05:06:07.089Z',
    });
    expect(byExt.v2).toMatchObject({ price: '10.00', size: null, availability: null });
    expect(byExt.v3!.price).toBe('9.125');
    expect(byExt.v4!.price).toBeNull();
    expect(byExt.v5!.price).toBe('0.10');
  });

  it('pages by id without skipping or repeating, and says when there is no next page', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 10; i++) {
      const p = await page(2, after);
      seen.push(...(JSON.parse(p.itemsJson) as { externalId: string }[]).map((x) => x.externalId));
      if (!p.nextCursor) break;
      after = decodeCatalogCursor(p.nextCursor);
    }
    expect(seen.sort()).toEqual(['v1', 'v2', 'v3', 'v4', 'v5']);
    const all = await page(5);
    expect(all.nextCursor).toBeNull();
    expect(JSON.parse((await page(5, 'ffffffff-ffff-ffff-ffff-ffffffffffff')).itemsJson)).toEqual([]);
  });

  it('reads one item the same way, with the products made from it', async () => {
    const [first] = JSON.parse((await page(1)).itemsJson) as { id: string }[];
    const item = await t.db.withTenant(tenantId, (tx) => getCatalogItem(tx, tenantId, first!.id));
    expect(item).toMatchObject({ id: first!.id, updatedAt: '2025-03-04T05:06:07.089Z', products: [] });
  });
});
