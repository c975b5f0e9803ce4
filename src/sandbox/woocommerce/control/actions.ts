// Merchant-side operations (the control API's and the programmatic API's shared core): seeding, edits
// made "in wp-admin" that move date_modified and fire webhooks like API writes, faults, time, inspection.
import { WooError } from '../errors.js';
import type { FaultConfig } from '../faults.js';
import { FaultConfigSchema } from '../faults.js';
import { createOrder as writeOrder, findOrder, updateOrder as writeOrderUpdate } from '../order-customer-writes.js';
import { deleteProduct as removeProduct, findProduct, findVariation, updateProduct } from '../product-writes.js';
import type { RequestLogEntry } from '../request-log.js';
import type { WooRuntime } from '../runtime.js';
import { type SeedResult, seedStore, type SeedSpec } from '../seed.js';
import { customerJson, orderJson, productJson, variationJson } from '../shapes.js';
import type { WebhookDelivery, WebhookDispatcher } from '../webhooks.js';

export class WooControl {
  constructor(readonly runtime: WooRuntime, protected readonly dispatcher: WebhookDispatcher) {}

  /** Replaces products, variations, customers and orders deterministically (webhooks are kept). */
  seed(spec: SeedSpec = {}): SeedResult {
    return seedStore(this.runtime, spec);
  }

  /** A merchant edit of a product (or variation, by id); lenient like the admin screens. Fires product.updated. */
  editProduct(id: number, patch: Record<string, unknown>): Record<string, unknown> {
    const p = updateProduct(this.runtime.write(false), findProduct(this.runtime.store, id, 'PUT', true), patch);
    return productJson(this.runtime.shape(), p);
  }

  editVariation(productId: number, id: number, patch: Record<string, unknown>): Record<string, unknown> {
    const v = updateProduct(this.runtime.write(false), findVariation(this.runtime.store, productId, id, 'PUT'), patch);
    return variationJson(this.runtime.shape(), v);
  }

  /** Trashes (default) or permanently deletes a product; fires product.deleted. */
  deleteProduct(id: number, opts: { force?: boolean } = {}): Record<string, unknown> {
    const p = removeProduct(this.runtime.write(false), findProduct(this.runtime.store, id, 'DELETE', true), opts.force ?? false);
    return productJson(this.runtime.shape(), p);
  }

  /** A customer checks out: the order is created like a checkout order (created_via checkout); fires order.created. */
  createOrder(input: Record<string, unknown> = {}): Record<string, unknown> {
    const o = writeOrder(this.runtime.write(false), { currency: this.runtime.options.currency, ...input }, 'checkout');
    return orderJson(this.runtime.shape(), o);
  }

  /** Orders status changes etc. as the merchant makes them; fires order.updated. */
  editOrder(id: number, patch: Record<string, unknown>): Record<string, unknown> {
    const ctx = this.runtime.write(false);
    const o = findOrder(ctx, id, 'PUT');
    return orderJson(this.runtime.shape(), writeOrderUpdate(ctx, o, patch));
  }

  /** Products (not variations) in the REST shape, by id, trashed included; `variations` inline. */
  products(): (Record<string, unknown> & { variation_objects: Record<string, unknown>[] })[] {
    const ctx = this.runtime.shape();
    return [...this.runtime.store.products.values()].filter((p) => p.type !== 'variation').sort((a, b) => a.id - b.id).map((p) => ({
      ...productJson(ctx, p),
      variation_objects: this.runtime.store.variationsOf(p.id).map((v) => variationJson(ctx, v)),
    }));
  }

  orders(): Record<string, unknown>[] {
    const ctx = this.runtime.shape();
    return [...this.runtime.store.orders.values()].sort((a, b) => a.id - b.id).map((o) => orderJson(ctx, o));
  }

  customers(): Record<string, unknown>[] {
    const ctx = this.runtime.shape();
    return [...this.runtime.store.customers.values()].sort((a, b) => a.id - b.id).map((c) => customerJson(ctx, c));
  }

  /** Registered webhooks including the write-only secret and the failure count (the sandbox's truth). */
  webhooks(): { id: number; topic: string; status: string; delivery_url: string; secret: string; failure_count: number }[] {
    return [...this.runtime.store.webhooks.values()].map((w) => ({ id: w.id, topic: w.topic, status: w.status, delivery_url: w.delivery_url, secret: w.secret, failure_count: w.failure_count }));
  }

  deliveries(): WebhookDelivery[] {
    return this.dispatcher.deliveries();
  }

  faults(): FaultConfig {
    return this.runtime.faults.current;
  }

  setFaults(patch: Partial<FaultConfig>): FaultConfig {
    const parsed = FaultConfigSchema.partial().safeParse(patch);
    if (!parsed.success) throw new WooError(400, 'sandbox_invalid_faults', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    return this.runtime.faults.set(patch);
  }

  clearFaults(): FaultConfig {
    this.runtime.faults.clear();
    return this.runtime.faults.current;
  }

  requests(limit?: number): RequestLogEntry[] {
    return this.runtime.log.list(limit);
  }

  clearRequests(): void {
    this.runtime.log.clear();
  }

  setTimeScale(scale: number): { timeScale: number } {
    if (!(scale > 0)) throw new WooError(400, 'sandbox_invalid_time_scale', 'timeScale must be a positive number');
    this.runtime.clock.setTimeScale(scale);
    return { timeScale: scale };
  }
}
