// Options of the Printful sandbox. Defaults follow platforms/printful.md; where the sheet marks a
// "Sim default" the same choice is made here and a switch is offered.
export interface PrintfulSandboxOptions {
  /** Store-level token (bound to the default store); default 'pf_sandbox_token'. */
  token?: string;
  /** Account-level token: must send X-PF-Store-Id on store-scoped endpoints; default 'pf_sandbox_account'. */
  accountToken?: string;
  /** The one store of the sandbox; default 4242. */
  storeId?: number;
  /** >1 compresses time: rate-limit windows, lockouts, token refill and webhook retry delays. Default 1. */
  timeScale?: number;
  /** Seed of fault decisions (the catalog seed is separate). Default 1. */
  seed?: number;
  /** v1 general limit: requests per window (fixed window, refilled at once); default 120 per 60 s. */
  v1Limit?: { limit: number; windowMs: number };
  /** PUT /store/products/{id} and PUT /sync/variant/{id}: default 10 per 60 s, then a 60 s lockout. */
  productWriteLimit?: { limit: number; windowMs: number; lockoutMs: number };
  /** Catalog without auth: default 30 per 60 s with a 60 s lockout. */
  unauthenticatedCatalogLimit?: { limit: number; windowMs: number; lockoutMs: number };
  /** v2 token bucket: default 120 tokens, one every 500 ms. */
  v2Bucket?: { capacity: number; refillPerSec: number };
  /** Catalog seeded at start (deterministic); default 300 products. 0 = empty. */
  catalog?: CatalogSeedOptions;
  /** A webhook receiver slower than this counts as a failed delivery; default 5000 ms (real). */
  webhookTimeoutMs?: number;
}

export interface CatalogSeedOptions {
  products?: number;
  /** Average variants per product (sizes x colours); default 10. */
  variantsPerProduct?: number;
  /** Sync (store) products seeded with the catalog; default 20. */
  storeProducts?: number;
  /** Sync variants per store product (at most the catalog product's variants); default 3. */
  storeVariantsPerProduct?: number;
  seed?: number;
}

export interface ResolvedOptions {
  token: string;
  accountToken: string;
  storeId: number;
  timeScale: number;
  seed: number;
  v1Limit: { limit: number; windowMs: number };
  productWriteLimit: { limit: number; windowMs: number; lockoutMs: number };
  unauthenticatedCatalogLimit: { limit: number; windowMs: number; lockoutMs: number };
  v2Bucket: { capacity: number; refillPerSec: number };
  catalog: Required<CatalogSeedOptions>;
  webhookTimeoutMs: number;
}

export const DEFAULT_CATALOG: Required<CatalogSeedOptions> = { products: 300, variantsPerProduct: 10, storeProducts: 20, storeVariantsPerProduct: 3, seed: 7 };

export function resolveOptions(opts: PrintfulSandboxOptions = {}): ResolvedOptions {
  const timeScale = opts.timeScale ?? 1;
  if (!(timeScale > 0)) throw new Error('timeScale must be a positive number');
  return {
    token: opts.token ?? 'pf_sandbox_token',
    accountToken: opts.accountToken ?? 'pf_sandbox_account',
    storeId: opts.storeId ?? 4242,
    timeScale,
    seed: opts.seed ?? 1,
    v1Limit: opts.v1Limit ?? { limit: 120, windowMs: 60_000 },
    productWriteLimit: opts.productWriteLimit ?? { limit: 10, windowMs: 60_000, lockoutMs: 60_000 },
    unauthenticatedCatalogLimit: opts.unauthenticatedCatalogLimit ?? { limit: 30, windowMs: 60_000, lockoutMs: 60_000 },
    v2Bucket: opts.v2Bucket ?? { capacity: 120, refillPerSec: 2 },
    catalog: { ...DEFAULT_CATALOG, ...opts.catalog },
    webhookTimeoutMs: opts.webhookTimeoutMs ?? 5000,
  };
}
