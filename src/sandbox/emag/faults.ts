// Fault injection for the eMAG sandbox (DESIGN.md section 7, platforms/emag.md section 9). Faults can be
// scoped to some accounts, because eMAG's trouble is often one account failing while another works.
// Decisions come from a seeded random source, so a failing test replays the same faults.
import { z } from 'zod';
import { FaultSwitch } from '../common/faults.js';

const rate = z.number().min(0).max(1);

export const FaultConfigSchema = z.strictObject({
  /** Accounts the faults apply to; null = every account. */
  accounts: z.array(z.string()).nullable().default(null),
  /** Share of API requests answered with a 5xx (long streaks on one account are observed). */
  rate5xx: rate.default(0),
  status5xx: z.union([z.literal(500), z.literal(502), z.literal(504)]).default(500),
  /** Share of API requests answered 429 although the buckets have room (a lowered limit). */
  rate429: rate.default(0),
  /** Share of API requests answered with a truncated JSON body. */
  rateMalformed: rate.default(0),
  /** Read actions asking for page > 1 get the previous page's content again (a paging bug seen in the wild). */
  pageRepeat: z.boolean().default(false),
  /** Every API call answers 200 + isError "Invalid vendor ip" (the caller's IP is not whitelisted). */
  invalidIp: z.boolean().default(false),
  /** Stock and offer updates are refused with the campaign-lock 400 (e.g. Black Friday). */
  campaignLock: z.boolean().default(false),
  /** Platform milliseconds each API request takes before it is answered (compressed by the time scale). */
  latencyMs: z.number().int().min(0).max(600_000).default(0),
});

export type FaultConfig = z.infer<typeof FaultConfigSchema>;
export type RequestFault = '5xx' | '429' | 'malformed';

export class Faults extends FaultSwitch<typeof FaultConfigSchema> {
  constructor(seed: number) {
    super(FaultConfigSchema, seed);
  }

  /** The configuration as it applies to `account` (all off when the account is out of scope). */
  for(account: string): FaultConfig {
    const c = this.config;
    return c.accounts === null || c.accounts.includes(account) ? c : FaultConfigSchema.parse({});
  }

  /** The fault drawn for one API request of `account`, if any. */
  draw(account: string): RequestFault | null {
    const c = this.for(account);
    if (this.random.chance(c.rate5xx)) return '5xx';
    if (this.random.chance(c.rate429)) return '429';
    if (this.random.chance(c.rateMalformed)) return 'malformed';
    return null;
  }
}
