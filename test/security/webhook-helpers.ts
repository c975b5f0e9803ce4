// Signed deliveries to a test server's webhook receivers, and what they left in the database.
import { randomUUID } from 'node:crypto';
import { signPrintful } from '../../src/connectors/printful/webhooks.js';
import { signShopify } from '../../src/connectors/shopify/webhooks.js';
import type { TestApp } from '../helpers/app.js';

export const SHOPIFY_SECRET = 'shpss_app_client_secret_for_tests';
/** A Printful v2 secret_key: hex. */
export const PRINTFUL_KEY = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';

type Tenant = Awaited<ReturnType<TestApp['newTenant']>>;

export async function createShopifyConnection(h: TestApp, tenant: Tenant, name = 'shop'): Promise<string> {
  const res = await h.app.inject({
    method: 'POST', url: '/api/v1/connections', headers: tenant.auth,
    payload: { platform: 'shopify', name, settings: { shopDomain: 'acme.myshopify.com' }, credentials: { accessToken: 'shpat_x', apiSecret: SHOPIFY_SECRET } },
  });
  if (res.statusCode !== 201) throw new Error(`creating the Shopify connection failed: ${res.body}`);
  return res.json().id as string;
}

export async function createPrintfulConnection(h: TestApp, tenant: Tenant, name = 'printful'): Promise<string> {
  const res = await h.app.inject({
    method: 'POST', url: '/api/v1/connections', headers: tenant.auth,
    payload: { platform: 'printful', name, settings: { apiVersion: 'v2' }, credentials: { token: 'pf_token', webhookSecret: PRINTFUL_KEY } },
  });
  if (res.statusCode !== 201) throw new Error(`creating the Printful connection failed: ${res.body}`);
  return res.json().id as string;
}

/** A Shopify delivery of `raw` (a string, or JSON-encoded), signed with `secret` unless it is null. */
export function deliverShopify(h: TestApp, connectionId: string, topic: string, raw: string | object, opts: { webhookId?: string; secret?: string | null } = {}) {
  const body = typeof raw === 'string' ? raw : JSON.stringify(raw);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-shopify-topic': topic,
    'x-shopify-webhook-id': opts.webhookId ?? randomUUID(),
    'x-shopify-shop-domain': 'acme.myshopify.com',
    'x-shopify-triggered-at': '2025-03-05T10:00:00Z',
  };
  const secret = opts.secret === undefined ? SHOPIFY_SECRET : opts.secret;
  if (secret !== null) headers['x-shopify-hmac-sha256'] = signShopify(body, secret);
  return h.app.inject({ method: 'POST', url: `/webhooks/shopify/${connectionId}`, headers, payload: body });
}

/** A Printful v2 delivery of `raw`, signed with the connection's secret_key. */
export function deliverPrintful(h: TestApp, connectionId: string, raw: string | object) {
  const body = typeof raw === 'string' ? raw : JSON.stringify(raw);
  return h.app.inject({
    method: 'POST', url: `/webhooks/printful/${connectionId}`, payload: body,
    headers: { 'content-type': 'application/json', 'x-pf-webhook-signature': signPrintful(body, PRINTFUL_KEY) },
  });
}

export async function webhookEvents(h: TestApp, connectionId: string) {
  return (
    await h.t.db.query<{ event_id: string; status: string; error: string | null; payload: unknown }>(
      'SELECT event_id, status, error, payload FROM webhook_events WHERE connection_id = $1 ORDER BY received_at, event_id',
      [connectionId],
    )
  ).rows;
}

export async function deadLetters(h: TestApp, connectionId: string) {
  return (
    await h.t.db.query<{ kind: string; stream: string | null; external_id: string | null; reason: string; payload: Record<string, unknown> }>(
      'SELECT kind, stream, external_id, reason, payload FROM dead_letters WHERE connection_id = $1 ORDER BY created_at, id',
      [connectionId],
    )
  ).rows;
}
