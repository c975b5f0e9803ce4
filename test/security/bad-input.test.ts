// Bad input is a 400 with a catalogued code, never a 500: forged cursors (a date PostgreSQL refuses,
// 36 characters that are not a UUID), NUL characters and unpaired surrogates in query strings and
// bodies, absurd nesting, numbers JSON cannot carry, and ids that are not UUIDs. Each request below
// was a 500 before; a well-formed id that names nothing stays a 404.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shopifyConnector } from '../../src/connectors/shopify/index.js';
import { ERROR_CATALOG } from '../../src/core/errors.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

const cursor = (parts: unknown[]) => Buffer.from(JSON.stringify(parts)).toString('base64url');
const ID = '0b9c2e1f-3c4d-4e5f-8a6b-7c8d9e0f1a2b';
const NOT_A_UUID_36 = '0123456789abcdef0123456789abcdef----';
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('bad input answers 400, never 500', () => {
  let h: TestApp;
  let tenant: Awaited<ReturnType<TestApp['newTenant']>>;
  let conn: string;

  beforeAll(async () => {
    h = await createTestApp({ connectors: [shopifyConnector] });
    tenant = await h.newTenant('bad-input');
    const res = await h.app.inject({
      method: 'POST', url: '/api/v1/connections', headers: tenant.auth,
      payload: { platform: 'shopify', name: 'shop', settings: { shopDomain: 'acme.myshopify.com' }, credentials: { accessToken: 'shpat_x' } },
    });
    conn = res.json().id;
  });
  afterAll(() => h?.close());

  const send = (method: string, url: string, body?: unknown) =>
    h.app.inject({
      method: method as 'GET',
      url,
      headers: body === undefined ? tenant.auth : { ...tenant.auth, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
    });

  const shopify = (over: Record<string, unknown>) => ({ platform: 'shopify', name: 'x', settings: { shopDomain: 'acme.myshopify.com' }, credentials: { accessToken: 'x' }, ...over });

  it('forged cursors: a date PostgreSQL refuses, an id of 36 characters that is not a UUID', async () => {
    const urls = [
      `/api/v1/connections?cursor=${cursor(['1', ID])}`,
      `/api/v1/connections?cursor=${cursor(['2025-02-30T00:00:00.000000Z', ID])}`,
      `/api/v1/connections?cursor=${cursor(['2025-01-01T00:00:00.000000Z', '-'.repeat(36)])}`,
      `/api/v1/runs?cursor=${cursor(['2025-01-01T00:00:00.000000Z', NOT_A_UUID_36])}`,
      `/api/v1/dead-letters?cursor=${cursor(['1', ID])}`,
      `/api/v1/dead-letters?cursor=${cursor(['2025-01-01T00:00:00.000000Z', '-'.repeat(36)])}`,
      `/api/v1/catalog?cursor=${cursor(['catalog', '-'.repeat(36)])}`,
    ];
    for (const url of urls) {
      const res = await send('GET', url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'validation_failed', message: expect.stringMatching(/cursor/) });
    }
  });

  it('NUL characters and unpaired surrogates in query strings and bodies', async () => {
    const cases: [string, string, unknown?][] = [
      ['GET', '/api/v1/runs?stream=%00'],
      ['GET', '/api/v1/catalog?q=%00'],
      ['GET', '/api/v1/catalog?color=red%00'],
      ['GET', '/api/v1/catalog?size=%00'],
      ['GET', '/api/v1/catalog?productId=%00'],
      ['POST', '/api/v1/connections', shopify({ name: 'n\u0000' })],
      ['POST', '/api/v1/connections', shopify({ name: 'n\ud800' })],
      ['POST', '/api/v1/connections', shopify({ name: 'n2', settings: { shopDomain: 'acme.myshopify.com', baseUrl: 'https://x.example/\u0000' } })],
      ['POST', '/api/v1/connections', shopify({ name: 'n3', schedule: { everyMinutes: 5, streams: ['\u0000'] } })],
      ['POST', '/api/v1/connections', shopify({ name: 'n4', schedule: { everyMinutes: 5, streams: ['\udc00'] } })],
      ['PATCH', `/api/v1/connections/${conn}`, { schedule: { everyMinutes: 5, streams: ['\u0000'] } }],
      ['PATCH', `/api/v1/connections/${conn}`, { name: 'x\u0000' }],
    ];
    for (const [method, url, body] of cases) {
      const res = await send(method, url, body);
      expect(res.statusCode, `${method} ${url} ${JSON.stringify(body)}`).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'validation_failed', message: expect.stringMatching(/NUL|surrogate/), details: { issues: [expect.objectContaining({ path: expect.any(String) })] } });
    }
  });

  it('deep nesting and numbers too large to represent stay a 400', async () => {
    const deep = `{"platform":"shopify","name":"d","settings":{"shopDomain":"acme.myshopify.com"},"credentials":{"accessToken":"x","z":${nested(20_000)}}}`;
    const cases: [string, string, string][] = [
      ['POST', '/api/v1/connections', deep],
      ['POST', `/api/v1/connections/${conn}/syncs`, '{"wait":1e400}'],
      ['PATCH', `/api/v1/connections/${conn}`, '{"settings":{"x":-1e999}}'],
    ];
    for (const [method, url, body] of cases) {
      const res = await send(method, url, body);
      expect(res.statusCode, `${method} ${url}`).toBe(400);
      expect(Object.keys(ERROR_CATALOG)).toContain(res.json().error.code);
    }
  });

  it('ids that are not UUIDs are a 400 on every id route; a well-formed unknown id is a 404', async () => {
    const routes: [string, string][] = [
      ['GET', '/api/v1/connections/:id'],
      ['PATCH', '/api/v1/connections/:id'],
      ['DELETE', '/api/v1/connections/:id'],
      ['POST', '/api/v1/connections/:id/syncs'],
      ['GET', '/api/v1/runs/:id'],
      ['POST', '/api/v1/runs/:id/cancel'],
      ['GET', '/api/v1/runs/:id/events'],
      ['GET', '/api/v1/catalog/:id'],
      ['GET', '/api/v1/runs?connectionId=:id'],
      ['GET', '/api/v1/catalog?connectionId=:id'],
      ['GET', '/api/v1/dead-letters?runId=:id'],
    ];
    for (const [method, pattern] of routes) {
      const body = method === 'GET' || method === 'DELETE' ? undefined : {};
      for (const bad of ['-'.repeat(36), NOT_A_UUID_36, 'not-a-uuid', `${ID}x`]) {
        const res = await send(method, pattern.replace(':id', bad), body);
        expect(res.statusCode, `${method} ${pattern} with ${bad}`).toBe(400);
        expect(res.json().error.code).toBe('validation_failed');
      }
      const unknown = await send(method, pattern.replace(':id', randomUUID()), body);
      expect([200, 404], `${method} ${pattern} with an unknown id`).toContain(unknown.statusCode);
      if (!pattern.includes('?')) expect(unknown.json().error.code).toBe('not_found');
    }
    const retry = await send('POST', '/api/v1/dead-letters/retry', { ids: [NOT_A_UUID_36] });
    expect(retry.statusCode).toBe(400);
    const webhook = await h.app.inject({ method: 'POST', url: `/webhooks/shopify/${NOT_A_UUID_36}`, payload: '{}', headers: { 'content-type': 'application/json' } });
    expect(webhook.statusCode).toBe(400);
  });
});
