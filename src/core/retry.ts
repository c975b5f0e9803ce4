// Retry decisions come from the error kind only (DESIGN.md 2 and 5.3), so every caller retries alike.
// These helpers are pure: the HTTP client measures time and sleeps, this module only computes.
import { isRetryableKind } from './errors.js';
import type { ErrorKind } from './errors.js';

export interface RetryableError {
  kind: ErrorKind;
  retryAfterMs?: number;
}

export interface BackoffOptions {
  /** Delay ceiling of the first retry in ms (attempt 0); doubles with each attempt. Default 1000. */
  baseMs?: number;
  /** Upper bound of any backoff delay in ms. Default 60000. */
  capMs?: number;
  /** Source of randomness in [0, 1); injectable for deterministic tests. Default Math.random. */
  random?: () => number;
}

export const DEFAULT_BASE_MS = 1000;
export const DEFAULT_CAP_MS = 60_000;

/**
 * Milliseconds to wait before retry number `attempt` (0 = the first retry), or null when the error must not
 * be retried (auth, config, invalid_data, permanent).
 *
 * - rate_limited with a known wait: exactly that wait, because the platform said when the budget refills;
 *   waiting less earns another 429, waiting more wastes budget.
 * - otherwise exponential backoff with full jitter, `random() * min(cap, base * 2^attempt)`: 1 s, 2 s, 4 s ...
 *   up to 60 s, spread out so that many workers failing together do not retry in lockstep.
 */
export function nextDelay(attempt: number, err: RetryableError, opts: BackoffOptions = {}): number | null {
  if (!isRetryableKind(err.kind)) return null;
  if (err.kind === 'rate_limited' && err.retryAfterMs !== undefined && Number.isFinite(err.retryAfterMs)) {
    return Math.max(0, err.retryAfterMs);
  }
  const baseMs = nonNegative(opts.baseMs, DEFAULT_BASE_MS);
  const capMs = nonNegative(opts.capMs, DEFAULT_CAP_MS);
  const random = opts.random ?? Math.random;
  const n = Number.isFinite(attempt) ? Math.max(0, Math.floor(attempt)) : 0;
  // 2 ** n overflows to Infinity for large n; min() then yields the cap, which is what we want.
  const ceiling = Math.min(capMs, baseMs * 2 ** n);
  const r = random();
  const unit = Number.isFinite(r) ? Math.min(Math.max(r, 0), 1) : 0;
  return unit * ceiling;
}

function nonNegative(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value >= 0 ? value : fallback;
}

// HTTP-date has three forms (RFC 9110 section 5.6.7); only these are accepted, because Date.parse on its own
// also accepts strings such as "-1" or "1 2 3" that no server means as a date.
const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const RFC850_DATE = /^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \d{2}-(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)-\d{2} \d{2}:\d{2}:\d{2} GMT$/;
const ASCTIME_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;
const SECONDS = /^\d+(\.\d+)?$/;

/**
 * Parses a `Retry-After` header into milliseconds from `now`. Accepts delay-seconds, including the fractional
 * values some platforms send ("2.0", "0.5"), and HTTP dates (a date in the past gives 0). Anything else,
 * including negative numbers, gives undefined so the caller falls back to backoff.
 */
export function parseRetryAfter(headerValue: string | null | undefined, now: number = Date.now()): number | undefined {
  if (headerValue === null || headerValue === undefined) return undefined;
  const value = headerValue.trim();
  if (value === '') return undefined;
  if (SECONDS.test(value)) {
    const ms = Math.ceil(Number(value) * 1000);
    return Number.isFinite(ms) ? ms : undefined;
  }
  if (IMF_FIXDATE.test(value) || RFC850_DATE.test(value) || ASCTIME_DATE.test(value)) {
    const at = parseHttpDate(value);
    return at === undefined ? undefined : Math.max(0, at - now);
  }
  return undefined;
}

function parseHttpDate(value: string): number | undefined {
  // asctime carries no zone; HTTP dates are always UTC, so say so before handing it to Date.parse.
  const text = ASCTIME_DATE.test(value) ? `${value} GMT` : value;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : at;
}
