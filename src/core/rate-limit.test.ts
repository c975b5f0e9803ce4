import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SyncError } from './errors.js';
import { Combined, ConcurrencyCap, CostBucket, LeakyBucket, RouteGroups, TokenBucket, WindowLimit } from './rate-limit.js';
import type { RateLimitModel, RateLimitRequest } from './rate-limit.js';

/** Sends requests as fast as the model allows, from `start` up to and including `end`; returns admit times. */
function drive(model: RateLimitModel, start: number, end: number, req: RateLimitRequest = {}, onAdmit?: (t: number) => void): number[] {
  const admitted: number[] = [];
  let t = start;
  while (t <= end) {
    const wait = model.reserve(t, req);
    if (wait === 0) {
      admitted.push(t);
      onAdmit?.(t);
    } else {
      expect(wait).toBeGreaterThan(0);
      expect(Number.isFinite(wait)).toBe(true);
      t += wait;
    }
  }
  return admitted;
}

describe('TokenBucket', () => {
  it('admits exactly burst + rate * T in T', () => {
    expect(drive(new TokenBucket({ ratePerSec: 10, burst: 5 }), 0, 1000)).toHaveLength(15);
    expect(drive(new TokenBucket({ ratePerSec: 2, burst: 1 }), 5000, 65_000)).toHaveLength(121);
  });

  it('paces evenly after the burst and says how long to wait', () => {
    const bucket = new TokenBucket({ ratePerSec: 4, burst: 2 });
    expect(bucket.reserve(0, {})).toBe(0);
    expect(bucket.reserve(0, {})).toBe(0);
    expect(bucket.reserve(0, {})).toBe(250);
    expect(bucket.reserve(249, {})).toBe(1);
    expect(bucket.reserve(250, {})).toBe(0);
  });

  it('defaults the burst to one second of requests', () => {
    expect(drive(new TokenBucket({ ratePerSec: 3 }), 0, 0)).toHaveLength(3);
    expect(drive(new TokenBucket({ ratePerSec: 0.5 }), 0, 0)).toHaveLength(1);
  });

  it('converges down on the remaining count the platform reports', () => {
    const bucket = new TokenBucket({ ratePerSec: 3, burst: 3 });
    expect(bucket.reserve(0, {})).toBe(0);
    bucket.observe(0, { remaining: 0 });
    expect(bucket.reserve(0, {})).toBe(334);
    // A higher figure never adds tokens: requests in flight are not in it yet.
    bucket.observe(400, { remaining: 3 });
    expect(drive(bucket, 400, 400)).toHaveLength(1);
  });

  it('never admits more than burst + rate * d in any interval of length d', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.double({ min: 0, max: 400, noNaN: true }), { minLength: 1, maxLength: 300 }),
        (ratePerSec, burst, steps) => {
          const bucket = new TokenBucket({ ratePerSec, burst });
          const admitted: number[] = [];
          let t = 1_700_000_000_000;
          for (const step of steps) {
            t += step;
            if (bucket.reserve(t, {}) === 0) admitted.push(t);
          }
          for (let i = 0; i < admitted.length; i++) {
            for (let j = i; j < admitted.length; j++) {
              const d = admitted[j]! - admitted[i]!;
              expect(j - i + 1).toBeLessThanOrEqual(burst + (ratePerSec * d) / 1000 + 1);
            }
          }
        },
      ),
    );
  });

  it('returns a wait after which the request is admitted, and not earlier', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 10 }), fc.integer({ min: 0, max: 30 }), (ratePerSec, burst, extra) => {
        const bucket = new TokenBucket({ ratePerSec, burst });
        drive(bucket, 0, 0);
        for (let i = 0; i < extra; i++) bucket.reserve(i, {});
        const t = extra;
        const wait = bucket.reserve(t, {});
        if (wait === 0) return;
        if (wait > 1) expect(bucket.reserve(t + wait - 1, {})).toBeGreaterThan(0);
        expect(bucket.reserve(t + wait, {})).toBe(0);
      }),
    );
  });
});

describe('RouteGroups', () => {
  const emag = () =>
    new RouteGroups({
      groups: { orders: new TokenBucket({ ratePerSec: 12 }), other: new TokenBucket({ ratePerSec: 3 }) },
      routeToGroup: (route) => (route === 'orders' ? 'orders' : 'other'),
    });

  it('gives each group its own budget; all other routes share one', () => {
    const model = emag();
    expect(drive(model, 0, 1000, { route: 'stock' }).length + drive(model, 0, 1000, { route: 'awb' }).length).toBe(6);
    expect(drive(model, 0, 1000, { route: 'orders' })).toHaveLength(24);
    expect(model.reserve(1000, { route: 'product_offer' })).toBeGreaterThan(0);
  });

  it('pauses one group when given a route, every group otherwise', () => {
    const model = emag();
    model.pause(500, 'stock');
    expect(model.reserve(0, { route: 'price' })).toBe(500);
    expect(model.reserve(0, { route: 'orders' })).toBe(0);
    expect(model.pausedUntil(0, 'orders')).toBeNull();
    expect(model.pausedUntil(0, 'awb')).toBe(500);
    expect(model.pausedUntil(0)).toBe(500);
    model.pause(800);
    expect(model.reserve(0, { route: 'orders' })).toBe(800);
    expect(model.pausedUntil(900)).toBeNull();
  });

  it('refuses a route that maps to no group', () => {
    const model = new RouteGroups({ groups: { a: new TokenBucket({ ratePerSec: 1 }) }, routeToGroup: () => 'b' });
    expect(() => model.reserve(0, { route: 'x' })).toThrow(SyncError);
  });
});

describe('LeakyBucket', () => {
  it('never fills beyond capacity - margin', () => {
    expect(drive(new LeakyBucket({ capacity: 40, leakPerSec: 2 }), 0, 0)).toHaveLength(39);
    expect(drive(new LeakyBucket({ capacity: 40, leakPerSec: 2, margin: 0 }), 0, 0)).toHaveLength(40);
    expect(drive(new LeakyBucket({ capacity: 40, leakPerSec: 2, margin: 3 }), 0, 1000)).toHaveLength(39);
  });

  it('converges on the used count the platform reports', () => {
    const bucket = new LeakyBucket({ capacity: 40, leakPerSec: 2 });
    expect(bucket.reserve(0, {})).toBe(0);
    bucket.observe(0, { used: 38, limit: 40 });
    expect(bucket.reserve(0, {})).toBe(0);
    expect(bucket.reserve(0, {})).toBe(500);
    // A learned larger bucket (Shopify Plus) is used at once.
    bucket.observe(0, { used: 39, limit: 400 });
    expect(drive(bucket, 0, 0)).toHaveLength(360);
  });

  it('keeps a simulated Shopify REST shop below its limit while using its rate fully', () => {
    const capacity = 40;
    const leak = 2 / 1000;
    let serverLevel = 30; // another worker of ours left the bucket part full
    let serverAt = 0;
    let rejected = 0;
    const client = new LeakyBucket({ capacity, leakPerSec: 2 });
    const admitted = drive(client, 0, 60_000, {}, (t) => {
      serverLevel = Math.max(0, serverLevel - (t - serverAt) * leak);
      serverAt = t;
      if (serverLevel + 1 > capacity) rejected++;
      else serverLevel += 1;
      client.observe(t, { used: Math.ceil(serverLevel), limit: capacity });
    });
    expect(rejected).toBe(0);
    // (40 - 1 margin - 30 used) at once, then 2/s for 60 s.
    expect(admitted.length).toBeGreaterThanOrEqual(125);
  });
});

describe('CostBucket', () => {
  it('charges the requested cost and refunds the difference to the actual cost', () => {
    const bucket = new CostBucket({ capacity: 1000, restoreRate: 50 });
    expect(bucket.reserve(0, { cost: 800 })).toBe(0);
    expect(bucket.reserve(0, { cost: 300 })).toBe(2000);
    bucket.observe(0, { requestedCost: 800, actualCost: 100 });
    expect(bucket.reserve(0, { cost: 300 })).toBe(0);
    expect(bucket.reserve(0, { cost: 700 })).toBe(2000);
  });

  it('takes the lower of its own and the reported availability, and learns capacity and rate', () => {
    const bucket = new CostBucket({ capacity: 1000, restoreRate: 50 });
    bucket.observe(0, { available: 100, capacity: 2000, restoreRate: 100 });
    expect(bucket.reserve(0, { cost: 200 })).toBe(1000);
    bucket.observe(0, { available: 1900 });
    expect(bucket.reserve(0, { cost: 200 })).toBe(1000);
    expect(drive(bucket, 0, 20_000, { cost: 1000 })).toHaveLength(2);
  });

  it('refunds a throttled request in full and charges at least 1 per request', () => {
    const bucket = new CostBucket({ capacity: 10, restoreRate: 1 });
    expect(drive(bucket, 0, 0, { cost: 0 })).toHaveLength(10);
    bucket.observe(0, { requestedCost: 0, actualCost: 0 });
    expect(bucket.reserve(0, { cost: 1 })).toBe(0);
  });

  it('lets a request above the single-query cap wait for a full bucket instead of forever', () => {
    const bucket = new CostBucket({ capacity: 1000, restoreRate: 100, maxSingleCost: 1000 });
    expect(bucket.reserve(0, { cost: 600 })).toBe(0);
    expect(bucket.reserve(0, { cost: 1500 })).toBe(6000);
    expect(bucket.reserve(6000, { cost: 1500 })).toBe(0);
  });
});

describe('ConcurrencyCap', () => {
  it('admits up to max in flight and then waits for a release', () => {
    const cap = new ConcurrencyCap({ max: 2 });
    expect(cap.reserve(0, {})).toBe(0);
    expect(cap.reserve(0, {})).toBe(0);
    expect(cap.reserve(0, {})).toBe(Infinity);
    cap.release();
    expect(cap.reserve(0, {})).toBe(0);
  });

  it('rejects a cap that could admit nothing', () => {
    expect(() => new ConcurrencyCap({ max: 0 })).toThrow(/max/);
    expect(() => new ConcurrencyCap({ max: 1.5 })).toThrow(/integer/);
  });
});

describe('WindowLimit', () => {
  it('admits the limit per window and resets at the window end', () => {
    const window = new WindowLimit({ limit: 120, windowMs: 60_000 });
    expect(drive(window, 0, 59_999)).toHaveLength(120);
    expect(window.reserve(30_000, {})).toBe(30_000);
    expect(drive(window, 60_000, 119_999)).toHaveLength(120);
  });

  it('re-aligns to the reported window and never lowers the count within the same window', () => {
    const window = new WindowLimit({ limit: 120, windowMs: 60_000 });
    expect(window.reserve(0, {})).toBe(0);
    // The platform's window started earlier: 110 used, resets in 5 s.
    window.observe(1000, { remaining: 10, resetAt: 6000 });
    expect(drive(window, 1000, 5999)).toHaveLength(10);
    expect(window.reserve(1000, {})).toBe(5000);
    window.observe(1000, { remaining: 50, resetAt: 6400 });
    expect(window.reserve(1000, {})).toBe(5400);
    expect(drive(window, 6400, 6400)).toHaveLength(120);
    // A reset time already past belongs to a window that is over.
    expect(window.reserve(66_400, {})).toBe(0);
    window.observe(66_500, { remaining: 0, resetAt: 66_000 });
    expect(window.reserve(66_500, {})).toBe(0);
  });
});

describe('Combined', () => {
  it('admits only when every model does and gives back what the others took', () => {
    const bucket = new TokenBucket({ ratePerSec: 1, burst: 2 });
    const cap = new ConcurrencyCap({ max: 1 });
    const model = new Combined([bucket, cap]);
    expect(model.reserve(0, {})).toBe(0);
    expect(model.reserve(0, {})).toBe(Infinity);
    model.release(0, {});
    // The token taken by the refused attempt came back.
    expect(model.reserve(0, {})).toBe(0);
    model.release(0, {});
    expect(model.reserve(0, {})).toBe(1000);
    // The cap slot taken before the bucket refused came back too.
    expect(new Combined([cap, bucket]).reserve(0, {})).toBe(1000);
    expect(cap.reserve(0, {})).toBe(0);
  });

  it('pauses every model and reports the latest pause', () => {
    const model = new Combined([new TokenBucket({ ratePerSec: 1 }), new ConcurrencyCap({ max: 1 })]);
    model.pause(700);
    expect(model.reserve(0, {})).toBe(700);
    expect(model.pausedUntil(0)).toBe(700);
    expect(model.reserve(700, {})).toBe(0);
  });
});

describe('pause', () => {
  const models: [string, () => RateLimitModel][] = [
    ['TokenBucket', () => new TokenBucket({ ratePerSec: 100 })],
    ['LeakyBucket', () => new LeakyBucket({ capacity: 40, leakPerSec: 2 })],
    ['CostBucket', () => new CostBucket({ capacity: 1000, restoreRate: 50 })],
    ['ConcurrencyCap', () => new ConcurrencyCap({ max: 4 })],
    ['WindowLimit', () => new WindowLimit({ limit: 120, windowMs: 60_000 })],
  ];

  it.each(models)('%s admits nothing before the pause ends, and a shorter pause does not shorten it', (_name, make) => {
    const model = make();
    model.pause(2000);
    model.pause(1500);
    expect(model.reserve(0, {})).toBe(2000);
    expect(model.reserve(1999.5, {})).toBe(1);
    expect(model.pausedUntil(1000)).toBe(2000);
    expect(model.reserve(2000, {})).toBe(0);
    expect(model.pausedUntil(2000)).toBeNull();
  });

  it('leaves a token bucket with one request at the end of the pause, then paces', () => {
    const bucket = new TokenBucket({ ratePerSec: 2, burst: 10 });
    bucket.pause(1000);
    expect(drive(bucket, 0, 1000)).toEqual([1000]);
    expect(bucket.reserve(1000, {})).toBe(500);
  });

  it('leaves a leaky bucket with one slot at the end of the pause', () => {
    const bucket = new LeakyBucket({ capacity: 40, leakPerSec: 2 });
    bucket.observe(0, { used: 40, limit: 40 });
    bucket.pause(2000);
    expect(drive(bucket, 0, 2000)).toEqual([2000]);
  });
});

describe('options', () => {
  it('rejects rates and sizes that are not positive', () => {
    expect(() => new TokenBucket({ ratePerSec: 0 })).toThrow(SyncError);
    expect(() => new LeakyBucket({ capacity: 40, leakPerSec: Number.NaN })).toThrow(SyncError);
    expect(() => new CostBucket({ capacity: -1, restoreRate: 1 })).toThrow(SyncError);
    expect(() => new WindowLimit({ limit: 1, windowMs: 0 })).toThrow(SyncError);
    expect(() => new Combined([])).toThrow(SyncError);
  });
});
