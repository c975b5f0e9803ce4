// `commerce-sync demo` (`npm run demo`): a Shopify sandbox with a few thousand products, orders and
// customers; the server on the embedded database; a tenant and a connection to the sandbox; the
// initial sync with live progress; webhooks from the sandbox into the server; then it keeps serving
// and prints what to try next. Runs in its own data dir so it never touches real data.
import cliProgress from 'cli-progress';
import { builtInConnectors } from '../../connectors/index.js';
import { OutboundPolicy } from '../../connectors/outbound.js';
import { Engine } from '../../engine/engine.js';
import { startQueue } from '../../engine/queue.js';
import { connectorRegistry } from '../../engine/registry.js';
import { startShopifySandbox } from '../../sandbox/shopify/index.js';
import { buildApp } from '../../server/app.js';
import { findConnectionByName, insertConnection, updateConnection } from '../../store/connections.js';
import { createApiKey, createTenant, findTenant } from '../../store/tenants.js';
import type { GlobalFlags } from '../main.js';
import { openRuntime } from '../runtime.js';
import { runSync } from './sync.js';

const TOPICS = ['products/create', 'products/update', 'products/delete', 'orders/create', 'orders/updated', 'customers/create', 'customers/update'];

export async function demoCommand(flags: GlobalFlags, opts: { port?: string; products?: string; orders?: string; customers?: string }): Promise<void> {
  const rt = await openRuntime({ ...flags, dataDir: flags.dataDir ?? './.commerce-sync-demo', port: opts.port, logLevel: flags.logLevel ?? 'warn' });
  const out = (s = '') => process.stdout.write(s + '\n');

  // The shop: a sandbox that speaks Shopify's Admin API, on its own port.
  const sb = await startShopifySandbox({ timeScale: 10 });
  const seeded = sb.seed({
    products: Number(opts.products ?? 1000),
    variantsPerProduct: 2,
    orders: Number(opts.orders ?? 3000),
    linesPerOrder: 2,
    customers: Number(opts.customers ?? 1500),
    locations: 2,
    seed: 42,
  });
  out(`Shopify sandbox at ${sb.url} (shop sandbox-shop.myshopify.com): ${JSON.stringify(seeded)}`);

  const queue = await startQueue(rt.db, rt.logger);
  // The sandbox listens on loopback over plain http: the demo allows exactly its host:port.
  const outbound = new OutboundPolicy({ allowedHosts: [...rt.config.allowedHosts, new URL(sb.url).host] });
  const engine = new Engine({ db: rt.db, box: rt.box, logger: rt.logger, registry: connectorRegistry(builtInConnectors()), outbound });
  await engine.start(queue, { embedded: rt.db.driver === 'pglite' });
  const app = await buildApp({ db: rt.db, box: rt.box, logger: rt.logger, engine, readiness: { queue: () => true } });
  const address = await app.listen({ port: rt.config.port, host: rt.config.host });

  // A tenant and its connection; on a rerun the tenant is reused and gets a fresh key.
  const existing = await findTenant(rt.db, 'demo');
  const tenantId = existing?.id ?? (await rt.db.transaction((tx) => createTenant(tx, 'demo'))).tenant.id;
  const apiKey = await rt.db.transaction((tx) => createApiKey(tx, tenantId, `demo ${new Date().toISOString()}`));
  const settings = { shopDomain: 'sandbox-shop.myshopify.com', baseUrl: sb.url, apiVersion: '2026-07', mode: 'graphql' as const };
  const credentials = { accessToken: 'shpat_sandbox', apiSecret: 'sandbox-api-secret' };
  const connection = await rt.db.withTenant(tenantId, async (tx) => {
    const found = await findConnectionByName(tx, tenantId, 'demo-shop');
    if (found) return (await updateConnection(tx, rt.box, tenantId, found.id, { settings, credentials, status: 'active', statusReason: null }))!;
    return insertConnection(tx, rt.box, { tenantId, platform: 'shopify', name: 'demo-shop', settings, credentials, schedule: { everyMinutes: 5 } });
  });
  for (const topic of TOPICS) sb.subscribeWebhook({ topic, address: `${address}/webhooks/shopify/${connection.id}` } as never);

  out(`\nInitial sync of ${connection.name} (bulk operations, then every stream in dependency order):`);
  const bars = process.stdout.isTTY
    ? new cliProgress.MultiBar({ format: ' {stream} [{bar}] {value}/{total} | page {page} | {stage}', hideCursor: true, clearOnComplete: false }, cliProgress.Presets.shades_classic)
    : null;
  const code = await runSync(engine, connection.id, { tenant: tenantId, full: true, wait: true }, { line: out, json: () => undefined, bars });
  bars?.stop();

  const product = (sb.products()[0] as { id: number } | undefined)?.id;
  out(`
commerce-sync is serving at ${address}   (embedded database in ${rt.config.dataDir}; initial sync exit code ${code})
  API docs:        ${address}/docs
  API key:         ${apiKey}   (tenant "demo", shown once)

Try:
  curl -H "Authorization: Bearer ${apiKey}" ${address}/api/v1/runs
  curl -H "Authorization: Bearer ${apiKey}" -H 'content-type: application/json' \\
       -X POST ${address}/api/v1/connections/${connection.id}/syncs -d '{"wait": 30}'
  # edit a product in the shop as a merchant would; its webhook reaches the hub within a second:
  curl -H 'content-type: application/json' -X POST ${sb.url}/_sandbox/products/${product ?? 1} -d '{"title": "Edited in the shop"}'
  curl -H "Authorization: Bearer ${apiKey}" "${address}/api/v1/runs?limit=5"
  # make the shop misbehave (5xx, throttling, resets) and watch a sync cope:
  curl -H 'content-type: application/json' -X POST ${sb.url}/_sandbox/faults -d '{"rate5xx": 0.1, "rateReset": 0.02}'

Ctrl-C stops the demo.`);

  const stop = async () => {
    await app.close().catch(() => undefined);
    await engine.stop().catch(() => undefined);
    await queue.stop({ graceful: false, wait: true }).catch(() => undefined);
    await sb.close().catch(() => undefined);
    await rt.close().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}
