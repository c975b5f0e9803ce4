// The in-memory shop: collections, id allocation, sorted views for cursor pagination and change events.
// Writes live in the *-writes.ts modules; they all go through `touch`/`emit` here so that sorted views
// are invalidated and webhooks fire for every change, whoever made it.
import { randomUUID } from 'node:crypto';
import { floorToSecond } from '../ids.js';
import type { ChangeEvent, ChangeListener, WebhookTopic } from './events.js';
import type {
  CustomerRecord, InventoryItemRecord, LocationRecord, OrderRecord, ProductRecord, VariantRecord,
} from './types.js';

/** Collections that connections page over. */
export type CollectionName = 'products' | 'variants' | 'inventoryItems' | 'orders' | 'customers' | 'locations';
export type SortKey = 'ID' | 'UPDATED_AT' | 'CREATED_AT' | 'TITLE' | 'NAME' | 'PROCESSED_AT';

type IdKind =
  | 'product' | 'variant' | 'inventoryItem' | 'inventoryLevel' | 'location' | 'order' | 'lineItem' | 'customer'
  | 'bulkOperation' | 'webhookSubscription';

// Distinct id ranges per type, so a connector that passes a variant id where an inventory item id is
// expected gets "not found" here, as it would on Shopify, instead of silently hitting another record.
const ID_BASES: Record<IdKind, number> = {
  product: 7_000_000_000, variant: 41_000_000_000, inventoryItem: 43_000_000_000, inventoryLevel: 90_000_000_000,
  location: 60_000_000, order: 5_000_000_000, lineItem: 13_000_000_000, customer: 6_000_000_000,
  bulkOperation: 700_000, webhookSubscription: 1_100_000,
};

interface SortedView<T> {
  version: number;
  items: T[];
}

export interface Sortable {
  id: number;
  createdAt: number;
  updatedAt?: number;
}

export class ShopifyStore {
  readonly shopId = 548_380_009;
  readonly locations = new Map<number, LocationRecord>();
  readonly products = new Map<number, ProductRecord>();
  readonly variants = new Map<number, VariantRecord>();
  readonly inventoryItems = new Map<number, InventoryItemRecord>();
  readonly orders = new Map<number, OrderRecord>();
  readonly customers = new Map<number, CustomerRecord>();
  /** Deleted products, oldest first: what `deletionEvents` lists. */
  readonly deletions: { id: number; subjectId: number; subjectType: 'PRODUCT'; occurredAt: number }[] = [];
  /** Product handle -> product id: handles are unique per shop. */
  readonly handles = new Map<string, number>();
  private nextOrderNumber = 1001;

  private counters = { ...ID_BASES };
  private readonly listeners = new Set<ChangeListener>();
  private readonly versions = new Map<CollectionName, number>();
  private readonly views = new Map<string, SortedView<unknown>>();
  private currentEventId: string | undefined;
  private pending: ChangeEvent[] = [];

  constructor(private readonly clock: { now(): number }) {}

  now(): number {
    return this.clock.now();
  }

  /** Timestamp for a write: Shopify stores second precision, so two writes in one second share it. */
  stamp(): number {
    return floorToSecond(this.clock.now());
  }

  nextId(kind: IdKind): number {
    this.counters[kind] += 1;
    return this.counters[kind];
  }

  takeOrderNumber(): number {
    return this.nextOrderNumber++;
  }

  /** Empties the shop (used before seeding) without emitting webhooks. */
  reset(): void {
    for (const map of [this.locations, this.products, this.variants, this.inventoryItems, this.orders, this.customers]) {
      map.clear();
    }
    this.handles.clear();
    this.deletions.length = 0;
    this.counters = { ...ID_BASES };
    this.nextOrderNumber = 1001;
    for (const name of ['products', 'variants', 'inventoryItems', 'orders', 'customers', 'locations'] as const) {
      this.changed(name);
    }
  }

  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Runs one merchant or app action: every event emitted inside shares one X-Shopify-Event-Id, and
   * listeners hear the events only when the action is complete, so payloads show its final state.
   * Nested calls join the outer action.
   */
  action<T>(fn: () => T): T {
    if (this.currentEventId !== undefined) return fn();
    this.currentEventId = randomUUID();
    try {
      return fn();
    } finally {
      this.currentEventId = undefined;
      const events = this.pending;
      this.pending = [];
      for (const event of events) this.notify(event);
    }
  }

  emit(topic: WebhookTopic, resourceId: number, extra: Pick<ChangeEvent, 'locationId' | 'snapshot'> = {}): void {
    const event: ChangeEvent = {
      topic, resourceId, ...extra, eventId: this.currentEventId ?? randomUUID(), triggeredAt: this.now(),
    };
    if (this.currentEventId !== undefined) this.pending.push(event);
    else this.notify(event);
  }

  private notify(event: ChangeEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /** Marks a collection as changed so its sorted views are rebuilt on next use. */
  changed(name: CollectionName): void {
    this.versions.set(name, (this.versions.get(name) ?? 0) + 1);
  }

  /** Changes whenever the collection changes: lets derived caches know when to rebuild. */
  version(name: CollectionName): number {
    return this.versions.get(name) ?? 0;
  }

  /** Sets updatedAt (and the search-index write time) of a record and invalidates views. */
  touch(name: CollectionName, record: { updatedAt: number; indexedAt?: number }, at = this.stamp()): void {
    record.updatedAt = at;
    if ('indexedAt' in record) record.indexedAt = this.now();
    this.changed(name);
  }

  collection(name: CollectionName): Map<number, Sortable> {
    switch (name) {
      case 'products': return this.products;
      case 'variants': return this.variants;
      case 'inventoryItems': return this.inventoryItems;
      case 'orders': return this.orders;
      case 'customers': return this.customers;
      case 'locations': return this.locations;
    }
  }

  /**
   * Records of a collection ordered by (sort value, id), cached until the collection changes. Cursor
   * pagination binary-searches these arrays, so paging 100k orders does not sort per page.
   */
  sorted<T extends Sortable>(name: CollectionName, sortKey: SortKey): T[] {
    const key = `${name}:${sortKey}`;
    const version = this.versions.get(name) ?? 0;
    const cached = this.views.get(key);
    if (cached && cached.version === version) return cached.items as T[];
    const items = [...this.collection(name).values()] as T[];
    const value = sortValue(sortKey);
    items.sort((a, b) => compareKeys(value(a), a.id, value(b), b.id));
    this.views.set(key, { version, items });
    return items;
  }
}

/** The value a record is ordered by under a sort key (ties are broken by id). */
export function sortValue(sortKey: SortKey): (record: Sortable) => number | string {
  switch (sortKey) {
    case 'ID': return (r) => r.id;
    case 'UPDATED_AT': return (r) => r.updatedAt ?? r.createdAt;
    case 'CREATED_AT': return (r) => r.createdAt;
    case 'PROCESSED_AT': return (r) => (r as unknown as { processedAt?: number }).processedAt ?? r.createdAt;
    case 'TITLE': return (r) => String((r as unknown as { title?: string }).title ?? '').toLowerCase();
    case 'NAME': return (r) => {
      const c = r as unknown as { firstName?: string | null; lastName?: string | null; name?: string };
      return (c.name ?? `${c.lastName ?? ''} ${c.firstName ?? ''}`).toLowerCase();
    };
  }
}

export function compareKeys(av: number | string, aid: number, bv: number | string, bid: number): number {
  if (av < bv) return -1;
  if (av > bv) return 1;
  return aid - bid;
}
