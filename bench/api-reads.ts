// api-reads: latency of the hub read API (GET /products, /orders, /customers, /stock, /sync-status and
// the single-record reads) on a large hub: BENCH_API_PRODUCTS products (default 100k) and
// BENCH_API_ORDERS orders (default 300k) with their links, lines, stock and customers, written with
// set-based SQL (test/pg/hub-reads-seed.ts, the same hub the plan test explains). Each request — a
// 100-row page: the first page, a page 90 % deep, each filter — goes through the real server
// (buildApp: authentication, validation, the tenant-scoped query, serialization) with inject(), one
// after another, BENCH_API_REQUESTS times, after BENCH_API_WARMUP unmeasured requests of every kind;
// filter values vary between requests. Figures: p50/p99 per request kind and driver. Goal: p99 <= 50 ms on PostgreSQL.
import { cpus, loadavg } from 'node:os';
import { generateMasterKey, parseMasterKey, SecretBox } from '../src/core/secret-box.js';
import { Engine } from '../src/engine/engine.js';
import { connectorRegistry } from '../src/engine/registry.js';
import { buildApp } from '../src/server/app.js';
import { createLogger } from '../src/server/logger.js';
import { SANDBOX_OUTBOUND } from '../test/helpers/outbound.js';
import { readScenarios, seedBulkHub } from '../test/pg/hub-reads-seed.js';
import { type DriverLabel, DRIVERS, envInt, log, openBenchDb, postgresReachable, round } from './wiring.js';

export const GOAL_P99_MS = 50;

interface ScenarioResult {
  name: string;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Items on the measured pages (the first request's answer). */
  items: number | null;
}

/** The p-th percentile (nearest rank). */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

function driverList(): DriverLabel[] {
  const raw = process.env.BENCH_API_DRIVERS;
  if (!raw) return ['pglite-memory', 'postgres'];
  const list = raw.split(',').map((s) => s.trim()) as DriverLabel[];
  const bad = list.filter((d) => !DRIVERS.includes(d));
  if (bad.length > 0) throw new Error(`BENCH_API_DRIVERS: unknown driver ${bad.join(', ')} (use ${DRIVERS.join(', ')})`);
  return list;
}

async function runDriver(label: DriverLabel, sizes: { products: number; orders: number; customers: number }, requests: number, warmup: number) {
  const bench = await openBenchDb(label);
  const box = new SecretBox(parseMasterKey(generateMasterKey()));
  const logger = createLogger({ level: process.env.BENCH_LOG_LEVEL ?? 'silent' });
  const engine = new Engine({ db: bench.db, box, logger, registry: connectorRegistry([]), outbound: SANDBOX_OUTBOUND });
  const app = await buildApp({ db: bench.db, box, logger, engine });
  try {
    log(`api-reads ${label}: seeding ${sizes.products} products, ${sizes.orders} orders, ${sizes.customers} customers`);
    const seedStarted = performance.now();
    const hub = await seedBulkHub(bench.db, box, sizes, (m) => log(`api-reads ${label}: ${m}`));
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    const scenarios = await readScenarios(bench.db, hub);
    const headers = { authorization: `Bearer ${hub.apiKey}` };
    const request = async (path: string) => {
      const started = performance.now();
      const res = await app.inject({ method: 'GET', url: `/api/v1${path}`, headers });
      const ms = performance.now() - started;
      if (res.statusCode !== 200) throw new Error(`${path}: ${res.statusCode} ${res.body.slice(0, 300)}`);
      return { ms, res };
    };
    // Every kind of request first, so that what is measured runs as a server that has been serving a
    // while does (compiled code, warm caches), not as the first requests after a start.
    for (const s of scenarios) for (let i = 0; i < warmup; i++) await request(s.path(i));
    const results: ScenarioResult[] = [];
    for (const s of scenarios) {
      let items: number | null = null;
      const times: number[] = [];
      for (let i = 0; i < requests; i++) {
        const { ms, res } = await request(s.path(warmup + i));
        if (i === 0) items = Array.isArray(res.json().items) ? res.json().items.length : null;
        times.push(ms);
      }
      times.sort((a, b) => a - b);
      const r = { name: s.name, p50Ms: round(percentile(times, 50), 1), p99Ms: round(percentile(times, 99), 1), maxMs: round(times[times.length - 1]!, 1), items };
      log(`api-reads ${label}: ${r.name}: p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms (${items ?? '-'} items)`);
      results.push(r);
    }
    const worst = results.reduce((a, b) => (b.p99Ms > a.p99Ms ? b : a));
    // The machine is shared: its load says how much of a p99 is waiting for a core.
    const loadAverage = round(loadavg()[0]!, 1);
    return { driver: label, seedSeconds: round(seedSeconds, 1), loadAverage, cores: cpus().length, scenarios: results, worstP99: { name: worst.name, p99Ms: worst.p99Ms }, meetsGoal: worst.p99Ms <= GOAL_P99_MS };
  } finally {
    await app.close();
    await engine.stop();
    await bench.cleanup();
  }
}

export async function runApiReads(): Promise<object> {
  const sizes = { products: envInt('BENCH_API_PRODUCTS', 100_000), orders: envInt('BENCH_API_ORDERS', 300_000), customers: envInt('BENCH_API_CUSTOMERS', 50_000) };
  const requests = envInt('BENCH_API_REQUESTS', 200);
  const warmup = envInt('BENCH_API_WARMUP', 10);
  const drivers: object[] = [];
  const skipped: { driver: DriverLabel; reason: string }[] = [];
  for (const label of driverList()) {
    if (label === 'postgres') {
      const unreachable = await postgresReachable();
      if (unreachable) {
        log(`api-reads: PostgreSQL skipped: ${unreachable}`);
        skipped.push({ driver: label, reason: `PostgreSQL unreachable: ${unreachable}` });
        continue;
      }
    }
    drivers.push(await runDriver(label, sizes, requests, warmup));
  }
  return { bench: 'api-reads', ...sizes, pageSize: 100, requestsPerKind: requests, goalP99Ms: GOAL_P99_MS, goalAppliesTo: 'postgres', drivers, skipped };
}
