// Upper-case ids: PostgreSQL matches a uuid in either case, but the associated data that binds a
// connection's encrypted secrets to it was built from the id as sent. A PATCH through the upper-case
// form wrote credentials no later call could decrypt (every call a 500, for good), and an upper-case
// webhook URL gave an unauthenticated 500. Ids are now lower-cased at the edge and the associated data
// names the canonical id.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shopifyConnector } from '../../src/connectors/shopify/index.js';
import { loadConnectionSecrets } from '../../src/store/connections.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createShopifyConnection, deliverShopify } from './webhook-helpers.js';

const NEW_SECRET = 'shpss_rotated_secret';

describe('ids in upper case', () => {
  let h: TestApp;
  let tenant: Awaited<ReturnType<TestApp['newTenant']>>;

  beforeAll(async () => {
    h = await createTestApp({ connectors: [shopifyConnector] });
    tenant = await h.newTenant('case');
  });
  afterAll(() => h?.close());

  it('a PATCH through the upper-case id writes credentials every later call can read', async () => {
    const id = await createShopifyConnection(h, tenant, 'upper-patch');
    const upper = id.toUpperCase();
    const patched = await h.app.inject({
      method: 'PATCH', url: `/api/v1/connections/${upper}`, headers: tenant.auth,
      payload: { credentials: { accessToken: 'shpat_new', apiSecret: NEW_SECRET }, webhookSecret: 'whsec_new' },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json().id).toBe(id);

    // A settings-only PATCH re-validates against the stored credentials, so it has to decrypt them.
    const again = await h.app.inject({ method: 'PATCH', url: `/api/v1/connections/${id}`, headers: tenant.auth, payload: { settings: { apiVersion: '2025-04' } } });
    expect(again.statusCode, again.body).toBe(200);
    const viaUpper = await h.app.inject({ method: 'PATCH', url: `/api/v1/connections/${upper}`, headers: tenant.auth, payload: { settings: { apiVersion: '2025-07' } } });
    expect(viaUpper.statusCode, viaUpper.body).toBe(200);
    const secrets = await h.t.db.withTenant(tenant.id, (tx) => loadConnectionSecrets(tx, h.box, tenant.id, id));
    expect(secrets).toEqual({ credentials: { accessToken: 'shpat_new', apiSecret: NEW_SECRET }, webhookSecret: 'whsec_new' });

    for (const path of [id, upper]) {
      const got = await h.app.inject({ method: 'GET', url: `/api/v1/connections/${path}`, headers: tenant.auth });
      expect(got.statusCode).toBe(200);
      expect(got.json()).toMatchObject({ id, status: 'active' });
    }
  });

  it('an upper-case webhook URL verifies like the canonical one: 401 unsigned, 200 signed, never 500', async () => {
    const id = await createShopifyConnection(h, tenant, 'upper-hook');
    const upper = id.toUpperCase();
    const body = { id: 5, admin_graphql_api_id: 'gid://shopify/Product/5', title: 'T', updated_at: '2025-03-01T00:00:00Z', variants: [] };
    const unsigned = await deliverShopify(h, upper, 'products/update', body, { secret: null });
    expect(unsigned.statusCode).toBe(401);
    expect(unsigned.json().error.code).toBe('webhook_signature_invalid');
    const signed = await deliverShopify(h, upper, 'products/update', body);
    expect(signed.statusCode, signed.body).toBe(200);
    expect(signed.json()).toEqual({ received: 1, duplicates: 0 });
    await h.engine.webhooksIdle(id);
  });

  it('other id parameters and bodies take either case too, and refuse what is not a UUID', async () => {
    const id = await createShopifyConnection(h, tenant, 'upper-elsewhere');
    const upper = id.toUpperCase();
    const runs = await h.app.inject({ method: 'GET', url: `/api/v1/runs?connectionId=${upper}`, headers: tenant.auth });
    expect(runs.statusCode).toBe(200);
    const retry = await h.app.inject({ method: 'POST', url: '/api/v1/dead-letters/retry', headers: tenant.auth, payload: { connectionId: upper } });
    expect(retry.statusCode, retry.body).toBe(200);
    const bad = await h.app.inject({ method: 'GET', url: `/api/v1/connections/${id.replace(/-/g, '')}`, headers: tenant.auth });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('validation_failed');
    const deleted = await h.app.inject({ method: 'DELETE', url: `/api/v1/connections/${upper}`, headers: tenant.auth });
    expect(deleted.statusCode).toBe(204);
  });
});
