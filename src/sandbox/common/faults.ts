// The part of every sandbox's fault injection that is the same: a zod-checked configuration that
// patches merge into (fields not given keep their value), a reset, and the seeded random source the
// decisions come from — so a failing test replays the same faults. Each sandbox adds its own fault
// kinds and the decision of which one a request gets.
import type { z } from 'zod';
import { SeededRandom } from './random.js';

/** Shares of requests that fail in the ways every platform's API fails. */
export interface RequestFaultRates {
  rateReset: number;
  rateHang: number;
  rate5xx: number;
  rate429: number;
  rateMalformed: number;
}

export type CommonRequestFault = 'reset' | 'hang' | '5xx' | '429' | 'malformed';

export class FaultSwitch<S extends z.ZodType<object>> {
  protected config: z.infer<S>;
  readonly random: SeededRandom;

  constructor(
    private readonly schema: S,
    seed: number,
  ) {
    this.config = schema.parse({}) as z.infer<S>;
    this.random = new SeededRandom(seed);
  }

  get current(): z.infer<S> {
    return this.config;
  }

  /** Merges a patch into the current configuration; an invalid one throws with every problem named. */
  set(patch: unknown): z.infer<S> {
    const parsed = this.schema.safeParse({ ...this.config, ...(typeof patch === 'object' && patch !== null ? patch : {}) });
    if (!parsed.success) throw new Error(`invalid faults: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    this.config = parsed.data as z.infer<S>;
    this.onChange();
    return this.config;
  }

  clear(): void {
    this.config = this.schema.parse({}) as z.infer<S>;
    this.onChange();
  }

  /** One draw per kind, in a fixed order (so a seed replays the same faults). */
  protected drawRequestFault(rates: RequestFaultRates): CommonRequestFault | null {
    if (this.random.chance(rates.rateReset)) return 'reset';
    if (this.random.chance(rates.rateHang)) return 'hang';
    if (this.random.chance(rates.rate5xx)) return '5xx';
    if (this.random.chance(rates.rate429)) return '429';
    if (this.random.chance(rates.rateMalformed)) return 'malformed';
    return null;
  }

  /** Called after every change of the configuration (e.g. to reset a fault's own counters). */
  protected onChange(): void {}
}
