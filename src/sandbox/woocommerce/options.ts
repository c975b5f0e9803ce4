// Options of the WooCommerce sandbox, with the fact sheet's "Sim default" wherever sources disagree and a
// switch for the other reading (platforms/woocommerce.md).

export type KeyPermission = 'read' | 'write' | 'read_write';

export interface ApiKey {
  consumerKey: string;
  consumerSecret: string;
  permissions: KeyPermission;
}

export interface WooSandboxOptions {
  /** REST API keys; the first is the sandbox's `consumerKey`/`consumerSecret`. Default one read_write key. */
  keys?: ApiKey[];
  /**
   * Try HTTP Basic and `consumer_key`/`consumer_secret` query auth although the sandbox speaks plain http.
   * The real server only tries them when it sees HTTPS (section 1); default true so tests need no TLS.
   */
  allowInsecureAuth?: boolean;
  /**
   * The store's home URL: the OAuth 1.0a base string, `Link` headers, permalinks and X-WC-Webhook-Source are
   * built from it, not from what the client typed (section 1). Default the sandbox's own http URL.
   */
  homeUrl?: string;
  /** Zone of the naive `date_*` fields (the `_gmt` twins are UTC). Default Europe/Berlin, so the two differ. */
  timeZone?: string;
  /** Currency of orders. Default EUR. */
  currency?: string;
  /** >1 compresses platform durations (injected latency, webhook queue delay). Default 1. */
  timeScale?: number;
  /** `Link` also carries `first` and `last` (what the docs list); default false: prev/next only, as the code does. */
  linkFirstLast?: boolean;
  /** Items accepted per batch call across create+update+delete (filter woocommerce_rest_batch_items_limit). Default 100. */
  batchLimit?: number;
  /** `modified_after`/`after` compare with >= instead of > (boundary unconfirmed; WP_Date_Query's default is strict). */
  inclusiveDateFilters?: boolean;
  /** A webhook is disabled on this consecutive failure. Default 7 (the code: count > 5); the docs' reading is 5. */
  webhookDisableAfter?: number;
  /** Platform ms a delivery waits in the queue (Action Scheduler) before it is sent; time-scaled. Default 0. */
  webhookQueueDelayMs?: number;
  /** Real ms a receiver may take before a delivery counts as failed. Default 60000 (WooCommerce's 60 s). */
  webhookTimeoutMs?: number;
  /** Seed of fault decisions (data seeding takes its own seed). Default 1. */
  seed?: number;
}

export interface ResolvedOptions {
  keys: ApiKey[];
  allowInsecureAuth: boolean;
  homeUrl: string | null;
  timeZone: string;
  currency: string;
  timeScale: number;
  linkFirstLast: boolean;
  batchLimit: number;
  inclusiveDateFilters: boolean;
  webhookDisableAfter: number;
  webhookQueueDelayMs: number;
  webhookTimeoutMs: number;
  seed: number;
}

export const DEFAULT_KEY: ApiKey = {
  consumerKey: 'ck_sandbox0000000000000000000000000000000',
  consumerSecret: 'cs_sandbox0000000000000000000000000000000',
  permissions: 'read_write',
};

export function resolveOptions(opts: WooSandboxOptions = {}): ResolvedOptions {
  const timeScale = opts.timeScale ?? 1;
  if (!(timeScale > 0)) throw new Error('timeScale must be a positive number');
  const keys = opts.keys ?? [DEFAULT_KEY];
  if (keys.length === 0) throw new Error('at least one API key is needed');
  const disableAfter = opts.webhookDisableAfter ?? 7;
  if (!Number.isInteger(disableAfter) || disableAfter < 1) throw new Error('webhookDisableAfter must be a positive integer');
  return {
    keys,
    allowInsecureAuth: opts.allowInsecureAuth ?? true,
    homeUrl: opts.homeUrl?.replace(/\/+$/, '') ?? null,
    timeZone: opts.timeZone ?? 'Europe/Berlin',
    currency: opts.currency ?? 'EUR',
    timeScale,
    linkFirstLast: opts.linkFirstLast ?? false,
    batchLimit: opts.batchLimit ?? 100,
    inclusiveDateFilters: opts.inclusiveDateFilters ?? false,
    webhookDisableAfter: disableAfter,
    webhookQueueDelayMs: opts.webhookQueueDelayMs ?? 0,
    webhookTimeoutMs: opts.webhookTimeoutMs ?? 60_000,
    seed: opts.seed ?? 1,
  };
}
