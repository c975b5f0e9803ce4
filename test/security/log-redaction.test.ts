// Secrets in URLs never reach the log: request logs, URL fields, messages and errors lose their query
// values (the Printful v1 webhook token travels in `?token=`, OAuth callbacks carry `code` and `hmac`).
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printfulConnector } from '../../src/connectors/printful/index.js';
import { createLogger, redactText, redactUrl } from '../../src/server/logger.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

const TOKEN = 'pf-v1-token-0123456789abcdef';

describe('secrets in logged URLs', () => {
  let h: TestApp;
  let tenant: Awaited<ReturnType<TestApp['newTenant']>>;
  let connId: string;

  beforeAll(async () => {
    h = await createTestApp({ connectors: [printfulConnector] });
    tenant = await h.newTenant('logs');
    const res = await h.app.inject({
      method: 'POST', url: '/api/v1/connections', headers: tenant.auth,
      payload: { platform: 'printful', name: 'pf', credentials: { token: 'pf-api-token' }, webhookSecret: TOKEN },
    });
    expect(res.statusCode, res.body).toBe(201);
    connId = res.json().id;
  });
  afterAll(() => h?.close());

  it('request logs keep the path and the parameter names, never the values', async () => {
    const event = { type: 'product_updated', created: 1_700_000_000, retries: 0, store: 1, data: { sync_product: { id: 1 } } };
    await h.app.inject({ method: 'POST', url: `/webhooks/printful/${connId}?token=${TOKEN}`, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(event) });
    await h.app.inject({ method: 'POST', url: `/webhooks/printful/${connId}?token=wrong-${TOKEN}`, headers: { 'content-type': 'application/json' }, payload: '{}' });
    await h.app.inject({ method: 'GET', url: '/api/v1/runs?limit=5&access_token=api-secret-in-query', headers: tenant.auth });
    await h.app.inject({ method: 'GET', url: '/oauth/shopify/callback?code=oauth-code-xyz&hmac=abcdef0123&shop=a.myshopify.com&state=s' });
    await h.app.inject({ method: 'GET', url: '/nowhere?signature=sig-value-999' });
    const logs = h.logs();
    for (const secret of [TOKEN, 'api-secret-in-query', 'oauth-code-xyz', 'abcdef0123', 'sig-value-999']) expect(logs).not.toContain(secret);
    expect(logs).toContain(`/webhooks/printful/${connId}?token=[redacted]`);
    expect(logs).toContain('/api/v1/runs?limit=[redacted]&access_token=[redacted]');
  });

  it('URL fields, messages and errors are redacted too', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }) });
    const err = new Error('GET https://files.example.com/export.csv?X-Goog-Signature=abc123sig&expires=1 failed');
    logger.warn({ url: 'https://shop.example.com/cb?code=c0de-secret&state=xyz-state', downloadUrl: 'https://u:p4ss-secret@h.example/x?sig=sig-s1-secret', err }, 'retrying https://api.example.com/v1/items?key=k3y&page=2');
    logger.info('callback token=t0ken-value arrived');
    const out = lines.join('');
    // Secrets long enough not to occur by chance elsewhere in a line (a stack trace's temp path).
    for (const secret of ['c0de-secret', 'xyz-state', 'p4ss-secret', 'sig-s1-secret', 'abc123sig', 'k3y', 't0ken-value']) expect(out).not.toContain(secret);
    expect(out).toContain('https://api.example.com/v1/items?key=[redacted]&page=[redacted]');
  });

  it('redactUrl and redactText', () => {
    expect(redactUrl('/webhooks/printful/1?token=abc&x')).toBe('/webhooks/printful/1?token=[redacted]&x');
    expect(redactUrl('https://user:pw@host.example:8443/p?q=1#frag')).toBe('https://[redacted]@host.example:8443/p?q=[redacted]');
    expect(redactUrl('/no/query')).toBe('/no/query');
    expect(redactText('see /a?b=c and client_secret=s3 or hmac=h')).toBe('see /a?b=[redacted] and client_secret=[redacted] or hmac=[redacted]');
  });
});
