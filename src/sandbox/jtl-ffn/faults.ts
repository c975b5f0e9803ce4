// Fault injection (DESIGN.md section 7, platforms/jtl-ffn.md sections 4, 8, 9): 5xx bursts (failNext and a
// seeded share), slow responses, the optional token bucket, chunk-boundary repeats in the /updates feeds and a
// skewed server clock on the feeds' `to`. Token expiry and the refresh race live in oauth.ts, next to the tokens.
import { z } from 'zod';
import { LeakyBucket } from '../common/bucket.js';
import type { SandboxClock } from '../common/clock.js';
import { FaultSwitch } from '../common/faults.js';

const rate = z.number().min(0).max(1);

export const FaultConfigSchema = z.strictObject({
  /** Share of API requests answered with status5xx (seeded). */
  rate5xx: rate.default(0),
  status5xx: z.number().int().min(500).max(599).default(503),
  /** Platform ms every API request takes (time-scaled). */
  latencyMs: z.number().int().min(0).max(3_600_000).default(0),
  /** Ms the server clock runs ahead (negative: behind) when it picks a feed's default `to`. */
  clockSkewMs: z.number().int().default(0),
  /** Every feed chunk after the first starts with the last item of the previous chunk. */
  repeatFeedItems: z.boolean().default(false),
  /** Token bucket answering 429 with X-RateLimit-* and Retry-After; null = unthrottled. */
  rateLimit: z.strictObject({ rps: z.number().positive(), burst: z.number().min(1) }).nullable().default(null),
});

export type FaultConfig = z.infer<typeof FaultConfigSchema>;

export class Faults extends FaultSwitch<typeof FaultConfigSchema> {
  private failures = { remaining: 0, status: 503 };
  private bucket: LeakyBucket | null = null;

  constructor(
    seed: number,
    private readonly clock: SandboxClock,
    private readonly initial: Partial<FaultConfig>,
  ) {
    super(FaultConfigSchema, seed);
    this.set(initial);
  }

  /** Back to the values the sandbox was started with (options), not to zero: options are the baseline. */
  override clear(): void {
    super.clear();
    this.failures = { remaining: 0, status: 503 };
    this.set(this.initial);
  }

  protected override onChange(): void {
    const limit = this.config.rateLimit;
    // A new bucket starts full: changing the limit is a test's explicit reset of the throttle.
    this.bucket = limit ? new LeakyBucket({ maximumAvailable: limit.burst, restoreRate: limit.rps }, this.clock) : null;
  }

  failNext(n: number, status = 503): void {
    if (!Number.isInteger(n) || n < 0) throw new Error('failNext needs a non-negative integer');
    if (!Number.isInteger(status) || status < 400 || status > 599) throw new Error('failNext status must be 4xx or 5xx');
    this.failures = { remaining: n, status };
  }

  /** The injected failure status for this request, if any: failNext first (exact counts), then the seeded share. */
  drawFailure(): number | null {
    if (this.failures.remaining > 0) {
      this.failures.remaining -= 1;
      return this.failures.status;
    }
    return this.random.chance(this.config.rate5xx) ? this.config.status5xx : null;
  }

  /** Takes one request from the bucket; null when unthrottled, else the headers and whether it was allowed. */
  throttle(): { allowed: boolean; headers: Record<string, string> } | null {
    const limit = this.config.rateLimit;
    if (!limit || !this.bucket) return null;
    const allowed = this.bucket.take(1);
    const headers: Record<string, string> = {
      'X-RateLimit-Limit': String(limit.burst),
      'X-RateLimit-Remaining': String(Math.floor(this.bucket.currentlyAvailable())),
      'X-RateLimit-Interval-Length-Seconds': String(Math.max(1, Math.ceil(limit.burst / limit.rps))),
    };
    if (!allowed) headers['Retry-After'] = String(Math.max(1, Math.ceil(this.bucket.msUntil(1) / 1000)));
    return { allowed, headers };
  }
}
