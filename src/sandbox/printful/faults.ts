// Fault injection for the Printful sandbox (DESIGN.md section 7, platforms/printful.md section 9).
// Decisions come from a seeded random source, so a failing test replays the same faults.
import { z } from 'zod';
import { FaultSwitch } from '../common/faults.js';

const rate = z.number().min(0).max(1);

export const FaultConfigSchema = z.strictObject({
  /** Share of API requests answered with a 5xx. */
  rate5xx: rate.default(0),
  /** Share of API requests answered with a 429 outside the limit model. */
  rate429: rate.default(0),
  /** After this many more API requests, answer the next `burst429Count` with 429 (a burst mid-pagination). */
  burst429After: z.number().int().min(0).nullable().default(null),
  burst429Count: z.number().int().min(1).default(3),
  /** Share of API requests held for hangMs (real) before being answered. */
  rateHang: rate.default(0),
  hangMs: z.number().int().min(0).max(600_000).default(60_000),
  /** Share of API requests whose connection is destroyed without a reply. */
  rateReset: rate.default(0),
  /** Share of API requests answered with a truncated JSON body. */
  rateMalformed: rate.default(0),
  /** v2 error bodies for injected 5xx: the shapes of platforms/printful.md section 7. */
  v2ErrorShape: z.enum(['rfc7807', 'envelope', 'data']).default('rfc7807'),
  /** Lists answer the first page again for any offset (a pagination loop). */
  repeatPages: z.boolean().default(false),
  /**
   * Lists ignore offset/limit and answer everything at once, as the v1 spec of `/store/products` (which
   * names no paging parameters) allows: without a `paging` object, or with one whose total is the
   * number of items answered.
   */
  unpagedLists: z.enum(['off', 'without_paging', 'with_total']).default('off'),
  /** Share of webhook deliveries sent twice. */
  webhookDuplicateRate: rate.default(0),
  /** Share of webhook deliveries silently never sent. */
  webhookDropRate: rate.default(0),
  /** Hold each delivery until the next one and send them in swapped order. */
  webhookReorder: z.boolean().default(false),
  /** Extra delay before a delivery's first attempt (platform ms, time-scaled). */
  webhookDelayMs: z.number().int().min(0).default(0),
});

export type FaultConfig = z.infer<typeof FaultConfigSchema>;
export type RequestFault = 'reset' | 'hang' | '5xx' | '429' | 'malformed';

export class Faults extends FaultSwitch<typeof FaultConfigSchema> {
  private burstLeft = 0;

  constructor(seed: number) {
    super(FaultConfigSchema, seed);
  }

  protected override onChange(): void {
    this.burstLeft = 0;
  }

  forRequest(): RequestFault | null {
    const c = this.config;
    if (c.burst429After !== null) {
      if (c.burst429After === 0) {
        this.config = { ...c, burst429After: null };
        this.burstLeft = c.burst429Count;
      } else this.config = { ...c, burst429After: c.burst429After - 1 };
    }
    if (this.burstLeft > 0) {
      this.burstLeft -= 1;
      return '429';
    }
    return this.drawRequestFault(c);
  }
}
