// propagation: how long an edit takes to reach every other platform, with two Shopify shops that sell
// the same SKUs linked through one hub (test/helpers/two-shops.ts: both sandboxes, the engine with its
// job queue and workers, and the server receiving both shops' webhooks, all in this process).
//
//   hub edits   N edits one after another, each of another product: from the PATCH's answer to the new
//               price in shop A's and in shop B's store.
//   shop edits  N edits in shop A, each of another product: from the sandbox edit (which fires its
//               products/update webhook) to the new price in the hub and in shop B's store.
//
// Visibility is polled every POLL_MS: the shops' stores in process (no request, so the polling spends
// no rate limit and sends no webhook), the hub with one primary-key SELECT. The next edit starts once
// the previous one is visible everywhere; its pushes' echoes may still be on their way, as in real use.
// After each phase, once every webhook has been applied and no push is queued, the productSets in each
// sandbox's request log are divided by the edits: exactly 1.0 per target is the goal (0 back to shop A
// for its own edits), more means a push was repeated or an echo was not recognised.
//
// Goal: p50 <= 1 s and p99 <= 3 s in both directions, excluding the platforms' own rate-limit waits: the
// shops' GraphQL buckets are full when a phase starts, the lowest level seen at an edit's start is
// reported next to what a push reserves, and so are the requests the sandboxes throttled (expected 0).
import { loadavg } from 'node:os';
import { waitFor } from '../test/helpers/db.js';
import { type ShopName, type TwoShopProduct, type TwoShops, twoShops } from '../test/helpers/two-shops.js';
import { DRIVERS, type DriverLabel, envInt, log, openBenchDb, postgresReachable, round } from './wiring.js';

export const GOAL = { p50Ms: 1_000, p99Ms: 3_000, productSetsPerEditPerTarget: 1 };
const POLL_MS = 5;
/** An edit not visible everywhere after this long counts as timed out (and fails the goal). */
const EDIT_TIMEOUT_MS = 30_000;
/** What one Shopify push reserves in the cost bucket: the variant count query (3) and productSet (10 + 2 + 250 * 2), src/connectors/shopify/push.ts. */
const PUSH_REQUESTED_COST = 3 + 10 + 2 + 250 * 2;

interface Latency {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

interface PhaseResult {
  edits: number;
  /** Until the value is visible at every target of the edit (the later of the two). */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Per place the value must reach. */
  perTarget: Record<string, Latency>;
  timedOut: number;
  /** productSet requests each shop received during the phase, divided by the edits. */
  productSetsPerEdit: Record<ShopName, number>;
  /** Webhook deliveries recognised as the echo of our own push (sync_log `echo`), per shop. */
  echoes: Record<ShopName, number>;
  conflicts: number;
  /** Edited products whose price's provenance (field_meta.price.origin) is not the edit's origin at the end. */
  originNotTheEdit: number;
  /** Requests the sandboxes answered THROTTLED (or 429) during the phase. */
  throttled: Record<ShopName, number>;
  /** The lowest bucket level seen when an edit started (a push reserves PUSH_REQUESTED_COST). */
  minBucketAvailable: Record<ShopName, number>;
  loadAverage: number;
}

interface DriverResult {
  driver: DriverLabel;
  setupSeconds: number;
  hubEdits: PhaseResult;
  shopEdits: PhaseResult;
  meetsGoal: boolean;
}

/** The p-th percentile (nearest rank). */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

function latency(values: number[]): Latency {
  const sorted = [...values].sort((x, y) => x - y);
  return { p50Ms: round(percentile(sorted, 50), 1), p99Ms: round(percentile(sorted, 99), 1), maxMs: round(sorted.at(-1) ?? 0, 1) };
}

/** Milliseconds from t0 until each check first holds (null: not within EDIT_TIMEOUT_MS), polled every POLL_MS. */
async function until(t0: number, checks: Record<string, () => boolean | Promise<boolean>>): Promise<Record<string, number | null>> {
  const seen: Record<string, number | null> = {};
  for (;;) {
    for (const [name, check] of Object.entries(checks)) if (seen[name] === undefined && (await check())) seen[name] = performance.now() - t0;
    const open = Object.keys(checks).filter((name) => seen[name] === undefined);
    if (open.length === 0) return seen;
    if (performance.now() - t0 > EDIT_TIMEOUT_MS) {
      for (const name of open) seen[name] = null;
      return seen;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

function nonNegativeEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!(n >= 0)) throw new Error(`${name} must be a number >= 0, got "${raw}"`);
  return n;
}

const bucketOf = (h: TwoShops, shop: ShopName) => h[shop].sb.stats().bucket.currentlyAvailable;

/** Every webhook applied and no push queued or running: the phase's requests are all in the logs. */
async function quiet(h: TwoShops): Promise<void> {
  await h.webhooksSettled(60_000);
  await waitFor(async () => (await h.pushJobsPending()) === 0, 60_000, 'no product push queued or running');
}

/** Both shops' buckets full: a phase starts without a rate-limit wait left over from the pull or the phase before. */
async function bucketsFull(h: TwoShops): Promise<void> {
  await waitFor(() => (['a', 'b'] as const).every((s) => bucketOf(h, s) >= h[s].sb.stats().bucket.maximumAvailable - 1), 120_000, 'the shops\' cost buckets full');
}

async function countsBy(h: TwoShops, action: string): Promise<Record<string, number>> {
  const { rows } = await h.db.query<{ connection_id: string | null; n: number }>(
    `SELECT connection_id, count(*)::int AS n FROM sync_log WHERE tenant_id = $1 AND action = $2 GROUP BY connection_id`,
    [h.tenantId, action],
  );
  return Object.fromEntries(rows.map((r) => [r.connection_id ?? '', r.n]));
}

const sum = (o: Record<string, number>) => Object.values(o).reduce((x, y) => x + y, 0);

/**
 * Runs one phase: `edit(p, price)` makes the edit and returns when its clock starts; `checks` say where the
 * new value must appear. Counts are taken once everything is quiet.
 */
async function phase(
  h: TwoShops,
  products: TwoShopProduct[],
  origin: string,
  price: (i: number) => string,
  edit: (p: TwoShopProduct, price: string) => Promise<number>,
  checks: (p: TwoShopProduct, price: string) => Record<string, () => boolean | Promise<boolean>>,
): Promise<PhaseResult> {
  await bucketsFull(h);
  h.clearRequests();
  const echoesBefore = await countsBy(h, 'echo');
  const conflictsBefore = sum(await countsBy(h, 'conflict'));
  const times: Record<string, number[]> = {};
  const overall: number[] = [];
  const minBucket = { a: Infinity, b: Infinity };
  let timedOut = 0;
  for (const [i, p] of products.entries()) {
    for (const s of ['a', 'b'] as const) minBucket[s] = Math.min(minBucket[s], bucketOf(h, s));
    const value = price(i);
    const t0 = await edit(p, value);
    const seen = await until(t0, checks(p, value));
    const values = Object.values(seen);
    if (values.some((v) => v === null)) timedOut++;
    else overall.push(Math.max(...(values as number[])));
    for (const [name, ms] of Object.entries(seen)) if (ms !== null) (times[name] ??= []).push(ms);
  }
  const loadAverage = loadavg()[0]!;
  await quiet(h);
  const echoesAfter = await countsBy(h, 'echo');
  const { rows: provenance } = await h.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM products WHERE id = ANY($1::uuid[]) AND field_meta->'price'->>'origin' IS DISTINCT FROM $2`,
    [products.map((p) => p.id), origin],
  );
  const echoes = (s: ShopName) => (echoesAfter[h[s].connectionId] ?? 0) - (echoesBefore[h[s].connectionId] ?? 0);
  const throttled = (s: ShopName) => {
    const st = h[s].sb.stats();
    return st.graphql.throttled + st.rest.throttled;
  };
  return {
    edits: products.length,
    ...latency(overall),
    perTarget: Object.fromEntries(Object.entries(times).map(([name, ms]) => [name, latency(ms)])),
    timedOut,
    productSetsPerEdit: { a: round(h.productSets('a') / products.length, 3), b: round(h.productSets('b') / products.length, 3) },
    echoes: { a: echoes('a'), b: echoes('b') },
    conflicts: sum(await countsBy(h, 'conflict')) - conflictsBefore,
    originNotTheEdit: provenance[0]!.n,
    throttled: { a: throttled('a'), b: throttled('b') },
    minBucketAvailable: { a: Math.floor(minBucket.a), b: Math.floor(minBucket.b) },
    loadAverage: round(loadAverage, 1),
  };
}

const hubPhase = (h: TwoShops, products: TwoShopProduct[], price: (i: number) => string) =>
  phase(
    h,
    products,
    'hub',
    price,
    async (p, value) => {
      const res = await h.patch(p.id, { price: value });
      if (res.statusCode !== 200) throw new Error(`PATCH /products/${p.id} answered ${res.statusCode}: ${JSON.stringify(res.body)}`);
      return performance.now();
    },
    (p, value) => ({ shopA: () => h.shopPrice('a', p) === value, shopB: () => h.shopPrice('b', p) === value }),
  );

const shopPhase = (h: TwoShops, products: TwoShopProduct[], price: (i: number) => string) =>
  phase(
    h,
    products,
    'shopify',
    price,
    async (p, value) => {
      const t0 = performance.now();
      h.editPrice('a', p, value);
      return t0;
    },
    (p, value) => ({ hub: async () => (await h.hubPrice(p.id)) === value, shopB: () => h.shopPrice('b', p) === value }),
  );

function phaseMeetsGoal(r: PhaseResult, expected: Record<ShopName, number>): boolean {
  return r.timedOut === 0 && r.p50Ms <= GOAL.p50Ms && r.p99Ms <= GOAL.p99Ms && r.productSetsPerEdit.a === expected.a && r.productSetsPerEdit.b === expected.b;
}

async function measure(label: DriverLabel, opts: { edits: number; warmup: number; debounceMs: number; timeScale: number }): Promise<DriverResult> {
  const bench = await openBenchDb(label);
  const started = performance.now();
  // One product (of two variants) per measured edit and direction, and a few for the warm-up; the edits
  // go to each product's first variant, so no two edits touch the same product or push target.
  const parents = 2 * (opts.edits + opts.warmup);
  log(`propagation ${label}: seeding two shops with ${parents} products each and pulling them`);
  const h = await twoShops({
    seed: { products: parents, variantsPerProduct: 2, locations: 1, orders: 0, customers: 0, seed: 11 },
    // The first pulls are setup, not measured: compressed, so that seeding does not take minutes.
    timeScale: opts.timeScale, pullTimeScale: 50, debounceMs: opts.debounceMs, database: bench, logLevel: process.env.BENCH_LOG_LEVEL ?? 'silent',
  });
  try {
    const linked = await h.linked();
    const seen = new Set<string>();
    const firsts = linked.filter((p) => !seen.has(p.a.product) && seen.add(p.a.product));
    if (firsts.length !== parents) throw new Error(`expected ${parents} products linked in both shops, found ${firsts.length}`);
    const setupSeconds = (performance.now() - started) / 1000;
    const [warmHub, warmShop, hubSet, shopSet] = [
      firsts.slice(0, opts.warmup), firsts.slice(opts.warmup, 2 * opts.warmup),
      firsts.slice(2 * opts.warmup, 2 * opts.warmup + opts.edits), firsts.slice(2 * opts.warmup + opts.edits),
    ];
    // Prices no seeded variant has (the seed's are 4.00-199.99 and 249.00), distinct per edit.
    log(`propagation ${label}: warm-up (${opts.warmup} edits each way)`);
    await hubPhase(h, warmHub, (i) => `${300 + i}.25`);
    await shopPhase(h, warmShop, (i) => `${400 + i}.75`);
    log(`propagation ${label}: ${opts.edits} hub edits`);
    const hubEdits = await hubPhase(h, hubSet, (i) => `${1000 + i}.25`);
    log(`propagation ${label}: hub edits ${JSON.stringify(hubEdits)}`);
    log(`propagation ${label}: ${opts.edits} edits in shop A`);
    const shopEdits = await shopPhase(h, shopSet, (i) => `${3000 + i}.75`);
    log(`propagation ${label}: shop edits ${JSON.stringify(shopEdits)}`);
    return {
      driver: label,
      setupSeconds: round(setupSeconds, 1),
      hubEdits,
      shopEdits,
      meetsGoal: phaseMeetsGoal(hubEdits, { a: 1, b: 1 }) && phaseMeetsGoal(shopEdits, { a: 0, b: 1 }),
    };
  } finally {
    await h.close();
  }
}

export async function runPropagation(): Promise<object> {
  const wanted = (process.env.BENCH_PROPAGATION_DRIVERS ?? 'pglite-memory,postgres').split(',').map((s) => s.trim()) as DriverLabel[];
  const bad = wanted.filter((d) => !DRIVERS.includes(d));
  if (bad.length > 0) throw new Error(`BENCH_PROPAGATION_DRIVERS: unknown driver ${bad.join(', ')}; one of ${DRIVERS.join(', ')}`);
  const opts = {
    edits: envInt('BENCH_PROPAGATION_EDITS', 100),
    warmup: envInt('BENCH_PROPAGATION_WARMUP', 3),
    debounceMs: nonNegativeEnv('BENCH_PROPAGATION_DEBOUNCE_MS', 50),
    // 1: Shopify's own limits (2000 points restoring 100/s, webhook retries after 10 s and more), as emag-parallel runs eMAG's.
    timeScale: nonNegativeEnv('BENCH_PROPAGATION_TIME_SCALE', 1),
  };
  if (!(opts.timeScale > 0)) throw new Error('BENCH_PROPAGATION_TIME_SCALE must be > 0');
  const results: DriverResult[] = [];
  const skipped: { driver: DriverLabel; reason: string }[] = [];
  for (const label of wanted) {
    if (label === 'postgres') {
      const down = await postgresReachable();
      if (down) {
        log(`propagation: PostgreSQL does not answer (${down}); skipped`);
        skipped.push({ driver: label, reason: `PostgreSQL does not answer: ${down}` });
        continue;
      }
    }
    results.push(await measure(label, opts));
  }
  // What the goal does not count but a reader must see: anything here means a push, echo or merge went wrong.
  const anomalies = results.flatMap((r) =>
    (
      [
        ['hub edits', r.hubEdits, { a: r.hubEdits.edits, b: r.hubEdits.edits }],
        ['shop edits', r.shopEdits, { a: 0, b: r.shopEdits.edits }],
      ] as const
    ).flatMap(([name, ph, echoes]) => [
      ...(['a', 'b'] as const).filter((s) => ph.echoes[s] !== echoes[s]).map((s) => `${r.driver} ${name}: ${ph.echoes[s]} of ${echoes[s]} webhooks of our pushes to shop ${s.toUpperCase()} recognised as echoes`),
      ...(ph.conflicts > 0 ? [`${r.driver} ${name}: ${ph.conflicts} conflicts recorded`] : []),
      ...(ph.originNotTheEdit > 0 ? [`${r.driver} ${name}: ${ph.originNotTheEdit} products whose price no longer names the edit's origin`] : []),
      ...(sum(ph.throttled) > 0 ? [`${r.driver} ${name}: ${sum(ph.throttled)} requests throttled`] : []),
    ]),
  );
  const throttled = results.reduce((n, r) => n + sum(r.hubEdits.throttled) + sum(r.shopEdits.throttled), 0);
  const bucketShort = results.some((r) => [r.hubEdits, r.shopEdits].some((ph) => Math.min(ph.minBucketAvailable.a, ph.minBucketAvailable.b) < PUSH_REQUESTED_COST));
  return {
    bench: 'propagation',
    edits: opts.edits,
    debounceMs: opts.debounceMs,
    timeScale: opts.timeScale,
    pollMs: POLL_MS,
    pushRequestedCost: PUSH_REQUESTED_COST,
    results,
    skipped,
    goal: { ...GOAL, productSetsPerEdit: { hubEdits: { a: 1, b: 1 }, shopEdits: { a: 0, b: 1 } }, throttled: 0 },
    rateLimitWaits: throttled === 0 && !bucketShort ? 'none: no request throttled, buckets never below a push\'s reservation' : `possible: ${throttled} requests throttled${bucketShort ? ', a bucket fell below a push\'s reservation' : ''}`,
    anomalies,
    meetsGoal: results.length > 0 && results.every((r) => r.meetsGoal),
  };
}
