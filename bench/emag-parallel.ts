// emag-parallel: the orders of two eMAG accounts (main and FBE, BENCH_EMAG_ORDERS each, default 5000)
// synced one after the other, then both at once as "sync all eMAG accounts" does — each measured on a
// freshly seeded sandbox and a fresh database. New orders are acknowledged (autoAcknowledge), so each run
// also spends the order routes' budget on one request per new order: the accounts' separate limits are
// what the parallel run gains from. Figures: parallel / sequential wall time (target <= 0.6), and 429s
// per account, in total and after each measurement's first second (target 0). The sandbox runs on
// compressed time (BENCH_EMAG_TIME_SCALE, default 10: 120 order requests/s per account) and the
// connections are told the compressed limits.
import { emagConnector } from '../src/connectors/emag/index.js';
import { generateMasterKey, parseMasterKey, SecretBox } from '../src/core/secret-box.js';
import { Engine } from '../src/engine/engine.js';
import { connectorRegistry } from '../src/engine/registry.js';
import { startEmagSandbox, type EmagSandbox } from '../src/sandbox/emag/index.js';
import { createLogger } from '../src/server/logger.js';
import { SANDBOX_OUTBOUND } from '../test/helpers/outbound.js';
import { insertConnection } from '../src/store/connections.js';
import { createTenant } from '../src/store/tenants.js';
import { envInt, log, openBenchDb, round } from './wiring.js';

const ACCOUNTS = ['main', 'fbe'] as const;

interface Prepared {
  run(account: string): Promise<number>;
  cleanup(): Promise<void>;
}

async function prepare(sb: EmagSandbox, timeScale: number): Promise<Prepared> {
  const bench = await openBenchDb('pglite-memory');
  const db = bench.db;
  const box = new SecretBox(parseMasterKey(generateMasterKey()));
  const { tenant } = await db.transaction((tx) => createTenant(tx, 'bench'));
  const ids: Record<string, string> = {};
  for (const account of ACCOUNTS) {
    const conn = await db.withTenant(tenant.id, (tx) =>
      insertConnection(tx, box, {
        tenantId: tenant.id, platform: 'emag', name: `emag-${account}`,
        settings: { account, baseUrl: sb.apiUrl, autoAcknowledge: true, requestsPerSecond: { orders: 12 * timeScale, other: 3 * timeScale } },
        credentials: sb.credentials(account),
      }),
    );
    ids[account] = conn.id;
  }
  const engine = new Engine({ db, box, logger: createLogger({ level: process.env.BENCH_LOG_LEVEL ?? 'silent' }), registry: connectorRegistry([emagConnector]), http: { timeoutMs: 30_000 }, outbound: SANDBOX_OUTBOUND });
  return {
    async run(account) {
      const { created } = await engine.trigger({ tenantId: tenant.id, connectionId: ids[account]!, streams: ['orders'], mode: 'full', trigger: 'api', force: true });
      const run = await engine.execute(tenant.id, created[0]!.id);
      if (run?.status !== 'succeeded') throw new Error(`${account} run ended ${run?.status}: ${JSON.stringify(run?.error)}`);
      return run.progress.processed ?? 0;
    },
    async cleanup() {
      await engine.stop();
      await bench.cleanup();
    },
  };
}

interface Measured {
  seconds: number;
  orders: number;
  requests: number;
  throttled: Record<string, number>;
  throttledAfterFirstSecond: Record<string, number>;
  maxConcurrency: Record<string, number>;
}

async function measure(sb: EmagSandbox, spec: { orders: number; timeScale: number }, parallel: boolean): Promise<Measured> {
  sb.seed({ orders: spec.orders, offers: 500, newShare: 0.1, linesPerOrder: 3, seed: 42 });
  sb.resetLimits();
  sb.clearRequests();
  const p = await prepare(sb, spec.timeScale);
  try {
    const started = Date.now();
    const fetched = parallel ? await Promise.all(ACCOUNTS.map((a) => p.run(a))) : [await p.run('main'), await p.run('fbe')];
    const seconds = (Date.now() - started) / 1000;
    const requests = sb.requests();
    const stats = sb.stats().accounts;
    const per = (f: (a: string) => number) => Object.fromEntries(ACCOUNTS.map((a) => [a, f(a)]));
    return {
      seconds: round(seconds, 2),
      orders: fetched.reduce((a, b) => a + b, 0),
      requests: requests.length,
      throttled: per((a) => stats[a]?.throttled ?? 0),
      throttledAfterFirstSecond: per((a) => requests.filter((r) => r.account === a && r.throttled && r.at - started > 1000).length),
      maxConcurrency: per((a) => stats[a]?.maxConcurrency ?? 0),
    };
  } finally {
    await p.cleanup();
  }
}

export async function runEmagParallel(): Promise<object> {
  const orders = envInt('BENCH_EMAG_ORDERS', 5_000);
  const timeScale = envInt('BENCH_EMAG_TIME_SCALE', 10);
  log(`emag-parallel: ${orders} orders per account, time scale ${timeScale}`);
  const sb = await startEmagSandbox({ timeScale });
  try {
    const sequential = await measure(sb, { orders, timeScale }, false);
    log(`sequential: ${sequential.seconds} s, ${sequential.requests} requests, 429s ${JSON.stringify(sequential.throttled)}`);
    const parallel = await measure(sb, { orders, timeScale }, true);
    log(`parallel: ${parallel.seconds} s, ${parallel.requests} requests, 429s ${JSON.stringify(parallel.throttled)}`);
    return {
      bench: 'emag-parallel', ordersPerAccount: orders, timeScale,
      ratio: round(parallel.seconds / sequential.seconds, 3),
      sequential, parallel,
      targets: { ratio: 0.6, throttledAfterFirstSecond: 0 },
    };
  } finally {
    await sb.close();
  }
}
