// Webhook delivery: one POST per (event, subscription) with Shopify's headers and HMAC; success is a 2xx
// within the timeout (3xx counts as failure); failures retry with growing, time-scaled delays up to 8
// times, then the subscription is deleted. Faults: drops, duplicates (same X-Shopify-Webhook-Id), late
// deliveries and swapped order (a newer event for a resource delivered before an older one).
import { postDelivery } from '../../common/deliver.js';
import { createHash, randomUUID } from 'node:crypto';
import type { SandboxClock } from '../../common/clock.js';
import type { Faults } from '../faults.js';
import type { BulkOperations } from '../bulk/operations.js';
import type { ChangeEvent } from '../store/events.js';
import type { ShopifyStore } from '../store/store.js';
import type { WebhookSubscriptionRecord, WebhookSubscriptions } from './subscriptions.js';
import { payloadFor, resourceKey, signWebhook, trimPayload } from './payloads.js';
import type { SearchFields } from '../graphql/search-query.js';
import { parseSearch } from '../graphql/search-query.js';

/** Platform delay before retry n (1-based): 8 retries spread over about four hours. */
export const RETRY_DELAYS_MS = [10_000, 30_000, 60_000, 300_000, 900_000, 1_800_000, 3_600_000, 7_200_000];
export const MAX_RETRIES = RETRY_DELAYS_MS.length;
/** Identical trimmed payloads within this window are debounced (dropped). */
const DEBOUNCE_MS = 60_000;
/** How long a reorder-faulted delivery waits for a newer one to overtake it (real ms). */
const REORDER_HOLD_MS = 200;
const LOG_CAPACITY = 5_000;

export type DeliveryStatus = 'pending' | 'delivered' | 'retrying' | 'failed' | 'dropped' | 'debounced' | 'filtered';

export interface WebhookDelivery {
  webhookId: string;
  eventId: string;
  topic: string;
  subscriptionId: number;
  address: string;
  apiVersion: string;
  body: string;
  triggeredAt: number;
  attempts: { at: string; status: number | null; error: string | null }[];
  status: DeliveryStatus;
  duplicate: boolean;
}

/**
 * A subscription's `filter` (search syntax over the payload's top-level fields). A term naming a field the
 * payload does not have makes the filter invalid, and an invalid filter suppresses every delivery.
 */
function passesFilter(filter: string, payload: Record<string, unknown>): boolean {
  const fields: SearchFields<Record<string, unknown>> = {};
  for (const [key, value] of Object.entries(payload)) {
    if (typeof value === 'number') fields[key] = { kind: 'number', get: (p) => p[key] as number };
    else if (typeof value === 'string' && key.endsWith('_at')) fields[key] = { kind: 'date', get: (p) => Date.parse(String(p[key])) };
    else if (key === 'tags' && typeof value === 'string') fields.tag = { kind: 'strings', get: (p) => String(p.tags).split(', ') };
    else fields[key] = { kind: 'string', get: (p) => (p[key] === null || p[key] === undefined ? null : String(p[key])) };
  }
  const parsed = parseSearch(filter, fields, { strictGreaterThan: false });
  return parsed.warnings.length === 0 && parsed.matches(payload);
}

export class WebhookDispatcher {
  private readonly log: WebhookDelivery[] = [];
  private readonly held = new Map<string, { delivery: WebhookDelivery; timer: NodeJS.Timeout }>();
  private readonly recent = new Map<string, number>();
  private readonly seenEvents = new Set<string>();
  private readonly inFlight = new Set<AbortController>();
  private closed = false;

  constructor(private readonly deps: {
    store: ShopifyStore; subscriptions: WebhookSubscriptions; bulk: BulkOperations; clock: SandboxClock; faults: Faults;
    apiSecret: () => string; shop: string; timeoutMs: number;
  }) {
    deps.store.onChange((event) => this.onEvent(event));
  }

  deliveries(): WebhookDelivery[] {
    return [...this.log];
  }

  private record(delivery: WebhookDelivery): void {
    this.log.push(delivery);
    if (this.log.length > LOG_CAPACITY) this.log.splice(0, this.log.length - LOG_CAPACITY);
  }

  onEvent(event: ChangeEvent): void {
    // One merchant action that touches a record twice still sends one delivery per topic.
    const eventKey = `${event.eventId}:${event.topic}:${resourceKey(event)}`;
    if (this.seenEvents.has(eventKey)) return;
    this.seenEvents.add(eventKey);
    if (this.seenEvents.size > 10_000) this.seenEvents.clear();
    const subscriptions = this.deps.subscriptions.forTopic(event.topic);
    if (subscriptions.length === 0) return;
    const payload = payloadFor(event, { store: this.deps.store, bulk: this.deps.bulk, shop: this.deps.shop });
    if (!payload) return;
    for (const subscription of subscriptions) this.enqueue(event, subscription, payload);
  }

  private enqueue(event: ChangeEvent, subscription: WebhookSubscriptionRecord, payload: Record<string, unknown>): void {
    const body = JSON.stringify(trimPayload(payload, subscription.includeFields));
    const delivery: WebhookDelivery = {
      webhookId: randomUUID(), eventId: event.eventId, topic: event.topic, subscriptionId: subscription.id,
      address: subscription.uri, apiVersion: subscription.apiVersion, body, triggeredAt: event.triggeredAt, attempts: [],
      status: 'pending', duplicate: false,
    };
    this.record(delivery);
    const { faults, random } = { faults: this.deps.faults.current, random: this.deps.faults.random };
    if (subscription.filter && !passesFilter(subscription.filter, payload)) {
      delivery.status = 'filtered';
      return;
    }
    if (subscription.includeFields.length > 0 && this.debounced(subscription, event, body)) {
      delivery.status = 'debounced';
      return;
    }
    if (random.chance(faults.webhookDropRate)) {
      delivery.status = 'dropped';
      return;
    }
    const send = (d: WebhookDelivery) => this.deps.clock.after(faults.webhookDelayMs, () => void this.attempt(d));
    const sendWithDuplicate = (d: WebhookDelivery) => {
      send(d);
      if (random.chance(faults.webhookDuplicateRate)) {
        const copy: WebhookDelivery = { ...d, attempts: [], duplicate: true };
        this.record(copy);
        send(copy);
      }
    };
    if (!faults.webhookReorder) return sendWithDuplicate(delivery);
    // Keyed by address, not subscription: products/create and products/update usually share an endpoint,
    // and "update before create" is exactly the swap receivers must survive.
    const key = `${subscription.uri}:${resourceKey(event)}`;
    const previous = this.held.get(key);
    if (previous) {
      // The newer event overtakes the held older one: the older is sent once the newer's attempt is over.
      this.deps.clock.cancel(previous.timer);
      this.held.delete(key);
      this.deps.clock.after(faults.webhookDelayMs, () => {
        void this.attempt(delivery).then(() => sendWithDuplicate(previous.delivery));
      });
      return;
    }
    const timer = this.deps.clock.afterReal(REORDER_HOLD_MS, () => {
      this.held.delete(key);
      sendWithDuplicate(delivery);
    });
    this.held.set(key, { delivery, timer });
  }

  private debounced(subscription: WebhookSubscriptionRecord, event: ChangeEvent, body: string): boolean {
    const hash = createHash('sha256').update(body).digest('hex');
    const key = `${subscription.id}:${resourceKey(event)}:${hash}`;
    const last = this.recent.get(key);
    const now = this.deps.clock.now();
    this.recent.set(key, now);
    return last !== undefined && now - last < this.deps.clock.scaled(DEBOUNCE_MS);
  }

  private async attempt(delivery: WebhookDelivery): Promise<void> {
    if (this.closed) return;
    const subscription = this.deps.subscriptions.get(delivery.subscriptionId);
    if (!subscription) {
      delivery.status = 'failed';
      return;
    }
    const { status, error } = await postDelivery(delivery.address, delivery.body, {
      'content-type': 'application/json',
      'user-agent': 'Shopify-Captain-Hook',
      'x-shopify-topic': delivery.topic,
      'x-shopify-hmac-sha256': signWebhook(this.deps.apiSecret(), delivery.body),
      'x-shopify-shop-domain': this.deps.shop,
      'x-shopify-api-version': delivery.apiVersion,
      'x-shopify-webhook-id': delivery.webhookId,
      'x-shopify-event-id': delivery.eventId,
      'x-shopify-triggered-at': new Date(delivery.triggeredAt).toISOString(),
    }, {
      timeoutMs: this.deps.timeoutMs,
      inFlight: this.inFlight,
    });
    if (this.closed) return;
    delivery.attempts.push({ at: new Date().toISOString(), status, error });
    if (status !== null && status >= 200 && status < 300) {
      delivery.status = 'delivered';
      subscription.consecutiveFailures = 0;
      return;
    }
    subscription.consecutiveFailures += 1;
    const retry = delivery.attempts.length; // attempts so far; retry n follows attempt n
    if (retry > MAX_RETRIES) {
      delivery.status = 'failed';
      // A subscription created through the Admin API is deleted after its deliveries keep failing.
      this.deps.subscriptions.delete(subscription.id, `${MAX_RETRIES} consecutive failed retries`);
      return;
    }
    delivery.status = 'retrying';
    this.deps.clock.after(RETRY_DELAYS_MS[retry - 1] ?? RETRY_DELAYS_MS[RETRY_DELAYS_MS.length - 1] ?? 0, () => void this.attempt(delivery));
  }

  close(): void {
    this.closed = true;
    for (const { timer } of this.held.values()) this.deps.clock.cancel(timer);
    this.held.clear();
    for (const controller of this.inFlight) controller.abort();
  }
}
