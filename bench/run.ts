// Benchmark runner: `npm run bench` runs every benchmark, `npm run bench -- <name> [<name> ...]`
// runs the named ones. Each benchmark logs progress on stderr and prints exactly one JSON line with
// its figures on stdout.
//
// Options (environment):
//   BENCH_RECORDS          ingest: records per pull                        (default 50000)
//   BENCH_PAGE_SIZE        page size of the pull and batch size of the raw insert (default 250, max 250)
//   BENCH_ROUNDS           ingest: engine/raw pairs per driver, order alternating (default 2)
//   BENCH_DRIVERS          ingest: comma list of pglite-memory, pglite-disk, postgres (default all)
//   BENCH_DATABASE_URL     PostgreSQL server for the postgres driver; a bench_* database is created
//                          and dropped on it (default TEST_DATABASE_URL or
//                          postgres://postgres@127.0.0.1:5432/test); unreachable -> skipped
//   BENCH_PROFILE=1        ingest: print the time per statement of the engine's pulls
//   BENCH_MEMORY_RECORDS   memory: comma list of record counts (default 100000,1000000)
//   BENCH_MEMORY_TIMEOUT_S memory: give up on one pull after this long (default 1800)
//   BENCH_LOG_LEVEL        engine log level (default silent)
//   BENCH_ORDERS           pull-budget: orders in the Shopify sandbox          (default 20000)
//   BENCH_TIME_SCALE       pull-budget: sandbox time compression (default 20: restore 2000 points/s)
//   BENCH_NAIVE_ORDERS     pull-budget: orders the naive baselines read       (default 2000)
//   BENCH_CLIENTS          pull-budget: comma list of engine, naive-fixed-rate, naive-retry
//   BENCH_WORKERS          pull-budget: N worker processes on PostgreSQL (same as --workers N)
//   BENCH_CUSTOMERS        pull-budget --workers: customers in the Shopify sandbox (default 10000)
//   BENCH_PRODUCTS         pull-budget --workers: products of 2 variants          (default 100)
//   BENCH_BULK_ORDERS      bulk-memory: comma list of order counts (default 10000,100000)
//   BENCH_BULK_DRIVER      bulk-memory: pglite (default) or postgres
//   BENCH_HEAP_MB          bulk-memory: --max-old-space-size of each pull (default 128; 0 = none)
//   BENCH_PF_TIME_SCALE    catalog-reads: Printful sandbox time compression (default 10)
//   BENCH_CATALOG_PRODUCTS catalog-reads: catalog products in the sandbox    (default 300)
//   BENCH_READ_RATE        catalog-reads: reads per second arriving during the baseline and the refresh (default 50)
//   BENCH_READ_BURST       catalog-reads: concurrent stale reads arriving at once (default 100)
//   BENCH_BASELINE_MS      catalog-reads: length of the baseline read stream (default 3000)
//   BENCH_CATALOG_DRIVER   catalog-reads: pglite-memory (default), pglite-disk or postgres
//   BENCH_EMAG_ORDERS      emag-parallel: orders per eMAG account            (default 2000)
//   BENCH_EMAG_TIME_SCALE  emag-parallel: sandbox time compression (default 1: eMAG's real 12 order requests/s)
//   BENCH_WEBHOOK_SECONDS  webhooks-apply: length of the flood (default 30)
//   BENCH_WEBHOOK_DRIVERS  webhooks-apply: comma list of pglite-memory, pglite-disk, postgres (default all)
//   BENCH_API_PRODUCTS     api-reads: products in the hub (default 100000); BENCH_API_ORDERS (300000), BENCH_API_CUSTOMERS (50000)
//   BENCH_API_REQUESTS     api-reads: measured requests per request kind (default 200, after BENCH_API_WARMUP = 10)
//   BENCH_API_DRIVERS      api-reads: comma list of pglite-memory, pglite-disk, postgres (default pglite-memory,postgres)
//   BENCH_PROPAGATION_EDITS        propagation: edits per direction (default 100)
//   BENCH_PROPAGATION_DEBOUNCE_MS  propagation: the push outbox's debounce (default 50)
//   BENCH_PROPAGATION_TIME_SCALE   propagation: Shopify sandbox time compression (default 1: Shopify's own limits)
//   BENCH_PROPAGATION_DRIVERS      propagation: comma list of pglite-memory, pglite-disk, postgres (default pglite-memory,postgres)
import { runIngest } from './ingest.js';
import { runMemory } from './memory.js';
import { runPullBudget } from './pull-budget.js';
import { runBulkMemory } from './bulk-memory.js';
import { runCatalogReads } from './catalog-reads.js';
import { runEmagParallel } from './emag-parallel.js';
import { runWebhooksApply } from './webhooks-apply.js';
import { runApiReads } from './api-reads.js';
import { runPropagation } from './propagation.js';
import { runWooIngest } from './woocommerce-ingest.js';
import { runWooPullBudget } from './woocommerce-pull-budget.js';

const BENCHES: Record<string, () => Promise<object>> = {
  ingest: runIngest,
  memory: runMemory,
  'pull-budget': runPullBudget,
  'bulk-memory': runBulkMemory,
  'catalog-reads': runCatalogReads,
  'emag-parallel': runEmagParallel,
  'webhooks-apply': runWebhooksApply,
  'api-reads': runApiReads,
  propagation: runPropagation,
};

// `--platform <name>`: the variant of a benchmark for one platform; without it a benchmark runs its
// default (ingest: the paged test source; pull-budget: Shopify).
const PLATFORM_BENCHES: Record<string, Record<string, () => Promise<object>>> = {
  shopify: { 'pull-budget': runPullBudget },
  woocommerce: { ingest: runWooIngest, 'pull-budget': runWooPullBudget },
};

function usage(): string {
  return `usage: npm run bench [-- <${Object.keys(BENCHES).join('|')}> ... [--platform ${Object.keys(PLATFORM_BENCHES).join('|')}]]\n` +
    'options are environment variables; see bench/README.md\n';
}

const args = process.argv.slice(2);
// `--workers N`: pull-budget with N worker processes on PostgreSQL (passed on as BENCH_WORKERS).
const workersAt = args.findIndex((a) => a === '--workers' || a.startsWith('--workers='));
if (workersAt >= 0) {
  const [flag] = args.splice(workersAt, 1);
  process.env.BENCH_WORKERS = flag!.includes('=') ? flag!.slice(flag!.indexOf('=') + 1) : (args.splice(workersAt, 1)[0] ?? '');
}
const platformAt = args.findIndex((a) => a === '--platform' || a.startsWith('--platform='));
let platform: string | undefined;
if (platformAt >= 0) {
  const [flag] = args.splice(platformAt, 1);
  platform = flag!.includes('=') ? flag!.slice(flag!.indexOf('=') + 1) : (args.splice(platformAt, 1)[0] ?? '');
}
if (args.includes('-h') || args.includes('--help')) {
  process.stdout.write(usage());
  process.exit(0);
}
const unknown = args.filter((a) => !(a in BENCHES));
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark: ${unknown.join(', ')}\n${usage()}`);
  process.exit(2);
}

const names = args.length > 0 ? args : Object.keys(BENCHES);
// A platform only some benchmarks know is an error for the others, not a silent fallback to their default.
const variants = platform === undefined ? undefined : PLATFORM_BENCHES[platform];
const lacking = platform === undefined ? [] : names.filter((n) => !variants?.[n]);
if (lacking.length > 0) {
  process.stderr.write(`no ${platform} variant of: ${lacking.join(', ')} (known: ${Object.entries(PLATFORM_BENCHES).map(([p, b]) => `${p}: ${Object.keys(b).join(', ')}`).join('; ')})\n${usage()}`);
  process.exit(2);
}
let failed = false;
for (const name of names) {
  try {
    const result = await (variants?.[name] ?? BENCHES[name]!)();
    process.stdout.write(JSON.stringify(result) + '\n');
  } catch (err) {
    failed = true;
    process.stderr.write(`bench ${name} failed: ${(err as Error).stack ?? String(err)}\n`);
  }
}
// Pools, timers or a stray socket must not keep a finished run alive.
process.exit(failed ? 1 : 0);
