// catalog-reads (Printful): latency of DB-first catalog reads while the background refresh they
// triggered runs. The catalog is synced once; a baseline read stream (BENCH_READ_RATE reads/s of
// GET /api/v1/catalog over HTTP, open loop) is timed on the fresh catalog; then the catalog is made
// stale, BENCH_READ_BURST concurrent reads arrive at once, and the same read stream goes on until the
// refresh they triggered has ended. Figures: p50/p99/max of the reads during the refresh (target p99
// < 50 ms) next to the baseline's, the burst's p99, how many refresh runs and catalog passes the stale
// reads caused (both must be 1) and 429s the sandbox sent. The sandbox runs in a child process with
// Printful's default limit (120 / 60 s), time-compressed by BENCH_PF_TIME_SCALE so the refresh takes seconds.
import { fork, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { printfulConnector } from '../src/connectors/printful/index.js';
import { generateMasterKey, parseMasterKey, SecretBox } from '../src/core/secret-box.js';
import { Engine } from '../src/engine/engine.js';
import { connectorRegistry } from '../src/engine/registry.js';
import { buildApp } from '../src/server/app.js';
import { createLogger } from '../src/server/logger.js';
import { insertConnection } from '../src/store/connections.js';
import { createTenant } from '../src/store/tenants.js';
import { type DriverLabel, envInt, log, openBenchDb, round } from './wiring.js';

const SANDBOX = fileURLToPath(new URL('./printful-sandbox-process.ts', import.meta.url));

async function startSandbox(env: Record<string, string>): Promise<{ url: string; token: string; stop: () => void }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', SANDBOX], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).once('line', resolve);
    proc.once('exit', (c) => reject(new Error(`sandbox exited with ${c}`)));
  });
  const { url, token } = JSON.parse(line) as { url: string; token: string };
  return { url, token, stop: () => proc.kill('SIGTERM') };
}

export const TARGET_P99_MS = 50;
const READER = fileURLToPath(new URL('./catalog-reader-process.ts', import.meta.url));

interface ReadResult {
  ms: number;
  status: number;
  refreshRunId: string | null;
}

/** The reader process and its phases (see bench/catalog-reader-process.ts). */
function startReader(url: string, key: string) {
  const proc = fork(READER, [], { execArgv: ['--import', 'tsx'], env: { ...process.env, READER_URL: url, READER_KEY: key } });
  let collected: ReadResult[] = [];
  let finish: ((reads: ReadResult[]) => void) | null = null;
  const api = {
    onRead: null as ((r: ReadResult) => void) | null,
    ready: new Promise<void>((resolve, reject) => {
      proc.once('message', () => resolve());
      proc.once('exit', (code) => reject(new Error(`reader exited with ${code}`)));
    }),
    phase(cmd: { cmd: 'burst'; n: number } | { cmd: 'stream'; rate: number }): Promise<ReadResult[]> {
      collected = [];
      const done = new Promise<ReadResult[]>((resolve) => (finish = resolve));
      proc.send(cmd);
      return done;
    },
    stop: () => proc.send({ cmd: 'stop' }),
    close: () => proc.kill(),
  };
  proc.on('message', (m: { read?: ReadResult; done?: string }) => {
    if (m.read) {
      collected.push(m.read);
      api.onRead?.(m.read);
    } else if (m.done && finish) {
      const f = finish;
      finish = null;
      f(collected);
    }
  });
  return api;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;

export async function runCatalogReads(): Promise<object> {
  const timeScale = envInt('BENCH_PF_TIME_SCALE', 10);
  const products = envInt('BENCH_CATALOG_PRODUCTS', 300);
  const rate = envInt('BENCH_READ_RATE', 50);
  const burst = envInt('BENCH_READ_BURST', 100);
  const baselineMs = envInt('BENCH_BASELINE_MS', 3000);
  const driver = (process.env.BENCH_CATALOG_DRIVER ?? 'pglite-memory') as DriverLabel;
  const sandbox = await startSandbox({ PF_TIME_SCALE: String(timeScale), PF_PRODUCTS: String(products) });
  const bdb = await openBenchDb(driver);
  const db = bdb.db;
  const box = new SecretBox(parseMasterKey(generateMasterKey()));
  const logger = createLogger({ level: process.env.BENCH_LOG_LEVEL ?? 'silent' });
  const engine = new Engine({ db, box, logger, registry: connectorRegistry([printfulConnector]) });
  const app = await buildApp({ db, box, logger, engine });
  try {
    const { tenant, apiKey } = await db.transaction((tx) => createTenant(tx, 'bench'));
    const conn = await db.withTenant(tenant.id, (tx) =>
      insertConnection(tx, box, { tenantId: tenant.id, platform: 'printful', name: 'pf', settings: { baseUrl: sandbox.url }, credentials: { token: sandbox.token } }),
    );
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const stats = async () => (await (await fetch(`${sandbox.url}/_sandbox/stats`)).json()) as { v1: { requests: number; throttled: number }; catalog: { passes: number } };
    const read = () => fetch(`${url}/api/v1/catalog?limit=50`, { headers: { authorization: `Bearer ${apiKey}` } }).then(async (r) => ({ status: r.status, body: (await r.json()) as { stale: boolean; refreshRunId: string | null } }));

    log(`catalog-reads: initial sync of ${products} products (time scale ${timeScale}, ${driver})`);
    const first = await read();
    if (!first.body.refreshRunId) throw new Error('the first read started no refresh');
    await engine.execute(tenant.id, first.body.refreshRunId);

    // The readers run in their own process: a burst of `burst` concurrent reads, and an open-loop
    // stream of `rate` reads/s (a steady stream of shoppers, so a slow answer shows as latency
    // instead of slowing the arrivals down).
    const reader = startReader(`${url}/api/v1/catalog?limit=50`, apiKey);
    await reader.ready;

    // Baseline, same run: the same burst and read stream on the fresh catalog, nothing refreshing
    // (after an unmeasured burst that opens the readers' connections).
    await db.query(`UPDATE stream_state SET last_success_at = now() WHERE connection_id = $1`, [conn.id]);
    await reader.phase({ cmd: 'burst', n: burst });
    const baselineBurst = (await reader.phase({ cmd: 'burst', n: burst })).map((r) => r.ms);
    const baselineStream = reader.phase({ cmd: 'stream', rate });
    await new Promise((r) => setTimeout(r, baselineMs));
    reader.stop();
    const baseline = (await baselineStream).map((r) => r.ms);

    // Stale again (older than 24 h), with the last attempt outside the minimum interval.
    await db.query(`UPDATE stream_state SET last_success_at = now() - interval '2 days', last_attempt_at = now() - interval '1 hour' WHERE connection_id = $1`, [conn.id]);
    await fetch(`${sandbox.url}/_sandbox/requests`, { method: 'DELETE' });
    await fetch(`${sandbox.url}/_sandbox/limits/reset`, { method: 'POST' });
    const runsBefore = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM sync_runs')).rows[0]!.n;

    // The stale reads: the burst (the first answer names the refresh run, which a worker — here this
    // process — starts at once), then the stream until the refresh has ended.
    const runIds = new Set<string>();
    let refreshing = true;
    let refresh: Promise<unknown> | null = null;
    const started = performance.now();
    // Only stream reads answered while the refresh runs count as reads during it.
    const latencies: number[] = [];
    let streaming = false;
    reader.onRead = (r) => {
      if (streaming && refreshing) latencies.push(r.ms);
      if (!r.refreshRunId) return;
      runIds.add(r.refreshRunId);
      refresh ??= engine.execute(tenant.id, r.refreshRunId).finally(() => {
        refreshing = false;
        reader.stop();
      });
    };
    const burstReads = await reader.phase({ cmd: 'burst', n: burst });
    streaming = true;
    const streamReads = refreshing ? await reader.phase({ cmd: 'stream', rate }) : [];
    await refresh;
    const errors = [...burstReads, ...streamReads].filter((r) => r.status !== 200).length;
    const burstLatencies = burstReads.map((r) => r.ms);
    reader.close();
    const refreshSeconds = (performance.now() - started) / 1000;
    const runsStarted = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM sync_runs')).rows[0]!.n - runsBefore;
    const s = await stats();
    for (const l of [latencies, baseline, burstLatencies, baselineBurst]) l.sort((a, b) => a - b);
    const p99 = percentile(latencies, 99);
    const baselineP99 = percentile(baseline, 99);
    const result = {
      bench: 'catalog-reads', driver, readsPerSec: rate, burst, products, timeScale,
      reads: latencies.length, errors,
      p50Ms: round(percentile(latencies, 50), 2), p99Ms: round(p99, 2), maxMs: round(latencies[latencies.length - 1] ?? 0, 2),
      burstP99Ms: round(percentile(burstLatencies, 99), 2), baselineBurstP99Ms: round(percentile(baselineBurst, 99), 2),
      baselineP50Ms: round(percentile(baseline, 50), 2), baselineP99Ms: round(baselineP99, 2),
      p99Ratio: round(p99 / Math.max(baselineP99, 0.001), 2), targetP99Ms: TARGET_P99_MS,
      refreshSeconds: round(refreshSeconds, 2), runsStarted, refreshRunIds: runIds.size, catalogPasses: s.catalog.passes,
      platformRequests: s.v1.requests, throttled429: s.v1.throttled,
    };
    log(`catalog-reads: burst of ${burst} concurrent stale reads p99 ${result.burstP99Ms} ms (the same burst on the fresh catalog: ${result.baselineBurstP99Ms} ms)`);
    log(`catalog-reads: ${result.reads} reads (${rate}/s) during a ${result.refreshSeconds} s refresh, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms (target < ${TARGET_P99_MS} ms); ` +
      `without a refresh p50 ${result.baselineP50Ms} ms, p99 ${result.baselineP99Ms} ms; ratio ${result.p99Ratio}`);
    return result;
  } finally {
    await app.close();
    await engine.stop();
    await bdb.cleanup();
    sandbox.stop();
  }
}
