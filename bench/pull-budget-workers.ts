// pull-budget --workers N (Shopify, PostgreSQL): N engine worker processes on a fresh PostgreSQL bench
// database pull one Shopify connection — customers and products side by side in two processes, then orders
// once both have ended — from the sandbox (its own process) with the default cost bucket, time-compressed.
// Every process spends the shop's one budget through the shared bucket rows. Figures as for one process:
// wall time (trigger to the last run's end) / the minimum the bucket allows for the points spent, and
// throttled responses / requests, from the sandbox's own accounting.
import { emagConnector } from '../src/connectors/emag/index.js';
import { shopifyConnector } from '../src/connectors/shopify/index.js';
import { generateMasterKey, parseMasterKey, SecretBox } from '../src/core/secret-box.js';
import { Engine } from '../src/engine/engine.js';
import { startQueue } from '../src/engine/queue.js';
import { connectorRegistry } from '../src/engine/registry.js';
import { createLogger } from '../src/server/logger.js';
import { insertConnection } from '../src/store/connections.js';
import { createTenant } from '../src/store/tenants.js';
import { SANDBOX_OUTBOUND } from '../test/helpers/outbound.js';
import { startEngineWorkers } from '../test/pg/engine-workers.js';
import { BUCKET, RESTORE, startSandbox, stats } from './shopify-sandbox.js';
import { envInt, log, openBenchDb, postgresReachable } from './wiring.js';

const STREAMS = ['customers', 'products', 'orders'];


export async function runPullBudgetWorkers(workers: number): Promise<object> {
  const unreachable = await postgresReachable();
  if (unreachable) throw new Error(`pull-budget --workers needs PostgreSQL (BENCH_DATABASE_URL): ${unreachable}`);
  const orders = envInt('BENCH_ORDERS', 5_000);
  const customers = envInt('BENCH_CUSTOMERS', 10_000);
  const products = envInt('BENCH_PRODUCTS', 100);
  const timeScale = envInt('BENCH_TIME_SCALE', 20);
  log(`pull-budget: ${workers} workers on PostgreSQL, ${customers} customers, ${products} products, ${orders} orders, bucket ${BUCKET}/${RESTORE} per s, time scale ${timeScale}`);
  const sb = await startSandbox({ SB_TIME_SCALE: String(timeScale), SB_ORDERS: String(orders), SB_LINES: '2', SB_CUSTOMERS: String(customers), SB_PRODUCTS: String(products) });
  const bench = await openBenchDb('postgres');
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const url = bench.url!;
    const key = generateMasterKey();
    const box = new SecretBox(parseMasterKey(key));
    const { tenant } = await bench.db.transaction((tx) => createTenant(tx, 'bench'));
    const conn = await bench.db.withTenant(tenant.id, (tx) =>
      insertConnection(tx, box, {
        tenantId: tenant.id, platform: 'shopify', name: 'shop',
        settings: { shopDomain: 'sandbox-shop.myshopify.com', baseUrl: sb.url, apiVersion: '2026-07', mode: 'graphql' },
        credentials: { accessToken: 'shpat_sandbox' },
      }),
    );
    const procs = await startEngineWorkers(workers, { CS_DATABASE_URL: url, CS_MASTER_KEY: key, CS_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent' });
    stops.push(() => Promise.all(procs.map((p) => p.stop())));
    // This process only triggers; the workers take the jobs.
    const logger = createLogger({ level: process.env.BENCH_LOG_LEVEL ?? 'silent' });
    const queue = await startQueue(bench.db, logger, { supervise: false });
    stops.push(() => queue.stop({ graceful: false }));
    const trigger = new Engine({ db: bench.db, box, logger, registry: connectorRegistry([shopifyConnector, emagConnector]), outbound: SANDBOX_OUTBOUND });
    await trigger.attachQueue(queue);

    const before = await stats(sb.url);
    const started = performance.now();
    const triggeredAt = new Date();
    const { created } = await trigger.trigger({ tenantId: tenant.id, connectionId: conn.id, streams: STREAMS, mode: 'incremental', trigger: 'cli', force: true });
    if (created.length !== STREAMS.length) throw new Error(`expected ${STREAMS.length} runs, got ${created.length}`);
    const ids = created.map((r) => r.id);
    // Which workers ran the streams, and how many of them at once: the shop's budget is shared only when
    // several processes spend it together.
    const owners = new Set<string>();
    let atOnce = 0;
    for (;;) {
      if (procs.some((p) => p.exited())) throw new Error('a worker process died');
      const { rows } = await bench.db.query<{ status: string; lease_owner: string | null }>(`SELECT status, lease_owner FROM sync_runs WHERE id = ANY($1::uuid[])`, [ids]);
      const running = rows.filter((r) => r.status === 'running' && r.lease_owner !== null).map((r) => r.lease_owner!);
      for (const o of running) owners.add(o);
      atOnce = Math.max(atOnce, new Set(running).size);
      if (rows.every((r) => r.status !== 'queued' && r.status !== 'running')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (performance.now() - started) / 1000;
    const after = await stats(sb.url);
    const { rows: runs } = await bench.db.query<{ stream: string; status: string; from_s: number; to_s: number }>(
      `SELECT stream, status, extract(epoch FROM started_at - $2::timestamptz)::float8 AS from_s, extract(epoch FROM finished_at - $2::timestamptz)::float8 AS to_s
         FROM sync_runs WHERE id = ANY($1::uuid[]) ORDER BY started_at`,
      [ids, triggeredAt],
    );
    const failed = runs.filter((r) => r.status !== 'succeeded');
    if (failed.length > 0) throw new Error(`runs did not succeed: ${JSON.stringify(failed)}`);
    log(`runs (s after the trigger): ${runs.map((r) => `${r.stream} ${r.from_s.toFixed(1)}-${r.to_s.toFixed(1)}`).join(', ')}`);
    const requests = after.graphql.requests - before.graphql.requests;
    const throttled = after.graphql.throttled - before.graphql.throttled;
    const pointsSpent = after.graphql.pointsSpent - before.graphql.pointsSpent;
    const minimumSeconds = Math.max(0, pointsSpent - BUCKET) / (RESTORE * timeScale);
    const client = `engine-${workers}-workers`;
    log(`${client}: ${STREAMS.join(', ')} in ${seconds.toFixed(1)} s, ${requests} requests, ${throttled} throttled, minimum ${minimumSeconds.toFixed(1)} s`);
    const result = {
      client, seconds: +seconds.toFixed(2), requests, throttled, pointsSpent, minimumSeconds: +minimumSeconds.toFixed(2),
      ratio: +(seconds / Math.max(minimumSeconds, 1e-9)).toFixed(3), throttledShare: +(throttled / Math.max(1, requests)).toFixed(4),
    };
    return {
      bench: 'pull-budget', platform: 'shopify', workers, workersUsed: owners.size, workersAtOnce: atOnce, driver: 'postgres', streams: STREAMS, customers, products, orders, timeScale,
      results: [result], targets: { ratio: 1.15, throttledShare: 0.01 },
    };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    sb.stop();
    await bench.cleanup();
  }
}

