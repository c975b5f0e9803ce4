// Options of the eMAG Marketplace sandbox, with the "Sim default" of platforms/emag.md wherever the sources
// disagree, and a switch for the other reading.
import { z } from 'zod';

export const AccountSchema = z.strictObject({
  /** Name used in control routes and the request log, e.g. "main", "fbe". */
  name: z.string().regex(/^[a-z0-9_-]{1,40}$/, 'account names are lower-case letters, digits, "-" or "_"'),
  username: z.string().min(1),
  password: z.string().min(1),
  /** Orders of an FBE (Fulfilled by eMAG) login are type 2, those of a seller-fulfilled login type 3. */
  kind: z.enum(['main', 'fbe']),
});
export type AccountConfig = z.infer<typeof AccountSchema>;

/** One route group's limit: a bucket per second and one per minute (platforms/emag.md section 4). */
export interface GroupLimit {
  perSecond: number;
  perMinute: number;
}

export interface RateLimits {
  orders: GroupLimit;
  other: GroupLimit;
  /** v4.4.5 counted every resource together: both groups then spend from one bucket pair. */
  shared: boolean;
}

export const LIMIT_PROFILES = {
  /** Current: 12 req/s + 720/min on order routes, 3 req/s + 180/min shared by every other route. */
  'v4.4.7': { orders: { perSecond: 12, perMinute: 720 }, other: { perSecond: 3, perMinute: 180 }, shared: false },
  /** 2022: 1 request per 3 s and 20 per minute, all resources together. */
  'v4.4.5': { orders: { perSecond: 1 / 3, perMinute: 20 }, other: { perSecond: 1 / 3, perMinute: 20 }, shared: true },
} satisfies Record<string, RateLimits>;

export interface EmagSandboxOptions {
  /** Seller logins; default a main and an FBE account with fixed sandbox credentials. */
  accounts?: AccountConfig[];
  /** Naive timestamps are local to this zone (Sim default: Europe/Bucharest). */
  timeZone?: string;
  /** Currency of orders and offers (RON on eMAG Romania). */
  currency?: string;
  /** >1 compresses time: rate-limit refill and injected latency. Default 1. */
  timeScale?: number;
  /** Limit profile; default v4.4.7. */
  limits?: keyof typeof LIMIT_PROFILES | RateLimits;
  /** Largest itemsPerPage accepted on order/read (Sim default 100; some sources say 1000). */
  maxOrdersPerPage?: 100 | 1000;
  /** `count` answers with strings ("123") as a community mock does, instead of ints. */
  countAsStrings?: boolean;
  /** `modifiedAfter`/`createdAfter` compare strictly (>) instead of inclusively (>=). */
  strictAfter?: boolean;
  /** PATCH offer_stock also accepts `{"stock":[{warehouse_id, value}]}` (third-party reading). */
  stockArrayForm?: boolean;
  /** Seed of the fault decisions (data seeding takes its own seed). Default 1. */
  seed?: number;
}

export interface ResolvedOptions {
  accounts: AccountConfig[];
  timeZone: string;
  currency: string;
  timeScale: number;
  limits: RateLimits;
  maxOrdersPerPage: number;
  countAsStrings: boolean;
  strictAfter: boolean;
  stockArrayForm: boolean;
  seed: number;
}

export const DEFAULT_ACCOUNTS: AccountConfig[] = [
  { name: 'main', username: 'main-api-user', password: 'main-secret', kind: 'main' },
  { name: 'fbe', username: 'fbe-api-user', password: 'fbe-secret', kind: 'fbe' },
];

export function resolveOptions(opts: EmagSandboxOptions = {}): ResolvedOptions {
  const timeScale = opts.timeScale ?? 1;
  if (!(timeScale > 0)) throw new Error('timeScale must be a positive number');
  const accounts = z.array(AccountSchema).min(1).parse(opts.accounts ?? DEFAULT_ACCOUNTS);
  const names = new Set(accounts.map((a) => a.name));
  const users = new Set(accounts.map((a) => a.username));
  if (names.size !== accounts.length || users.size !== accounts.length) throw new Error('account names and usernames must be unique');
  return {
    accounts,
    timeZone: opts.timeZone ?? 'Europe/Bucharest',
    currency: opts.currency ?? 'RON',
    timeScale,
    limits: typeof opts.limits === 'object' ? opts.limits : LIMIT_PROFILES[opts.limits ?? 'v4.4.7'],
    maxOrdersPerPage: opts.maxOrdersPerPage ?? 100,
    countAsStrings: opts.countAsStrings ?? false,
    strictAfter: opts.strictAfter ?? false,
    stockArrayForm: opts.stockArrayForm ?? false,
    seed: opts.seed ?? 1,
  };
}
