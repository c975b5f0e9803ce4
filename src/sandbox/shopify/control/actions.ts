// Merchant-side operations on the sandbox (the control API's and the programmatic API's shared core):
// seeding, edits that bump updatedAt and emit webhooks, inventory, faults, time, buckets, inspection.
import type { z } from 'zod';
import { parseGid } from '../ids.js';
import type { GidType } from '../ids.js';
import type { FaultConfig } from '../faults.js';
import type { SandboxRuntime } from '../runtime.js';
import { topicFromEnum, WEBHOOK_TOPICS } from '../store/events.js';
import type { WebhookTopic } from '../store/events.js';
import { mailingAddress } from '../store/addresses.js';
import type { MailingAddressRecord } from '../store/types.js';
import { activateInventory, findLevel, setQuantity } from '../store/inventory-writes.js';
import { createCustomer, createOrder, deleteCustomer, deleteOrder, updateCustomer, updateOrder } from '../store/order-customer-writes.js';
import { createProduct, deleteProduct, updateProduct, updateVariants } from '../store/product-writes.js';
import type { SeedResult } from '../store/seed.js';
import { seedStore } from '../store/seed.js';
import type { WebhookDispatcher, WebhookDelivery } from '../webhooks/dispatcher.js';
import type { WebhookSubscriptionRecord } from '../webhooks/subscriptions.js';
import type { ThrottleStats, RequestLogEntry } from '../request-log.js';
import {
  BucketBody, CustomerBody, FaultsBody, InventoryBody, OrderCreateBody, OrderFieldsBody, ProductCreateBody, ProductEditBody,
  SeedBody, WebhookBody,
} from './schemas.js';
import type {
  CustomerInput, InventoryInput, MailingAddressFields, OrderCreateInput, OrderEditInput, ProductCreateInput, ProductEditInput, WebhookInput,
} from './schemas.js';
import type { CustomerView, OrderView, ProductView } from './views.js';
import { customerView, orderView, productView, viewsOf } from './views.js';

export class ControlError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ControlError(400, `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

function idOf(value: number | string, type: GidType): number {
  if (typeof value === 'number') return value;
  const parsed = parseGid(value, type) ?? (/^\d+$/.test(value) ? { id: Number(value) } : null);
  if (!parsed) throw new ControlError(400, `not a ${type} id: ${value}`);
  return parsed.id;
}

/** undefined: leave as is (or the default address on creation); null: no address. */
function addressOf(input: MailingAddressFields | null | undefined): MailingAddressRecord | null | undefined {
  return input == null ? input : mailingAddress(input);
}

export interface StatsView extends ThrottleStats {
  bucket: { maximumAvailable: number; currentlyAvailable: number; restoreRate: number; nominalRestoreRate: number };
  restBucket: { maximumAvailable: number; currentlyAvailable: number };
  timeScale: number;
}

export class SandboxControl {
  constructor(readonly runtime: SandboxRuntime, protected readonly dispatcher: WebhookDispatcher) {}

  seed(spec: z.input<typeof SeedBody> = {}): SeedResult {
    return seedStore(this.runtime.store, parse(SeedBody, spec));
  }

  createProduct(input: ProductCreateInput): ProductView {
    const { variants, ...fields } = parse(ProductCreateBody, input);
    return productView(this.runtime.store, createProduct(this.runtime.store, fields, variants ?? []));
  }

  editProduct(id: number | string, input: ProductEditInput): ProductView {
    const { store } = this.runtime;
    const body = parse(ProductEditBody, input);
    const productId = idOf(id, 'Product');
    const product = store.products.get(productId);
    if (!product) throw new ControlError(404, `product ${productId} not found`);
    const { title, handle, status, vendor, productType, tags, descriptionHtml, variants, ...firstVariant } = body;
    store.action(() => {
      updateProduct(store, productId, { title, handle, status, vendor, productType, tags, descriptionHtml });
      const patches = (variants ?? []).map(({ id: variantId, ...v }) => ({ ...v, id: idOf(variantId, 'ProductVariant') }));
      const first = product.variantIds[0];
      if (Object.values(firstVariant).some((v) => v !== undefined) && first !== undefined) patches.unshift({ ...firstVariant, id: first });
      if (patches.length > 0) updateVariants(store, productId, patches);
    });
    return productView(store, product);
  }

  deleteProduct(id: number | string): void {
    if (!deleteProduct(this.runtime.store, idOf(id, 'Product'))) throw new ControlError(404, `product ${id} not found`);
  }

  createOrder(input: OrderCreateInput): OrderView {
    const { lines, customerId, shippingAddress, ...fields } = parse(OrderCreateBody, input);
    const { store } = this.runtime;
    const variantLines = lines.map((l) => ({ ...l, variantId: idOf(l.variantId, 'ProductVariant') }));
    for (const line of variantLines) if (!store.variants.has(line.variantId)) throw new ControlError(400, `variant ${line.variantId} not found`);
    const customer = customerId == null ? null : idOf(customerId, 'Customer');
    return orderView(createOrder(store, { ...fields, customerId: customer, shippingAddress: addressOf(shippingAddress) }, variantLines));
  }

  editOrder(id: number | string, input: OrderEditInput): OrderView {
    const { customerId, shippingAddress, ...fields } = parse(OrderFieldsBody, input);
    const order = updateOrder(this.runtime.store, idOf(id, 'Order'), {
      ...fields, shippingAddress: addressOf(shippingAddress), ...(customerId === undefined ? {} : { customerId: customerId === null ? null : idOf(customerId, 'Customer') }),
    });
    if (!order) throw new ControlError(404, `order ${id} not found`);
    return orderView(order);
  }

  deleteOrder(id: number | string): void {
    if (!deleteOrder(this.runtime.store, idOf(id, 'Order'))) throw new ControlError(404, `order ${id} not found`);
  }

  createCustomer(input: CustomerInput): CustomerView {
    return customerView(createCustomer(this.runtime.store, parse(CustomerBody, input)));
  }

  editCustomer(id: number | string, input: CustomerInput): CustomerView {
    const customer = updateCustomer(this.runtime.store, idOf(id, 'Customer'), parse(CustomerBody, input));
    if (!customer) throw new ControlError(404, `customer ${id} not found`);
    return customerView(customer);
  }

  deleteCustomer(id: number | string): void {
    if (!deleteCustomer(this.runtime.store, idOf(id, 'Customer'))) throw new ControlError(404, `customer ${id} not found`);
  }

  /** Sets `available` at a location (the primary one by default), stocking the item there first if needed. */
  setInventory(input: InventoryInput): { inventoryItemId: number; locationId: number; available: number } {
    const { store } = this.runtime;
    const body = parse(InventoryBody, input);
    const itemId = idOf(body.inventoryItemId, 'InventoryItem');
    if (!store.inventoryItems.has(itemId)) throw new ControlError(404, `inventory item ${itemId} not found`);
    const locationId = body.locationId === undefined ? store.locations.keys().next().value : idOf(body.locationId, 'Location');
    if (locationId === undefined || !store.locations.has(locationId)) throw new ControlError(404, `location ${locationId} not found`);
    store.action(() => {
      if (!findLevel(store, itemId, locationId)) activateInventory(store, itemId, locationId);
      setQuantity(store, itemId, locationId, 'available', body.available);
    });
    return { inventoryItemId: itemId, locationId, available: body.available };
  }

  setFaults(patch: Partial<Omit<FaultConfig, 'bulkFailure'>> & { bulkFailure?: FaultConfig['bulkFailure'] | boolean }): FaultConfig {
    return this.runtime.faults.set(parse(FaultsBody, patch));
  }

  clearFaults(): FaultConfig {
    this.runtime.faults.clear();
    return this.runtime.faults.current;
  }

  setTimeScale(timeScale: number): void {
    if (!(timeScale > 0)) throw new ControlError(400, 'timeScale must be a positive number');
    this.runtime.clock.setTimeScale(timeScale);
  }

  /** Reconfigures the GraphQL cost bucket (per-plan presets, a drained bucket, a lowered restore rate). */
  configureBucket(change: z.input<typeof BucketBody>): StatsView['bucket'] {
    this.runtime.bucket.configure(parse(BucketBody, change));
    return this.stats().bucket;
  }

  requests(limit?: number): RequestLogEntry[] {
    return this.runtime.log.list(limit);
  }

  clearRequests(): void {
    this.runtime.log.clear();
  }

  stats(): StatsView {
    const { bucket, restBucket, options, clock, log } = this.runtime;
    return {
      ...structuredClone(log.stats),
      bucket: {
        maximumAvailable: bucket.maximumAvailable, currentlyAvailable: Math.floor(bucket.currentlyAvailable()),
        restoreRate: bucket.effectiveRate(), nominalRestoreRate: options.bucket.restoreRate,
      },
      restBucket: { maximumAvailable: restBucket.maximumAvailable, currentlyAvailable: Math.floor(restBucket.currentlyAvailable()) },
      timeScale: clock.timeScale,
    };
  }

  /** Registers a webhook subscription as an app would, without going through GraphQL. */
  subscribeWebhook(input: WebhookInput): WebhookSubscriptionRecord {
    const body = parse(WebhookBody, input);
    const topic = (WEBHOOK_TOPICS as readonly string[]).includes(body.topic) ? (body.topic as WebhookTopic) : topicFromEnum(body.topic);
    if (!topic) throw new ControlError(400, `unknown topic ${body.topic}`);
    const { subscription, userErrors } = this.runtime.webhooks.create({
      topic, uri: body.address, includeFields: body.includeFields, filter: body.filter, apiVersion: body.apiVersion ?? '2025-01',
    });
    if (!subscription) throw new ControlError(400, userErrors[0]?.message ?? 'invalid subscription');
    return subscription;
  }

  webhookSubscriptions(): WebhookSubscriptionRecord[] {
    return this.runtime.webhooks.list();
  }

  unsubscribeWebhook(id: number | string): void {
    if (!this.runtime.webhooks.delete(idOf(id, 'WebhookSubscription'))) throw new ControlError(404, `subscription ${id} not found`);
  }

  deliveries(): WebhookDelivery[] {
    return this.dispatcher.deliveries();
  }

  /** The merchant uninstalls the app: app/uninstalled fires and OAuth-issued tokens stop working. */
  uninstallApp(): void {
    const { store, tokens, options } = this.runtime;
    store.emit('app/uninstalled', store.shopId);
    for (const token of [...tokens.keys()]) if (token !== options.accessToken) tokens.delete(token);
  }

  products(): ProductView[] {
    return [...viewsOf(this.runtime.store, 'products')] as ProductView[];
  }

  orders(): OrderView[] {
    return [...viewsOf(this.runtime.store, 'orders')] as OrderView[];
  }

  customers(): CustomerView[] {
    return [...viewsOf(this.runtime.store, 'customers')] as CustomerView[];
  }
}
