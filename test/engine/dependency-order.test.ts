// Dependency order holds on every path that starts a run: orders (which depend on customers and
// products) never start before customers has ended — through a normal dispatch by the queue, after a
// restart that finds the runs queued (the resumption of orphaned runs picks them up together), and
// when a worker executing customers is killed and another takes its lease over. The Shopify sandbox
// answers Customers queries slowly, so customers is still running when the others could start.
// Runs on PGlite (an on-disk data dir where a child process is involved) and, in test:pg, PostgreSQL.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type PgBoss from 'pg-boss';
import { afterEach, describe, expect, it } from 'vitest';
import { shopifyConnector } from '../../src/connectors/shopify/index.js';
import { generateMasterKey, parseMasterKey, SecretBox } from '../../src/core/secret-box.js';
import { Engine } from '../../src/engine/engine.js';
import { startQueue } from '../../src/engine/queue.js';
import { connectorRegistry } from '../../src/engine/registry.js';
import { type ShopifySandbox, startShopifySandbox } from '../../src/sandbox/shopify/index.js';
import { createLogger } from '../../src/server/logger.js';
import { insertConnection } from '../../src/store/connections.js';
import { type Db, openDatabase } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { createTenant } from '../../src/store/tenants.js';
import { createTestDb, type TestDb, usingPostgres, waitFor } from '../helpers/db.js';
import { SANDBOX_OUTBOUND } from '../helpers/outbound.js';
import { startWorkerProcess } from '../helpers/worker-process.js';

const CUSTOMERS_LATENCY_MS = 700;

interface Setup {
  db: Db;
  sb: ShopifySandbox;
  key: string;
  tenantId: string;
  connectionId: string;
  /** For a child process: the database it opens. */
  env: Record<string, string>;
  close(): Promise<void>;
}

async function setup(onDisk: boolean): Promise<Setup> {
  const sb = await startShopifySandbox({ timeScale: 100 });
  sb.seed({ products: 30, variantsPerProduct: 2, orders: 120, linesPerOrder: 2, customers: 600, locations: 1, seed: 21 });
  sb.setFaults({ latencyMs: CUSTOMERS_LATENCY_MS, latencyOperations: ['Customers'] });
  const key = generateMasterKey();
  let t: TestDb | undefined;
  let dataDir: string | undefined;
  let db: Db;
  const env: Record<string, string> = {};
  if (usingPostgres || !onDisk) {
    t = await createTestDb();
    db = t.db;
    if (t.url) env.CS_DATABASE_URL = t.url;
  } else {
    dataDir = mkdtempSync(join(tmpdir(), 'cs-deps-'));
    db = await openDatabase({ dataDir });
    await migrate(db);
    env.CS_DATA_DIR = dataDir;
  }
  const box = new SecretBox(parseMasterKey(key));
  const { tenant } = await db.transaction((tx) => createTenant(tx, 'deps'));
  const conn = await db.withTenant(tenant.id, (tx) =>
    insertConnection(tx, box, {
      tenantId: tenant.id, platform: 'shopify', name: 'shop',
      // 600 customers at 250 per page: three slow pages.
      settings: { shopDomain: 'sandbox-shop.myshopify.com', baseUrl: sb.url, apiVersion: '2026-07' },
      credentials: { accessToken: 'shpat_sandbox', apiSecret: 'sandbox-api-secret' },
    }),
  );
  return {
    db, sb, key, tenantId: tenant.id, connectionId: conn.id, env,
    async close() {
      await sb.close();
      if (t) await t.cleanup();
      else await db.close().catch(() => undefined);
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function engineOn(db: Db, key: string): Engine {
  return new Engine({
    db, box: new SecretBox(parseMasterKey(key)), logger: createLogger({ level: 'silent' }),
    registry: connectorRegistry([shopifyConnector]), http: { timeoutMs: 5_000, backoff: { baseMs: 5, capMs: 50 } }, outbound: SANDBOX_OUTBOUND,
    // Runs no worker is on are looked for every 200 ms and queued runs count as such after 100 ms: the
    // re-dispatch is as eager as it can be, so an order it broke would show.
    leaseMs: 400, staleQueuedMs: 100,
  });
}

interface Timing { stream: string; status: string; started: number; finished: number }

async function timings(db: Db, connectionId: string): Promise<Record<string, Timing>> {
  const { rows } = await db.query<{ stream: string; status: string; started_at: Date; finished_at: Date }>(
    'SELECT stream, status, started_at, finished_at FROM sync_runs WHERE connection_id = $1', [connectionId]);
  return Object.fromEntries(rows.map((r) => [r.stream, { stream: r.stream, status: r.status, started: r.started_at.getTime(), finished: r.finished_at.getTime() }]));
}

/** All three runs ended; orders started only after customers and products ended. */
async function expectOrder(db: Db, connectionId: string): Promise<void> {
  const all = await waitFor(async () => {
    const t = await timings(db, connectionId);
    return Object.values(t).length === 3 && Object.values(t).every((r) => r.status !== 'queued' && r.status !== 'running') ? t : null;
  }, 60_000, 'all three runs to end');
  expect(Object.values(all).map((r) => [r.stream, r.status]).sort()).toEqual([['customers', 'succeeded'], ['orders', 'succeeded'], ['products', 'succeeded']]);
  expect(all.orders!.started).toBeGreaterThanOrEqual(all.customers!.finished);
  expect(all.orders!.started).toBeGreaterThanOrEqual(all.products!.finished);
  // Every stream was executed by a job of the run queue (one dispatch path).
  const jobs = await db.query<{ key: string }>(`SELECT DISTINCT singleton_key AS key FROM pgboss.job WHERE name = 'sync-run' AND state = 'completed'`);
  expect(jobs.rows.map((j) => j.key).sort()).toEqual(['customers', 'orders', 'products'].map((s) => `${connectionId}:${s}`));
}

describe('dependency order on every path', () => {
  let s: Setup | undefined;
  let engine: Engine | undefined;
  let queue: PgBoss | undefined;
  afterEach(async () => {
    await engine?.stop();
    await queue?.stop({ graceful: false, wait: true });
    await s?.close();
    s = engine = queue = undefined;
  });

  it('a normal dispatch: orders start after customers and products ended', async () => {
    s = await setup(false);
    engine = engineOn(s.db, s.key);
    queue = await startQueue(s.db, { error: () => undefined });
    await engine.start(queue, { embedded: !usingPostgres });
    const res = await engine.trigger({ tenantId: s.tenantId, connectionId: s.connectionId, mode: 'incremental', trigger: 'api' });
    expect(res.created.map((r) => r.stream)).toEqual(['customers', 'products', 'orders']);
    await expectOrder(s.db, s.connectionId);
  });

  it('a restart that finds the runs queued: the resumption starts them all, orders only after customers', async () => {
    s = await setup(false);
    // Triggered by a process that went away before any worker took the runs.
    await engineOn(s.db, s.key).trigger({ tenantId: s.tenantId, connectionId: s.connectionId, mode: 'incremental', trigger: 'api' });
    engine = engineOn(s.db, s.key);
    queue = await startQueue(s.db, { error: () => undefined });
    await engine.start(queue, { embedded: !usingPostgres });
    await expectOrder(s.db, s.connectionId);
  });

  it('a worker executing customers is killed: the lease is taken over, and orders still wait for customers', async () => {
    s = await setup(true);
    await engineOn(s.db, s.key).trigger({ tenantId: s.tenantId, connectionId: s.connectionId, mode: 'incremental', trigger: 'api' });
    // One owner of an embedded data dir at a time: the child takes it while it works.
    if (!usingPostgres) await s.db.close();
    const child = startWorkerProcess(
      { ...s.env, CS_MASTER_KEY: s.key, CS_LEASE_MS: '400', CS_TENANT: s.tenantId, CS_CONNECTION: s.connectionId, CS_STREAM: 'customers', CS_MODE: 'incremental' },
      1,
    );
    await waitFor(() => s!.sb.requests().some((r) => r.operationName === 'Customers'), 30_000, 'the child to start on customers');
    child.kill();
    await child.exited;
    if (!usingPostgres) s.db = await openDatabase({ dataDir: s.env.CS_DATA_DIR! });
    const before = await s.db.query<{ stream: string; status: string; lease_owner: string | null }>(
      'SELECT stream, status, lease_owner FROM sync_runs WHERE connection_id = $1 ORDER BY stream', [s.connectionId]);
    expect(before.rows.find((r) => r.stream === 'customers')).toMatchObject({ status: 'running' }); // held by the dead worker
    expect(before.rows.find((r) => r.stream === 'orders')).toMatchObject({ status: 'queued' });
    engine = engineOn(s.db, s.key);
    queue = await startQueue(s.db, { error: () => undefined });
    await engine.start(queue, { embedded: !usingPostgres });
    await expectOrder(s.db, s.connectionId);
    const attempts = (await s.db.query<{ attempts: number }>(`SELECT attempts FROM sync_runs WHERE connection_id = $1 AND stream = 'customers'`, [s.connectionId])).rows[0];
    expect(attempts?.attempts).toBe(2); // the dead worker's attempt, then the takeover
  });
});
