// pull-budget (WooCommerce): `npm run bench -- pull-budget --platform woocommerce`. A full pull of a
// store's customers, products (with variations) and orders through the engine, against a slow store
// behind a host that limits requests in flight, next to two plain HTTP clients measured in the same run.
//
// The rate model. WooCommerce has no limiter of its own; the host in front of it (nginx limit_conn, a
// shared host's PHP workers) admits a few requests at a time and refuses more, and every request takes
// the store a while (platforms/woocommerce.md section 4: ~2.5 s a page of 100 on a large store,
// woocommerce/woocommerce#11913). So the sandbox answers each API request in L = BENCH_WOO_LATENCY_MS
// store ms (default 2500, time-scaled by BENCH_TIME_SCALE, default 20), and its host admits BENCH_WOO_HOST_LIMIT requests at once
// (default 2, the connector's own cap, WOO_MAX_IN_FLIGHT) and answers 429 to any more.
//
// The minimum that model allows for the R requests the store answered is ceil(R / limit) × L: the limit
// always in flight, no request ever waiting. It leaves out the store's own time beyond L and the
// client's time between requests (mapping, hub writes), so no client reaches it; a client with one
// request in flight at a time needs at least R × L (`sequentialMinimumSeconds`), which is what reading
// one listing page by page is. Figures per client: wall time / minimum (`ratio`), and requests the host
// refused / all requests sent (`throttledShare`, from the host's own count).
//
// Clients: `engine` (customers and products run side by side, as two queue workers take them, then
// orders, which depends on both; hub writes to an in-memory PGlite), `naive-at-cap` (every orders page,
// `limit` at a time, HTTP only: the floor a client can reach) and `naive-burst` (8 at a time, waiting
// 1 s of store time after a 429, as common code does).
import { WOO_MAX_IN_FLIGHT } from '../src/connectors/woocommerce/index.js';
import { openDatabase } from '../src/store/db.js';
import { migrate } from '../src/store/migrate.js';
import { envInt, log } from './wiring.js';
import { BASIC_AUTH, hostStats, resetHost, startWooSandboxProcess, wireWooEngine } from './woocommerce-sandbox.js';

interface Measured {
  client: string;
  seconds: number;
  requests: number;
  throttled: number;
  minimumSeconds: number;
  sequentialMinimumSeconds: number;
  ratio: number;
  throttledShare: number;
}

async function measure(url: string, client: string, limit: number, latencyMs: number, run: () => Promise<string>): Promise<Measured> {
  await resetHost(url);
  const started = performance.now();
  const what = await run();
  const seconds = (performance.now() - started) / 1000;
  const host = await hostStats(url);
  const requests = host.admitted + host.refused;
  const minimumSeconds = (Math.ceil(host.admitted / limit) * latencyMs) / 1000;
  const sequentialMinimumSeconds = (host.admitted * latencyMs) / 1000;
  log(`${client}: ${what} in ${seconds.toFixed(1)} s, ${requests} requests, ${host.refused} refused by the host, at most ${host.maxInFlight} in flight; minimum ${minimumSeconds.toFixed(1)} s`);
  return {
    client, seconds, requests, throttled: host.refused, minimumSeconds, sequentialMinimumSeconds,
    ratio: seconds / Math.max(minimumSeconds, 1e-9), throttledShare: host.refused / Math.max(1, requests),
  };
}

/** Database, tenant, connection and runs are made before the clock starts; the returned function is timed. */
async function prepareEngine(sb: Awaited<ReturnType<typeof startWooSandboxProcess>>): Promise<() => Promise<string>> {
  const db = await openDatabase({ dataDir: ':memory:' });
  await migrate(db);
  const wired = await wireWooEngine(db, sb, 'bench');
  await wired.triggerFull(['customers', 'products', 'orders']);
  return async () => {
    try {
      const [customers, products] = await Promise.all([wired.execute('customers'), wired.execute('products')]);
      const orders = await wired.execute('orders');
      return `${customers.progress.processed} customers, ${products.progress.processed} products, ${orders.progress.processed} orders`;
    } finally {
      await wired.stop();
      await db.close();
    }
  };
}

/** Every orders page, `concurrency` requests at a time; a 429 is waited out for 1 s of store time. */
async function naiveRun(url: string, pages: number, concurrency: number, timeScale: number): Promise<string> {
  let next = 1;
  let rows = 0;
  const worker = async () => {
    for (let page = next++; page <= pages; page = next++) {
      for (;;) {
        const res = await fetch(`${url}/wp-json/wc/v3/orders?per_page=100&page=${page}&orderby=id&order=asc`, { headers: { authorization: BASIC_AUTH } });
        if (res.status === 429) {
          await res.arrayBuffer();
          await new Promise((r) => setTimeout(r, 1000 / timeScale));
          continue;
        }
        if (res.status !== 200) throw new Error(`orders page ${page}: ${res.status}`);
        const got = ((await res.json()) as unknown[]).length;
        rows += got;
        break;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return `${rows} orders`;
}

export async function runWooPullBudget(): Promise<object> {
  const timeScale = envInt('BENCH_TIME_SCALE', 20);
  const storeLatencyMs = envInt('BENCH_WOO_LATENCY_MS', 2_500);
  const limit = envInt('BENCH_WOO_HOST_LIMIT', WOO_MAX_IN_FLIGHT);
  const data = {
    customers: envInt('BENCH_WOO_CUSTOMERS', 1_000), products: envInt('BENCH_WOO_PRODUCTS', 400),
    variableProducts: envInt('BENCH_WOO_VARIABLE', 100), orders: envInt('BENCH_ORDERS', 5_000),
  };
  const latencyMs = storeLatencyMs / timeScale;
  log(`pull-budget (woocommerce): ${JSON.stringify(data)}, ${storeLatencyMs} ms a request (time scale ${timeScale}: ${latencyMs} ms), host limit ${limit}`);
  const sb = await startWooSandboxProcess({
    SB_TIME_SCALE: String(timeScale), SB_LATENCY_MS: String(storeLatencyMs), SB_HOST_LIMIT: String(limit),
    SB_CUSTOMERS: String(data.customers), SB_PRODUCTS: String(data.products), SB_VARIABLE: String(data.variableProducts), SB_VARIATIONS: '3', SB_ORDERS: String(data.orders),
  });
  try {
    const clients = (process.env.BENCH_CLIENTS ?? 'engine,naive-at-cap,naive-burst').split(',');
    const pages = Math.ceil(data.orders / 100);
    const results: Measured[] = [];
    if (clients.includes('engine')) results.push(await measure(sb.url, 'engine', limit, latencyMs, await prepareEngine(sb)));
    if (clients.includes('naive-at-cap')) results.push(await measure(sb.url, 'naive-at-cap', limit, latencyMs, () => naiveRun(sb.url, pages, limit, timeScale)));
    if (clients.includes('naive-burst')) results.push(await measure(sb.url, 'naive-burst', limit, latencyMs, () => naiveRun(sb.url, pages, 8, timeScale)));
    const round = (m: Measured) => ({
      ...m, seconds: +m.seconds.toFixed(2), minimumSeconds: +m.minimumSeconds.toFixed(2), sequentialMinimumSeconds: +m.sequentialMinimumSeconds.toFixed(2),
      ratio: +m.ratio.toFixed(3), throttledShare: +m.throttledShare.toFixed(4),
    });
    return {
      bench: 'pull-budget', platform: 'woocommerce', ...data, variationsPerProduct: 3, timeScale, requestLatencyMs: latencyMs, hostLimit: limit,
      connectorCap: WOO_MAX_IN_FLIGHT, results: results.map(round), targets: { ratio: 1.1, throttledShare: 0.01 },
    };
  } finally {
    sb.stop();
  }
}
