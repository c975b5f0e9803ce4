// Shared plumbing for the benchmarks: opening a migrated database on each driver, wiring an Engine
// to a paged test source the way the engine tests do (tenant, encrypted connection, registry with
// the test connector), and small env/log helpers. Progress goes to stderr; stdout is reserved for
// the one final JSON line of each benchmark.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { generateMasterKey, parseMasterKey, SecretBox } from '../src/core/secret-box.js';
import { Engine } from '../src/engine/engine.js';
import { connectorRegistry } from '../src/engine/registry.js';
import type { RunRow } from '../src/engine/runs.js';
import { createLogger } from '../src/server/logger.js';
import { SANDBOX_OUTBOUND } from '../test/helpers/outbound.js';
import { insertConnection } from '../src/store/connections.js';
import { type Db, openDatabase } from '../src/store/db.js';
import { migrate } from '../src/store/migrate.js';
import { createTenant } from '../src/store/tenants.js';
import { testConnector } from '../test/helpers/test-connector.js';
import { TEST_SOURCE_TOKEN } from '../test/helpers/test-source.js';

export type DriverLabel = 'pglite-memory' | 'pglite-disk' | 'postgres';
export const DRIVERS: readonly DriverLabel[] = ['pglite-memory', 'pglite-disk', 'postgres'];

export const ADMIN_DATABASE_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return n;
}

export function envIntList(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  return raw.split(',').map((part) => {
    const n = Number(part.trim().replace(/_/g, ''));
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a comma-separated list of positive integers, got "${raw}"`);
    return n;
  });
}

export const round = (n: number, digits = 0): number => Number(n.toFixed(digits));

export interface BenchDb {
  label: DriverLabel;
  db: Db;
  /** PostgreSQL: the database's URL, for other processes. */
  url?: string;
  cleanup(): Promise<void>;
}

/** A temp directory for an on-disk PGlite; removed by the returned cleanup. */
export function tempDataDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Whether the PostgreSQL server answers at all; a bench skips the driver rather than failing. */
export async function postgresReachable(url = ADMIN_DATABASE_URL): Promise<string | null> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return null;
  } catch (err) {
    return (err as Error).message;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** A fresh, migrated database for one driver. PostgreSQL gets its own database, dropped on cleanup. */
export async function openBenchDb(label: DriverLabel): Promise<BenchDb> {
  if (label === 'pglite-memory') {
    const db = await openDatabase({ dataDir: ':memory:' });
    await migrate(db);
    return { label, db, cleanup: () => db.close() };
  }
  if (label === 'pglite-disk') {
    const tmp = tempDataDir('commerce-sync-bench');
    const db = await openDatabase({ dataDir: tmp.dir });
    await migrate(db);
    return {
      label,
      db,
      async cleanup() {
        await db.close();
        tmp.remove();
      },
    };
  }
  const name = `bench_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = '/' + name;
  const db = await openDatabase({ databaseUrl: url.toString(), dataDir: '' });
  const drop = async () => {
    const c = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  };
  try {
    await migrate(db);
  } catch (err) {
    await db.close();
    await drop();
    throw err;
  }
  return {
    label,
    db,
    url: url.toString(),
    async cleanup() {
      await db.close();
      await drop();
    },
  };
}

export interface WiredEngine {
  engine: Engine;
  tenantId: string;
  connectionId: string;
  /** Triggers a full pull of the products stream; only execute() (the run itself) is timed. */
  runFull(): Promise<{ run: RunRow; ms: number }>;
  /** Live hub products reached through this connection's links. */
  hubCount(): Promise<number>;
  stop(): Promise<void>;
}

/** A tenant with one connection to the source at `baseUrl`, and an Engine that can pull from it. */
export async function wireEngine(db: Db, baseUrl: string, opts: { pageSize: number; tenantName: string }): Promise<WiredEngine> {
  const box = new SecretBox(parseMasterKey(generateMasterKey()));
  const { tenant } = await db.transaction((tx) => createTenant(tx, opts.tenantName));
  const conn = await db.withTenant(tenant.id, (tx) =>
    insertConnection(tx, box, {
      tenantId: tenant.id,
      platform: 'woocommerce',
      name: 'bench-source',
      // A limiter far above what the source can serve: the bench measures the pipeline, not a budget.
      settings: { baseUrl, pageSize: opts.pageSize, ratePerSec: 1_000_000 },
      credentials: { token: TEST_SOURCE_TOKEN },
    }),
  );
  const engine = new Engine({
    db,
    box,
    logger: createLogger({ level: process.env.BENCH_LOG_LEVEL ?? 'silent' }),
    registry: connectorRegistry([testConnector()]),
    // Generous: a noisy shared machine must not turn a slow page into retries that skew the figure.
    http: { timeoutMs: 30_000, backoff: { baseMs: 5, capMs: 50 } },
    outbound: SANDBOX_OUTBOUND,
  });
  return {
    engine,
    tenantId: tenant.id,
    connectionId: conn.id,
    async runFull() {
      const res = await engine.trigger({ tenantId: tenant.id, connectionId: conn.id, streams: ['products'], mode: 'full', trigger: 'cli', force: true });
      const created = res.created[0];
      if (!created) throw new Error(`no run was created: ${JSON.stringify(res)}`);
      const started = performance.now();
      const run = await engine.execute(tenant.id, created.id);
      const ms = performance.now() - started;
      if (!run) throw new Error('the run was held by another worker');
      if (run.status !== 'succeeded') throw new Error(`run ended ${run.status}: ${JSON.stringify(run.error)}`);
      return { run, ms };
    },
    async hubCount() {
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM links l JOIN products p ON p.id = l.hub_id
          WHERE l.connection_id = $1 AND l.entity = 'product' AND l.deleted_at IS NULL AND p.deleted_at IS NULL`,
        [conn.id],
      );
      return rows[0]?.n ?? 0;
    },
    stop: () => engine.stop(),
  };
}
