// The control operations behind /_sandbox/ (and methods of PrintfulSandbox): act as the merchant or
// as Printful (catalog price and stock changes emit webhooks), inject faults, change time, and read
// the sandbox's truth, request log and counters.
import { z } from 'zod';
import type { FaultConfig } from '../faults.js';
import type { RequestLogEntry, SandboxStats } from '../request-log.js';
import type { SandboxRuntime } from '../runtime.js';
import { catalogVariantV1, syncProductV1, syncVariantV1 } from '../shapes.js';
import { StoreError, type SyncProductInput } from '../store/store.js';
import { v2ConfigView } from '../webhooks/configs.js';
import type { PrintfulWebhookDispatcher, WebhookDelivery } from '../webhooks/dispatcher.js';

export class ControlError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const SeedBody = z.strictObject({
  products: z.int().min(0).max(100_000).optional(),
  variantsPerProduct: z.int().min(1).max(100).optional(),
  storeProducts: z.int().min(0).max(10_000).optional(),
  storeVariantsPerProduct: z.int().min(1).max(100).optional(),
  seed: z.int().optional(),
});
const Target = { variantId: z.int().positive().optional(), productId: z.int().positive().optional() };
const PriceBody = z.strictObject({ ...Target, price: z.string() });
const StockBody = z.strictObject({ ...Target, status: z.enum(['in_stock', 'stocked_on_demand', 'out_of_stock', 'discontinued']), region: z.string().optional() });

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body ?? {});
  if (!r.success) throw new ControlError(400, r.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '));
  const v = r.data as { variantId?: number; productId?: number };
  if ('price' in (r.data as object) || 'status' in (r.data as object)) {
    if (v.variantId === undefined && v.productId === undefined) throw new ControlError(400, 'variantId or productId is required');
  }
  return r.data;
}

function storeCall<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof StoreError) throw new ControlError(err.status, err.message);
    throw err;
  }
}

export class PrintfulControl {
  constructor(readonly runtime: SandboxRuntime, protected readonly dispatcher: PrintfulWebhookDispatcher) {}

  /** Replaces the catalog and store products (deterministic, no webhooks). */
  seed(body: unknown = {}): { products: number; variants: number; storeProducts: number } {
    return this.runtime.store.seed({ ...this.runtime.options.catalog, ...parse(SeedBody, body) });
  }

  setCatalogPrice(body: unknown) {
    return storeCall(() => this.runtime.store.setCatalogPrice(parse(PriceBody, body))).map(catalogVariantV1);
  }

  setCatalogStock(body: unknown) {
    return storeCall(() => this.runtime.store.setCatalogStock(parse(StockBody, body))).map(catalogVariantV1);
  }

  createStoreProduct(body: unknown) {
    const store = this.runtime.store;
    return syncProductV1(store, storeCall(() => store.createSyncProduct((body ?? {}) as SyncProductInput)));
  }

  editStoreProduct(id: string, body: unknown) {
    const store = this.runtime.store;
    const p = store.findSyncProduct(id);
    if (!p) throw new ControlError(404, `store product ${id} not found`);
    return syncProductV1(store, storeCall(() => store.updateSyncProduct(p, (body ?? {}) as SyncProductInput)));
  }

  deleteStoreProduct(id: string): void {
    const p = this.runtime.store.findSyncProduct(id);
    if (!p) throw new ControlError(404, `store product ${id} not found`);
    this.runtime.store.deleteSyncProduct(p);
  }

  storeProducts() {
    const store = this.runtime.store;
    return [...store.syncProducts.values()].map((p) => ({ ...syncProductV1(store, p), sync_variants: store.variantsOfSync(p).map((v) => syncVariantV1(store, v)) }));
  }

  catalogCounts(): { products: number; variants: number } {
    return { products: this.runtime.store.products.size, variants: this.runtime.store.variants.size };
  }

  setFaults(patch: unknown): FaultConfig {
    try {
      return this.runtime.faults.set(patch);
    } catch (err) {
      throw new ControlError(400, (err as Error).message);
    }
  }

  clearFaults(): FaultConfig {
    this.runtime.faults.clear();
    return this.runtime.faults.current;
  }

  requests(limit?: number): RequestLogEntry[] {
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw new ControlError(400, 'limit must be a non-negative integer');
    return this.runtime.log.list(limit);
  }

  clearRequests(): void {
    this.runtime.log.clear();
  }

  stats(): SandboxStats & { timeScale: number } {
    return { ...structuredClone(this.runtime.log.stats), timeScale: this.runtime.clock.timeScale };
  }

  setTimeScale(scale: number): void {
    if (!(Number.isFinite(scale) && scale > 0)) throw new ControlError(400, 'timeScale must be a positive number');
    this.runtime.clock.setTimeScale(scale);
  }

  /** Fresh windows and full buckets (benchmarks start each measurement from the same state). */
  resetLimits(): void {
    const l = this.runtime.limits;
    l.v1.reset();
    l.productWrites.reset();
    l.unauthenticatedCatalog.reset();
    l.v2.reset();
  }

  webhookConfigs() {
    const w = this.runtime.webhooks;
    return {
      v1: w.v1.get(this.runtime.options.storeId) ?? null,
      v2: [...w.v2.entries()].map(([token, c]) => ({ token: `${token.slice(0, 4)}…`, ...v2ConfigView(c) })),
    };
  }

  deliveries(): WebhookDelivery[] {
    return this.dispatcher.deliveries();
  }
}
