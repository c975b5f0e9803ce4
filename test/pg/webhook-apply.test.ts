// Webhook apply passes racing on PostgreSQL: three passes over one connection, each on its own
// connection pool as separate worker processes would be, run while deliveries keep arriving. Every
// event is settled exactly once (the passes' counts add up to the events stored, none is left
// received), and the hub ends with the newest version of every record although the passes took
// turns at the batches.
import { afterAll, describe, expect, it } from 'vitest';
import { shopifyConnector } from '../../src/connectors/shopify/index.js';
import { signShopify } from '../../src/connectors/shopify/webhooks.js';
import { generateMasterKey, parseMasterKey, SecretBox } from '../../src/core/secret-box.js';
import { Engine } from '../../src/engine/engine.js';
import { connectorRegistry } from '../../src/engine/registry.js';
import type { ContextDeps } from '../../src/engine/run-context.js';
import { processWebhookEvents, receiveWebhook } from '../../src/engine/webhooks.js';
import { createLogger } from '../../src/server/logger.js';
import { insertConnection } from '../../src/store/connections.js';
import { type Db, openDatabase } from '../../src/store/db.js';
import { createTenant } from '../../src/store/tenants.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { SANDBOX_OUTBOUND } from '../helpers/outbound.js';

const SECRET = 'shpss_race_secret';
const PRODUCTS = 20;

function product(p: number, round: number) {
  const id = 500 + p;
  const at = new Date(Date.parse('2025-03-01T00:00:00Z') + round * 60_000).toISOString();
  return {
    id, admin_graphql_api_id: `gid://shopify/Product/${id}`, title: `P${p} r${round}`, status: 'active', updated_at: at,
    variants: [{ id: id * 10, admin_graphql_api_id: `gid://shopify/ProductVariant/${id * 10}`, title: 'Default Title', sku: `RACE-${p}`, price: `${round}.00` }],
  };
}

describe('webhook apply passes racing on PostgreSQL', () => {
  let t: TestDb;
  const handles: Db[] = [];
  afterAll(async () => {
    for (const h of handles) await h.close();
    await t?.cleanup();
  });

  it('three passes on three pools, deliveries still arriving: every event once, the newest version wins', async () => {
    t = await createTestDb();
    expect(t.url, 'this suite needs PostgreSQL (npm run test:pg)').toBeTruthy();
    const box = new SecretBox(parseMasterKey(generateMasterKey()));
    const { tenant } = await t.db.transaction((tx) => createTenant(tx, 'race'));
    const conn = await t.db.withTenant(tenant.id, (tx) =>
      insertConnection(tx, box, { tenantId: tenant.id, platform: 'shopify', name: 'shop', settings: { shopDomain: 'acme.myshopify.com' }, credentials: { accessToken: 'shpat_x', apiSecret: SECRET } }),
    );
    const depsOn = (db: Db): ContextDeps =>
      new Engine({ db, box, logger: createLogger({ level: 'silent' }), registry: connectorRegistry([shopifyConnector]), outbound: SANDBOX_OUTBOUND }).deps;
    for (let i = 0; i < 3; i++) handles.push(await openDatabase({ databaseUrl: t.url!, dataDir: '' }));
    const passes = handles.map(depsOn);
    const receiver = depsOn(t.db);

    let delivered = 0;
    const deliverRound = (round: number) =>
      Promise.all(
        Array.from({ length: PRODUCTS }, async (_, i) => {
          const raw = Buffer.from(JSON.stringify(product(i + 1, round)));
          const r = await receiveWebhook(receiver, 'shopify', conn.id, {
            headers: { 'x-shopify-topic': 'products/update', 'x-shopify-webhook-id': `race-${round}-${i}`, 'x-shopify-hmac-sha256': signShopify(raw, SECRET) },
            rawBody: raw,
            query: {},
          });
          delivered += r.received;
        }),
      );
    const ROUNDS = 40;
    for (let round = 0; round < 20; round++) await deliverRound(round);

    const counts = [0, 0, 0];
    const runPasses = () => Promise.all(passes.map(async (deps, i) => (counts[i]! += await processWebhookEvents(deps, tenant.id, conn.id, { batchSize: [7, 11, 16][i]! }))));
    const arriving = (async () => {
      for (let round = 20; round < ROUNDS; round++) await deliverRound(round);
    })();
    await Promise.all([runPasses(), arriving]);
    // What arrived after the passes found nothing left: one more race.
    await runPasses();

    expect(delivered).toBe(PRODUCTS * ROUNDS);
    const statuses = (await t.db.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM webhook_events WHERE connection_id = $1 GROUP BY status ORDER BY status', [conn.id])).rows;
    expect(statuses.find((s) => s.status === 'received')).toBeUndefined();
    expect(statuses.find((s) => s.status === 'failed')).toBeUndefined();
    // Exactly once: each pass counts only what it settled.
    expect(counts[0]! + counts[1]! + counts[2]!).toBe(PRODUCTS * ROUNDS);
    expect(counts.every((n) => n > 0), `every pass took batches: ${counts.join(', ')}`).toBe(true);
    const hub = (await t.db.query<{ sku: string; name: string; price: string }>(`SELECT sku, name, data->>'price' AS price FROM products WHERE tenant_id = $1 ORDER BY sku`, [tenant.id])).rows;
    expect(hub).toHaveLength(PRODUCTS);
    for (const row of hub) {
      const p = Number(row.sku.slice('RACE-'.length));
      expect(row, `product ${p}`).toEqual({ sku: `RACE-${p}`, name: `P${p} r${ROUNDS - 1}`, price: `${ROUNDS - 1}.00` });
    }
    // Nothing applied twice: every applied event wrote its version once.
    const applied = statuses.find((s) => s.status === 'applied')?.n ?? 0;
    const log = (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM sync_log WHERE tenant_id = $1', [tenant.id])).rows[0]!.n;
    expect(log).toBe(applied);
  });
});
