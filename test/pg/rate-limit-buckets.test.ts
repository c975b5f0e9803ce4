// The shared bucket row under real contention (PostgreSQL): takers on three connection pools (as three
// processes would be) hammer one bucket at once. The one UPDATE per take must never grant more than the
// bucket holds plus what it restores, by the database's clock; and a refused take must not cost the
// refill (takers kept being refused still get what the rate restores).
import { afterAll, describe, expect, it } from 'vitest';
import { type Db, openDatabase } from '../../src/store/db.js';
import { ensureBuckets, takeFromBucket } from '../../src/store/rate-limit-buckets.js';
import { createTestDb, type TestDb, waitFor } from '../helpers/db.js';

describe('rate_limit_buckets under contention (PostgreSQL)', () => {
  let t: TestDb;
  const pools: Db[] = [];
  afterAll(async () => {
    for (const p of pools) await p.close();
    await t?.cleanup();
  });

  it('30 concurrent takers on 3 pools get exactly the bucket plus its restore, never more', async () => {
    t = await createTestDb();
    expect(t.url, 'this suite needs PostgreSQL (npm run test:pg)').toBeTruthy();
    for (let i = 0; i < 3; i++) pools.push(await openDatabase({ databaseUrl: t.url!, dataDir: '' }));
    const capacity = 20;
    const perSec = 400;
    await ensureBuckets(t.db, 'contended', [{ name: 'token', capacity, ratePerSec: perSec }]);
    const clock = async () => (await t.db.query<{ ms: number }>('SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS ms')).rows[0]!.ms;

    const from = await clock();
    let granted = 0;
    let refused = 0;
    const runForMs = 1500;
    const started = Date.now();
    await Promise.all(
      pools.flatMap((pool) =>
        Array.from({ length: 10 }, async () => {
          while (Date.now() - started < runForMs) {
            const r = await takeFromBucket(pool, 'contended', { bucket: 'token', need: 1, cost: 1 });
            if (r.waitMs === 0) granted++;
            else refused++;
          }
        }),
      ),
    );
    const elapsedMs = (await clock()) - from;
    const allowed = capacity + (perSec * elapsedMs) / 1000;
    expect(refused).toBeGreaterThan(0);
    expect(granted).toBeLessThanOrEqual(Math.floor(allowed));
    // More than the bucket alone: the restore was granted too. (How much of it depends on how busy the
    // machine kept the takers; that refusals lose nothing is the next test's, without a clock in it.)
    expect(granted).toBeGreaterThan(capacity);
  });

  it('refused takes leave the refill in place: a taker refused without pause still gets what the rate restores', async () => {
    t ??= await createTestDb();
    // One token per 50 ms. Were a refusal to restart the refill clock, takes every few ms would starve.
    await ensureBuckets(t.db, 'starved', [{ name: 'token', capacity: 2, ratePerSec: 20 }]);
    const take = () => takeFromBucket(t.db, 'starved', { bucket: 'token', need: 1, cost: 1 });
    while ((await take()).waitMs === 0);
    let refused = 0;
    let granted = 0;
    await waitFor(async () => {
      if ((await take()).waitMs === 0) granted++;
      else refused++;
      return granted >= 3;
    }, 10_000, 'three tokens restored while takes kept being refused');
    expect(refused).toBeGreaterThan(0);
  });
});
