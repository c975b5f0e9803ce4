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
