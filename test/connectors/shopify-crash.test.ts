// A Shopify products pull of a catalog shaped like real shops' (products of up to 2,048 variants,
// SKU-less variants, oversold stock) killed with SIGKILL in the middle, then resumed by a new worker
// process from its checkpoint: the hub ends equal to the shop, with no variant missing and no dead
// letter. Incremental (paged, with follow-up queries for long variant lists) and full (bulk) pulls.
// The moment of the kill is drawn from a seed that is printed, and taken from CS_TEST_SEED if set.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateMasterKey, parseMasterKey, SecretBox } from '../../src/core/secret-box.js';
import { type ShopifySandbox, startShopifySandbox } from '../../src/sandbox/shopify/index.js';
import { insertConnection } from '../../src/store/connections.js';
import { openDatabase } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { createTenant } from '../../src/store/tenants.js';
import { waitFor } from '../helpers/db.js';
import { compareShop, deadLetters, REAL_SHOP } from '../helpers/shopify.js';
import { seededRandom } from '../helpers/seed.js';
import { startWorkerProcess } from '../helpers/worker-process.js';

describe('Shopify products pull killed mid-way', () => {
  let sb: ShopifySandbox | undefined;
  let dataDir: string | undefined;
  afterEach(async () => {
    await sb?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it.each(['incremental', 'full'] as const)('%s: resumed after a SIGKILL, the hub equals the shop with no variant missing', async (mode) => {
    const { random } = seededRandom(`shopify crash test (${mode})`);
    // A slow restore rate, so the pull is still running when the kill lands.
    sb = await startShopifySandbox({ timeScale: 20 });
    sb.seed(REAL_SHOP);
    const key = generateMasterKey();
    const box = new SecretBox(parseMasterKey(key));
    dataDir = mkdtempSync(join(tmpdir(), 'cs-shopify-crash-'));
    let db = await openDatabase({ dataDir });
    await migrate(db);
    const { tenant } = await db.transaction((tx) => createTenant(tx, 'shopify-crash'));
    const conn = await db.withTenant(tenant.id, (tx) =>
      insertConnection(tx, box, {
        tenantId: tenant.id, platform: 'shopify', name: 'shop',
        settings: { shopDomain: 'sandbox-shop.myshopify.com', baseUrl: sb!.url, apiVersion: '2026-07' },
        credentials: { accessToken: 'shpat_sandbox', apiSecret: 'sandbox-api-secret' },
      }),
    );
    // One owner of the data dir at a time: the workers take it in turn.
    await db.close();
    const env = { CS_MASTER_KEY: key, CS_LEASE_MS: '800', CS_DATA_DIR: dataDir, CS_TENANT: tenant.id, CS_CONNECTION: conn.id, CS_STREAM: 'products', CS_MODE: mode };

    const first = startWorkerProcess(env, 1);
    if (mode === 'incremental') {
      // Kill it in the middle of the follow-up queries of a long product (41 for the 2,048 variants).
      const target = 3 + Math.floor(random() * 30);
      await waitFor(() => sb!.requests().filter((r) => JSON.stringify(r).includes('ProductVariants')).length >= target, 60_000, `${target} follow-up queries`);
    } else {
      const target = 1 + Math.floor(random() * 6);
      await waitFor(() => first.pages >= target, 60_000, `the first worker to commit page ${target}`);
    }
    first.kill();
    await first.exited;
    expect(first.lines.find((l) => l.event === 'finished')).toBeUndefined(); // the run was really cut short

    const second = startWorkerProcess(env, 2);
    expect(await second.exited).toBe(0);
    expect(second.lines.find((l) => l.event === 'finished')).toMatchObject({ status: 'succeeded' });

    db = await openDatabase({ dataDir });
    try {
      const c = await compareShop(db, sb.url, conn.id);
      expect(c.hub.variants).toEqual(c.shop.variants);
      expect(c.hub.stock).toEqual(c.shop.stock);
      expect(c.hub.variants).toHaveLength(1 + 20 + 21 + 250 + 251 + 2048 + 6 * 3);
      expect(await deadLetters(db, conn.id)).toEqual([]);
      const runs = (await db.query<{ status: string; attempts: number }>('SELECT status, attempts FROM sync_runs WHERE connection_id = $1', [conn.id])).rows;
      expect(runs).toEqual([{ status: 'succeeded', attempts: 2 }]);
    } finally {
      await db.close();
    }
  }, 180_000);
});
