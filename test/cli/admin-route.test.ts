// POST /admin/v1/cli, the CLI's way into a serve that holds the embedded data dir: the admin token is
// compared timing-safely and failing closed, failures are braked, the body is {operation, args}
// checked before anything runs, and the answer is the operation's JSON or the error envelope.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATIONS, runOperation } from '../../src/cli/ops/index.js';
import { generateMasterKey, parseMasterKey, SecretBox } from '../../src/core/secret-box.js';
import { Engine } from '../../src/engine/engine.js';
import { connectorRegistry } from '../../src/engine/registry.js';
import { buildApp } from '../../src/server/app.js';
import { createLogger } from '../../src/server/logger.js';
import { ADMIN_CLI_PATH, type AdminDeps, adminTokenCheck } from '../../src/server/routes/admin.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { SANDBOX_OUTBOUND } from '../helpers/outbound.js';

const TOKEN = 'dGhpcyBpcyBhIHRlc3QgYWRtaW4gdG9rZW4gb2YgMzIgYnl0ZXM';
const MAX_FAILURES = 5;

describe('admin token check', () => {
  it('accepts exactly the token, whatever the length of what is presented', () => {
    const check = adminTokenCheck(TOKEN);
    expect(check(TOKEN)).toBe(true);
    expect(check(TOKEN.slice(0, -1) + (TOKEN.endsWith('A') ? 'B' : 'A'))).toBe(false); // same length, last character differs
    expect(check(TOKEN.slice(0, -1))).toBe(false); // a prefix
    expect(check(TOKEN + 'x')).toBe(false);
    expect(check('')).toBe(false);
    expect(check('x'.repeat(10_000))).toBe(false);
  });

  it('fails closed: with no token configured nothing matches, not even an empty token', () => {
    const check = adminTokenCheck('');
    expect(check('')).toBe(false);
    expect(check(TOKEN)).toBe(false);
  });
});

describe('POST /admin/v1/cli', () => {
  let t: TestDb;
  let app: FastifyInstance;
  let bare: FastifyInstance;
  let engine: Engine;
  const executed: string[] = [];

  beforeAll(async () => {
    t = await createTestDb();
    const box = new SecretBox(parseMasterKey(generateMasterKey()));
    const logger = createLogger({ level: 'silent' });
    engine = new Engine({ db: t.db, box, logger, registry: connectorRegistry([]), outbound: SANDBOX_OUTBOUND });
    const ctx = { db: t.db, box, engine, logger };
    const admin: AdminDeps = {
      token: TOKEN,
      operations: [...OPERATIONS.keys()],
      execute: (operation, args) => {
        executed.push(operation);
        return runOperation(ctx, operation, args);
      },
    };
    app = await buildApp({ db: t.db, box, logger, engine, admin, authBrake: { maxFailures: MAX_FAILURES, windowMs: 60_000 } });
    // Without admin deps (as on PostgreSQL) the route does not exist.
    bare = await buildApp({ db: t.db, box, logger, engine });
  });
  afterAll(async () => {
    await app?.close();
    await bare?.close();
    await t?.cleanup();
  });

  /** `authorization` null: no header at all. */
  const post = (body: unknown, authorization: string | null = `Bearer ${TOKEN}`, remoteAddress = '10.0.0.1', to = app) =>
    to.inject({ method: 'POST', url: ADMIN_CLI_PATH, headers: authorization === null ? {} : { authorization }, payload: body as object, remoteAddress });

  it('runs the operation and answers its JSON result', async () => {
    const created = await post({ operation: 'tenants-create', args: { name: 'acme' } });
    expect(created.statusCode, created.body).toBe(200);
    expect(created.json()).toMatchObject({ name: 'acme', apiKey: expect.stringMatching(/^csk_/), id: expect.any(String) });
    const listed = await post({ operation: 'tenants-list' });
    expect(listed.statusCode).toBe(200);
    expect(listed.json()).toEqual([{ id: created.json().id, name: 'acme', createdAt: expect.any(String) }]);
    // The tenant API key works on the tenant API, as if the CLI had created it locally.
    const api = await app.inject({ method: 'GET', url: '/api/v1/connections', headers: { authorization: `Bearer ${created.json().apiKey}` } });
    expect(api.statusCode).toBe(200);
  });

  it('refuses a missing, malformed or wrong token with 401, before reading the body', async () => {
    const before = executed.length;
    // Each from its own address, so that the brake (tested below) stays out of this.
    for (const [i, auth] of [null, TOKEN, `Basic ${TOKEN}`, 'Bearer wrong', `Bearer ${TOKEN}x`, 'Bearer '].entries()) {
      const res = await post({ operation: 'tenants-list' }, auth, `10.0.1.${i}`);
      expect(res.statusCode, String(auth)).toBe(401);
      expect(res.json().error.code).toBe('unauthorized');
    }
    // An invalid body with a wrong token is a 401 too: nothing about the body is revealed.
    const invalid = await post({ nonsense: true }, 'Bearer wrong', '10.0.0.3');
    expect(invalid.statusCode).toBe(401);
    expect(executed.length).toBe(before);
  });

  it('answers 400 for an unknown operation, bad arguments or a body of another shape', async () => {
    const before = executed.length;
    const unknown = await post({ operation: 'drop-everything', args: {} });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error).toMatchObject({ code: 'validation_failed', message: expect.stringMatching(/unknown operation "drop-everything"/) });
    expect(executed.length).toBe(before);

    const badArgs = await post({ operation: 'tenants-create', args: { name: '' } });
    expect(badArgs.statusCode).toBe(400);
    expect(badArgs.json().error).toMatchObject({ code: 'validation_failed', message: expect.stringMatching(/invalid arguments of tenants-create: name/) });
    const missingArg = await post({ operation: 'products-list', args: {} });
    expect(missingArg.statusCode).toBe(400);
    expect(missingArg.json().error.message).toMatch(/tenant/);
    const wrongType = await post({ operation: 'runs', args: { tenant: 'acme', limit: 'all' } });
    expect(wrongType.statusCode).toBe(400);

    for (const body of [{ args: {} }, { operation: 'tenants-list', args: [] }, { operation: 'tenants-list', extra: 1 }]) {
      const res = await post(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.code).toBe('validation_failed');
    }
  });

  it("answers an operation's error as the catalogued envelope", async () => {
    const missing = await post({ operation: 'products-show', args: { tenant: 'acme', id: '00000000-0000-4000-8000-000000000000' } });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: { code: 'not_found', message: 'product 00000000-0000-4000-8000-000000000000 not found' } });
    const noTenant = await post({ operation: 'connections-list', args: { tenant: 'nobody' } });
    expect(noTenant.statusCode).toBe(404);
    expect(noTenant.json().error.message).toMatch(/no single tenant "nobody"/);
  });

  it('brakes failed authentications like API keys: 429 past the limit, even for the right token', async () => {
    const address = '10.0.0.9';
    for (let i = 0; i < MAX_FAILURES; i++) expect((await post({ operation: 'tenants-list' }, 'Bearer guess', address)).statusCode).toBe(401);
    const braked = await post({ operation: 'tenants-list' }, `Bearer ${TOKEN}`, address);
    expect(braked.statusCode).toBe(429);
    expect(braked.json().error.code).toBe('auth_rate_limited');
    expect(braked.headers['retry-after']).toBeDefined();
    // Other addresses are not affected.
    expect((await post({ operation: 'tenants-list' }, `Bearer ${TOKEN}`, '10.0.0.10')).statusCode).toBe(200);
  });

  it('is not part of the public API document, and does not exist without admin deps', async () => {
    const doc = await app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(doc.statusCode).toBe(200);
    expect(Object.keys(doc.json().paths as object).filter((p) => p.startsWith('/admin'))).toEqual([]);
    const absent = await post({ operation: 'tenants-list' }, `Bearer ${TOKEN}`, '10.0.0.11', bare);
    expect(absent.statusCode).toBe(404);
  });
});
