// The contract every rate-limit model implements, and the small helpers the models share. Models are pure:
// time comes in as `now` (ms epoch) and nothing sleeps; connectors/limiter.ts does the waiting.
import { SyncError } from './errors.js';

export interface RateLimitRequest {
  route?: string;
  cost?: number;
}

export interface RateLimitObservation {
  route?: string;
  /** Cost bucket refund (Shopify GraphQL): requested is charged up front, the difference to actual comes back. */
  requestedCost?: number;
  actualCost?: number;
  /** Cost bucket state as reported (Shopify `throttleStatus`). */
  available?: number;
  capacity?: number;
  restoreRate?: number;
  /** Leaky bucket fill as reported (Shopify REST `X-Shopify-Shop-Api-Call-Limit: 32/40`). */
  used?: number;
  limit?: number;
  /** Requests left in the window and when it resets, ms epoch (Printful `X-Ratelimit-Remaining/Reset`). */
  remaining?: number;
  resetAt?: number;
}

export interface RateLimitModel {
  /** Try to take capacity for a request now. Returns 0 when taken (request may go now), otherwise the ms to
   * wait before trying again (nothing taken). Infinity only for a concurrency cap that is full (wait for release). */
  reserve(now: number, req: RateLimitRequest): number;
  /** A request finished (needed by concurrency caps; no-op for others). */
  release(now: number, req: RateLimitRequest): void;
  /** Give back what a successful reserve() took when the request will not be sent after all (Combined uses
   * it when a sibling model refuses). Optional: models without it fall back to release(). */
  cancel?(now: number, req: RateLimitRequest): void;
  /** Converge on what the platform reports: the platform's headers are the truth. */
  observe(now: number, obs: RateLimitObservation): void;
  /** The platform said wait until `untilMs` (429 / THROTTLED); nothing is taken before then. */
  pause(untilMs: number, route?: string): void;
  /** When a pause is in force, its end (for progress "rate_limited until"). */
  pausedUntil(now: number, route?: string): number | null;
  /** The same budget described as buckets that every process using the credential can spend from (a row per
   * bucket on PostgreSQL, connectors/shared-limiter.ts). Absent: the model stays in this process only. */
  sharedBuckets?(): SharedBuckets;
}

/**
 * One bucket of a shared budget. The description lives with the model it mirrors, so what a platform allows
 * is written once: the in-process model paces this process, the shared bucket paces all of them together.
 */
export interface SharedBucketSpec {
  /** Unique within the model: the kind of bucket ('cost', 'leaky', 'token', 'window'), so that two budgets of
   * one credential (Shopify's GraphQL and REST) never meet in one row; route groups prefix their group. */
  name: string;
  /** Units the bucket holds when full. */
  capacity: number;
  /** Units restored per second, continuously (ignored by a fixed window). */
  ratePerSec: number;
  /** A fixed window of this length instead: the bucket refills to capacity at once when the window ends. */
  windowMs?: number;
  /** The level a platform pause leaves at its end, refilling from then on; absent: a pause does not touch the
   * level (a cost bucket keeps restoring while the platform says wait). */
  levelAfterPause?: number;
}

/** What one request spends from one shared bucket. */
export interface SharedTake {
  bucket: string;
  /** Units that must be there before the request goes (clamped to the bucket's capacity where it is kept). */
  need: number;
  /** Units it spends; a cost bucket spends the requested cost, which may exceed `need`. */
  cost: number;
}

/** What an observation does to one shared bucket, in this order: refund, lower to the platform's figure. */
export interface SharedAdjust {
  bucket: string;
  /** Added to the level (a cost bucket's `requested - actual`). */
  refund?: number;
  /** The level is lowered to at most this: the platform's figure is the truth, and only a lower figure is
   * safe to take over while other processes have requests in flight that the figure does not count yet. */
  atMost?: number;
  /** The platform's size and rate replace the bucket's. */
  capacity?: number;
  ratePerSec?: number;
  /** Fixed windows: the platform's current window ends this many ms from now. */
  windowEndsInMs?: number;
  /** A reported window end this close to the bucket's own is the same window. */
  windowToleranceMs?: number;
}

export interface SharedBuckets {
  readonly buckets: readonly SharedBucketSpec[];
  /** The buckets a request spends from (one for every model the platforms use today). */
  take(req: RateLimitRequest): SharedTake[];
  /** How an observation made at `now` moves the buckets. */
  adjust(now: number, obs: RateLimitObservation): SharedAdjust[];
  /** The buckets a platform pause (of a route's group, or of everything without a route) stops. */
  paused(route?: string): string[];
}

/** Shared buckets of a model that has exactly one. */
export function singleBucket(
  spec: SharedBucketSpec,
  take: (req: RateLimitRequest) => Omit<SharedTake, 'bucket'>,
  adjust: (now: number, obs: RateLimitObservation) => Omit<SharedAdjust, 'bucket'> | null,
): SharedBuckets {
  const name = spec.name;
  return {
    buckets: [spec],
    take: (req) => [{ ...take(req), bucket: name }],
    adjust: (now, obs) => {
      const a = adjust(now, obs);
      return a === null ? [] : [{ ...a, bucket: name }];
    },
    paused: () => [name],
  };
}

/** Several models' shared buckets side by side, each model's names under its own prefix. */
export function prefixed(prefix: string, shared: SharedBuckets): SharedBuckets {
  const name = (bucket: string) => `${prefix}/${bucket}`;
  return {
    buckets: shared.buckets.map((b) => ({ ...b, name: name(b.name) })),
    take: (req) => shared.take(req).map((t) => ({ ...t, bucket: name(t.bucket) })),
    adjust: (now, obs) => shared.adjust(now, obs).map((a) => ({ ...a, bucket: name(a.bucket) })),
    paused: (route) => shared.paused(route).map(name),
  };
}

/** A finite number or undefined: observations come from headers and bodies, anything may be missing or odd. */
export function finite(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

/** A finite number above 0, or undefined. */
export function positive(value: number | undefined): number | undefined {
  const v = finite(value);
  return v !== undefined && v > 0 ? v : undefined;
}

/** The adjustment, or null when it says nothing. */
export function nonEmpty<T extends object>(adjust: T): T | null {
  return Object.values(adjust).some((v) => v !== undefined) ? adjust : null;
}

// Float refills (e.g. 0.1 token per ms) leave values like 0.9999999999; without a tolerance a request would
// wait a sub-millisecond for a token that is, for all purposes, already there.
export const EPSILON = 1e-9;

export function requirePositive(model: string, name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new SyncError('config_invalid', `${model}: ${name} must be a positive number, got ${String(value)}`);
  }
  return value;
}

/** Waits handed to the Limiter are whole milliseconds and never 0 (0 means "taken"). */
export function waitMs(ms: number): number {
  return Math.max(1, Math.ceil(ms - EPSILON));
}

/** A platform-imposed pause; a later, shorter pause never shortens one already in force. */
export class PauseState {
  private end = -Infinity;
  /** True when `untilMs` extends the pause (the caller then resets its state for the new end). */
  extend(untilMs: number): boolean {
    if (!Number.isFinite(untilMs) || untilMs <= this.end) return false;
    this.end = untilMs;
    return true;
  }
  /** Ms left, 0 when not paused. */
  waitAt(now: number): number {
    return this.end > now ? waitMs(this.end - now) : 0;
  }
  endAt(now: number): number | null {
    return this.end > now ? this.end : null;
  }
}

/** Gives back a reservation through cancel(), or release() for models without it. */
export function cancelOn(model: RateLimitModel, now: number, req: RateLimitRequest): void {
  if (model.cancel) model.cancel(now, req);
  else model.release(now, req);
}

/** The latest of several pause ends, null when none is in force. */
export function latest(values: (number | null)[]): number | null {
  let result: number | null = null;
  for (const v of values) if (v !== null && (result === null || v > result)) result = v;
  return result;
}
