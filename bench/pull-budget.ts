// pull-budget (Shopify): incremental paging through N orders against the sandbox's default cost
// bucket (2000 points, 100/s restore, time-compressed). Figures: wall time / the minimum the bucket
// allows, and throttled responses / requests — for the engine, and for two naive clients measured
// in the same run:
//   naive-fixed-rate  paces at the documented figures (requested cost per query, restore rate per
//                     second) after spending the documented burst, as common code does; it never
//                     sees the refunds, so it is slow.
//   naive-retry       sends as fast as it can and sleeps 1 s (the docs' suggestion) on THROTTLED.
// The naive clients stop after BENCH_NAIVE_ORDERS (default 2000) orders; each ratio is against the
// minimum for the points that client spent.
// Minimum time = (points actually spent - the initial bucket) / restore rate; points come from the
// sandbox's own accounting. The sandbox runs in a child process.
// With BENCH_WORKERS (`--workers N`) the engine runs as N worker processes on PostgreSQL instead, sharing
// the shop's budget (pull-budget-workers.ts).
import { shopifyConnector } from '../src/connectors/shopify/index.js';
import { ordersQuery, PAGE_SIZE, requestedCost } from '../src/connectors/shopify/queries.js';
import { generateMasterKey, parseMasterKey, SecretBox } from '../src/core/secret-box.js';
import { Engine } from '../src/engine/engine.js';
import { connectorRegistry } from '../src/engine/registry.js';
import { createLogger } from '../src/server/logger.js';
import { SANDBOX_OUTBOUND } from '../test/helpers/outbound.js';
import { insertConnection } from '../src/store/connections.js';
import { openDatabase } from '../src/store/db.js';
import { migrate } from '../src/store/migrate.js';
import { createTenant } from '../src/store/tenants.js';
import { runPullBudgetWorkers } from './pull-budget-workers.js';
import { BUCKET, RESTORE, startSandbox, stats } from './shopify-sandbox.js';
import { envInt, log } from './wiring.js';

const VERSION = '2026-07';


const resetBucket = (url: string) => fetch(`${url}/_sandbox/bucket`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ currentlyAvailable: BUCKET }) });

interface Measured {
  client: string;
  seconds: number;
  requests: number;
  throttled: number;
  pointsSpent: number;
  minimumSeconds: number;
  ratio: number;
  throttledShare: number;
}

async function measure(url: string, client: string, timeScale: number, run: () => Promise<number>): Promise<Measured> {
  await resetBucket(url);
  const before = await stats(url);
  const started = performance.now();
  const fetched = await run();
  const seconds = (performance.now() - started) / 1000;
  const after = await stats(url);
  const requests = after.graphql.requests - before.graphql.requests;
  const throttled = after.graphql.throttled - before.graphql.throttled;
  const pointsSpent = after.graphql.pointsSpent - before.graphql.pointsSpent;
  const minimumSeconds = Math.max(0, pointsSpent - BUCKET) / (RESTORE * timeScale);
  log(`${client}: ${fetched} orders in ${seconds.toFixed(1)} s, ${requests} requests, ${throttled} throttled, minimum ${minimumSeconds.toFixed(1)} s`);
  return { client, seconds, requests, throttled, pointsSpent, minimumSeconds, ratio: seconds / Math.max(minimumSeconds, 1e-9), throttledShare: throttled / Math.max(1, requests) };
}

/** Database, tenant and connection are made before the clock starts; the returned function is timed. */
async function prepareEngine(url: string): Promise<() => Promise<number>> {
  const db = await openDatabase({ dataDir: ':memory:' });
  await migrate(db);
  const box = new SecretBox(parseMasterKey(generateMasterKey()));
  const { tenant } = await db.transaction((tx) => createTenant(tx, 'bench'));
  const conn = await db.withTenant(tenant.id, (tx) =>
    insertConnection(tx, box, {
      tenantId: tenant.id, platform: 'shopify', name: 'shop',
      settings: { shopDomain: 'sandbox-shop.myshopify.com', baseUrl: url, apiVersion: VERSION, mode: 'graphql' },
      credentials: { accessToken: 'shpat_sandbox' },
    }),
  );
  const engine = new Engine({ db, box, logger: createLogger({ level: process.env.BENCH_LOG_LEVEL ?? 'silent' }), registry: connectorRegistry([shopifyConnector]), outbound: SANDBOX_OUTBOUND });
  return async () => {
    const { created } = await engine.trigger({ tenantId: tenant.id, connectionId: conn.id, streams: ['orders'], mode: 'incremental', trigger: 'cli', force: true });
    const run = await engine.execute(tenant.id, created[0]!.id);
    await db.close();
    if (run?.status !== 'succeeded') throw new Error(`engine run ended ${run?.status}: ${JSON.stringify(run?.error)}`);
    return run.progress.processed ?? 0;
  };
}

/** The naive clients page with the same query and page size, but pace by their own rule. */
async function naiveRun(url: string, timeScale: number, rule: 'fixed-rate' | 'retry', maxOrders: number): Promise<number> {
  const first = PAGE_SIZE.orders;
  const cost = requestedCost('orders', first);
  const interval = (cost / (RESTORE * timeScale)) * 1000; // documented cost per query / restore rate
  let burst = Math.floor(BUCKET / cost);
  let after: string | null = null;
  let fetched = 0;
  for (;;) {
    if (rule === 'fixed-rate') {
      if (burst > 0) burst--;
      else await new Promise((r) => setTimeout(r, interval));
    }
    const res = await fetch(`${url}/admin/api/${VERSION}/graphql.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shopify-access-token': 'shpat_sandbox' },
      body: JSON.stringify({ query: ordersQuery(), variables: { first, after, query: null } }),
    });
    const body = (await res.json()) as { data?: { orders: { nodes: unknown[]; pageInfo: { hasNextPage: boolean; endCursor: string } } }; errors?: unknown[] };
    if (!body.data) {
      await new Promise((r) => setTimeout(r, 1000 / timeScale)); // THROTTLED: the documented 1 s backoff
      continue;
    }
    fetched += body.data.orders.nodes.length;
    if (!body.data.orders.pageInfo.hasNextPage || fetched >= maxOrders) return fetched;
    after = body.data.orders.pageInfo.endCursor;
  }
}

export async function runPullBudget(): Promise<object> {
  if (process.env.BENCH_WORKERS) return runPullBudgetWorkers(envInt('BENCH_WORKERS', 1));
  const orders = envInt('BENCH_ORDERS', 20_000);
  const timeScale = envInt('BENCH_TIME_SCALE', 20);
  // The naive clients read the first orders only: their ratio is against the minimum for the points
  // they spent, so a shorter read measures the same thing in a fraction of the time.
  const naiveOrders = Math.min(orders, envInt('BENCH_NAIVE_ORDERS', 2_000));
  log(`pull-budget: ${orders} orders, bucket ${BUCKET}/${RESTORE} per s, time scale ${timeScale}`);
  const sb = await startSandbox({ SB_TIME_SCALE: String(timeScale), SB_ORDERS: String(orders), SB_LINES: '2', SB_CUSTOMERS: '500', SB_PRODUCTS: '200' });
  try {
    const clients = (process.env.BENCH_CLIENTS ?? 'engine,naive-fixed-rate,naive-retry').split(',');
    const results: Measured[] = [];
    if (clients.includes('engine')) {
      const run = await prepareEngine(sb.url);
      results.push(await measure(sb.url, 'engine', timeScale, run));
    }
    if (clients.includes('naive-fixed-rate')) results.push(await measure(sb.url, 'naive-fixed-rate', timeScale, () => naiveRun(sb.url, timeScale, 'fixed-rate', naiveOrders)));
    if (clients.includes('naive-retry')) results.push(await measure(sb.url, 'naive-retry', timeScale, () => naiveRun(sb.url, timeScale, 'retry', naiveOrders)));
    const round = (m: Measured) => ({ ...m, seconds: +m.seconds.toFixed(2), minimumSeconds: +m.minimumSeconds.toFixed(2), ratio: +m.ratio.toFixed(3), throttledShare: +m.throttledShare.toFixed(4) });
    return { bench: 'pull-budget', platform: 'shopify', orders, naiveOrders, timeScale, results: results.map(round), targets: { ratio: 1.1, throttledShare: 0.01 } };
  } finally {
    sb.stop();
  }
}
