// POST /api/v1/products, PATCH and DELETE /api/v1/products/:id: hub edits with field provenance,
// versions (If-Match / `version`), SKU uniqueness, tenant scoping and soft deletes; and the store-level
// rule that a pull write bumps the version too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSyncError } from '../../src/core/errors.js';
import type { ProductRecord } from '../../src/core/records.js';
import { applyRecords } from '../../src/engine/apply.js';
import { insertConnection } from '../../src/store/connections.js';
import { getProduct } from '../../src/store/hub-reads-products.js';
import { updateHubProduct } from '../../src/store/hub-writes-products.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { variant } from './hub-reads-fixture.js';

type Tenant = Awaited<ReturnType<TestApp['newTenant']>>;
type Headers = Record<string, string>;

describe('hub write API: products', () => {
  let h: TestApp;
  let a: Tenant;
  let b: Tenant;
  let shop: string;
  /** Hub ids of the Shopify variants pulled for tenant a, by variant index. */
  const pulled = new Map<number, string>();

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown, headers: Headers = {}, as: Tenant = a) =>
    h.app.inject({ method, url: `/api/v1${url}`, headers: { ...as.auth, ...headers }, ...(body === undefined ? {} : { payload: body as object }) });
  const ifMatch = (v: number | string) => ({ 'if-match': typeof v === 'number' ? `"${v}"` : v });
  const create = async (body: Record<string, unknown>, as: Tenant = a) => {
    const res = await call('POST', '/products', body, {}, as);
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; version: number };
  };
  const versionOf = async (id: string) => (await call('GET', `/products/${id}`)).json().version as number;

  /** Pulls Shopify variants into tenant a through the engine's own write path. */
  async function pull(records: ProductRecord[]): Promise<void> {
    await h.t.db.withTenant(a.id, (tx) => applyRecords(tx, { tenantId: a.id, connectionId: shop, runId: null, origin: 'shopify', passId: null }, records));
    const { rows } = await h.t.db.withTenant(a.id, (tx) =>
      tx.query<{ external_id: string; hub_id: string }>(`SELECT external_id, hub_id FROM links WHERE tenant_id = $1 AND entity = 'product'`, [a.id]),
    );
    for (const r of rows) pulled.set(Number(BigInt(r.external_id.split('/').pop()!) - 9_007_199_254_740_993n), r.hub_id);
  }

  beforeAll(async () => {
    h = await createTestApp();
    a = await h.newTenant('writes-a');
    b = await h.newTenant('writes-b');
    shop = (await h.t.db.withTenant(a.id, (tx) => insertConnection(tx, h.box, { tenantId: a.id, platform: 'shopify', name: 'shop', settings: {}, credentials: { token: 'x' } }))).id;
    // Variants 0-3, and two variants of the shop sharing SKU DUP-1 (the second keeps it in its data only).
    await pull([0, 1, 2, 3].map((i) => variant(i)).concat(variant(4, { sku: 'DUP-1' }), variant(5, { sku: 'DUP-1' })));
  });
  afterAll(() => h?.close());

  it('creates a product: 201 with ETag and Location; GET shows version 1, origin hub on every field set, and the list has it', async () => {
    const body = { sku: 'HUB-1', name: 'Hub Mug', price: '12.50', compareAtPrice: '15.00', weight: { value: 0.3, unit: 'kg' }, tags: ['new'], description: null };
    const res = await call('POST', '/products', body);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.headers.etag).toBe('"1"');
    const created = res.json();
    expect(res.headers.location).toBe(`/api/v1/products/${created.id}`);

    const got = await call('GET', `/products/${created.id}`);
    expect(got.statusCode).toBe(200);
    expect(got.headers.etag).toBe('"1"');
    const p = got.json();
    expect(p).toMatchObject({ sku: 'HUB-1', name: 'Hub Mug', fields: body, version: 1, lastUpdatedBy: 'hub', syncStatus: 'in_sync', links: [], stock: [] });
    expect(Object.keys(p.fieldMeta).sort()).toEqual(Object.keys(body).sort());
    for (const meta of Object.values(p.fieldMeta)) expect(meta).toEqual({ origin: 'hub', at: expect.any(String) });
    expect(created).toEqual(p);

    const listed = (await call('GET', '/products?sku=HUB-1')).json().items;
    expect(listed).toEqual([expect.objectContaining({ id: created.id, version: 1 })]);
    const { rows } = await h.t.db.query(`SELECT direction, origin, action, changes FROM sync_log WHERE hub_id = $1`, [created.id]);
    expect(rows).toEqual([{ direction: 'api', origin: 'hub', action: 'create', changes: expect.objectContaining({ price: { old: null, new: '12.50' } }) }]);

    // No links, nothing to push to: an edit leaves it in sync. `version` in the body works like If-Match.
    const edited = await call('PATCH', `/products/${created.id}`, { version: 1, name: 'Hub Mug XL' });
    expect(edited.statusCode, edited.body).toBe(200);
    expect(edited.headers.etag).toBe('"2"');
    expect(edited.json()).toMatchObject({ name: 'Hub Mug XL', version: 2, syncStatus: 'in_sync' });
  });

  it('edits a pulled product: origin hub on the edited fields, the platform on the others; pending push to its links', async () => {
    const id = pulled.get(0)!;
    const before = await call('GET', `/products/${id}`);
    expect(before.json().fieldMeta.price.origin).toBe('shopify');
    const res = await call('PATCH', `/products/${id}`, { price: '9.90', reorderPoint: 5, seoTitle: null }, ifMatch(before.headers.etag as string));
    expect(res.statusCode, res.body).toBe(200);

    const p = (await call('GET', `/products/${id}`)).json();
    expect(p.version).toBe(before.json().version + 1);
    for (const f of ['price', 'reorderPoint', 'seoTitle']) expect(p.fieldMeta[f], f).toEqual({ origin: 'hub', at: expect.any(String) });
    for (const f of ['name', 'compareAtPrice', 'sku', 'tags']) expect(p.fieldMeta[f], f).toEqual(before.json().fieldMeta[f]);
    expect(p.fields).toMatchObject({ price: '9.90', reorderPoint: 5, seoTitle: null, compareAtPrice: '24.90', name: 'Blue Tee 0 / S' });
    expect(p).toMatchObject({ lastUpdatedBy: 'hub', syncStatus: 'pending' });
    expect(p.links).toEqual([expect.objectContaining({ connectionId: shop, state: 'pending' })]);
    const { rows } = await h.t.db.query(`SELECT action, changes FROM sync_log WHERE hub_id = $1 AND direction = 'api'`, [id]);
    expect(rows).toEqual([{ action: 'update', changes: { price: { old: '19.90', new: '9.90' }, reorderPoint: { old: null, new: 5 }, seoTitle: { old: null, new: null } } }]);
  });

  it('refuses a stale version with 409 version_conflict carrying the current product, and changes nothing', async () => {
    const id = pulled.get(1)!;
    const v = await versionOf(id);
    expect((await call('PATCH', `/products/${id}`, { name: 'first' }, ifMatch(v))).statusCode).toBe(200);
    for (const res of [await call('PATCH', `/products/${id}`, { name: 'second' }, ifMatch(v)), await call('DELETE', `/products/${id}`, undefined, ifMatch(v))]) {
      expect(res.statusCode, res.body).toBe(409);
      const { error } = res.json();
      expect(error).toMatchObject({ code: 'version_conflict', details: { expectedVersion: v, currentVersion: v + 1 } });
      expect(error.details.current).toEqual((await call('GET', `/products/${id}`)).json());
    }
    expect((await call('GET', `/products/${id}`)).json()).toMatchObject({ name: 'first', version: v + 1 });
  });

  it('answers 428 precondition_required without If-Match or version, and 400 for a malformed or disagreeing one', async () => {
    const id = pulled.get(2)!;
    const v = await versionOf(id);
    for (const res of [await call('PATCH', `/products/${id}`, { name: 'x' }), await call('DELETE', `/products/${id}`)]) {
      expect(res.statusCode, res.body).toBe(428);
      expect(res.json().error.code).toBe('precondition_required');
    }
    for (const [body, headers] of [[{ name: 'x' }, ifMatch(String(v))], [{ name: 'x' }, ifMatch('*')], [{ name: 'x' }, ifMatch(`W/"${v}"`)], [{ name: 'x', version: v + 1 }, ifMatch(v)]] as const) {
      const res = await call('PATCH', `/products/${id}`, body, headers);
      expect(res.statusCode, `${JSON.stringify(headers)} ${res.body}`).toBe(400);
      expect(res.json().error.code).toBe('validation_failed');
    }
    expect(await versionOf(id)).toBe(v);
  });

  const BAD_BODIES: [string, unknown, string][] = [
    ['an unknown field', { sku: 'B-1', name: 'n', colour: 'red' }, 'validation_failed'],
    ['an identity field', { sku: 'B-1', name: 'n', externalId: '1' }, 'validation_failed'],
    ['a price as a number', { sku: 'B-1', name: 'n', price: 12.5 }, 'validation_failed'],
    ['a negative price', { sku: 'B-1', name: 'n', price: '-1.00' }, 'validation_failed'],
    ['an empty name', { sku: 'B-1', name: '' }, 'validation_failed'],
    ['a blank name', { sku: 'B-1', name: '   ' }, 'validation_failed'],
    ['a name of 256 characters', { sku: 'B-1', name: 'n'.repeat(256) }, 'validation_failed'],
    ['a description of 100,001 characters', { sku: 'B-1', name: 'n', description: 'd'.repeat(100_001) }, 'validation_failed'],
    ['tags that are not a list', { sku: 'B-1', name: 'n', tags: 'a,b' }, 'validation_failed'],
    ['an unknown key in weight', { sku: 'B-1', name: 'n', weight: { value: 1, unit: 'kg', grams: 1000 } }, 'validation_failed'],
    ['a NUL character', { sku: 'B-1', name: 'a\u0000b' }, 'validation_failed'],
    ['not JSON', '{"sku": "B-1", name', 'invalid_json'],
    ['a JSON array', [], 'validation_failed'],
  ];

  it.each(BAD_BODIES)('POST answers 400 for %s', async (_what, body, code) => {
    const res = await call('POST', '/products', body, typeof body === 'string' ? { 'content-type': 'application/json' } : {});
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.code).toBe(code);
  });

  it.each([
    ...BAD_BODIES.map(([what, body, code]) => [what, body, code] as [string, unknown, string]),
    ['a null SKU', { sku: null }, 'validation_failed'],
    ['no field to change', {}, 'validation_failed'],
    ['only a version', { version: 1 }, 'validation_failed'],
  ])('PATCH answers 400 for %s', async (_what, body, code) => {
    const id = pulled.get(3)!;
    const res = await call('PATCH', `/products/${id}`, body, { ...ifMatch(await versionOf(id)), ...(typeof body === 'string' ? { 'content-type': 'application/json' } : {}) });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.code).toBe(code);
  });

  it('POST answers 400 without sku or name', async () => {
    for (const body of [{ name: 'n' }, { sku: 'B-2' }]) {
      const res = await call('POST', '/products', body);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('validation_failed');
    }
  });

  it('refuses a SKU another live product has (in its column or only in its data) with 409 sku_taken; a deleted product frees it', async () => {
    for (const sku of ['TEE-000', 'DUP-1', 'HUB-1']) {
      const res = await call('POST', '/products', { sku, name: 'copy' });
      expect(res.statusCode, `${sku} ${res.body}`).toBe(409);
      expect(res.json().error).toMatchObject({ code: 'sku_taken', details: { sku } });
    }
    const other = await create({ sku: 'HUB-2', name: 'other' });
    for (const sku of ['TEE-000', 'DUP-1']) {
      const res = await call('PATCH', `/products/${other.id}`, { sku }, ifMatch(other.version));
      expect(res.statusCode, res.body).toBe(409);
      expect(res.json().error.code).toBe('sku_taken');
    }
    expect((await call('GET', `/products/${other.id}`)).json()).toMatchObject({ sku: 'HUB-2', version: other.version });
    // The same SKU in another tenant is that tenant's business; a deleted product's SKU is free again.
    await create({ sku: 'HUB-2', name: 'theirs' }, b);
    expect((await call('DELETE', `/products/${other.id}`, undefined, ifMatch(other.version))).statusCode).toBe(204);
    await create({ sku: 'HUB-2', name: 'again' });
    // Two creates racing for one SKU: the check, or on PostgreSQL the unique index, lets one through.
    const race = await Promise.all([1, 2].map((n) => call('POST', '/products', { sku: 'RACE-SKU', name: `racer ${n}` })));
    expect(race.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    expect(race.find((r) => r.statusCode === 409)!.json().error.code).toBe('sku_taken');
  });

  it('answers 404 for GET, PATCH and DELETE of another tenant’s product, and leaves it alone', async () => {
    const theirs = await create({ sku: 'B-ONLY', name: 'theirs' }, b);
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const id of [theirs.id, unknown]) {
      for (const res of [await call('GET', `/products/${id}`), await call('PATCH', `/products/${id}`, { name: 'mine' }, ifMatch(1)), await call('DELETE', `/products/${id}`, undefined, ifMatch(1))]) {
        expect(res.statusCode, res.body).toBe(404);
        expect(res.json().error.code).toBe('not_found');
      }
    }
    expect((await call('GET', `/products/${theirs.id}`, undefined, {}, b)).json()).toMatchObject({ name: 'theirs', version: 1 });
  });

  it('DELETE soft-deletes: 204, then GET, PATCH and DELETE answer 404 and the list leaves it out', async () => {
    const p = await create({ sku: 'GONE-1', name: 'to delete' });
    const res = await call('DELETE', `/products/${p.id}`, { version: p.version });
    expect(res.statusCode, res.body).toBe(204);
    expect((await call('GET', `/products/${p.id}`)).statusCode).toBe(404);
    expect((await call('GET', '/products?sku=GONE-1')).json().items).toEqual([]);
    expect((await call('PATCH', `/products/${p.id}`, { name: 'back' }, ifMatch(p.version + 1))).statusCode).toBe(404);
    expect((await call('DELETE', `/products/${p.id}`, undefined, ifMatch(p.version + 1))).statusCode).toBe(404);
    const { rows } = await h.t.db.query<{ deleted: boolean; version: string; action: string }>(
      `SELECT p.deleted_at IS NOT NULL AS deleted, p.version::text AS version, l.action FROM products p JOIN sync_log l ON l.hub_id = p.id WHERE p.id = $1 ORDER BY l.id`,
      [p.id],
    );
    expect(rows.map((r) => r.action)).toEqual(['create', 'delete']);
    expect(rows[1]).toMatchObject({ deleted: true, version: '2' });
  });

  it('of two concurrent PATCHes based on the same version, exactly one succeeds and the other gets 409', async () => {
    const p = await create({ sku: 'RACE-1', name: 'race' });
    let version = p.version;
    for (let round = 0; round < 5; round++) {
      const results = await Promise.all(['left', 'right'].map((name) => call('PATCH', `/products/${p.id}`, { name: `${name}-${round}` }, ifMatch(version))));
      expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409]);
      const winner = results.find((r) => r.statusCode === 200)!.json();
      const loser = results.find((r) => r.statusCode === 409)!.json();
      expect(winner.version).toBe(version + 1);
      expect(loser.error).toMatchObject({ code: 'version_conflict', details: { currentVersion: version + 1, current: { name: winner.name } } });
      version = winner.version;
    }
    expect(await versionOf(p.id)).toBe(version);
  });

  it('documents the write routes, their bodies, If-Match and 428 in the OpenAPI document', async () => {
    const doc = (await h.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    const post = doc.paths['/api/v1/products'].post;
    expect(post.requestBody.content['application/json'].schema.required.sort()).toEqual(['name', 'sku']);
    expect(Object.keys(post.responses)).toEqual(expect.arrayContaining(['201', '400', '409']));
    for (const method of ['patch', 'delete']) {
      const op = doc.paths['/api/v1/products/{id}'][method];
      expect(op.parameters.map((x: { name: string; in: string }) => `${x.in}:${x.name}`)).toEqual(expect.arrayContaining(['path:id', 'header:if-match']));
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['404', '409', '428']));
    }
    expect(doc.paths['/api/v1/products/{id}'].patch.requestBody.content['application/json'].schema.properties).toHaveProperty('version');
  });

  it('store: a pull write bumps the version, so a hub edit based on a read from before the pull gets version_conflict', async () => {
    const id = pulled.get(3)!;
    const read = (await h.t.db.withTenant(a.id, (tx) => getProduct(tx, a.id, id)))!;
    await pull([variant(3)]); // unchanged: the pull writes nothing and the version stays
    expect(await versionOf(id)).toBe(read.version);
    await pull([variant(3, { price: '21.00' })]);
    expect(await versionOf(id)).toBe(read.version + 1);

    const stale = await updateHubProduct(h.t.db, a.id, id, { price: '18.00' }, read.version).catch((e: unknown) => e);
    expect(isSyncError(stale) && stale.code).toBe('version_conflict');
    expect((await call('GET', `/products/${id}`)).json().fields.price).toBe('21.00');
    const fresh = await updateHubProduct(h.t.db, a.id, id, { price: '18.00' }, read.version + 1);
    expect(fresh).toMatchObject({ version: read.version + 2, fields: { price: '18.00' }, fieldMeta: { price: { origin: 'hub' } } });
  });

  it('store: a pull write that changes nothing a client reads (a refused field) leaves the version, so an edit in flight is not refused', async () => {
    const id = pulled.get(2)!;
    // customsCode is an ops field: once the hub set it, Shopify may not (its change is refused, not applied).
    const set = await updateHubProduct(h.t.db, a.id, id, { customsCode: '6109.10' }, await versionOf(id));
    await pull([variant(2, { customsCode: '9999.99' })]);
    const after = (await call('GET', `/products/${id}`)).json();
    expect(after.fields.customsCode).toBe('6109.10');
    expect(after.version).toBe(set.version);
    expect((await updateHubProduct(h.t.db, a.id, id, { price: '17.00' }, set.version)).version).toBe(set.version + 1);
  });
});
