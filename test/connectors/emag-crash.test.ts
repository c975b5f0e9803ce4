// eMAG orders sync killed mid-way: a worker process pulling one account's orders from the sandbox is
// killed with SIGKILL after some committed pages; a new worker resumes the run from its checkpoint and
// the hub ends with exactly the sandbox's orders, every page read and at most the one in flight twice.
// The page after which the kill lands is drawn from a seed that is printed, and taken from CS_TEST_SEED
// if set.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateMasterKey, parseMasterKey, SecretBox } from '../../src/core/secret-box.js';
import { type EmagSandbox, startEmagSandbox } from '../../src/sandbox/emag/index.js';
import { insertConnection } from '../../src/store/connections.js';
import { openDatabase } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { createTenant } from '../../src/store/tenants.js';
import { waitFor } from '../helpers/db.js';
import { hubOrdersOf, sandboxOrdersOf } from '../helpers/emag.js';
import { seededRandom } from '../helpers/seed.js';
import { startWorkerProcess } from '../helpers/worker-process.js';

const TIME_SCALE = 20;

describe('eMAG orders sync killed mid-way', () => {
  let sb: EmagSandbox | undefined;
  let dataDir: string | undefined;
  afterEach(async () => {
    await sb?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('resumes from its checkpoint after a SIGKILL; the hub ends with exactly the sandbox orders', async () => {
    sb = await startEmagSandbox({ timeScale: TIME_SCALE });
    sb.seed({ account: 'main', orders: 3_000, seed: 33 });
    // Slow answers, so the kill lands mid-run.
    sb.setFaults({ latencyMs: 400 });
    const key = generateMasterKey();
    const box = new SecretBox(parseMasterKey(key));
    dataDir = mkdtempSync(join(tmpdir(), 'cs-emag-crash-'));
    let db = await openDatabase({ dataDir });
    await migrate(db);
    const { tenant } = await db.transaction((tx) => createTenant(tx, 'emag-crash'));
    const conn = await db.withTenant(tenant.id, (tx) =>
      insertConnection(tx, box, {
        tenantId: tenant.id, platform: 'emag', name: 'emag-main',
        settings: { account: 'main', baseUrl: sb!.apiUrl, requestsPerSecond: { orders: 12 * TIME_SCALE, other: 3 * TIME_SCALE } },
        credentials: sb!.credentials('main'),
      }),
    );
    // One owner of the data dir at a time: the workers take it in turn.
    await db.close();
    const env = { CS_MASTER_KEY: key, CS_LEASE_MS: '800', CS_DATA_DIR: dataDir, CS_TENANT: tenant.id, CS_CONNECTION: conn.id, CS_STREAM: 'orders', CS_MODE: 'full' };

    const { random } = seededRandom('eMAG crash test');
    // Anywhere from the 2nd to the 21st of the 31 pages: early enough that the kill cuts the run short.
    const target = 2 + Math.floor(random() * 20);
    const first = startWorkerProcess(env, 1);
    await waitFor(() => first.pages >= target, 60_000, `the first worker to commit page ${target}`);
    first.kill();
    await first.exited;
    const killedAt = first.pages;
    expect(killedAt).toBeLessThan(30); // the run was really cut short (31 pages in all)
    sb.clearFaults();

    const second = startWorkerProcess(env, 2);
    expect(await second.exited).toBe(0);
    expect(second.lines.find((l) => l.event === 'finished')).toMatchObject({ status: 'succeeded' });

    db = await openDatabase({ dataDir });
    try {
      expect((await hubOrdersOf(db, conn.id)).map(({ matched: _m, ...o }) => o)).toEqual(sandboxOrdersOf(sb, 'main'));
      const runs = (await db.query<{ status: string; attempts: number }>('SELECT status, attempts FROM sync_runs WHERE connection_id = $1', [conn.id])).rows;
      expect(runs).toEqual([{ status: 'succeeded', attempts: 2 }]);
    } finally {
      await db.close();
    }
    const pages = sb.requests().filter((r) => r.route === 'order/read').map((r) => r.page);
    expect(new Set(pages).size).toBe(31); // 3000 orders, 100 per page, and the empty page that ends the listing
    expect(pages.length - new Set(pages).size).toBeLessThanOrEqual(1);
  });
});
