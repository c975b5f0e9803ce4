// The shared limiter against the bucket rows of migration 008, on an in-memory PGlite (the SQL is the same on
// PostgreSQL; test/pg/shared-limits.test.ts runs it with real processes). Two limiters over one database and
// one credential key stand for two worker processes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CostBucket, RouteGroups, TokenBucket, WindowLimit } from '../core/rate-limit.js';
import type { RateLimitModel } from '../core/rate-limit.js';
import { LimiterRegistry, PER_PROCESS_LIMITS_ENV } from '../engine/registry.js';
import { type Db, openDatabase } from '../store/db.js';
import { migrate } from '../store/migrate.js';
import { emagConnector } from './emag/index.js';
import { Limiter } from './limiter.js';
import { SharedLimiter } from './shared-limiter.js';

let db: Db;
beforeAll(async () => {
  db = await openDatabase({ dataDir: ':memory:' });
  await migrate(db);
});
afterAll(() => db?.close());

let keys = 0;
/** Two "processes" sharing one credential: each its own model and limiter, one key. */
function pair(model: () => RateLimitModel): [SharedLimiter, SharedLimiter] {
  const key = `credential-${++keys}`;
  const make = () => {
    const m = model();
    return new SharedLimiter(m, m.sharedBuckets!(), db, key);
  };
  return [make(), make()];
}

const live = () => new AbortController();

/** True when `p` is still pending after the statements already sent to the database have run. */
async function stillPending(p: Promise<unknown>): Promise<boolean> {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  // PGlite runs statements one after the other: once these are through, a take sent before them has answered.
  for (let i = 0; i < 5; i++) await db.query('SELECT 1');
  return !settled;
}

describe('SharedLimiter', () => {
  it('two processes spend one burst between them, not one each', async () => {
    // A refill of one token per ~3 hours: only the burst of 5 can be spent during the test.
    const [a, b] = pair(() => new TokenBucket({ ratePerSec: 0.0001, burst: 5 }));
    const granted = await Promise.all([0, 1, 2].map(() => a.acquire({}, live().signal)));
    granted.push(...(await Promise.all([0, 1].map(() => b.acquire({}, live().signal)))));
    expect(granted).toHaveLength(5);
    const waits: { untilMs: number; reason: string }[] = [];
    const sixth = live();
    const pending = b.acquire({}, sixth.signal, (untilMs, reason) => waits.push({ untilMs, reason }));
    expect(await stillPending(pending)).toBe(true);
    // The wait is reported (progress shows rate_limited until then) and an abort ends it at once.
    expect(waits[0]?.reason).toBe('rate_limited');
    expect(waits[0]!.untilMs).toBeGreaterThan(Date.now() + 60_000);
    sixth.abort(new Error('run cancelled'));
    await expect(pending).rejects.toThrow('run cancelled');
    // Per-process limiters would each have granted their own burst.
    const separate = [new Limiter(new TokenBucket({ ratePerSec: 0.0001, burst: 5 })), new Limiter(new TokenBucket({ ratePerSec: 0.0001, burst: 5 }))];
    const perProcess = await Promise.all(separate.flatMap((l) => [0, 1, 2].map(() => l.acquire({}, live().signal))));
    expect(perProcess).toHaveLength(6);
  });

  it('a refund one process observes is spendable by the other, and the platform figure lowers both', async () => {
    const [a, b] = pair(() => new CostBucket({ capacity: 100, restoreRate: 0.0001 }));
    await a.acquire({ cost: 80 }, live().signal);
    const second = b.acquire({ cost: 80 }, live().signal);
    expect(await stillPending(second)).toBe(true);
    // 80 requested, 10 spent: 70 come back to the shared bucket (level 90), and b's waiter gets them.
    a.observe({ requestedCost: 80, actualCost: 10 });
    await a.settled();
    await second;
    // The platform says 0 are left: nobody may spend what b's own bookkeeping still counts.
    a.observe({ available: 0 });
    await a.settled();
    const third = b.acquire({ cost: 1 }, live().signal);
    expect(await stillPending(third)).toBe(true);
    b.observe({ requestedCost: 1, actualCost: 0, available: 1000 });
    await b.settled();
    await third;
  });

  it('a pause one process is told about stops the other until it ends', async () => {
    const [a, b] = pair(() => new TokenBucket({ ratePerSec: 1000, burst: 10 }));
    const until = Date.now() + 300;
    a.pause(until);
    await a.settled();
    const waits: { untilMs: number; reason: string }[] = [];
    await b.acquire({}, live().signal, (untilMs, reason) => waits.push({ untilMs, reason }));
    // Granted no earlier than the pause's end (a few ms of clock rounding aside), and said why it waited.
    expect(Date.now()).toBeGreaterThanOrEqual(until - 5);
    expect(waits[0]?.reason).toBe('paused');
    expect(Math.abs(waits[0]!.untilMs - until)).toBeLessThan(100);
  });

  it('keeps route groups apart: a spent group does not hold up the other', async () => {
    const groups = () =>
      new RouteGroups({
        groups: { orders: new TokenBucket({ ratePerSec: 0.0001, burst: 2 }), other: new TokenBucket({ ratePerSec: 0.0001, burst: 1 }) },
        routeToGroup: (r) => (r === 'orders' ? 'orders' : 'other'),
      });
    const [a, b] = pair(groups);
    await a.acquire({ route: 'other' }, live().signal);
    const blocked = live();
    const otherWaits = b.acquire({ route: 'other' }, blocked.signal);
    await a.acquire({ route: 'orders' }, live().signal);
    await b.acquire({ route: 'orders' }, live().signal);
    expect(await stillPending(otherWaits)).toBe(true);
    blocked.abort(new Error('stop'));
    await expect(otherWaits).rejects.toThrow('stop');
  });

  it('a fixed window is shared until it ends, and re-aligned by the reported reset', async () => {
    const [a, b] = pair(() => new WindowLimit({ limit: 3, windowMs: 60_000 }));
    await a.acquire({}, live().signal);
    await b.acquire({}, live().signal);
    await a.acquire({}, live().signal);
    const waits: number[] = [];
    const blocked = live();
    const fourth = b.acquire({}, blocked.signal, (untilMs) => waits.push(untilMs));
    expect(await stillPending(fourth)).toBe(true);
    expect(waits[0]! - Date.now()).toBeGreaterThan(50_000);
    // The platform's window ends in 100 ms with nothing left: the next window starts then.
    a.observe({ remaining: 0, resetAt: Date.now() + 100 });
    await a.settled();
    await fourth;
  });
});

describe('LimiterRegistry', () => {
  const cfg = emagConnector.config.parse({ account: 'main', username: 'seller', password: 'p' });

  it('keeps the in-memory limiter on PGlite, one per credential', () => {
    const registry = new LimiterRegistry();
    const limiter = registry.limiterFor({ db, connector: emagConnector, config: cfg });
    expect(limiter).toBeInstanceOf(Limiter);
    expect(limiter).not.toBeInstanceOf(SharedLimiter);
    expect(registry.limiterFor({ db, connector: emagConnector, config: { ...cfg } })).toBe(limiter);
  });

  it('shares through the database on PostgreSQL, unless the test-only switch asks for per-process limiters', () => {
    const pgLike = { ...db, driver: 'pg' } as Db;
    expect(new LimiterRegistry().limiterFor({ db: pgLike, connector: emagConnector, config: cfg })).toBeInstanceOf(SharedLimiter);
    process.env[PER_PROCESS_LIMITS_ENV] = '1';
    try {
      expect(new LimiterRegistry().limiterFor({ db: pgLike, connector: emagConnector, config: cfg })).not.toBeInstanceOf(SharedLimiter);
    } finally {
      delete process.env[PER_PROCESS_LIMITS_ENV];
    }
  });
});
