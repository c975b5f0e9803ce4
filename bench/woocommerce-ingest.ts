// ingest (WooCommerce): `npm run bench -- ingest --platform woocommerce`. Records per second of a full
// products pull through the engine — the listing pages of an unthrottled WooCommerce sandbox in its own
// process (100 a page, counted first, each request signed with OAuth 1.0a as over http), mapping,
// validation, hashing, products upsert, links, audit log, checkpoint and progress, one transaction per
// page — next to the ceiling on the same database, measured in the same run: a raw batched INSERT of the
// same rows (hub product, link, audit line), already mapped and hashed, in batches of the same 100, and
// for reference the product rows alone (bench/raw-insert.ts) and the store's listing read with nothing
// written (`storeReadsOnlyRecordsPerSec`: what fetching alone costs on this machine). The store holds
// simple products without managed stock, so that a record is one hub product (a managed one adds a stock
// level the ceiling does not write). Drivers, rounds and their rotation as in bench/ingest.ts.
import { randomUUID } from 'node:crypto';
import { PER_PAGE } from '../src/connectors/woocommerce/api.js';
import { productsStream } from '../src/connectors/woocommerce/streams.js';
import type { Stream } from '../src/connectors/types.js';
import type { ProductRecord } from '../src/core/records.js';
import { recordHash } from '../src/engine/apply.js';
import { mapPage } from '../src/engine/pull.js';
import type { Db } from '../src/store/db.js';
import { diffProfiles, mergeProfiles, printProfile, selectedDrivers, TARGET_RATIO } from './ingest.js';
import { profileDb, type StatementProfile } from './profile.js';
import { type Ceiling, countTenantProducts, rawInsert, type RawRow, rawTarget } from './raw-insert.js';
import { type DriverLabel, envInt, log, openBenchDb, postgresReachable, round } from './wiring.js';
import { BASIC_AUTH, startWooSandboxProcess, type WooSandboxProcess, wireWooEngine } from './woocommerce-sandbox.js';

const perSec = (records: number, ms: number) => (records / ms) * 1000;

/**
 * The rows a pull stores for the store's products, built ahead of time as bench/raw-insert.ts builds the
 * test source's (that one is tied to the test connector's stream): mapped by the WooCommerce stream.
 */
async function rawRows(sb: WooSandboxProcess): Promise<RawRow[]> {
  const products = (await (await fetch(`${sb.siteUrl}/_sandbox/products`)).json()) as Record<string, unknown>[];
  const { records, invalid } = mapPage(productsStream as Stream<unknown, unknown, unknown>, products.map((product) => ({ product, variations: [] })));
  if (invalid.length > 0) throw new Error(`${invalid.length} products did not map: ${invalid[0]?.reason}`);
  if (records.some((r) => r.entity !== 'product')) throw new Error('the store has managed stock: its stock levels are not in the ceiling');
  const at = new Date().toISOString();
  return records.map((r) => {
    const p = r as ProductRecord;
    const { entity: _e, externalId: _x, parentExternalId: _p, remoteUpdatedAt: _u, ...data } = p;
    const meta: RawRow['field_meta'] = {};
    for (const k of Object.keys(data)) meta[k] = { origin: 'woocommerce', at };
    return {
      id: randomUUID(), link_id: randomUUID(), external_id: p.externalId, sku: p.sku ?? null, name: p.name ?? null,
      group_key: p.group?.externalId ?? p.parentExternalId ?? null, group_title: p.group?.title ?? null, data, field_meta: meta, hash: recordHash(p),
    };
  });
}

/**
 * The store's side alone: every listing page read one after the other and parsed, nothing written. Shows
 * how much of the engine's time is the sandbox answering (it shares the machine), not the hub.
 */
async function fetchOnly(sb: WooSandboxProcess, n: number): Promise<number> {
  const started = performance.now();
  let rows = 0;
  for (let page = 1; page <= Math.ceil(n / PER_PAGE); page++) {
    const res = await fetch(`${sb.url}/wp-json/wc/v3/products?per_page=${PER_PAGE}&page=${page}&orderby=id&order=asc`, { headers: { authorization: BASIC_AUTH } });
    rows += ((await res.json()) as unknown[]).length;
  }
  if (rows !== n) throw new Error(`the listing gave ${rows} products, expected ${n}`);
  return performance.now() - started;
}

/** One full products pull into a new tenant; only the run itself is timed. */
async function engineRound(db: Db, sb: WooSandboxProcess, n: number, name: string): Promise<number> {
  const wired = await wireWooEngine(db, sb, name);
  try {
    await wired.triggerFull(['products']);
    const started = performance.now();
    const run = await wired.execute('products');
    const ms = performance.now() - started;
    const hub = await wired.hubProducts();
    if (hub !== n || run.counts.added !== n) throw new Error(`engine pull wrote ${hub} hub products (run counts ${JSON.stringify(run.counts)}), expected ${n}`);
    if ((run.progress.retries ?? 0) > 0) log(`  note: the run retried ${run.progress.retries} request(s)`);
    return ms;
  } finally {
    await wired.stop();
  }
}

async function rawRound(db: Db, rows: RawRow[], name: string, ceiling: Ceiling): Promise<number> {
  const target = await rawTarget(db, name);
  const { ms } = await rawInsert(db, { ...target, ceiling }, rows, PER_PAGE);
  const count = await countTenantProducts(db, target.tenantId);
  if (count !== rows.length) throw new Error(`raw insert left ${count} rows, expected ${rows.length}`);
  return ms;
}

async function benchDriver(label: DriverLabel, index: number, sb: WooSandboxProcess, warm: WooSandboxProcess, opts: { n: number; rounds: number; rows: RawRow[]; warmRows: RawRow[] }) {
  const opened = await openBenchDb(label);
  // BENCH_PROFILE=1: the engine rounds' time per statement, as bench/ingest.ts prints it.
  const profiler = process.env.BENCH_PROFILE === '1' ? profileDb(opened.db) : null;
  const db = profiler?.db ?? opened.db;
  let engineProfile: StatementProfile[] = [];
  try {
    // A short pull and raw inserts first, so JIT warm-up and first-statement planning land outside the timings.
    await engineRound(db, warm, opts.warmRows.length, 'bench-warm-up');
    for (const ceiling of ['full', 'products'] as const) await rawRound(db, opts.warmRows, `bench-warm-up-raw-${ceiling}`, ceiling);
    const ms = { engine: 0, full: 0, products: 0, fetch: 0 };
    const sides = ['engine', 'full', 'products', 'fetch'] as const;
    for (let r = 0; r < opts.rounds; r++) {
      const shift = (r + index) % sides.length;
      for (const side of [...sides.slice(shift), ...sides.slice(0, shift)]) {
        const before = profiler?.report() ?? [];
        const took = side === 'engine' ? await engineRound(db, sb, opts.n, `bench-engine-${r}`)
          : side === 'fetch' ? await fetchOnly(sb, opts.n) : await rawRound(db, opts.rows, `bench-raw-${side}-${r}`, side);
        if (profiler && side === 'engine') engineProfile = mergeProfiles(engineProfile, diffProfiles(profiler.report(), before));
        ms[side] += took;
        const what = { engine: 'engine', full: 'raw (products+links+log)', products: 'raw (products only)', fetch: 'store reads only' }[side];
        log(`  ${label} round ${r + 1}: ${what} ${Math.round(perSec(opts.n, took))} rec/s (${(took / 1000).toFixed(2)} s)`);
      }
    }
    if (profiler) printProfile(label, engineProfile, ms.engine);
    const total = opts.n * opts.rounds;
    const engine = perSec(total, ms.engine);
    const raw = perSec(total, ms.full);
    const productsOnly = perSec(total, ms.products);
    return {
      driver: label, engineRecordsPerSec: round(engine), rawInsertRecordsPerSec: round(raw), ratio: round(engine / raw, 3),
      rawProductsOnlyRecordsPerSec: round(productsOnly), ratioProductsOnly: round(engine / productsOnly, 3),
      storeReadsOnlyRecordsPerSec: round(perSec(total, ms.fetch)),
    };
  } finally {
    await opened.cleanup();
  }
}

export async function runWooIngest(): Promise<object> {
  const n = envInt('BENCH_RECORDS', 10_000);
  const rounds = envInt('BENCH_ROUNDS', 2);
  const drivers = selectedDrivers();
  log(`ingest (woocommerce): ${n} simple products, ${PER_PAGE} a page, ${rounds} round(s), drivers ${drivers.join(', ')}`);
  const seed = (products: number) => ({ SB_PRODUCTS: String(products), SB_MANAGED_SHARE: '0' });
  const sb = await startWooSandboxProcess(seed(n));
  const warm = await startWooSandboxProcess(seed(PER_PAGE * 4));
  const results: object[] = [];
  const skipped: { driver: DriverLabel; reason: string }[] = [];
  try {
    const rows = await rawRows(sb);
    const warmRows = await rawRows(warm);
    if (rows.length !== n) throw new Error(`the store maps to ${rows.length} products, expected ${n}`);
    for (const [index, label] of drivers.entries()) {
      if (label === 'postgres') {
        const why = await postgresReachable();
        if (why) {
          log(`postgres: not reachable (${why}); skipping it`);
          skipped.push({ driver: label, reason: `not reachable: ${why}` });
          continue;
        }
      }
      log(`${label}: ...`);
      const res = await benchDriver(label, index, sb, warm, { n, rounds, rows, warmRows });
      log(`${label}: engine ${res.engineRecordsPerSec} rec/s, raw insert of the same rows ${res.rawInsertRecordsPerSec} rec/s, ratio ${res.ratio} (target >= ${TARGET_RATIO}); ` +
        `products alone ${res.rawProductsOnlyRecordsPerSec} rec/s, ratio ${res.ratioProductsOnly}; store reads alone ${res.storeReadsOnlyRecordsPerSec} rec/s`);
      results.push(res);
    }
  } finally {
    sb.stop();
    warm.stop();
  }
  return { bench: 'ingest', platform: 'woocommerce', records: n, pageSize: PER_PAGE, rounds, results, skipped, target: TARGET_RATIO };
}
