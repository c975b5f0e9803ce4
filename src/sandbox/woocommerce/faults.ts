// Fault injection (DESIGN.md section 7, platforms/woocommerce.md sections 4, 8, 9). Core WooCommerce has
// no rate limiter: 429/503 come from the host, proxy or WAF in front of it, with or without Retry-After.
// Decisions come from a seeded random source, so a failing test replays the same faults.
import { z } from 'zod';
import { FaultSwitch } from '../common/faults.js';

const rate = z.number().min(0).max(1);
const retryAfter = z.number().int().min(0).nullable();

export const FaultConfigSchema = z.strictObject({
  /** Share of API requests answered with a 5xx (status5xx). */
  rate5xx: rate.default(0),
  status5xx: z.union([z.literal(500), z.literal(502), z.literal(504)]).default(500),
  /** Share answered 429 by the "host"; retryAfter429 seconds in Retry-After, null = no header. */
  rate429: rate.default(0),
  retryAfter429: retryAfter.default(null),
  /** Share answered 503 by the "host"; retryAfter503 as above. */
  rate503: rate.default(0),
  retryAfter503: retryAfter.default(null),
  /** Share answered 200 with an empty body (observed from WAFs and overloaded hosts). */
  rateEmpty: rate.default(0),
  /** Share of requests whose connection is destroyed without an answer. */
  rateReset: rate.default(0),
  /** Share of requests held hangMs (real ms) before being answered, or until the client gives up. */
  rateHang: rate.default(0),
  hangMs: z.number().int().min(0).max(600_000).default(60_000),
  /** Platform ms every API request takes (time-scaled): a slow store. */
  latencyMs: z.number().int().min(0).max(3_600_000).default(0),
  /** A rewrite drops the query string after authentication: per_page, page, filters ignored (#54035). */
  stripQueryString: z.boolean().default(false),
  /**
   * A proxy, cache or security plugin that drops only these query parameters (e.g. ["per_page"]: the
   * store answers its default 10 rows a page while `page` and the filters still arrive).
   */
  stripQueryParams: z.array(z.string().min(1)).default([]),
  /** Lists asked for page > 1 answer the previous page's rows (offset paging repeating a page). */
  pageRepeat: z.boolean().default(false),
  /** Reported plugin quirk: a GET of a product or variation saves it, bumping date_modified (and product.updated). */
  writeOnRead: z.boolean().default(false),
  /** The store's clock runs this many ms ahead (negative: behind): dates and the OAuth timestamp window move. */
  clockSkewMs: z.number().int().default(0),
  /** Share of webhook deliveries silently never sent. */
  webhookDropRate: rate.default(0),
  /** Share of webhook deliveries sent twice (duplicates across requests are observed, #13760). */
  webhookDuplicateRate: rate.default(0),
  /**
   * Share of `created` events that also fire `updated` for the same resource: one save running both the
   * "new" and the "update" hooks (#13760, #20047, #24729), so a created and an updated delivery arrive together.
   */
  webhookCreatedUpdatedRate: rate.default(0),
});

export type FaultConfig = z.infer<typeof FaultConfigSchema>;
export type RequestFault = 'reset' | 'hang' | '5xx' | '429' | '503' | 'empty';

export class Faults extends FaultSwitch<typeof FaultConfigSchema> {
  constructor(seed: number) {
    super(FaultConfigSchema, seed);
  }

  /** One draw per kind in a fixed order, so a seed replays the same faults. */
  forRequest(): RequestFault | null {
    const c = this.config;
    if (this.random.chance(c.rateReset)) return 'reset';
    if (this.random.chance(c.rateHang)) return 'hang';
    if (this.random.chance(c.rate5xx)) return '5xx';
    if (this.random.chance(c.rate429)) return '429';
    if (this.random.chance(c.rate503)) return '503';
    if (this.random.chance(c.rateEmpty)) return 'empty';
    return null;
  }
}
