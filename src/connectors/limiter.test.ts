import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SyncError } from '../core/errors.js';
import { ConcurrencyCap, CostBucket, RouteGroups, TokenBucket } from '../core/rate-limit.js';
import type { RateLimitModel } from '../core/rate-limit.js';
import { Limiter, abortableSleep } from './limiter.js';

const T0 = 1_700_000_000_000;

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});

afterEach(() => {
  vi.useRealTimers();
});

const signal = () => new AbortController().signal;

/** Records when each acquire resolved (ms after T0), releasing at once unless `hold` is set. */
function track(limiter: Limiter, count: number, opts: { route?: string; hold?: boolean } = {}) {
  const granted: { i: number; at: number; release: () => void }[] = [];
  const done = Array.from({ length: count }, (_, i) =>
    limiter.acquire({ route: opts.route }, signal()).then((release) => {
      granted.push({ i, at: Date.now() - T0, release });
      if (!opts.hold) release();
    }),
  );
  return { granted, done: Promise.all(done) };
}

describe('Limiter', () => {
  it('paces requests by the waits the model computes', async () => {
    const limiter = new Limiter(new TokenBucket({ ratePerSec: 10, burst: 2 }));
    const { granted, done } = track(limiter, 5);
    await vi.advanceTimersByTimeAsync(1000);
    await done;
    expect(granted.map((g) => g.at)).toEqual([0, 0, 100, 200, 300]);
    expect(granted.map((g) => g.i)).toEqual([0, 1, 2, 3, 4]);
  });

  it('wakes a concurrency waiter on release, without any timer', async () => {
    const limiter = new Limiter(new ConcurrencyCap({ max: 1 }));
    const { granted } = track(limiter, 3, { hold: true });
    await vi.advanceTimersByTimeAsync(0);
    expect(granted.map((g) => g.i)).toEqual([0]);
    expect(vi.getTimerCount()).toBe(0);
    expect(limiter.stats()).toEqual({ waiting: 2, inFlight: 1 });
    granted[0]!.release();
    granted[0]!.release(); // idempotent: frees one slot only
    await vi.advanceTimersByTimeAsync(0);
    expect(granted.map((g) => g.i)).toEqual([0, 1]);
    granted[1]!.release();
    await vi.advanceTimersByTimeAsync(0);
    expect(granted.map((g) => g.i)).toEqual([0, 1, 2]);
  });

  it('rejects with the signal reason when aborted while waiting, and the queue moves on', async () => {
    const limiter = new Limiter(new TokenBucket({ ratePerSec: 1, burst: 1 }));
    await limiter.acquire({}, signal());
    const controller = new AbortController();
    const aborted = limiter.acquire({}, controller.signal);
    const next = limiter.acquire({}, signal());
    const reason = new SyncError('cancelled', 'stop');
    controller.abort(reason);
    await expect(aborted).rejects.toBe(reason);
    await vi.advanceTimersByTimeAsync(1000);
    await expect(next).resolves.toBeTypeOf('function');
    expect(Date.now() - T0).toBe(1000);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const limiter = new Limiter(new TokenBucket({ ratePerSec: 1 }));
    await expect(limiter.acquire({}, AbortSignal.abort('gone'))).rejects.toBe('gone');
    expect(limiter.stats().waiting).toBe(0);
  });

  it('holds every request during a pause and says so', async () => {
    const limiter = new Limiter(new TokenBucket({ ratePerSec: 100 }));
    limiter.pause(T0 + 2000);
    expect(limiter.pausedUntil()).toBe(T0 + 2000);
    const waits: [number, string][] = [];
    const acquired = limiter.acquire({}, signal(), (until, reason) => waits.push([until - T0, reason]));
    await vi.advanceTimersByTimeAsync(1999);
    expect(limiter.stats().waiting).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await acquired;
    expect(waits).toEqual([[2000, 'paused']]);
    expect(limiter.pausedUntil()).toBeNull();
  });

  it('extends a wait already scheduled when a pause arrives', async () => {
    const limiter = new Limiter(new TokenBucket({ ratePerSec: 10, burst: 1 }));
    await limiter.acquire({}, signal());
    const waits: [number, string][] = [];
    const acquired = limiter.acquire({}, signal(), (until, reason) => waits.push([until - T0, reason]));
    await vi.advanceTimersByTimeAsync(50);
    limiter.pause(T0 + 500);
    await vi.advanceTimersByTimeAsync(449);
    expect(limiter.stats().waiting).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await acquired;
    expect(waits).toEqual([
      [100, 'rate_limited'],
      [500, 'paused'],
    ]);
  });

  it('lets waiters go as soon as an observation frees capacity', async () => {
    const limiter = new Limiter(new CostBucket({ capacity: 100, restoreRate: 1 }));
    await limiter.acquire({ cost: 100 }, signal());
    let got = false;
    const waiting = limiter.acquire({ cost: 50 }, signal()).then(() => (got = true));
    await vi.advanceTimersByTimeAsync(10);
    expect(got).toBe(false);
    limiter.observe({ requestedCost: 100, actualCost: 10 });
    await waiting;
    expect(Date.now() - T0).toBe(10);
  });

  it('keeps first-come order within a route but does not let one route hold up another', async () => {
    const limiter = new Limiter(
      new RouteGroups({
        groups: { orders: new TokenBucket({ ratePerSec: 12 }), other: new TokenBucket({ ratePerSec: 1, burst: 1 }) },
        routeToGroup: (route) => (route === 'orders' ? 'orders' : 'other'),
      }),
    );
    const other = track(limiter, 3, { route: 'stock' });
    const orders = track(limiter, 5, { route: 'orders' });
    await vi.advanceTimersByTimeAsync(0);
    expect(orders.granted.map((g) => g.at)).toEqual([0, 0, 0, 0, 0]);
    expect(other.granted.map((g) => g.at)).toEqual([0]);
    await vi.advanceTimersByTimeAsync(2000);
    await other.done;
    expect(other.granted.map((g) => [g.i, g.at])).toEqual([
      [0, 0],
      [1, 1000],
      [2, 2000],
    ]);
  });

  it('fails a request the model would hold for a release that can never come', async () => {
    const never: RateLimitModel = {
      reserve: () => Infinity,
      release: () => {},
      observe: () => {},
      pause: () => {},
      pausedUntil: () => null,
    };
    await expect(new Limiter(never).acquire({}, signal())).rejects.toMatchObject({ code: 'config_invalid' });
  });

  it('fails only the request whose route the model cannot place', async () => {
    const limiter = new Limiter(new RouteGroups({ groups: { a: new TokenBucket({ ratePerSec: 1 }) }, routeToGroup: (r) => r ?? 'a' }));
    await expect(limiter.acquire({ route: 'b' }, signal())).rejects.toMatchObject({ code: 'config_invalid' });
    await expect(limiter.acquire({}, signal())).resolves.toBeTypeOf('function');
  });
});

describe('abortableSleep', () => {
  it('resolves after the delay and rejects with the reason on abort', async () => {
    const slept = abortableSleep(100, signal());
    await vi.advanceTimersByTimeAsync(100);
    await expect(slept).resolves.toBeUndefined();
    const controller = new AbortController();
    const aborted = abortableSleep(100_000, controller.signal);
    controller.abort('why');
    await expect(aborted).rejects.toBe('why');
    expect(vi.getTimerCount()).toBe(0);
  });
});
