// Fault injection (DESIGN.md section 7): per-request failures for the Admin APIs, webhook delivery faults,
// bulk operation failures and data quirks. Decisions come from a seeded random source, so a failing test
// replays the same faults.
import { z } from 'zod';
import { FaultSwitch } from '../common/faults.js';

const rate = z.number().min(0).max(1);

export const FaultConfigSchema = z.strictObject({
  /** Share of API requests answered with a 5xx. */
  rate5xx: rate.default(0),
  /** Share of API requests answered with a 429 outside the bucket model (a "temporarily lowered limit"). */
  rate429: rate.default(0),
  /** Share of API requests held for hangMs before being answered (or until the client gives up). */
  rateHang: rate.default(0),
  hangMs: z.number().int().min(0).max(600_000).default(60_000),
  /** Share of API requests whose connection is destroyed without a reply. */
  rateReset: rate.default(0),
  /** Share of API requests answered with a truncated JSON body. */
  rateMalformed: rate.default(0),
  /** Share of webhook deliveries sent twice with the same X-Shopify-Webhook-Id. */
  webhookDuplicateRate: rate.default(0),
  /** Hold each delivery until the next one for the same resource and send them in swapped order. */
  webhookReorder: z.boolean().default(false),
  /** Share of webhook deliveries silently never sent. */
  webhookDropRate: rate.default(0),
  /** Extra delay before a delivery's first attempt (platform milliseconds, time-scaled): late delivery. */
  webhookDelayMs: z.number().int().min(0).default(0),
  /** How bulk operations fail: with an error code and partial data, or by stalling in RUNNING. */
  // `true` is shorthand for INTERNAL_SERVER_ERROR, the transient failure clients must resume from.
  bulkFailure: z.preprocess(
    (v) => (v === true ? 'INTERNAL_SERVER_ERROR' : v === false ? null : v),
    z.enum(['INTERNAL_SERVER_ERROR', 'TIMEOUT', 'ACCESS_DENIED', 'STALL']).nullable(),
  ).default(null),
  /** The next this many downloads of a bulk result answer 403, as a signed URL that expired does. */
  bulkUrlExpired: z.number().int().min(0).default(0),
  /**
   * Nested connections (a product's variants, an item's inventory levels, an order's lines) asked for the
   * page after a cursor answer their first page again, still saying more follows: a repeating sub-page.
   */
  nestedPageLoop: z.boolean().default(false),
  /** In ungrouped bulk output, write each chunk's children before their parents. */
  bulkUngroupedChildrenFirst: z.boolean().default(false),
  /** Probability per API request that one random record gets its updatedAt bumped with no visible change. */
  spuriousUpdatedAtBump: rate.default(0),
  /** Answer every API request with 423 Locked (a shop locked after repeatedly exceeding limits). */
  shopLocked: z.boolean().default(false),
  /** Real milliseconds every API request waits before it is handled (a slow shop). */
  latencyMs: z.number().int().min(0).max(600_000).default(0),
  /** Only GraphQL operations with these names are slowed (e.g. ["Customers"]); empty: every request. */
  latencyOperations: z.array(z.string()).default([]),
});

export type FaultConfig = z.infer<typeof FaultConfigSchema>;
export type RequestFault = 'reset' | 'hang' | '5xx' | '429' | 'malformed' | 'locked';

export class Faults extends FaultSwitch<typeof FaultConfigSchema> {
  constructor(seed: number) {
    super(FaultConfigSchema, seed);
  }

  /** The fault to inject into one API request, if any. */
  forRequest(): RequestFault | null {
    const c = this.config;
    if (c.shopLocked) return 'locked';
    return this.drawRequestFault(c);
  }
}
