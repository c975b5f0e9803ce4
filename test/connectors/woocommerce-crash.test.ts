// A WooCommerce pull killed with SIGKILL in the middle, then resumed by a new worker process from its
// checkpoint: the hub ends equal to the store, nothing is read more than the checkpoint allows, and no
// dead letter is left. Products are killed in the middle of a page's variation reads (child pages, which
// are committed with their page or not at all); orders between pages. The sandbox serves from this
// process, the engine runs in the worker processes (test/engine/fixtures/pull-child.ts) on an
// embedded data dir, or on PostgreSQL under `npm run test:pg`. The moment of the kill is drawn from a
// seed that is printed, and taken from CS_TEST_SEED if set.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateMasterKey, parseMasterKey, SecretBox } from '../../src/core/secret-box.js';
import { startWooSandbox, type WooSandbox, type RequestLogEntry } from '../../src/sandbox/woocommerce/index.js';
import { insertConnection } from '../../src/store/connections.js';
import { type Db, openDatabase } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { createTenant } from '../../src/store/tenants.js';
import { createTestDb, type TestDb, usingPostgres, waitFor } from '../helpers/db.js';
import { seededRandom } from '../helpers/seed.js';
import { hubCopy, openDeadLetters, storeTruth } from '../helpers/woocommerce.js';
import { startWorkerProcess } from '../helpers/worker-process.js';

const PER_PAGE = 100;

/** A worker process; `attempt` is the run attempt it will be, so the previous owner's page is not taken for its own. */
const startWorker = (env: Record<string, string>, attempt: number) => startWorkerProcess(env, attempt);

const isList = (path: string) => (r: RequestLogEntry) => r.path === `/wp-json/wc/v3/${path}` && r.status === 200;

describe('WooCommerce pull killed mid-way', () => {
  let sb: WooSandbox | undefined;
  let t: TestDb | undefined;
  let dataDir: string | undefined;
  afterEach(async () => {
    await sb?.close();
    await t?.cleanup();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    sb = t = dataDir = undefined;
  });

  it.each(['products', 'orders'] as const)('%s: resumed after a SIGKILL, the hub equals the store and at most one page is read twice', async (stream) => {
    const { random } = seededRandom(`woocommerce crash test (${stream})`);
    sb = await startWooSandbox({ timeScale: 20 });
    // Products: four pages by id, 90 of the 340 variable, each with its variations read as child pages.
    const seeded = sb.seed({ products: 250, variableProducts: 90, variationsPerProduct: 3, customers: 5, orders: 2_000, seed: 31 });
    // 50 ms a request (1 s of store time), so the kill lands mid-pull.
    sb.setFaults({ latencyMs: 1_000 });
    const key = generateMasterKey();
    const box = new SecretBox(parseMasterKey(key));
    let db: Db;
    if (usingPostgres) {
      t = await createTestDb();
      db = t.db;
    } else {
      dataDir = mkdtempSync(join(tmpdir(), 'cs-woo-crash-'));
      db = await openDatabase({ dataDir });
      await migrate(db);
    }
    const { tenant } = await db.transaction((tx) => createTenant(tx, 'woo-crash'));
    const conn = await db.withTenant(tenant.id, (tx) =>
      insertConnection(tx, box, {
        tenantId: tenant.id, platform: 'woocommerce', name: 'woo',
        settings: { siteUrl: sb!.url },
        credentials: { consumerKey: sb!.consumerKey, consumerSecret: sb!.consumerSecret },
      }),
    );
    // An embedded data dir has one owner at a time: the workers take it in turn.
    if (!usingPostgres) await db.close();
    const where: Record<string, string> = t?.url ? { CS_DATABASE_URL: t.url } : { CS_DATA_DIR: dataDir! };
    const env = { ...where, CS_MASTER_KEY: key, CS_LEASE_MS: '800', CS_TENANT: tenant.id, CS_CONNECTION: conn.id, CS_STREAM: stream, CS_MODE: 'full', CS_HTTP_TIMEOUT_MS: '5000', CS_TEST_CONNECTOR: 'off' };

    const first = startWorker(env, 1);
    if (stream === 'products') {
      // Somewhere among the 90 variation reads: inside a page whose children are not all read yet.
      const target = 3 + Math.floor(random() * 80);
      await waitFor(() => sb!.requests().filter((r) => r.path.endsWith('/variations')).length >= target, 60_000, `${target} variation reads`);
    } else {
      const target = 2 + Math.floor(random() * 14);
      await waitFor(() => first.pages >= target, 60_000, `the first worker to commit page ${target}`);
    }
    first.kill();
    await first.exited;
    expect(first.lines.find((l) => l.event === 'finished')).toBeUndefined(); // the run was really cut short

    const second = startWorker(env, 2);
    expect(await second.exited).toBe(0);
    expect(second.lines.find((l) => l.event === 'finished')).toMatchObject({ status: 'succeeded' });

    if (!usingPostgres) db = await openDatabase({ dataDir: dataDir! });
    try {
      const hub = await hubCopy(db, conn.id);
      const truth = storeTruth(sb);
      if (stream === 'products') {
        expect(hub.skus).toEqual(truth.skus);
        expect(hub.skus).toHaveLength(250 + seeded.variations);
      } else {
        expect(hub.orders).toEqual(truth.orders);
        expect(hub.orders).toHaveLength(2_000);
      }
      expect(await openDeadLetters(db, conn.id)).toEqual([]);
      const runs = (await db.query<{ status: string; attempts: number }>('SELECT status, attempts FROM sync_runs WHERE connection_id = $1', [conn.id])).rows;
      expect(runs).toEqual([{ status: 'succeeded', attempts: 2 }]);
    } finally {
      if (!usingPostgres) await db.close();
    }

    const log = sb.requests();
    const lists = log.filter(isList(stream === 'products' ? 'products' : 'orders'));
    const pages = lists.filter((r) => r.query._fields === undefined).map((r) => Number(r.query.page));
    const pageCount = Math.ceil((stream === 'products' ? 340 : 2_000) / PER_PAGE);
    expect(new Set(pages).size).toBe(pageCount);
    const twice = [...new Set(pages.filter((p, i) => pages.indexOf(p) !== i))];
    expect(twice.length).toBeLessThanOrEqual(1);
    // The pass counts its pages with its first page (read last to first): counted again only when the
    // kill came before that page was committed, else the second worker went on from the checkpoint.
    expect(lists.filter((r) => r.query._fields === 'id')).toHaveLength(twice.includes(pageCount) ? 2 : 1);
    if (stream === 'products') {
      // Variations read twice belong to the products of the one page read twice, nothing else.
      const byId = sb.products().filter((p) => p.status !== 'trash').map((p) => p.id as number);
      const onPage = new Set(twice.flatMap((p) => byId.slice((p - 1) * PER_PAGE, p * PER_PAGE)));
      const reads = log.filter((r) => r.path.endsWith('/variations') && r.status === 200).map((r) => Number(/products\/(\d+)\//.exec(r.path)![1]));
      expect(new Set(reads).size).toBe(90);
      const reread = reads.filter((id, i) => reads.indexOf(id) !== i);
      expect(reread.filter((id) => !onPage.has(id))).toEqual([]);
    }
  }, 180_000);
});
