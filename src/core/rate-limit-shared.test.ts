// The shared-bucket descriptions of the generic rate-limit models (the platforms' own are in
// connectors/shared-budgets.test.ts): they must say what the in-process model does.
import { describe, expect, it } from 'vitest';
import { Combined, ConcurrencyCap, CostBucket, LeakyBucket, RouteGroups, TokenBucket, WindowLimit } from './rate-limit.js';
import type { RateLimitModel, SharedBuckets } from './rate-limit.js';

const sharedOf = (model: RateLimitModel): SharedBuckets => {
  const shared = model.sharedBuckets?.();
  if (!shared) throw new Error('the model has no shared buckets');
  return shared;
};

describe('shared buckets of the generic models', () => {
  it('mirror the in-process model on size and rate', () => {
    expect(sharedOf(new TokenBucket({ ratePerSec: 4, burst: 2 })).buckets).toEqual([{ name: 'token', capacity: 2, ratePerSec: 4, levelAfterPause: 1 }]);
    expect(sharedOf(new LeakyBucket({ capacity: 40, leakPerSec: 2, margin: 0 })).buckets[0]).toMatchObject({ capacity: 40 });
    expect(sharedOf(new CostBucket({ capacity: 100, restoreRate: 10 })).take({})).toEqual([{ bucket: 'cost', need: 1, cost: 1 }]);
    expect(sharedOf(new WindowLimit({ limit: 10, windowMs: 1000 })).take({})).toEqual([{ bucket: 'window', need: 1, cost: 1 }]);
  });

  it('a concurrency cap stays in the process; combined with a bucket only the bucket is shared', () => {
    expect((new ConcurrencyCap({ max: 2 }) as RateLimitModel).sharedBuckets).toBeUndefined();
    const shared = sharedOf(new Combined([new ConcurrencyCap({ max: 2 }), new TokenBucket({ ratePerSec: 5 })]));
    expect(shared.buckets.map((b) => b.name)).toEqual(['1/token']);
    expect(shared.take({})).toEqual([{ bucket: '1/token', need: 1, cost: 1 }]);
    expect(shared.adjust(0, { remaining: 0 })).toEqual([{ bucket: '1/token', atMost: 0 }]);
  });

  it('route groups without a shared model, or routes to unknown groups, take nothing shared', () => {
    const shared = sharedOf(
      new RouteGroups({ groups: { a: new ConcurrencyCap({ max: 1 }), b: new TokenBucket({ ratePerSec: 1 }) }, routeToGroup: (r) => r ?? 'a' }),
    );
    expect(shared.buckets.map((b) => b.name)).toEqual(['b/token']);
    expect(shared.take({ route: 'a' })).toEqual([]);
    expect(shared.take({ route: 'nowhere' })).toEqual([]);
    expect(shared.take({ route: 'b' })).toEqual([{ bucket: 'b/token', need: 1, cost: 1 }]);
  });
});
