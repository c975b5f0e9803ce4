// GET /metrics (Prometheus): off on the API port unless asked for, every metric documented, the
// counters moved by the events that own them (a run's end, a page's records, a webhook's receipt and
// apply, throttled answers), the queue gauges read at scrape time, and the separate listener.
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shopifyConnector } from '../../src/connectors/shopify/index.js';
import { signShopify } from '../../src/connectors/shopify/webhooks.js';
import { metricsText, queueMetrics } from '../../src/engine/metrics.js';
import { createLogger } from '../../src/server/logger.js';
import { startMetricsListener } from '../../src/server/routes/metrics.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createEngineHarness } from '../helpers/engine.js';
import { pushHarness } from '../helpers/push.js';

const SECRET = 'shpss_metrics_secret';

const METRICS = [
  'commerce_sync_runs_total',
  'commerce_sync_records_applied_total',
  'commerce_sync_pushes_total',
  'commerce_sync_push_latency_seconds',
  'commerce_sync_webhooks_total',
  'commerce_sync_webhooks_applied_total',
  'commerce_sync_rate_limit_waits_total',
  'commerce_sync_http_throttled_total',
  'commerce_sync_queue_depth',
  'commerce_sync_queue_oldest_age_seconds',
];

/** The value of a sample `name{labels}` in Prometheus text; 0 when absent (a counter not moved yet). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    const m = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return 0;
}

const silent = createLogger({ level: 'silent' });
const scrapeDb = async (db: Parameters<typeof queueMetrics>[0]) => (await metricsText(queueMetrics(db, silent))).body;

describe('GET /metrics on the API port', () => {
  it('is a 404 unless metricsPublic is set', async () => {
    const h = await createTestApp();
    try {
      const res = await h.app.inject({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(404);
    } finally {
      await h.close();
    }
  });

  describe('with metricsPublic', () => {
    let h: TestApp;
    let connId: string;
    const scrape = async () => {
      const res = await h.app.inject({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(200);
      return res.body;
    };
    const deliver = (body: unknown, signature?: string) => {
      const raw = JSON.stringify(body);
      return h.app.inject({
        method: 'POST',
        url: `/webhooks/shopify/${connId}`,
        payload: raw,
        headers: {
          'content-type': 'application/json',
          'x-shopify-topic': 'products/update',
          'x-shopify-webhook-id': randomUUID(),
          'x-shopify-shop-domain': 'acme.myshopify.com',
          'x-shopify-hmac-sha256': signature ?? signShopify(raw, SECRET),
        },
      });
    };
    const product = (id: number) => ({
      id,
      admin_graphql_api_id: `gid://shopify/Product/${id}`,
      title: `Product ${id}`,
      status: 'active',
      updated_at: '2025-03-01T00:00:00Z',
      variants: [{ id: id * 10, admin_graphql_api_id: `gid://shopify/ProductVariant/${id * 10}`, title: 'Default Title', sku: `M-${id}`, price: '10.00', updated_at: '2025-03-01T00:00:00Z' }],
    });

    beforeAll(async () => {
      h = await createTestApp({ connectors: [shopifyConnector], metricsPublic: true });
      const tenant = await h.newTenant('metrics');
      const res = await h.app.inject({
        method: 'POST', url: '/api/v1/connections', headers: tenant.auth,
        payload: { platform: 'shopify', name: 'shop', settings: { shopDomain: 'acme.myshopify.com' }, credentials: { accessToken: 'shpat_x', apiSecret: SECRET } },
      });
      connId = res.json().id;
    });
    afterAll(() => h?.close());

    it('answers Prometheus text with every metric, documented, without authentication', async () => {
      const res = await h.app.inject({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      for (const name of METRICS) {
        expect(res.body).toContain(`# HELP ${name} `);
        expect(res.body).toContain(`# TYPE ${name} `);
      }
      // Process metrics, under the same prefix.
      expect(res.body).toContain('# TYPE commerce_sync_process_cpu_user_seconds_total counter');
    });

    it('counts a signed delivery as accepted, its apply, and a forged one as rejected', async () => {
      const before = await scrape();
      const ok = await deliver(product(1));
      expect(ok.statusCode).toBe(200);
      await h.engine.webhooksIdle(connId);
      const forged = await deliver(product(2), signShopify('{}', SECRET));
      expect(forged.statusCode).toBe(401);
      const after = await scrape();
      const delta = (name: string, labels: Record<string, string>) => sample(after, name, labels) - sample(before, name, labels);
      expect(delta('commerce_sync_webhooks_total', { platform: 'shopify', result: 'accepted' })).toBe(1);
      expect(delta('commerce_sync_webhooks_total', { platform: 'shopify', result: 'rejected' })).toBe(1);
      expect(delta('commerce_sync_webhooks_applied_total', { platform: 'shopify' })).toBe(1);
      expect(delta('commerce_sync_records_applied_total', { platform: 'shopify', entity: 'product', action: 'added' })).toBe(1);
    });

    it('counts a delivery of events already stored as duplicate', async () => {
      const before = await scrape();
      const raw = JSON.stringify(product(3));
      const send = () => h.app.inject({
        method: 'POST', url: `/webhooks/shopify/${connId}`, payload: raw,
        headers: { 'content-type': 'application/json', 'x-shopify-topic': 'products/update', 'x-shopify-webhook-id': 'same-delivery', 'x-shopify-hmac-sha256': signShopify(raw, SECRET) },
      });
      expect((await send()).json()).toEqual({ received: 1, duplicates: 0 });
      expect((await send()).json()).toEqual({ received: 0, duplicates: 1 });
      await h.engine.webhooksIdle(connId);
      const after = await scrape();
      expect(sample(after, 'commerce_sync_webhooks_total', { platform: 'shopify', result: 'duplicate' }) - sample(before, 'commerce_sync_webhooks_total', { platform: 'shopify', result: 'duplicate' })).toBe(1);
    });

    it('reports every queue depth and oldest age as a number', async () => {
      const body = await scrape();
      for (const queue of ['product_pushes', 'pull_writes', 'webhook_events', 'runs']) {
        expect(body).toMatch(new RegExp(`^commerce_sync_queue_depth\\{queue="${queue}"\\} \\d+$`, 'm'));
        expect(body).toMatch(new RegExp(`^commerce_sync_queue_oldest_age_seconds\\{queue="${queue}"\\} [\\d.e+-]+$`, 'm'));
      }
    });
  });
});

describe('metrics of a pull run', () => {
  it('counts the run and its records; its log lines name the run and the connection', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', destination: new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }) });
    const h = await createEngineHarness({ source: { count: 30 }, settings: { pageSize: 10 }, engine: { logger } });
    try {
      const before = await scrapeDb(h.db);
      const run = await h.sync('full');
      expect(run.status).toBe('succeeded');
      // Pulled again, nothing changed: unchanged.
      const again = await h.sync('full');
      expect(again.status).toBe('succeeded');
      const after = await scrapeDb(h.db);
      const delta = (name: string, labels: Record<string, string>) => sample(after, name, labels) - sample(before, name, labels);
      expect(delta('commerce_sync_runs_total', { platform: 'woocommerce', stream: 'products', outcome: 'succeeded' })).toBe(2);
      expect(delta('commerce_sync_records_applied_total', { platform: 'woocommerce', entity: 'product', action: 'added' })).toBe(30);
      expect(delta('commerce_sync_records_applied_total', { platform: 'woocommerce', entity: 'product', action: 'unchanged' })).toBe(30);
      expect(sample(after, 'commerce_sync_queue_depth', { queue: 'runs' })).toBe(0);

      // A run that fails: its "run ended early" line carries runId and connectionId once each.
      await h.db.query(`UPDATE connections SET settings = settings || '{"baseUrl":"http://127.0.0.1:1"}'::jsonb WHERE id = $1`, [h.connectionId]);
      const failed = await h.sync('incremental');
      expect(failed.status).toBe('failed');
      const after2 = await scrapeDb(h.db);
      expect(sample(after2, 'commerce_sync_runs_total', { platform: 'woocommerce', stream: 'products', outcome: 'failed' }) - sample(after, 'commerce_sync_runs_total', { platform: 'woocommerce', stream: 'products', outcome: 'failed' })).toBe(1);
      const ended = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'run ended early');
      expect(ended).toMatchObject({ runId: failed.id, connectionId: h.connectionId, stream: 'products', outcome: 'failed' });
      const raw = lines.find((l) => l.includes('"run ended early"'))!;
      expect(raw.match(/"runId"/g)).toHaveLength(1);
    } finally {
      await h.close();
    }
  });

  it('counts throttled answers and rate-limit waits per platform', async () => {
    const h = await createEngineHarness({ source: { count: 40, seed: 3, faults: { rate429: 0.4, retryAfterSeconds: 0.01 } }, settings: { pageSize: 5 } });
    try {
      const before = await scrapeDb(h.db);
      const run = await h.sync('full');
      expect(run.status).toBe('succeeded');
      const throttled = h.source.log.filter((r) => r.status === 429).length;
      expect(throttled).toBeGreaterThan(0);
      const after = await scrapeDb(h.db);
      expect(sample(after, 'commerce_sync_http_throttled_total', { platform: 'woocommerce' }) - sample(before, 'commerce_sync_http_throttled_total', { platform: 'woocommerce' })).toBe(throttled);
      expect(sample(after, 'commerce_sync_rate_limit_waits_total', { platform: 'woocommerce' }) - sample(before, 'commerce_sync_rate_limit_waits_total', { platform: 'woocommerce' })).toBeGreaterThan(0);
    } finally {
      await h.close();
    }
  });
});

describe('metrics of a product push', () => {
  it('counts the push and observes its latency from the request', async () => {
    const h = await pushHarness({ products: 2, variantsPerProduct: 1, locations: 1, orders: 0, customers: 0, seed: 5 }, { debounceMs: 150 });
    try {
      const [v] = await h.linked();
      const before = await scrapeDb(h.t.db);
      expect((await h.patch(v!.id, { price: '42.00' })).statusCode).toBe(200);
      await h.settled(v!.id);
      const after = await scrapeDb(h.t.db);
      const delta = (name: string, labels: Record<string, string>) => sample(after, name, labels) - sample(before, name, labels);
      expect(delta('commerce_sync_pushes_total', { platform: 'shopify', outcome: 'pushed' })).toBe(1);
      expect(delta('commerce_sync_push_latency_seconds_count', { platform: 'shopify' })).toBe(1);
      // At least the debounce the push waited before it ran.
      expect(delta('commerce_sync_push_latency_seconds_sum', { platform: 'shopify' })).toBeGreaterThanOrEqual(0.15);
      expect(sample(after, 'commerce_sync_queue_depth', { queue: 'product_pushes' })).toBe(0);
    } finally {
      await h.close();
    }
  }, 60_000);
});

describe('the metrics listener (serve --metrics-port)', () => {
  it('serves /metrics alone on its own port', async () => {
    const h = await createEngineHarness({ source: { count: 5 } });
    const listener = await startMetricsListener({ port: 0, host: '127.0.0.1', db: h.db, logger: silent });
    try {
      await h.sync('full');
      const res = await fetch(`${listener.url}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      const body = await res.text();
      for (const name of METRICS) expect(body).toContain(`# HELP ${name} `);
      expect(sample(body, 'commerce_sync_runs_total', { platform: 'woocommerce', outcome: 'succeeded' })).toBeGreaterThanOrEqual(1);
      expect((await fetch(`${listener.url}/api/v1/connections`)).status).toBe(404);
    } finally {
      await listener.close();
      await h.close();
    }
  });
});
