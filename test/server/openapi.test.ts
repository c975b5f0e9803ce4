import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';

describe('OpenAPI, docs and health', () => {
  let h: TestApp;
  beforeAll(async () => {
    h = await createTestApp();
  });
  afterAll(() => h?.close());

  it('serves an OpenAPI document generated from the route schemas, without a key', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/connections', '/api/v1/connections/{id}']));
    const post = doc.paths['/api/v1/connections'].post;
    expect(post.requestBody.content['application/json'].schema.properties.platform.enum).toEqual(
      ['shopify', 'woocommerce', 'printful', 'emag', 'jtl-ffn'],
    );
    expect(doc.components.securitySchemes.bearer.scheme).toBe('bearer');
  });

  it('serves the docs page', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/html/);
  });

  it('reports liveness and readiness', async () => {
    expect((await h.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await h.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready', checks: { database: 'ok', schema: 'ok' } });
  });

  it('answers unknown routes with the error envelope', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/api/v1/nope', headers: {} });
    expect([401, 404]).toContain(res.statusCode);
    expect(res.json().error.code).toBeTruthy();
  });
});
