// /api/v1/connections: CRUD, tenant isolation on every verb, validation, and secrets that never
// leave the server or reach storage and logs in plain text.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';

const SHOPIFY_TOKEN = 'shpat_0123456789abcdef0123456789abcdef';
const WEBHOOK_SECRET = 'whsec_do_not_leak_8f2b';

const shopifyBody = (name = 'shop-main') => ({
  platform: 'shopify',
  name,
  settings: { shopDomain: 'acme.myshopify.com' },
  credentials: { accessToken: SHOPIFY_TOKEN },
  webhookSecret: WEBHOOK_SECRET,
});

describe('connections API', () => {
  let h: TestApp;
  let a: Awaited<ReturnType<TestApp['newTenant']>>;
  let b: Awaited<ReturnType<TestApp['newTenant']>>;

  beforeAll(async () => {
    h = await createTestApp();
    a = await h.newTenant('tenant-a');
    b = await h.newTenant('tenant-b');
  });
  afterAll(() => h?.close());

  it('creates, reads, lists, updates and deletes a connection', async () => {
    const created = await h.app.inject({ method: 'POST', url: '/api/v1/connections', headers: a.auth, payload: shopifyBody('crud') });
    expect(created.statusCode).toBe(201);
    const conn = created.json();
    expect(conn).toMatchObject({ platform: 'shopify', name: 'crud', status: 'active', hasCredentials: true, webhookSecretSet: true });
    expect(conn.settings).toMatchObject({ shopDomain: 'acme.myshopify.com', mode: 'graphql' });

    const got = await h.app.inject({ method: 'GET', url: `/api/v1/connections/${conn.id}`, headers: a.auth });
    expect(got.statusCode).toBe(200);
    expect(got.json().id).toBe(conn.id);

    const patched = await h.app.inject({
      method: 'PATCH', url: `/api/v1/connections/${conn.id}`, headers: a.auth,
      payload: { name: 'crud-renamed', settings: { apiVersion: '2025-04' }, status: 'disabled' },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ name: 'crud-renamed', status: 'disabled', settings: { apiVersion: '2025-04', shopDomain: 'acme.myshopify.com' } });

    const scheduled = await h.app.inject({
      method: 'PATCH', url: `/api/v1/connections/${conn.id}`, headers: a.auth, payload: { schedule: { everyMinutes: 15, streams: ['orders'] } },
    });
    expect(scheduled.json().schedule).toEqual({ everyMinutes: 15, streams: ['orders'] });
    const badSchedule = await h.app.inject({ method: 'PATCH', url: `/api/v1/connections/${conn.id}`, headers: a.auth, payload: { schedule: { everyMinutes: 0 } } });
    expect(badSchedule.statusCode).toBe(400);
    expect(badSchedule.json().error.details.issues[0].path).toBe('schedule.everyMinutes');
    const unscheduled = await h.app.inject({ method: 'PATCH', url: `/api/v1/connections/${conn.id}`, headers: a.auth, payload: { schedule: null } });
    expect(unscheduled.json().schedule).toBeNull();

    const del = await h.app.inject({ method: 'DELETE', url: `/api/v1/connections/${conn.id}`, headers: a.auth });
    expect(del.statusCode).toBe(204);
    const gone = await h.app.inject({ method: 'GET', url: `/api/v1/connections/${conn.id}`, headers: a.auth });
    expect(gone.statusCode).toBe(404);
  });

  it('pages through a list with an opaque cursor, with no repeats and no gaps', async () => {
    const t = await h.newTenant('pager');
    for (let i = 0; i < 7; i++) {
      const r = await h.app.inject({ method: 'POST', url: '/api/v1/connections', headers: t.auth, payload: shopifyBody(`p${i}`) });
      expect(r.statusCode).toBe(201);
    }
    const names: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/api/v1/connections?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const r = await h.app.inject({ method: 'GET', url, headers: t.auth });
      expect(r.statusCode).toBe(200);
      const body = r.json() as { items: { name: string }[]; nextCursor: string | null };
      names.push(...body.items.map((i) => i.name));
      cursor = body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(names.sort()).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6']);
    const bad = await h.app.inject({ method: 'GET', url: '/api/v1/connections?cursor=garbage', headers: t.auth });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('validation_failed');
  });

  it("answers 404 to tenant A for every verb on tenant B's connection", async () => {
    const r = await h.app.inject({ method: 'POST', url: '/api/v1/connections', headers: b.auth, payload: shopifyBody('b-private') });
    const id = r.json().id as string;
    const url = `/api/v1/connections/${id}`;
    for (const [method, payload] of [['GET'], ['PATCH', { name: 'stolen' }], ['DELETE']] as const) {
      const res = await h.app.inject({ method, url, headers: a.auth, ...(payload ? { payload } : {}) });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    }
    const list = await h.app.inject({ method: 'GET', url: '/api/v1/connections?limit=500', headers: a.auth });
    expect(list.json().items.map((c: { id: string }) => c.id)).not.toContain(id);
    // B's connection is untouched
    const own = await h.app.inject({ method: 'GET', url, headers: b.auth });
    expect(own.statusCode).toBe(200);
    expect(own.json().name).toBe('b-private');
  });

  it('answers 401 without a key, with a wrong key, and with a malformed header', async () => {
    for (const headers of [{}, { authorization: 'Bearer csk_wrong' }, { authorization: 'Basic abc' }, { authorization: `Bearer ${a.key}x` }]) {
      const res = await h.app.inject({ method: 'GET', url: '/api/v1/connections', headers });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('unauthorized');
    }
  });

  it('answers 400 with field-level messages for invalid bodies', async () => {
    const missing = await h.app.inject({ method: 'POST', url: '/api/v1/connections', headers: a.auth, payload: { platform: 'shopify' } });
    expect(missing.statusCode).toBe(400);
    const paths = missing.json().error.details.issues.map((i: { path: string }) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['name', 'credentials']));

    const badConfig = await h.app.inject({
      method: 'POST', url: '/api/v1/connections', headers: a.auth,
      payload: { platform: 'shopify', name: 'x', settings: { shopDomain: 'acme.myshopify.com', baseUrl: 'not a url', extra: 1 }, credentials: {} },
    });
    expect(badConfig.statusCode).toBe(400);
    const body = badConfig.json();
    expect(body.error.code).toBe('validation_failed');
    const issues = body.error.details.issues as { path: string; message: string }[];
    expect(issues.map((i) => i.path)).toEqual(expect.arrayContaining(['settings.baseUrl', 'credentials.accessToken', 'settings.extra']));
    expect(issues.every((i) => i.message.length > 0)).toBe(true);

    const badJson = await h.app.inject({
      method: 'POST', url: '/api/v1/connections', headers: { ...a.auth, 'content-type': 'application/json' }, payload: '{"platform": ',
    });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json().error.code).toBe('invalid_json');

    const badPatch = await h.app.inject({ method: 'POST', url: '/api/v1/connections', headers: a.auth, payload: shopifyBody('patch-me') });
    const res = await h.app.inject({
      method: 'PATCH', url: `/api/v1/connections/${badPatch.json().id}`, headers: a.auth, payload: { settings: { apiVersion: 'yesterday' } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.issues[0].path).toBe('settings.apiVersion');
  });

  it('answers 400 for an unknown platform', async () => {
    const res = await h.app.inject({
      method: 'POST', url: '/api/v1/connections', headers: a.auth,
      payload: { platform: 'magento', name: 'x', settings: {}, credentials: {} },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('unknown_platform');
    expect(res.json().error.message).toMatch(/shopify/);
  });

  it('answers 409 for a duplicate name and 400 for a malformed id', async () => {
    await h.app.inject({ method: 'POST', url: '/api/v1/connections', headers: a.auth, payload: shopifyBody('dup') });
    const again = await h.app.inject({ method: 'POST', url: '/api/v1/connections', headers: a.auth, payload: shopifyBody('dup') });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('conflict');
    const malformed = await h.app.inject({ method: 'GET', url: '/api/v1/connections/not-a-uuid', headers: a.auth });
    expect(malformed.statusCode).toBe(400);
  });

  it('never returns, stores or logs credentials and webhook secrets in plain text', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/api/v1/connections', headers: a.auth, payload: shopifyBody('secretive') });
    expect(res.statusCode).toBe(201);
    const id = res.json().id as string;
    for (const r of [res, await h.app.inject({ method: 'GET', url: `/api/v1/connections/${id}`, headers: a.auth })]) {
      expect(r.body).not.toContain(SHOPIFY_TOKEN);
      expect(r.body).not.toContain(WEBHOOK_SECRET);
    }
    const { rows } = await h.t.db.query<Record<string, unknown>>('SELECT * FROM connections WHERE id = $1', [id]);
    const stored = JSON.stringify(rows[0]);
    expect(stored).not.toContain(SHOPIFY_TOKEN);
    expect(stored).not.toContain(WEBHOOK_SECRET);
    // ...but they are there, encrypted, for the engine
    const { loadConnectionSecrets } = await import('../../src/store/connections.js');
    const secrets = await h.t.db.withTenant(a.id, (tx) => loadConnectionSecrets(tx, h.box, a.id, id));
    expect(secrets).toEqual({ credentials: { accessToken: SHOPIFY_TOKEN }, webhookSecret: WEBHOOK_SECRET });
    // A log line that does carry them is redacted
    h.app.log.info({ credentials: { accessToken: SHOPIFY_TOKEN }, connection: { webhookSecret: WEBHOOK_SECRET } }, 'debugging a connection');
    const logs = h.logs();
    expect(logs).toContain('debugging a connection');
    expect(logs).not.toContain(SHOPIFY_TOKEN);
    expect(logs).not.toContain(WEBHOOK_SECRET);
    expect(logs).not.toContain(a.key);
  });
});
