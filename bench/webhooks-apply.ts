// webhooks-apply: does applying webhooks keep up with accepting them? A flood of signed Shopify
// deliveries (bench/webhook-flood-process.ts, its own process) goes to the real server over HTTP for
// BENCH_WEBHOOK_SECONDS, as fast as the server answers. The server applies them as it does in
// production (`serve`): the engine started on the job queue, deliveries dispatched as `webhook-apply`
// jobs and applied by the coalesced pass of the job's worker. The backlog left when the flood stops
// must be drained by that pass itself (the re-dispatch pass only looks at deliveries older than 10 s). Figures per driver: events accepted/s and applied/s during the flood, the backlog when it
// stops and how long it then takes to drain (goal: at most 2 s); then a check that the hub holds the
// newest version of every product and that no event failed.
import { fork } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { shopifyConnector } from '../src/connectors/shopify/index.js';
import { generateMasterKey, parseMasterKey, SecretBox } from '../src/core/secret-box.js';
import { Engine } from '../src/engine/engine.js';
import { startQueue } from '../src/engine/queue.js';
import { connectorRegistry } from '../src/engine/registry.js';
import { buildApp } from '../src/server/app.js';
import { createLogger } from '../src/server/logger.js';
import { insertConnection } from '../src/store/connections.js';
import type { Db } from '../src/store/db.js';
import { createTenant } from '../src/store/tenants.js';
import { SANDBOX_OUTBOUND } from '../test/helpers/outbound.js';
import { DRIVERS, type DriverLabel, envInt, log, openBenchDb, postgresReachable, round } from './wiring.js';

export const GOAL_DRAIN_SECONDS = 2;
const FLOOD = fileURLToPath(new URL('./webhook-flood-process.ts', import.meta.url));
const SECRET = 'shpss_bench_app_secret';

interface FloodDone {
  sent: number;
  accepted: number;
  statuses: Record<string, number>;
  seconds: number;
}

interface DriverResult {
  driver: DriverLabel;
  floodSeconds: number;
  accepted: number;
  acceptedPerSec: number;
  /** Events settled (applied, ignored as older, or failed) while the flood ran, per second. */
  appliedPerSecDuringFlood: number;
  backlogAtFloodEnd: number;
  maxBacklog: number;
  /** From the flood's last answer to no event left `received`; null if not within the drain timeout. */
  drainSeconds: number | null;
  /** Events settled over flood plus drain, per second. */
  appliedPerSecOverall: number | null;
  meetsGoal: boolean;
  /** CPU the server process spent (accepting and applying) per event stored, over flood and drain. */
  serverCpuMsPerEvent: number;
  /** The machine's 1-minute load average when the flood ended (other processes share the cores). */
  loadAverage: number;
  statuses: Record<string, number>;
  httpStatuses: Record<string, number>;
  /** Products whose hub row is not the newest version delivered (must be 0). */
  productsNotNewest: number;
  productsChecked: number;
}

const count = async (db: Db, sql: string, params: unknown[]) => (await db.query<{ n: number }>(sql, params)).rows[0]!.n;

async function setUp(db: Db) {
  const box = new SecretBox(parseMasterKey(generateMasterKey()));
  const { tenant } = await db.transaction((tx) => createTenant(tx, 'webhook-bench'));
  const conn = await db.withTenant(tenant.id, (tx) =>
    insertConnection(tx, box, {
      tenantId: tenant.id, platform: 'shopify', name: 'bench-shop',
      settings: { shopDomain: 'bench.myshopify.com' }, credentials: { accessToken: 'shpat_bench', apiSecret: SECRET },
    }),
  );
  const logger = createLogger({ level: process.env.BENCH_LOG_LEVEL ?? 'silent' });
  const engine = new Engine({ db, box, logger, registry: connectorRegistry([shopifyConnector]), outbound: SANDBOX_OUTBOUND });
  const queue = await startQueue(db, logger);
  await engine.start(queue, { embedded: db.driver === 'pglite' });
  const app: FastifyInstance = await buildApp({ db, box, logger, engine });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return { engine, queue, app, address, connectionId: conn.id };
}

async function runFlood(env: Record<string, string>, onStart: () => void): Promise<FloodDone> {
  const proc = fork(FLOOD, [], { execArgv: ['--import', 'tsx'], env: { ...process.env, ...env } });
  return new Promise((resolve, reject) => {
    proc.on('message', (m: { started?: boolean; done?: FloodDone }) => {
      if (m.started) onStart();
      if (m.done) resolve(m.done);
    });
    proc.once('exit', (code) => reject(new Error(`the flood process exited with ${code}`)));
  }).finally(() => proc.kill()) as Promise<FloodDone>;
}

async function measure(label: DriverLabel): Promise<DriverResult> {
  const bench = await openBenchDb(label);
  const { db } = bench;
  const { engine, queue, app, address, connectionId } = await setUp(db);
  const seconds = envInt('BENCH_WEBHOOK_SECONDS', 30);
  const drainTimeoutS = envInt('BENCH_DRAIN_TIMEOUT_S', 120);
  const backlog = () => count(db, `SELECT count(*)::int AS n FROM webhook_events WHERE connection_id = $1 AND status = 'received'`, [connectionId]);
  try {
    let maxBacklog = 0;
    let sampling: NodeJS.Timeout | null = null;
    const sample = async () => {
      maxBacklog = Math.max(maxBacklog, await backlog());
    };
    log(`webhooks-apply ${label}: flooding for ${seconds} s`);
    let cpuFrom = process.cpuUsage();
    const done = await runFlood(
      {
        FLOOD_URL: address, FLOOD_CONNECTION: connectionId, FLOOD_SECRET: SECRET, FLOOD_SECONDS: String(seconds),
        FLOOD_CONCURRENCY: String(envInt('BENCH_WEBHOOK_CONCURRENCY', 16)), FLOOD_PRODUCTS: String(envInt('BENCH_WEBHOOK_PRODUCTS', 2000)),
      },
      () => {
        cpuFrom = process.cpuUsage();
        sampling = setInterval(() => void sample().catch(() => undefined), 1000);
      },
    );
    const floodEnd = performance.now();
    const loadAverage = loadavg()[0]!;
    if (sampling) clearInterval(sampling);
    const accepted = await count(db, 'SELECT count(*)::int AS n FROM webhook_events WHERE connection_id = $1', [connectionId]);
    const left = await backlog();
    maxBacklog = Math.max(maxBacklog, left);
    log(`webhooks-apply ${label}: ${accepted} accepted in ${done.seconds.toFixed(1)} s, ${left} left to apply`);
    let drainSeconds: number | null = null;
    for (let n = left; ; n = await backlog()) {
      if (n === 0) {
        drainSeconds = (performance.now() - floodEnd) / 1000;
        break;
      }
      if (performance.now() - floodEnd > drainTimeoutS * 1000) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const cpu = process.cpuUsage(cpuFrom);
    const statusRows = (await db.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM webhook_events WHERE connection_id = $1 GROUP BY status', [connectionId])).rows;
    const statuses = Object.fromEntries(statusRows.map((r) => [r.status, r.n]));
    // The hub's product (either variant) against the newest products/update delivered for it.
    const check = (
      await db.query<{ wrong: number; total: number }>(
        `WITH newest AS (
           SELECT DISTINCT ON (external_id) external_id, payload->'payload'->'body'->>'title' AS title
             FROM webhook_events WHERE connection_id = $1 AND topic = 'products:upsert'
            ORDER BY external_id, occurred_at DESC, received_at DESC)
         SELECT count(*) FILTER (WHERE p.name IS DISTINCT FROM n.title AND p.name IS DISTINCT FROM n.title || ' - Large')::int AS wrong, count(*)::int AS total
           FROM newest n
           LEFT JOIN links l ON l.connection_id = $1 AND l.entity = 'product' AND l.parent_external_id = n.external_id
           LEFT JOIN products p ON p.id = l.hub_id`,
        [connectionId],
      )
    ).rows[0]!;
    const settledAtEnd = accepted - left;
    const result: DriverResult = {
      driver: label,
      floodSeconds: round(done.seconds, 1),
      accepted,
      acceptedPerSec: round(accepted / done.seconds),
      appliedPerSecDuringFlood: round(settledAtEnd / done.seconds),
      backlogAtFloodEnd: left,
      maxBacklog,
      drainSeconds: drainSeconds === null ? null : round(drainSeconds, 2),
      appliedPerSecOverall: drainSeconds === null ? null : round(accepted / (done.seconds + drainSeconds)),
      meetsGoal: drainSeconds !== null && drainSeconds <= GOAL_DRAIN_SECONDS,
      serverCpuMsPerEvent: round((cpu.user + cpu.system) / 1000 / Math.max(1, accepted), 2),
      loadAverage: round(loadAverage, 1),
      statuses,
      httpStatuses: done.statuses,
      productsNotNewest: check.wrong,
      productsChecked: check.total,
    };
    log(`webhooks-apply ${label}: ${JSON.stringify(result)}`);
    return result;
  } finally {
    await app.close();
    await engine.webhooksIdle(connectionId).catch(() => undefined);
    await engine.stop();
    await queue.stop({ graceful: false, wait: true }).catch(() => undefined);
    await bench.cleanup();
  }
}

export async function runWebhooksApply(): Promise<object> {
  const wanted = (process.env.BENCH_WEBHOOK_DRIVERS ?? 'pglite-memory,pglite-disk,postgres').split(',').map((s) => s.trim()) as DriverLabel[];
  const bad = wanted.filter((d) => !DRIVERS.includes(d));
  if (bad.length > 0) throw new Error(`BENCH_WEBHOOK_DRIVERS: unknown driver ${bad.join(', ')}; one of ${DRIVERS.join(', ')}`);
  const results: DriverResult[] = [];
  const skipped: { driver: DriverLabel; reason: string }[] = [];
  for (const label of wanted) {
    if (label === 'postgres') {
      const down = await postgresReachable();
      if (down) {
        log(`webhooks-apply: PostgreSQL does not answer (${down}); skipped`);
        skipped.push({ driver: label, reason: `PostgreSQL does not answer: ${down}` });
        continue;
      }
    }
    results.push(await measure(label));
  }
  return {
    bench: 'webhooks-apply',
    seconds: envInt('BENCH_WEBHOOK_SECONDS', 30),
    concurrency: envInt('BENCH_WEBHOOK_CONCURRENCY', 16),
    results,
    skipped,
    goal: { drainSeconds: GOAL_DRAIN_SECONDS },
    meetsGoal: results.length > 0 && results.every((r) => r.meetsGoal),
  };
}
