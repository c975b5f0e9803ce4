// The time-based rate-limit models: token bucket, leaky bucket, cost bucket and fixed window. Each paces
// from its own bookkeeping and converges on what the platform reports (DESIGN.md 5.4).
import { SyncError } from './errors.js';
import { EPSILON, PauseState, finite, nonEmpty, positive, requirePositive, singleBucket, waitMs } from './rate-limit-model.js';
import type { RateLimitModel, RateLimitObservation, RateLimitRequest, SharedBuckets } from './rate-limit-model.js';

export interface TokenBucketOptions {
  /** Tokens added per second. */
  ratePerSec: number;
  /** Bucket size: requests that may go back to back. Default: one second's worth (at least 1). */
  burst?: number;
}

/** Classic token bucket, full at start. eMAG (per group), Printful v2. Observing `remaining` lowers the local
 * count to the platform's (never raises it: requests still in flight are not in the platform's figure yet). */
export class TokenBucket implements RateLimitModel {
  private readonly rate: number;
  private readonly burst: number;
  private tokens: number;
  private last = -Infinity;
  private readonly paused = new PauseState();

  constructor(opts: TokenBucketOptions) {
    this.rate = requirePositive('TokenBucket', 'ratePerSec', opts.ratePerSec) / 1000;
    this.burst = Math.max(1, requirePositive('TokenBucket', 'burst', opts.burst ?? Math.max(1, opts.ratePerSec)));
    this.tokens = this.burst;
  }

  private refill(now: number): void {
    if (this.last === -Infinity) this.last = now;
    if (now <= this.last) return;
    this.tokens = Math.min(this.burst, this.tokens + (now - this.last) * this.rate);
    this.last = now;
  }

  reserve(now: number, _req: RateLimitRequest): number {
    const paused = this.paused.waitAt(now);
    if (paused > 0) return paused;
    this.refill(now);
    if (this.tokens >= 1 - EPSILON) {
      this.tokens -= 1;
      return 0;
    }
    // `last` may sit in the future after a pause; the token arrives counting from there.
    return waitMs(Math.max(0, this.last - now) + (1 - this.tokens) / this.rate);
  }

  release(): void {}

  cancel(now: number): void {
    this.refill(now);
    this.tokens = Math.min(this.burst, this.tokens + 1);
  }

  observe(now: number, obs: RateLimitObservation): void {
    if (obs.remaining === undefined || !Number.isFinite(obs.remaining)) return;
    // During a pause the platform's latest word is the pause itself (see pause()).
    if (now < this.last) return;
    this.refill(now);
    this.tokens = Math.min(this.tokens, Math.max(0, obs.remaining));
  }

  /** The platform said when the next request may go: exactly one token is there at the pause's end, and
   * refilling continues from then, so a local burst cannot earn another 429 right after the pause. */
  pause(untilMs: number): void {
    if (!this.paused.extend(untilMs)) return;
    this.tokens = 1;
    this.last = Math.max(this.last, untilMs);
  }

  pausedUntil(now: number): number | null {
    return this.paused.endAt(now);
  }

  /** The same bucket for every process; `remaining` lowers it, a pause leaves one token at its end. */
  sharedBuckets(): SharedBuckets {
    return singleBucket(
      { name: 'token', capacity: this.burst, ratePerSec: this.rate * 1000, levelAfterPause: 1 },
      () => ({ need: 1, cost: 1 }),
      (_now, obs) => {
        const remaining = finite(obs.remaining);
        return remaining === undefined ? null : { atMost: Math.max(0, remaining) };
      },
    );
  }
}

export interface LeakyBucketOptions {
  /** Bucket size in requests (Shopify REST: 40; Plus 400). Replaced by the platform's `limit` when reported. */
  capacity: number;
  /** Requests drained per second (Shopify REST: 2; Plus 20). */
  leakPerSec: number;
  /** Slots kept free so that requests racing the last observation rarely earn a 429. Default 1. */
  margin?: number;
}

/** Request-count leaky bucket synced from a `used/limit` header (Shopify REST). Admits while the fill level
 * stays at or below capacity - margin; each observation replaces the local level with the platform's. */
export class LeakyBucket implements RateLimitModel {
  private capacity: number;
  private readonly leak: number;
  private readonly margin: number;
  private level = 0;
  private last = -Infinity;
  private readonly paused = new PauseState();

  constructor(opts: LeakyBucketOptions) {
    this.capacity = requirePositive('LeakyBucket', 'capacity', opts.capacity);
    this.leak = requirePositive('LeakyBucket', 'leakPerSec', opts.leakPerSec) / 1000;
    const margin = opts.margin ?? 1;
    if (!Number.isFinite(margin) || margin < 0) throw new SyncError('config_invalid', `LeakyBucket: margin must be >= 0, got ${String(margin)}`);
    this.margin = margin;
  }

  /** Highest fill level we allow ourselves; at least one request must always fit eventually. */
  private ceiling(): number {
    return Math.max(1, this.capacity - this.margin);
  }

  private drain(now: number): void {
    if (this.last === -Infinity) this.last = now;
    if (now <= this.last) return;
    this.level = Math.max(0, this.level - (now - this.last) * this.leak);
    this.last = now;
  }

  reserve(now: number, _req: RateLimitRequest): number {
    const paused = this.paused.waitAt(now);
    if (paused > 0) return paused;
    this.drain(now);
    const over = this.level + 1 - this.ceiling();
    if (over <= EPSILON) {
      this.level += 1;
      return 0;
    }
    return waitMs(Math.max(0, this.last - now) + over / this.leak);
  }

  release(): void {}

  cancel(now: number): void {
    this.drain(now);
    this.level = Math.max(0, this.level - 1);
  }

  observe(now: number, obs: RateLimitObservation): void {
    if (obs.limit !== undefined && Number.isFinite(obs.limit) && obs.limit > 0) this.capacity = obs.limit;
    if (obs.used === undefined || !Number.isFinite(obs.used)) return;
    // During a pause the platform's latest word is the pause itself (see pause()).
    if (now < this.last) return;
    this.drain(now);
    this.level = Math.max(0, obs.used);
  }

  /** The platform found the bucket full and said when to retry: exactly one request fits at the pause's
   * end, and draining continues from then. */
  pause(untilMs: number): void {
    if (!this.paused.extend(untilMs)) return;
    this.level = this.ceiling() - 1;
    this.last = Math.max(this.last, untilMs);
  }

  pausedUntil(now: number): number | null {
    return this.paused.endAt(now);
  }

  /** Shared as the room left below the ceiling (capacity - margin), coming back at the leak rate: `used`
   * lowers the room to what the platform's fill level leaves, `limit` resizes it. */
  sharedBuckets(): SharedBuckets {
    return singleBucket(
      { name: 'leaky', capacity: this.ceiling(), ratePerSec: this.leak * 1000, levelAfterPause: 1 },
      () => ({ need: 1, cost: 1 }),
      (_now, obs) => {
        const limit = positive(obs.limit);
        const used = finite(obs.used);
        const ceiling = Math.max(1, (limit ?? this.capacity) - this.margin);
        return nonEmpty({
          capacity: limit === undefined ? undefined : ceiling,
          atMost: used === undefined ? undefined : Math.max(0, ceiling - used),
        });
      },
    );
  }
}

export interface CostBucketOptions {
  /** Points the bucket holds (Shopify `maximumAvailable`; our default for Shopify is 2000). */
  capacity: number;
  /** Points restored per second (Shopify `restoreRate`: 100 on Standard). */
  restoreRate: number;
  /** The platform's cap on one request's cost (Shopify: 1000). Default: capacity. */
  maxSingleCost?: number;
}

/**
 * Calculated-cost bucket (Shopify GraphQL). reserve() spends the request's cost (default 1; never less than 1,
 * so queries estimated as free are still paced). A cost above `maxSingleCost` or the capacity could never be
 * admitted in full, so it only waits for a full bucket: the platform will refuse such a query anyway, and the
 * connector must split it. For a throttled request the connector reports `actualCost: 0` (nothing was charged).
 */
export class CostBucket implements RateLimitModel {
  private capacity: number;
  private rate: number;
  private readonly maxSingleCost: number;
  private available: number;
  private last = -Infinity;
  private readonly paused = new PauseState();

  constructor(opts: CostBucketOptions) {
    this.capacity = requirePositive('CostBucket', 'capacity', opts.capacity);
    this.rate = requirePositive('CostBucket', 'restoreRate', opts.restoreRate) / 1000;
    this.maxSingleCost = requirePositive('CostBucket', 'maxSingleCost', opts.maxSingleCost ?? opts.capacity);
    this.available = this.capacity;
  }

  private restore(now: number): void {
    if (this.last === -Infinity) this.last = now;
    if (now <= this.last) return;
    this.available = Math.min(this.capacity, this.available + (now - this.last) * this.rate);
    this.last = now;
  }

  private static cost(req: { cost?: number }): number {
    return req.cost !== undefined && Number.isFinite(req.cost) ? Math.max(1, req.cost) : 1;
  }

  reserve(now: number, req: RateLimitRequest): number {
    const paused = this.paused.waitAt(now);
    if (paused > 0) return paused;
    this.restore(now);
    const cost = CostBucket.cost(req);
    const needed = Math.min(cost, this.maxSingleCost, this.capacity);
    if (this.available >= needed - EPSILON) {
      this.available -= cost;
      return 0;
    }
    return waitMs((needed - this.available) / this.rate);
  }

  release(): void {}

  cancel(now: number, req: RateLimitRequest): void {
    this.restore(now);
    this.available = Math.min(this.capacity, this.available + CostBucket.cost(req));
  }

  observe(now: number, obs: RateLimitObservation): void {
    this.restore(now);
    if (obs.capacity !== undefined && Number.isFinite(obs.capacity) && obs.capacity > 0) this.capacity = obs.capacity;
    if (obs.restoreRate !== undefined && Number.isFinite(obs.restoreRate) && obs.restoreRate > 0) this.rate = obs.restoreRate / 1000;
    if (obs.requestedCost !== undefined && obs.actualCost !== undefined && Number.isFinite(obs.requestedCost) && Number.isFinite(obs.actualCost)) {
      this.available += CostBucket.cost({ cost: obs.requestedCost }) - obs.actualCost;
    }
    // The reported figure predates requests reserved since it was computed; taking the lower of the two
    // stays on the safe side, and restoration closes any gap within moments.
    if (obs.available !== undefined && Number.isFinite(obs.available)) this.available = Math.min(this.available, obs.available);
    this.available = Math.min(this.available, this.capacity);
  }

  pause(untilMs: number): void {
    // The bucket keeps restoring during the pause; the throttled response's throttleStatus says where it stands.
    this.paused.extend(untilMs);
  }

  pausedUntil(now: number): number | null {
    return this.paused.endAt(now);
  }

  /** The same bucket for every process: the requested cost is taken up front, `requested - actual` comes back,
   * and the reported `currentlyAvailable` lowers the level (a pause leaves the level alone, as here). */
  sharedBuckets(): SharedBuckets {
    return singleBucket(
      { name: 'cost', capacity: this.capacity, ratePerSec: this.rate * 1000 },
      (req) => {
        const cost = CostBucket.cost(req);
        return { need: Math.min(cost, this.maxSingleCost), cost };
      },
      (_now, obs) => {
        const requested = finite(obs.requestedCost);
        const actual = finite(obs.actualCost);
        return nonEmpty({
          refund: requested !== undefined && actual !== undefined ? CostBucket.cost({ cost: requested }) - actual : undefined,
          atMost: finite(obs.available),
          capacity: positive(obs.capacity),
          ratePerSec: positive(obs.restoreRate),
        });
      },
    );
  }
}

export interface WindowLimitOptions {
  /** Requests per window (Printful v1: 120). Replaced by the platform's `limit` when reported. */
  limit: number;
  /** Window length (Printful v1: 60_000). */
  windowMs: number;
  /** Reported reset times this close to ours count as the same window (headers carry whole seconds). Default 1000. */
  resetToleranceMs?: number;
}

/** Fixed window (Printful v1: 120 requests / 60 s, refilled at once). A window starts with the first request
 * after the previous one ended, and is re-aligned to the platform's reset time whenever one is reported. */
export class WindowLimit implements RateLimitModel {
  private limit: number;
  private readonly windowMs: number;
  private readonly tolerance: number;
  private count = 0;
  private windowEnd: number | null = null;
  private readonly paused = new PauseState();

  constructor(opts: WindowLimitOptions) {
    this.limit = requirePositive('WindowLimit', 'limit', opts.limit);
    this.windowMs = requirePositive('WindowLimit', 'windowMs', opts.windowMs);
    this.tolerance = Math.max(0, opts.resetToleranceMs ?? 1000);
  }

  private roll(now: number): void {
    if (this.windowEnd === null || now >= this.windowEnd) {
      this.windowEnd = now + this.windowMs;
      this.count = 0;
    }
  }

  reserve(now: number, _req: RateLimitRequest): number {
    const paused = this.paused.waitAt(now);
    if (paused > 0) return paused;
    this.roll(now);
    if (this.count + 1 <= this.limit) {
      this.count += 1;
      return 0;
    }
    return waitMs((this.windowEnd ?? now) - now);
  }

  release(): void {}

  cancel(): void {
    this.count = Math.max(0, this.count - 1);
  }

  observe(now: number, obs: RateLimitObservation): void {
    if (obs.limit !== undefined && Number.isFinite(obs.limit) && obs.limit > 0) this.limit = obs.limit;
    const used = obs.remaining !== undefined && Number.isFinite(obs.remaining) ? Math.max(0, this.limit - obs.remaining) : undefined;
    if (obs.resetAt !== undefined && Number.isFinite(obs.resetAt)) {
      // A window that has already ended says nothing about the current one.
      if (obs.resetAt <= now) return;
      const sameWindow = this.windowEnd !== null && this.windowEnd > now && Math.abs(obs.resetAt - this.windowEnd) <= this.tolerance;
      this.windowEnd = obs.resetAt;
      if (!sameWindow) {
        // The platform's window is another one than ours: its count is the only one that applies.
        this.count = used ?? 0;
        return;
      }
    } else {
      this.roll(now);
    }
    // Same window: our count also holds requests the platform has not seen yet, so never lower it.
    if (used !== undefined) this.count = Math.max(this.count, used);
  }

  /** The window is spent until the pause ends; a fresh one starts then. */
  pause(untilMs: number): void {
    if (!this.paused.extend(untilMs)) return;
    this.count = this.limit;
    this.windowEnd = untilMs;
  }

  pausedUntil(now: number): number | null {
    return this.paused.endAt(now);
  }

  /** The same window for every process: `remaining` lowers what is left of it, a reported reset time re-aligns
   * it, and a pause spends it until the pause ends. */
  sharedBuckets(): SharedBuckets {
    return singleBucket(
      { name: 'window', capacity: this.limit, ratePerSec: this.limit / (this.windowMs / 1000), windowMs: this.windowMs, levelAfterPause: 0 },
      () => ({ need: 1, cost: 1 }),
      (now, obs) => {
        const resetAt = finite(obs.resetAt);
        // A window that has already ended says nothing about the current one.
        if (resetAt !== undefined && resetAt <= now) return null;
        const remaining = finite(obs.remaining);
        return nonEmpty({
          capacity: positive(obs.limit),
          atMost: remaining === undefined ? undefined : Math.max(0, remaining),
          windowEndsInMs: resetAt === undefined ? undefined : resetAt - now,
          windowToleranceMs: resetAt === undefined ? undefined : this.tolerance,
        });
      },
    );
  }
}
