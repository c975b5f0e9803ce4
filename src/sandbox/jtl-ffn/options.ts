// Options of the JTL-FFN sandbox, with the fact sheet's "Sim default" wherever sources disagree and a
// switch for the other reading (platforms/jtl-ffn.md).

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
}

export interface RateLimitSettings {
  /** Requests restored per second (platform time). */
  rps: number;
  /** Bucket size: requests that may arrive at once. */
  burst: number;
}

export interface AutoProgressSettings {
  /** Platform ms after creation at which a Pending outbound becomes Acknowledged. */
  acknowledgeAfterMs: number;
  /** Platform ms after creation at which it is Shipped (with a generated tracking number). */
  shipAfterMs: number;
}

export interface JtlFfnSandboxOptions {
  /** The OAuth client of the sandbox (`sb.clientId`/`sb.clientSecret`). Default sandbox-client / sandbox-secret. */
  clientId?: string;
  clientSecret?: string;
  /** Further OAuth clients (other applications of the same merchant user, e.g. for ignoreOwnApplicationId tests). */
  extraClients?: OAuthClient[];
  /** Merchant id stamped on products and outbounds. Default SBX1. */
  merchantId?: string;
  /** Id of the one merchant user every token belongs to (ignoreOwnUserId). Default sandbox-user. */
  userId?: string;
  /** `expires_in` of access tokens, real seconds. Default 1800 (section 1). */
  accessTokenTtlSec?: number;
  /** Real ms the token endpoint waits before answering a refresh (the old token is spent before the wait). Default 0. */
  refreshDelayMs?: number;
  /** The user has logged into the fulfillment portal once; false: every API call answers 404 (section 1). Default true. */
  portalLoggedIn?: boolean;
  /** Warehouses created at start (seed() replaces them). Default 3. */
  warehouses?: number;
  /** Entries per `/updates` chunk (not published, section 3). Default 100. */
  feedChunkSize?: number;
  /** Duplicate merchantOutboundNumber answers 400 instead of creating a second outbound (unconfirmed, section 5). Default false. */
  rejectDuplicateOutboundNumbers?: boolean;
  /** Fulfiller-driven outbound progress; default off (tests drive it with advanceOutbound/shipOutbound). */
  autoProgress?: AutoProgressSettings | null;
  /** Token bucket answering 429 (section 4: nothing published, so off by default). */
  rateLimit?: RateLimitSettings | null;
  /** Platform ms every API request takes (time-scaled). Default 0. */
  latencyMs?: number;
  /** Every feed chunk after the first starts with the previous chunk's last item again. Default false. */
  repeatFeedItems?: boolean;
  /** >1 compresses platform durations (latency, autoProgress, rate-limit restore). Default 1. */
  timeScale?: number;
  /** Seed of generated ids and fault decisions (data seeding takes its own seed). Default 1. */
  seed?: number;
}

export interface ResolvedOptions {
  clients: OAuthClient[];
  merchantId: string;
  userId: string;
  accessTokenTtlSec: number;
  refreshDelayMs: number;
  portalLoggedIn: boolean;
  warehouses: number;
  feedChunkSize: number;
  rejectDuplicateOutboundNumbers: boolean;
  autoProgress: AutoProgressSettings | null;
  rateLimit: RateLimitSettings | null;
  latencyMs: number;
  repeatFeedItems: boolean;
  timeScale: number;
  seed: number;
}

export const DEFAULT_CLIENT: OAuthClient = { clientId: 'sandbox-client', clientSecret: 'sandbox-secret' };

export function resolveOptions(opts: JtlFfnSandboxOptions = {}): ResolvedOptions {
  const timeScale = opts.timeScale ?? 1;
  if (!(timeScale > 0)) throw new Error('timeScale must be a positive number');
  const chunk = opts.feedChunkSize ?? 100;
  if (!Number.isInteger(chunk) || chunk < 1) throw new Error('feedChunkSize must be a positive integer');
  const ttl = opts.accessTokenTtlSec ?? 1800;
  if (!(ttl > 0)) throw new Error('accessTokenTtlSec must be positive');
  if (opts.rateLimit && !(opts.rateLimit.rps > 0 && opts.rateLimit.burst >= 1)) throw new Error('rateLimit needs rps > 0 and burst >= 1');
  return {
    clients: [{ clientId: opts.clientId ?? DEFAULT_CLIENT.clientId, clientSecret: opts.clientSecret ?? DEFAULT_CLIENT.clientSecret }, ...(opts.extraClients ?? [])],
    merchantId: opts.merchantId ?? 'SBX1',
    userId: opts.userId ?? 'sandbox-user',
    accessTokenTtlSec: ttl,
    refreshDelayMs: opts.refreshDelayMs ?? 0,
    portalLoggedIn: opts.portalLoggedIn ?? true,
    warehouses: opts.warehouses ?? 3,
    feedChunkSize: chunk,
    rejectDuplicateOutboundNumbers: opts.rejectDuplicateOutboundNumbers ?? false,
    autoProgress: opts.autoProgress ?? null,
    rateLimit: opts.rateLimit ?? null,
    latencyMs: opts.latencyMs ?? 0,
    repeatFeedItems: opts.repeatFeedItems ?? false,
    timeScale,
    seed: opts.seed ?? 1,
  };
}
