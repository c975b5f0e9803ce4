// `commerce-sync demo` (`npm run demo`): a Shopify sandbox with a few thousand products, orders and
// customers; the server on the embedded database; a tenant and a connection to the sandbox; the
// initial sync with live progress; webhooks from the sandbox into the server; then it keeps serving
// (or, with --exit-after-sync, stops) and prints what to try next. Runs in its own data dir so it
// never touches real data.
//
// A first run spends seconds creating the database and seeding the shop before anything syncs, so
// each step is announced as it starts. Progress is drawn as bars on a terminal and as plain lines
// anywhere else (a pipe, a CI log), through the follower `sync --wait` uses (follow.ts).
import { existsSync } from 'node:fs';
import { builtInConnectors } from '../../connectors/index.js';
import { OutboundPolicy } from '../../connectors/outbound.js';
import { Engine } from '../../engine/engine.js';
import { startQueue } from '../../engine/queue.js';
import { connectorRegistry } from '../../engine/registry.js';
import type { RunView } from '../../engine/runs.js';
import { startShopifySandbox } from '../../sandbox/shopify/index.js';
import { buildApp } from '../../server/app.js';
import type { AdminDeps } from '../../server/routes/admin.js';
import { findConnectionByName, insertConnection, updateConnection } from '../../store/connections.js';
import { createApiKey, createTenant, findTenant } from '../../store/tenants.js';
import { loadConfig } from '../config.js';
import { newBars } from '../follow.js';
import type { GlobalFlags } from '../main.js';
import { OPERATIONS, runOperation } from '../ops/index.js';
import { CliError, EXIT } from '../output.js';
import { progressLines } from '../progress-lines.js';
import { ensureAdminToken, listenUrl, removeServerInfo, writeServerInfo } from '../server-files.js';
import { openOwnRuntime } from '../session.js';
import { describeSync } from './demo-summary.js';
import { runSync, STREAM_BAR_FORMAT } from './sync.js';

export const DEMO_DATA_DIR = './.commerce-sync-demo';
export const DEMO_TENANT = 'demo';
const TOPICS = ['products/create', 'products/update', 'products/delete', 'orders/create', 'orders/updated', 'customers/create', 'customers/update'];
const VARIANTS_PER_PRODUCT = 2;
const LOCATIONS = 2;

export interface DemoOptions {
  port?: string;
  products?: string;
  orders?: string;
  customers?: string;
  /** Stop once the initial sync is summarised (exit code: the sync's), instead of serving on. */
  exitAfterSync?: boolean;
}

const fmt = (n: number): string => n.toLocaleString('en-US');
/** A path as a shell word: quoted only when it needs to be. */
const shellWord = (s: string): string => (/^[\w./:@%+=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

function size(value: string | undefined, fallback: number, flag: string): number {
  const n = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 1_000_000) throw new CliError(`${flag} takes a whole number from 0 to 1000000`, EXIT.usage);
  return n;
}

export async function demoCommand(flags: GlobalFlags, opts: DemoOptions): Promise<void> {
  const started = Date.now();
  const seconds = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  const out = (s = '') => process.stdout.write(s + '\n');
  const sizes = { products: size(opts.products, 1000, '--products'), orders: size(opts.orders, 3000, '--orders'), customers: size(opts.customers, 1500, '--customers') };
  const runtimeFlags = { ...flags, dataDir: flags.dataDir ?? DEMO_DATA_DIR, port: opts.port, logLevel: flags.logLevel ?? 'warn' };

  // Announced before the work: on a first run creating the database takes seconds.
  const config = loadConfig(runtimeFlags);
  const embeddedDb = !config.databaseUrl;
  out(
    embeddedDb
      ? `commerce-sync demo, in its own data dir ${config.dataDir} (your other data is not touched)\n` +
          `- ${existsSync(config.dataDir) ? 'opening' : 'creating'} the embedded database in ${config.dataDir} and applying migrations...`
      : 'commerce-sync demo, on the PostgreSQL database of DATABASE_URL\n- connecting and applying migrations...',
  );
  const rt = await openOwnRuntime(runtimeFlags, 'or give the demo another --data-dir');
  const dataDir = rt.config.dataDir;

  // The shop: a sandbox that speaks Shopify's Admin API, on its own port.
  out(
    `- seeding the sandbox Shopify shop: ${fmt(sizes.products)} products with ${VARIANTS_PER_PRODUCT} variants each, ` +
      `${fmt(sizes.orders)} orders, ${fmt(sizes.customers)} customers, ${LOCATIONS} locations...`,
  );
  const sb = await startShopifySandbox({ timeScale: 10 });
  sb.seed({ ...sizes, variantsPerProduct: VARIANTS_PER_PRODUCT, linesPerOrder: 2, locations: LOCATIONS, seed: 42 });

  out('- starting the job queue, the sync engine and the server...');
  const queue = await startQueue(rt.db, rt.logger);
  // The sandbox listens on loopback over plain http: the demo allows exactly its host:port.
  const outbound = new OutboundPolicy({ allowedHosts: [...rt.config.allowedHosts, new URL(sb.url).host] });
  const engine = new Engine({ db: rt.db, box: rt.box, logger: rt.logger, registry: connectorRegistry(builtInConnectors()), outbound });
  await engine.start(queue, { embedded: rt.db.driver === 'pglite' });
  // As `serve` does: on the embedded database the demo holds the data dir, so other CLI commands
  // (the ones printed at the end) reach it through the admin route and server.json.
  const embedded = rt.db.driver === 'pglite';
  const ctx = { db: rt.db, box: rt.box, engine, logger: rt.logger, config: rt.config };
  const admin: AdminDeps | undefined = embedded
    ? { token: ensureAdminToken(dataDir), operations: [...OPERATIONS.keys()], execute: (operation, args) => runOperation(ctx, operation, args) }
    : undefined;
  const app = await buildApp({ db: rt.db, box: rt.box, logger: rt.logger, engine, admin, readiness: { queue: () => true } });
  const address = await app.listen({ port: rt.config.port, host: rt.config.host });
  if (embedded) writeServerInfo(dataDir, { pid: process.pid, url: listenUrl(app.server.address()), startedAt: new Date().toISOString() });

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    if (embedded) removeServerInfo(dataDir, process.pid);
    await app.close().catch(() => undefined);
    await engine.stop().catch(() => undefined);
    await queue.stop({ graceful: false, wait: true }).catch(() => undefined);
    await sb.close().catch(() => undefined);
    await rt.close().catch(() => undefined);
    process.exit(code);
  };
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));

  // A tenant and its connection; on a rerun the tenant is reused and gets a fresh key.
  const existing = await findTenant(rt.db, DEMO_TENANT);
  const tenantId = existing?.id ?? (await rt.db.transaction((tx) => createTenant(tx, DEMO_TENANT))).tenant.id;
  const apiKey = await rt.db.transaction((tx) => createApiKey(tx, tenantId, `demo ${new Date().toISOString()}`));
  const settings = { shopDomain: 'sandbox-shop.myshopify.com', baseUrl: sb.url, apiVersion: '2026-07', mode: 'graphql' as const };
  const credentials = { accessToken: 'shpat_sandbox', apiSecret: 'sandbox-api-secret' };
  const connection = await rt.db.withTenant(tenantId, async (tx) => {
    const found = await findConnectionByName(tx, tenantId, 'demo-shop');
    if (found) return (await updateConnection(tx, rt.box, tenantId, found.id, { settings, credentials, status: 'active', statusReason: null }))!;
    return insertConnection(tx, rt.box, { tenantId, platform: 'shopify', name: 'demo-shop', settings, credentials, schedule: { everyMinutes: 5 } });
  });
  for (const topic of TOPICS) sb.subscribeWebhook({ topic, address: `${address}/webhooks/shopify/${connection.id}` } as never);
  out(`- server at ${address}; tenant "${DEMO_TENANT}" with connection "${connection.name}" to the sandbox shop at ${sb.url}, webhooks subscribed`);

  out(`- initial sync of ${connection.name} (${seconds()} in): every stream read whole through Shopify bulk operations, in dependency order`);
  const bars = process.stderr.isTTY ? newBars(STREAM_BAR_FORMAT) : progressLines(out);
  let runs: RunView[] = [];
  // As JSON the command hands over the runs instead of printing its generic summary: the demo says
  // what each count counts (demo-summary.ts).
  const code = await runSync(engine, connection.id, { tenant: tenantId, full: true, wait: true, json: true }, {
    line: out,
    json: (v) => (runs = (v as { runs?: RunView[] }).runs ?? []),
    bars,
  });
  bars.stop();
  out(`\nInitial sync ${code === EXIT.ok ? 'done' : `ended with exit code ${code}`} (${seconds()} since the start):`);
  for (const line of await describeSync(rt.db, tenantId, connection.id, runs)) out(`  ${line}`);

  const cli = `npx commerce-sync${embedded ? ` --data-dir ${shellWord(dataDir)}` : ''}`;
  const product = (sb.products()[0] as { id: number } | undefined)?.id;
  out(`
commerce-sync is serving at ${address} (API reference: ${address}/docs)
API key of tenant "${DEMO_TENANT}", shown once: ${apiKey}

Try, in another terminal:
  ${cli} products list -t ${DEMO_TENANT}
  ${cli} orders list -t ${DEMO_TENANT} --json
  curl -H "Authorization: Bearer ${apiKey}" ${address}/api/v1/products

Then edit a product in the shop, as a merchant would; its webhook reaches the hub within a second:
  curl -H 'content-type: application/json' -X POST ${sb.url}/_sandbox/products/${product ?? 1} -d '{"title": "Edited in the shop"}'
`);
  if (opts.exitAfterSync) {
    out(`--exit-after-sync: stopping. The data stays in ${embedded ? dataDir : 'the database'}; the commands above work on it.`);
    await stop(code);
    return;
  }
  out(`Ctrl-C stops the demo. Its data stays in ${embedded ? dataDir : 'the database'} (${embedded ? 'delete the folder' : 'drop the tenant'} to start afresh).`);
}
