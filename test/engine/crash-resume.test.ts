// Crash/resume: a worker process pulling 20k records is killed with SIGKILL at 5 random moments.
// After the last worker finishes, the hub equals the source exactly (no missing, no duplicate rows)
// and at most one page per crash was fetched twice. Runs on PGlite (an on-disk data dir, as the
// embedded default) and, in test:pg, on PostgreSQL. The kill moments are drawn from a seed that is
// printed, and taken from CS_TEST_SEED if set.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateMasterKey, parseMasterKey, SecretBox } from '../../src/core/secret-box.js';
import { insertConnection } from '../../src/store/connections.js';
import { type Db, openDatabase } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { createTenant } from '../../src/store/tenants.js';
import { createTestDb, type TestDb, usingPostgres, waitFor } from '../helpers/db.js';
import { startTestSource, TEST_SOURCE_TOKEN, type TestSource } from '../helpers/test-source.js';
import { seededRandom } from '../helpers/seed.js';
import { startWorkerProcess } from '../helpers/worker-process.js';

const RECORDS = 20_000;
const PAGE = 100;
const CRASHES = 5;

describe('crash and resume', () => {
  let source: TestSource;
  let t: TestDb | undefined;
  let dataDir: string | undefined;
  afterAll(async () => {
    await source?.close();
    await t?.cleanup();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it(`survives ${CRASHES} SIGKILLs: the hub equals the source and at most one page per crash is fetched twice`, async () => {
    source = await startTestSource({ count: RECORDS, seed: 99 });
    const key = generateMasterKey();
    const box = new SecretBox(parseMasterKey(key));
    let db: Db;
    const env: Record<string, string> = { CS_MASTER_KEY: key, CS_LEASE_MS: '800' };
    if (usingPostgres) {
      t = await createTestDb();
      db = t.db;
      env.CS_DATABASE_URL = t.url!;
    } else {
      dataDir = mkdtempSync(join(tmpdir(), 'cs-crash-'));
      db = await openDatabase({ dataDir });
      await migrate(db);
      env.CS_DATA_DIR = dataDir;
    }
    const { tenant } = await db.transaction((tx) => createTenant(tx, 'crash'));
    const conn = await db.withTenant(tenant.id, (tx) =>
      insertConnection(tx, box, { tenantId: tenant.id, platform: 'woocommerce', name: 'src', settings: { baseUrl: source.url, pageSize: PAGE }, credentials: { token: TEST_SOURCE_TOKEN } }),
    );
    env.CS_TENANT = tenant.id;
    env.CS_CONNECTION = conn.id;
    // PGlite has one owner at a time: the test lets go of the data dir while a worker runs.
    if (!usingPostgres) await db.close();

    const { random } = seededRandom('crash/resume test');
    const killedAtPages: number[] = [];
    for (let crash = 0; crash < CRASHES; crash++) {
      const child = startWorkerProcess(env, crash + 1);
      // A random moment after this worker committed at least one page of its own.
      const startPages = killedAtPages[killedAtPages.length - 1] ?? 0;
      const target = startPages + 1 + Math.floor(random() * 25);
      await waitFor(() => child.pages >= target, 60_000, `the worker to commit page ${target}`);
      // ...plus a random extra delay so the kill also lands mid-fetch or mid-commit.
      await new Promise((r) => setTimeout(r, Math.floor(random() * 40)));
      child.kill();
      await child.exited;
      killedAtPages.push(child.pages);
    }
    const last = startWorkerProcess(env, CRASHES + 1);
    expect(await last.exited).toBe(0);
    const finished = last.lines.find((l) => l.event === 'finished');
    expect(finished?.status).toBe('succeeded');

    if (!usingPostgres) {
      db = await openDatabase({ dataDir: dataDir! });
    }
    try {
      const { rows } = await db.query<{ id: string; sku: string; name: string; price: string }>(
        `SELECT l.external_id AS id, p.sku, p.name, p.data->>'price' AS price FROM links l JOIN products p ON p.id = l.hub_id
          WHERE l.connection_id = $1 ORDER BY l.external_id`,
        [conn.id],
      );
      const expected = source.records().map((r) => ({ id: r.id, sku: r.sku, name: r.name, price: r.price }));
      expect(rows.length).toBe(RECORDS);
      expect(rows).toEqual(expected);
      const products = (await db.query<{ n: number; skus: number }>('SELECT count(*)::int AS n, count(DISTINCT sku)::int AS skus FROM products WHERE tenant_id = $1', [tenant.id])).rows[0]!;
      expect(products).toEqual({ n: RECORDS, skus: RECORDS });
      const runs = (await db.query<{ status: string; attempts: number }>('SELECT status, attempts FROM sync_runs WHERE connection_id = $1', [conn.id])).rows;
      expect(runs).toEqual([{ status: 'succeeded', attempts: CRASHES + 1 }]);
    } finally {
      if (!usingPostgres) await db.close();
    }
    // Pages fetched more than once: at most one per crash.
    const refetched = [...source.stats().byCursor.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0);
    expect(refetched).toBeLessThanOrEqual(CRASHES);
    expect(source.stats().listRequests).toBeLessThanOrEqual(RECORDS / PAGE + CRASHES);
  });
});
