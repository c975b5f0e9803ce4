// A webhook receiver whose PostgreSQL becomes unreachable, on a real server that other suites share
// (so it is not stopped): the app's pool reaches the server through a TCP relay in this process, and
// the outage is the relay dropping every connection and refusing new ones. A delivery during the
// outage is answered 503 with Retry-After and not stored; once the relay is back, the platform's
// redelivery is answered 200 and stored exactly once, and a further redelivery is a duplicate.
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { shopifyConnector } from '../../src/connectors/shopify/index.js';
import { signShopify } from '../../src/connectors/shopify/webhooks.js';
import { generateMasterKey, parseMasterKey, SecretBox } from '../../src/core/secret-box.js';
import { Engine } from '../../src/engine/engine.js';
import { connectorRegistry } from '../../src/engine/registry.js';
import { buildApp } from '../../src/server/app.js';
import { createLogger } from '../../src/server/logger.js';
import { insertConnection } from '../../src/store/connections.js';
import { type Db, openDatabase } from '../../src/store/db.js';
import { createTenant } from '../../src/store/tenants.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { SANDBOX_OUTBOUND } from '../helpers/outbound.js';

const SECRET = 'shpss_outage_secret';

/** A TCP relay to the database server that can go down (drop every connection, refuse new ones) and come back on the same port. */
class Relay {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async up(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('webhook deliveries while PostgreSQL is unreachable', () => {
  let t: TestDb | undefined;
  let relay: Relay | undefined;
  let db: Db | undefined;
  let engine: Engine | undefined;
  let app: FastifyInstance | undefined;
  afterAll(async () => {
    await app?.close();
    await engine?.stop();
    await db?.close();
    await relay?.down();
    await t?.cleanup();
  });

  it('503 with Retry-After and nothing stored during the outage; the redelivery afterwards is stored once', async () => {
    t = await createTestDb();
    expect(t.url, 'this suite needs PostgreSQL (npm run test:pg)').toBeTruthy();
    const direct = new URL(t.url!);
    relay = new Relay({ host: direct.hostname, port: Number(direct.port || 5432) });
    await relay.up();
    const relayed = new URL(t.url!);
    relayed.hostname = '127.0.0.1';
    relayed.port = String(relay.port);

    const box = new SecretBox(parseMasterKey(generateMasterKey()));
    const { tenant } = await t.db.transaction((tx) => createTenant(tx, 'outage'));
    const conn = await t.db.withTenant(tenant.id, (tx) =>
      insertConnection(tx, box, { tenantId: tenant.id, platform: 'shopify', name: 'shop', settings: { shopDomain: 'acme.myshopify.com' }, credentials: { accessToken: 'shpat_x', apiSecret: SECRET } }),
    );
    db = await openDatabase({ databaseUrl: relayed.toString(), dataDir: '' });
    const logger = createLogger({ level: 'silent' });
    engine = new Engine({ db, box, logger, registry: connectorRegistry([shopifyConnector]), outbound: SANDBOX_OUTBOUND });
    app = await buildApp({ db, box, logger, engine });
    await app.ready();

    const deliver = (id: number, webhookId: string) => {
      const raw = JSON.stringify({
        id, admin_graphql_api_id: `gid://shopify/Product/${id}`, title: `P${id}`, status: 'active', updated_at: '2025-03-01T00:00:00Z',
        variants: [{ id: id * 10, admin_graphql_api_id: `gid://shopify/ProductVariant/${id * 10}`, title: 'Default Title', sku: `OUTAGE-${id}`, price: '1.00' }],
      });
      return app!.inject({
        method: 'POST', url: `/webhooks/shopify/${conn.id}`, payload: raw,
        headers: {
          'content-type': 'application/json', 'x-shopify-topic': 'products/update', 'x-shopify-webhook-id': webhookId,
          'x-shopify-shop-domain': 'acme.myshopify.com', 'x-shopify-hmac-sha256': signShopify(raw, SECRET),
        },
      });
    };
    // Counted on the direct connection, which the outage does not touch.
    const stored = async (webhookId: string) =>
      (await t!.db.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_events WHERE event_id = $1', [webhookId])).rows[0]!.n;

    // Before: the pool holds live connections through the relay.
    const before = randomUUID();
    expect((await deliver(1, before)).json()).toEqual({ received: 1, duplicates: 0 });
    await engine.webhooksIdle(conn.id);

    await relay.down();
    const lost = randomUUID();
    // The first attempt may meet a pooled connection that was just cut, the second a refused connect: both are 503.
    for (let attempt = 0; attempt < 2; attempt++) {
      const res = await deliver(2, lost);
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.json()).toEqual({ error: { code: 'service_unavailable', message: expect.stringMatching(/database is unavailable/) } });
    }
    expect(await stored(lost)).toBe(0);

    await relay.up();
    const redelivered = await deliver(2, lost);
    expect(redelivered.statusCode).toBe(200);
    expect(redelivered.json()).toEqual({ received: 1, duplicates: 0 });
    const again = await deliver(2, lost);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ received: 0, duplicates: 1 });
    expect(await stored(lost)).toBe(1);
    expect(await stored(before)).toBe(1);
    await engine.webhooksIdle(conn.id);
    expect((await t.db.query<{ sku: string }>(`SELECT sku FROM products WHERE sku LIKE 'OUTAGE-%' ORDER BY sku`)).rows).toEqual([{ sku: 'OUTAGE-1' }, { sku: 'OUTAGE-2' }]);
  });
});
