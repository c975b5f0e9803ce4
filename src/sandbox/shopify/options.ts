// Options of the Shopify sandbox and the API-version switches of platforms/shopify.md section 1.
export interface ShopifySandboxOptions {
  /** The shop's myshopify domain; default 'sandbox-shop.myshopify.com'. */
  shop?: string;
  /** The access token the Admin API accepts besides tokens issued through OAuth; default 'shpat_sandbox'. */
  accessToken?: string;
  /** OAuth client id; default 'sandbox-api-key'. */
  apiKey?: string;
  /** OAuth client secret; also the key of webhook HMACs. Default 'sandbox-api-secret'. */
  apiSecret?: string;
  /** GraphQL cost bucket; default 2000 points restoring 100 per second (the Standard plan's observed pair). */
  bucket?: { maximumAvailable: number; restoreRate: number };
  /** Shorthand for `bucket` with a plan's observed pair; `bucket` wins when both are given. */
  plan?: ShopifyPlan;
  /** >1 compresses time: bucket restore, bulk operation duration and webhook retry delays. Default 1. */
  timeScale?: number;
  /** HTTP status of a THROTTLED GraphQL reply; default 200 (the documented pattern). */
  throttleStatus?: 200 | 429;
  /** Records written within the last searchLagMs (real milliseconds) are invisible to `query:` searches. Default 0. */
  searchLagMs?: number;
  /** When true `>`/`<` on dates are strict; by default they include the bound, as observed. */
  strictGreaterThan?: boolean;
  /** Seed of the fault-injection random source (data seeding takes its own seed). Default 1. */
  seed?: number;
  /** Serve the REST legacy subset; default true. */
  rest?: boolean;
  /** Serialise throttleStatus numbers as floats (`2000.0`), as some responses do. Default false. */
  floatThrottleNumbers?: boolean;
  /** How long a webhook receiver may take before the delivery counts as failed; default 5000 ms. */
  webhookTimeoutMs?: number;
  /** Where bulk operation result files are written; default a fresh folder under the OS temp dir. */
  bulkDir?: string;
}

export type ShopifyPlan = 'standard' | 'advanced' | 'plus' | 'enterprise';

/**
 * (bucket, restore rate) per plan from platforms/shopify.md section 4. Bucket sizes are unpublished: the
 * Standard/Advanced/Plus pairs are observed; Enterprise's bucket is inferred from the same 20x-the-rate ratio.
 */
export const PLAN_BUCKETS: Record<ShopifyPlan, { maximumAvailable: number; restoreRate: number }> = {
  standard: { maximumAvailable: 2000, restoreRate: 100 },
  advanced: { maximumAvailable: 4000, restoreRate: 200 },
  plus: { maximumAvailable: 20000, restoreRate: 1000 },
  enterprise: { maximumAvailable: 40000, restoreRate: 2000 },
};

export interface ResolvedOptions {
  shop: string;
  accessToken: string;
  apiKey: string;
  apiSecret: string;
  bucket: { maximumAvailable: number; restoreRate: number };
  timeScale: number;
  throttleStatus: 200 | 429;
  searchLagMs: number;
  strictGreaterThan: boolean;
  seed: number;
  rest: boolean;
  floatThrottleNumbers: boolean;
  webhookTimeoutMs: number;
  bulkDir: string | undefined;
}

export function resolveOptions(opts: ShopifySandboxOptions = {}): ResolvedOptions {
  const timeScale = opts.timeScale ?? 1;
  if (!(timeScale > 0)) throw new Error('timeScale must be a positive number');
  return {
    shop: opts.shop ?? 'sandbox-shop.myshopify.com',
    accessToken: opts.accessToken ?? 'shpat_sandbox',
    apiKey: opts.apiKey ?? 'sandbox-api-key',
    apiSecret: opts.apiSecret ?? 'sandbox-api-secret',
    bucket: opts.bucket ?? PLAN_BUCKETS[opts.plan ?? 'standard'],
    timeScale,
    throttleStatus: opts.throttleStatus ?? 200,
    searchLagMs: opts.searchLagMs ?? 0,
    strictGreaterThan: opts.strictGreaterThan ?? false,
    seed: opts.seed ?? 1,
    rest: opts.rest ?? true,
    floatThrottleNumbers: opts.floatThrottleNumbers ?? false,
    webhookTimeoutMs: opts.webhookTimeoutMs ?? 5000,
    bulkDir: opts.bulkDir,
  };
}

/** Behaviour that changes with the `{version}` path segment (platforms/shopify.md section 1, version table). */
export interface VersionFeatures {
  version: string;
  /** `bulkOperation(id:)` and `bulkOperations` exist (2026-01+). */
  bulkOperationById: boolean;
  /** `groupObjects` argument of bulkOperationRunQuery exists (2025-07+). */
  groupObjectsArgument: boolean;
  /** Default of `groupObjects`: true up to 2025-10, false from 2026-01. */
  groupObjectsDefault: boolean;
  /** Concurrent bulk queries per shop and app: 1, then 5 from 2026-01. */
  bulkQueryConcurrency: number;
  /** `@idempotent(key:)` is defined (2026-01+) and required on inventory set/adjust (2026-04+). */
  idempotentDirective: boolean;
  idempotentRequired: boolean;
  /** Compare-and-set field of inventorySetQuantities: `changeFromQuantity` from 2026-01. */
  changeFromQuantity: boolean;
  /** ProductStatus.UNLISTED is visible from 2025-10; older versions report it as ACTIVE. */
  unlistedStatus: boolean;
  /** Customer.defaultEmailAddress / defaultPhoneNumber exist from 2025-04. */
  customerDefaultContacts: boolean;
  /** Webhook subscription `filter` exists from 2024-07. */
  webhookFilter: boolean;
}

const VERSION = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** True for `YYYY-MM` and `unstable`, the shapes Shopify routes; anything else answers 404. */
export function isKnownVersionShape(version: string): boolean {
  return version === 'unstable' || VERSION.test(version);
}

function atLeast(version: string, min: string): boolean {
  // `unstable` carries every released change, so it counts as the newest version.
  return version === 'unstable' || version >= min;
}

export function versionFeatures(version: string): VersionFeatures {
  return {
    version,
    bulkOperationById: atLeast(version, '2026-01'),
    groupObjectsArgument: atLeast(version, '2025-07'),
    groupObjectsDefault: !atLeast(version, '2026-01'),
    bulkQueryConcurrency: atLeast(version, '2026-01') ? 5 : 1,
    idempotentDirective: atLeast(version, '2026-01'),
    idempotentRequired: atLeast(version, '2026-04'),
    changeFromQuantity: atLeast(version, '2026-01'),
    unlistedStatus: atLeast(version, '2025-10'),
    customerDefaultContacts: atLeast(version, '2025-04'),
    webhookFilter: atLeast(version, '2024-07'),
  };
}

/** The schema differs only in these switches, so schemas are cached by this key. */
export function schemaKey(f: VersionFeatures): string {
  return [
    f.bulkOperationById, f.groupObjectsArgument, f.idempotentDirective, f.changeFromQuantity,
    f.customerDefaultContacts, f.webhookFilter,
  ].map((b) => (b ? 1 : 0)).join('');
}
