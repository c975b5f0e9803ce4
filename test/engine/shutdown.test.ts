// Graceful shutdown: `commerce-sync worker` (the real CLI, in its own process) gets SIGTERM while it
// pulls a WooCommerce sandbox store page by page. It exits within 10 s, also while a page request
// hangs for 30 s; the run is left queued with no lease held and its checkpoint at the last committed
// page, so the next worker takes it at once (no lease to wait out) and finishes it: the hub equals the
// store, and at most one page is fetched twice. On PGlite (an on-disk data dir, as the embedded
// default) and, in test:pg, on PostgreSQL, where no start-up lease expiry hides a lease left held.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { wooConnector } from '../../src/connectors/woocommerce/index.js';
import { generateMasterKey, parseMasterKey, SecretBox } from '../../src/core/secret-box.js';
import { loadCheckpoint } from '../../src/engine/checkpoints.js';
import { Engine } from '../../src/engine/engine.js';
import { startQueue } from '../../src/engine/queue.js';
import { connectorRegistry } from '../../src/engine/registry.js';
import type { RunRow } from '../../src/engine/runs.js';
import { startWooSandbox, type WooSandbox } from '../../src/sandbox/woocommerce/index.js';
import { createLogger } from '../../src/server/logger.js';
import { insertConnection } from '../../src/store/connections.js';
import { type Db, openDatabase } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { createTenant } from '../../src/store/tenants.js';
import { spawnCli } from '../cli/serve-process.js';
import { createTestDb, type TestDb, usingPostgres, waitFor, WaitAborted } from '../helpers/db.js';
import { SANDBOX_OUTBOUND } from '../helpers/outbound.js';
import { hubCopy, storeTruth } from '../helpers/woocommerce.js';

const PRODUCTS = 1_500;
/** The WooCommerce connector reads 100 a page, from the last page down to the first. */
const PAGES = PRODUCTS / 100;
const EXIT_WITHIN_MS = 10_000;
const PRODUCTS_PATH = '/wp-json/wc/v3/products';

interface Setup {
  sb: WooSandbox;
  work: string;
  env: Record<string, string>;
  tenantId: string;
  connectionId: string;
  runId: string;
  box: SecretBox;
  /** Page numbers of the product list requests as they arrive (the count request left out). */
  arrived: number[];
  /** A product list request unanswered for longer than `ms`, if any. */
  hanging(ms: number): boolean;
  /** Page numbers of the product list requests answered 200. */
  answered(): number[];
  /** The test's handle on the database: PostgreSQL stays open; PGlite is opened when the worker is gone. */
  open(): Promise<Db>;
  cleanup(): Promise<void>;
}

const pageOf = (url: string) => Number(new URL(url, 'http://x').searchParams.get('page'));
const isListPage = (url: string) => url.startsWith(`${PRODUCTS_PATH}?`) && !new URL(url, 'http://x').searchParams.has('_fields');

async function setUp(latencyMs: number): Promise<Setup> {
  const sb = await startWooSandbox({ seed: 3 });
  sb.seed({ products: PRODUCTS, managedStockShare: 0, seed: 5 });
  sb.setFaults({ latencyMs });
  const arrived: number[] = [];
  const pending = new Set<{ at: number }>();
  sb.app.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET' || !req.url || !isListPage(req.url)) return;
    arrived.push(pageOf(req.url));
    const request = { at: Date.now() };
    pending.add(request);
    res.on('close', () => pending.delete(request));
  });
  const work = mkdtempSync(join(tmpdir(), 'cs-shutdown-'));
  const dataDir = join(work, 'data');
  const key = generateMasterKey();
  const box = new SecretBox(parseMasterKey(key));
  let t: TestDb | undefined;
  let db: Db;
  const env: Record<string, string> = { COMMERCE_SYNC_DATA_DIR: dataDir, COMMERCE_SYNC_MASTER_KEY: key, COMMERCE_SYNC_ALLOWED_HOSTS: new URL(sb.url).host };
  if (usingPostgres) {
    t = await createTestDb();
    db = t.db;
    env.DATABASE_URL = t.url!;
  } else {
    db = await openDatabase({ dataDir });
    await migrate(db);
  }
  const { tenant } = await db.transaction((tx) => createTenant(tx, 'shutdown'));
  const conn = await db.withTenant(tenant.id, (tx) =>
    insertConnection(tx, box, {
      tenantId: tenant.id, platform: 'woocommerce', name: 'woo',
      settings: { siteUrl: sb.url }, credentials: { consumerKey: sb.consumerKey, consumerSecret: sb.consumerSecret },
    }),
  );
  // Queued with its job, as `sync` (without --wait) leaves it for the workers.
  const queue = await startQueue(db, { error: () => undefined }, { supervise: false });
  const engine = new Engine({ db, box, logger: createLogger({ level: 'silent' }), registry: connectorRegistry([wooConnector]), outbound: SANDBOX_OUTBOUND });
  await engine.attachQueue(queue);
  const { created } = await engine.trigger({ tenantId: tenant.id, connectionId: conn.id, streams: ['products'], mode: 'full', trigger: 'cli', force: true });
  await queue.stop({ graceful: false, wait: true });
  // PGlite has one owner at a time: the test lets go of the data dir while the worker runs.
  if (!usingPostgres) await db.close();
  let reopened: Db | undefined;
  return {
    sb, work, env, box, arrived, tenantId: tenant.id, connectionId: conn.id, runId: created[0]!.id,
    hanging: (ms) => [...pending].some((r) => Date.now() - r.at > ms),
    answered: () => sb.requests().filter((r) => r.method === 'GET' && r.path === PRODUCTS_PATH && r.status === 200 && !('_fields' in r.query)).map((r) => Number(r.query.page)),
    async open() {
      if (usingPostgres) return db;
      return (reopened ??= await openDatabase({ dataDir }));
    },
    async cleanup() {
      await reopened?.close();
      await t?.cleanup();
      await sb.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

interface Worker {
  child: ChildProcess;
  exited: Promise<number | null>;
  exitCode(): number | null | undefined;
  stderr(): string;
}

function startWorker(s: Setup): Worker {
  const child = spawnCli(['worker'], { cwd: s.work, env: s.env });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdout!.resume();
  let code: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve((code = c))));
  return { child, exited, exitCode: () => code, stderr: () => stderr };
}

/** SIGTERM, then how long the worker took to exit (SIGKILL after 30 s, failing the test). */
async function terminate(w: Worker): Promise<{ code: number | null; ms: number }> {
  const started = performance.now();
  w.child.kill('SIGTERM');
  const killer = setTimeout(() => w.child.kill('SIGKILL'), 30_000);
  try {
    const code = await w.exited;
    return { code, ms: Math.round(performance.now() - started) };
  } finally {
    clearTimeout(killer);
  }
}

/** Waits until the worker has committed `pages` pages: it asked for the page after the last of them. */
async function pagesCommitted(s: Setup, w: Worker, pages: number): Promise<void> {
  await waitFor(() => {
    if (w.exitCode() !== undefined) throw new WaitAborted(`the worker exited with ${w.exitCode()}: ${w.stderr()}`);
    return s.arrived.length > pages;
  }, 60_000, `the worker to commit ${pages} pages`);
}

/** The run as the worker left it: queued again, no lease held, its checkpoint at its last committed page. */
async function expectReleased(s: Setup, db: Db, committedAtLeast: number): Promise<RunRow> {
  const run = (await db.query<RunRow>('SELECT * FROM sync_runs WHERE id = $1', [s.runId])).rows[0]!;
  expect({ status: run.status, leaseOwner: run.lease_owner, leaseExpiresAt: run.lease_expires_at }).toEqual({ status: 'queued', leaseOwner: null, leaseExpiresAt: null });
  const committed = run.progress.page ?? 0;
  expect(committed).toBeGreaterThanOrEqual(committedAtLeast);
  // Every page answered was committed, but for the one the shutdown cut short.
  expect(committed).toBeGreaterThanOrEqual(s.answered().length - 1);
  expect(committed).toBeLessThan(PAGES);
  // The worker sent the run's job again as it let go: the workers still running take it at their next poll.
  const jobs = await db.query<{ state: string }>(`SELECT state FROM pgboss.job WHERE name = 'sync-run' AND singleton_key = $1 AND state = 'created'`, [`${s.connectionId}:products`]);
  expect(jobs.rows).toHaveLength(1);
  const cp = await db.withTenant(s.tenantId, (tx) => loadCheckpoint(tx, s.tenantId, s.connectionId, 'products'));
  expect(cp.envelope).toMatchObject({ passId: s.runId, passComplete: false, cursor: { page: { mode: 'back', next: PAGES - committed } } });
  return run;
}

/** Another worker (this process) takes the run at once and finishes it: the hub equals the store. */
async function resumeAndCheck(s: Setup, db: Db): Promise<void> {
  s.sb.setFaults({ latencyMs: 0, rateHang: 0 });
  const engine = new Engine({ db, box: s.box, logger: createLogger({ level: 'silent' }), registry: connectorRegistry([wooConnector]), outbound: SANDBOX_OUTBOUND });
  // No lease expiry: the claim only succeeds because the shut-down worker released the lease.
  const ended = await engine.execute(s.tenantId, s.runId);
  expect(ended?.status).toBe('succeeded');
  expect(ended?.attempts).toBe(2);
  const truth = storeTruth(s.sb);
  expect(truth.skus).toHaveLength(PRODUCTS);
  expect((await hubCopy(db, s.connectionId)).skus).toEqual(truth.skus);
  // Each page once, but for the one the shutdown cut short.
  const perPage = new Map<number, number>();
  for (const p of s.arrived) perPage.set(p, (perPage.get(p) ?? 0) + 1);
  expect([...perPage.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: PAGES }, (_, i) => i + 1));
  const refetched = [...perPage.values()].reduce((sum, n) => sum + n - 1, 0);
  expect(refetched).toBeLessThanOrEqual(1);
}

describe('graceful shutdown of a worker', () => {
  let s: Setup | undefined;
  let w: Worker | undefined;
  afterEach(async () => {
    if (w && w.exitCode() === undefined) {
      w.child.kill('SIGKILL');
      await w.exited;
    }
    await s?.cleanup();
    s = undefined;
    w = undefined;
  });

  it('SIGTERM mid-run: exits within 10 s, the run is queued with no lease and resumes from its checkpoint', async () => {
    s = await setUp(150);
    w = startWorker(s);
    await pagesCommitted(s, w, 3);
    const { code, ms } = await terminate(w);
    console.info(`worker exited ${ms} ms after SIGTERM (a page takes 150 ms)`);
    expect(code, w.stderr()).toBe(0);
    expect(ms).toBeLessThan(EXIT_WITHIN_MS);
    const db = await s.open();
    await expectReleased(s, db, 3);
    await resumeAndCheck(s, db);
  });

  it('SIGTERM while a page request hangs for 30 s: the request is aborted and the worker exits within 10 s', async () => {
    s = await setUp(50);
    w = startWorker(s);
    await pagesCommitted(s, w, 2);
    // From now on every request hangs 30 s: the one the worker sends next (or is sending) is one.
    s.sb.setFaults({ rateHang: 1, hangMs: 30_000 });
    // A page takes 50 ms: one unanswered for 1 s is the hanging one.
    await waitFor(() => s!.hanging(1_000), 20_000, 'a page request to hang');
    const committed = s.answered().length;
    const { code, ms } = await terminate(w);
    console.info(`worker exited ${ms} ms after SIGTERM (its page request hanging for 30 s)`);
    expect(code, w.stderr()).toBe(0);
    expect(ms).toBeLessThan(EXIT_WITHIN_MS);
    const db = await s.open();
    await expectReleased(s, db, committed);
    await resumeAndCheck(s, db);
  });
});
