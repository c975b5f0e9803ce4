// Ingest throughput: records/s of a full pull through the engine (fetch + map + hash + upsert +
// links + audit log + checkpoint + progress, one transaction per page) from an unthrottled local
// test source, next to the ceiling on the same database — a raw batched INSERT of the same rows
// the pull stores (hub product, link, audit line), and for reference of the product rows alone
// (bench/raw-insert.ts). Per driver: PGlite in memory, PGlite on disk, PostgreSQL when reachable.
//
// Each driver gets a fresh database. Every round pulls the N records into a new tenant and inserts
// the same N rows raw into other new tenants, so every side always writes N new rows; the order of
// the sides rotates between rounds (and between drivers), so none always meets the larger tables
// or the warmer caches. The figures are total records / total time over the rounds.
import { startTestSource, type TestSource } from '../test/helpers/test-source.js';
import type { Db } from '../src/store/db.js';
import { profileDb, type StatementProfile } from './profile.js';
import { buildRawRows, type Ceiling, countTenantProducts, rawInsert, type RawRow, rawTarget } from './raw-insert.js';
import { type DriverLabel, DRIVERS, envInt, log, openBenchDb, postgresReachable, round, wireEngine } from './wiring.js';

export const TARGET_RATIO = 0.5;

export interface IngestDriverResult {
  driver: DriverLabel;
  engineRecordsPerSec: number;
  /** The ceiling: products + links + audit lines inserted raw. */
  rawInsertRecordsPerSec: number;
  /** engine / rawInsert: the figure the target applies to. */
  ratio: number;
  /** For reference: the product rows alone inserted raw, and the engine's share of that. */
  rawProductsOnlyRecordsPerSec: number;
  ratioProductsOnly: number;
}

export interface IngestResult {
  bench: 'ingest';
  records: number;
  pageSize: number;
  rounds: number;
  results: IngestDriverResult[];
  skipped: { driver: DriverLabel; reason: string }[];
  target: number;
}

export function selectedDrivers(): DriverLabel[] {
  const raw = process.env.BENCH_DRIVERS;
  if (!raw) return [...DRIVERS];
  const wanted = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = wanted.filter((w) => !(DRIVERS as readonly string[]).includes(w));
  if (bad.length > 0) throw new Error(`BENCH_DRIVERS: unknown driver ${bad.join(', ')} (known: ${DRIVERS.join(', ')})`);
  return DRIVERS.filter((d) => wanted.includes(d));
}

const perSec = (records: number, ms: number) => (records / ms) * 1000;

/** A short pull and a short raw insert first, so JIT warm-up and first-statement planning land outside the timings. */
async function warmUp(db: Db, pageSize: number): Promise<void> {
  const count = pageSize * 4;
  const source = await startTestSource({ count, seed: 7, maxPageSize: Math.max(250, pageSize) });
  try {
    const wired = await wireEngine(db, source.url, { pageSize, tenantName: 'bench-warm-up' });
    await wired.runFull();
    await wired.stop();
    for (const ceiling of ['full', 'products'] as const) {
      const target = await rawTarget(db, `bench-warm-up-raw-${ceiling}`);
      await rawInsert(db, { ...target, ceiling }, buildRawRows(source.records()), pageSize);
    }
  } finally {
    await source.close();
  }
}

async function engineRound(db: Db, source: TestSource, n: number, pageSize: number, name: string): Promise<number> {
  const wired = await wireEngine(db, source.url, { pageSize, tenantName: name });
  try {
    const { run, ms } = await wired.runFull();
    const hub = await wired.hubCount();
    if (hub !== n || run.counts.added !== n) {
      throw new Error(`engine pull wrote ${hub} hub products (run counts ${JSON.stringify(run.counts)}), expected ${n}`);
    }
    if ((run.progress.retries ?? 0) > 0) log(`  note: the run retried ${run.progress.retries} request(s)`);
    return ms;
  } finally {
    await wired.stop();
  }
}

async function rawRound(db: Db, rows: RawRow[], pageSize: number, name: string, ceiling: Ceiling): Promise<number> {
  const target = await rawTarget(db, name);
  const { ms } = await rawInsert(db, { ...target, ceiling }, rows, pageSize);
  const count = await countTenantProducts(db, target.tenantId);
  if (count !== rows.length) throw new Error(`raw insert left ${count} rows, expected ${rows.length}`);
  return ms;
}

export function printProfile(label: string, profile: StatementProfile[], runMs: number): void {
  log(`  statement profile of the engine pulls on ${label} (total run time ${Math.round(runMs)} ms):`);
  for (const p of profile.slice(0, 12)) {
    log(`    ${String(p.totalMs).padStart(7)} ms  ${String(p.calls).padStart(6)} calls  ${p.msPerCall.toFixed(3).padStart(8)} ms/call  ${p.statement}`);
  }
}

async function benchDriver(
  label: DriverLabel,
  index: number,
  source: TestSource,
  rows: RawRow[],
  opts: { n: number; pageSize: number; rounds: number; profile: boolean },
): Promise<IngestDriverResult> {
  const opened = await openBenchDb(label);
  const profiler = opts.profile ? profileDb(opened.db) : null;
  const db = profiler?.db ?? opened.db;
  try {
    await warmUp(db, opts.pageSize);
    profiler?.reset();
    let engineMs = 0;
    const rawMs: Record<Ceiling, number> = { full: 0, products: 0 };
    let engineOnlyProfile: StatementProfile[] = [];
    const sides = ['engine', 'full', 'products'] as const;
    for (let r = 0; r < opts.rounds; r++) {
      const shift = (r + index) % sides.length;
      for (const side of [...sides.slice(shift), ...sides.slice(0, shift)]) {
        if (side === 'engine') {
          const before = profiler?.report() ?? [];
          const ms = await engineRound(db, source, opts.n, opts.pageSize, `bench-engine-${r}`);
          engineMs += ms;
          if (profiler) engineOnlyProfile = mergeProfiles(engineOnlyProfile, diffProfiles(profiler.report(), before));
          log(`  ${label} round ${r + 1}: engine ${Math.round(perSec(opts.n, ms))} rec/s (${(ms / 1000).toFixed(2)} s)`);
        } else {
          const ms = await rawRound(db, rows, opts.pageSize, `bench-raw-${side}-${r}`, side);
          rawMs[side] += ms;
          const what = side === 'full' ? 'raw (products+links+log)' : 'raw (products only)';
          log(`  ${label} round ${r + 1}: ${what} ${Math.round(perSec(opts.n, ms))} rec/s (${(ms / 1000).toFixed(2)} s)`);
        }
      }
    }
    if (profiler) printProfile(label, engineOnlyProfile, engineMs);
    const engine = perSec(opts.n * opts.rounds, engineMs);
    const raw = perSec(opts.n * opts.rounds, rawMs.full);
    const productsOnly = perSec(opts.n * opts.rounds, rawMs.products);
    return {
      driver: label,
      engineRecordsPerSec: round(engine),
      rawInsertRecordsPerSec: round(raw),
      ratio: round(engine / raw, 3),
      rawProductsOnlyRecordsPerSec: round(productsOnly),
      ratioProductsOnly: round(engine / productsOnly, 3),
    };
  } finally {
    await opened.cleanup();
  }
}

// Profiles are cumulative; the engine's share is the growth across each of its rounds, which keeps
// the raw insert's statements out of it.
export function diffProfiles(after: StatementProfile[], before: StatementProfile[]): StatementProfile[] {
  const prev = new Map(before.map((p) => [p.statement, p]));
  return after
    .map((p) => {
      const b = prev.get(p.statement);
      const calls = p.calls - (b?.calls ?? 0);
      const totalMs = p.totalMs - (b?.totalMs ?? 0);
      return { statement: p.statement, calls, totalMs, msPerCall: calls > 0 ? totalMs / calls : 0 };
    })
    .filter((p) => p.calls > 0);
}

export function mergeProfiles(a: StatementProfile[], b: StatementProfile[]): StatementProfile[] {
  const out = new Map(a.map((p) => [p.statement, { ...p }]));
  for (const p of b) {
    const o = out.get(p.statement) ?? { statement: p.statement, calls: 0, totalMs: 0, msPerCall: 0 };
    o.calls += p.calls;
    o.totalMs += p.totalMs;
    o.msPerCall = o.totalMs / o.calls;
    out.set(p.statement, o);
  }
  return [...out.values()].sort((x, y) => y.totalMs - x.totalMs);
}

export async function runIngest(): Promise<IngestResult> {
  const n = envInt('BENCH_RECORDS', 50_000);
  const pageSize = envInt('BENCH_PAGE_SIZE', 250);
  const rounds = envInt('BENCH_ROUNDS', 2);
  const profile = process.env.BENCH_PROFILE === '1';
  const drivers = selectedDrivers();
  log(`ingest: ${n} records, page size ${pageSize}, ${rounds} round(s), drivers ${drivers.join(', ')}${profile ? ', profiling statements' : ''}`);

  const source = await startTestSource({ count: n, seed: 1, maxPageSize: Math.max(250, pageSize) });
  const results: IngestDriverResult[] = [];
  const skipped: IngestResult['skipped'] = [];
  try {
    const rows = buildRawRows(source.records());
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
      const res = await benchDriver(label, index, source, rows, { n, pageSize, rounds, profile });
      log(
        `${label}: engine ${res.engineRecordsPerSec} rec/s, raw insert of the same rows ${res.rawInsertRecordsPerSec} rec/s, ratio ${res.ratio} (target >= ${TARGET_RATIO}); ` +
          `products alone ${res.rawProductsOnlyRecordsPerSec} rec/s, ratio ${res.ratioProductsOnly}`,
      );
      results.push(res);
    }
  } finally {
    await source.close();
  }
  return { bench: 'ingest', records: n, pageSize, rounds, results, skipped, target: TARGET_RATIO };
}
