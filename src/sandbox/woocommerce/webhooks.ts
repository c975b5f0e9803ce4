// Webhook deliveries as class-wc-webhook.php makes them (section 6): one queued delivery per webhook and
// resource (rapid changes coalesce), payload built at send time, WordPress-style JSON body signed with the
// webhook's own secret, success = 200..302, no retries, disabled on the Nth consecutive failure, and an
// unsigned `webhook_id=N` ping on REST create.
import { createHash, createHmac } from 'node:crypto';
import { postDelivery } from '../common/deliver.js';
import { BoundedLog } from '../common/bounded-log.js';
import type { WooRuntime } from './runtime.js';
import { productJson, orderJson, customerJson } from './shapes.js';
import type { ChangeEvent, WebhookRec } from './store.js';

export const USER_AGENT = 'WooCommerce/9.0.0 Hookshot (WordPress/6.5.0)';
export const RESOURCES = ['coupon', 'customer', 'order', 'product'] as const;
export const EVENTS = ['created', 'updated', 'deleted', 'restored'] as const;

export interface WebhookDelivery {
  id: number;
  webhookId: number;
  kind: 'event' | 'ping';
  topic: string;
  resourceId: number | null;
  url: string;
  /** Raw body as sent (empty until sent: payloads are built at delivery time). */
  body: string;
  headers: Record<string, string>;
  status: 'pending' | 'delivered' | 'failed' | 'dropped' | 'skipped';
  responseStatus: number | null;
  error: string | null;
  duplicate: boolean;
  queuedAt: number;
  sentAt: number | null;
}

/** wp_json_encode: PHP's json_encode escapes "/" as "\/" and non-ASCII as \uXXXX; signatures are over these bytes. */
export function wpJsonEncode(value: unknown): string {
  return JSON.stringify(value)
    .replace(/\//g, '\\/')
    .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .trim();
}

/** The secret is HTML-entity-decoded before signing (`&amp;` signs as `&`). */
function decodeEntities(s: string): string {
  return s.replace(/&quot;/g, '"').replace(/&#0?39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** X-WC-Webhook-Signature: base64 HMAC-SHA256 of the raw body, keyed with the webhook's secret. */
export function signWooWebhook(secret: string, body: string): string {
  return createHmac('sha256', decodeEntities(secret)).update(body, 'utf8').digest('base64');
}

export function isValidTopic(topic: string): boolean {
  if (/^action\.(woocommerce|wc)_\w+$/.test(topic)) return true;
  const [resource, event, ...rest] = topic.split('.');
  return rest.length === 0 && (RESOURCES as readonly string[]).includes(resource ?? '') && (EVENTS as readonly string[]).includes(event ?? '');
}

export class WebhookDispatcher {
  readonly log = new BoundedLog<WebhookDelivery>(10_000);
  private nextId = 1;
  /** `${webhookId}:${resourceId}` of deliveries queued and not yet sent: the coalescing key. */
  private readonly pending = new Set<string>();
  private readonly inFlight = new Set<AbortController>();
  private closed = false;

  constructor(private readonly runtime: WooRuntime) {
    runtime.store.onChange((e) => this.onChange(e));
  }

  private record(d: Omit<WebhookDelivery, 'id'>): WebhookDelivery {
    const delivery = { ...d, id: this.nextId++ };
    this.log.add(delivery);
    return delivery;
  }

  private onChange(e: ChangeEvent): void {
    this.queue(e);
    // Drawn only when the fault is on, so that other seeded fault decisions replay unchanged.
    const { current, random } = this.runtime.faults;
    if (e.event === 'created' && current.webhookCreatedUpdatedRate > 0 && random.chance(current.webhookCreatedUpdatedRate)) this.queue({ ...e, event: 'updated' });
  }

  private queue(e: ChangeEvent): void {
    const { store } = this.runtime;
    // Drafts are skipped for product created/updated (is_valid_resource).
    const product = e.resource === 'product' ? store.products.get(e.id) : undefined;
    if (product && product.status === 'draft' && e.event !== 'deleted') return;
    const topic = `${e.resource}.${e.event}`;
    for (const w of store.webhooks.values()) {
      if (w.status !== 'active' || w.topic !== topic) continue;
      const key = `${w.id}:${e.id}`;
      if (this.pending.has(key)) continue; // already queued: it will carry the latest state
      this.pending.add(key);
      const delivery = this.record({
        webhookId: w.id, kind: 'event', topic, resourceId: e.id, url: w.delivery_url, body: '', headers: {}, status: 'pending',
        responseStatus: null, error: null, duplicate: false, queuedAt: Date.now(), sentAt: null,
      });
      this.runtime.clock.after(this.runtime.options.webhookQueueDelayMs, () => {
        this.pending.delete(key);
        void this.send(delivery, e.event);
      });
    }
  }

  /** Payload of created/updated/restored: the REST GET of the resource now; deleted: {"id": N}. */
  private payload(resource: string, event: string, id: number): unknown {
    if (event === 'deleted') return { id };
    const ctx = this.runtime.shape();
    const { store } = this.runtime;
    const rec = resource === 'product' ? store.products.get(id) : resource === 'order' ? store.orders.get(id) : store.customers.get(id);
    if (!rec) return { code: `woocommerce_rest_${resource}_invalid_id`, message: 'Invalid ID.', data: { status: 404 } };
    if (resource === 'product') return productJson(ctx, rec as never);
    if (resource === 'order') return orderJson(ctx, rec as never);
    return customerJson(ctx, rec as never);
  }

  private async send(delivery: WebhookDelivery, event: string): Promise<void> {
    const w = this.runtime.store.webhooks.get(delivery.webhookId);
    if (this.closed || !w || w.status !== 'active') {
      delivery.status = 'skipped';
      return;
    }
    const faults = this.runtime.faults;
    if (faults.random.chance(faults.current.webhookDropRate)) {
      delivery.status = 'dropped';
      return;
    }
    const [resource = ''] = w.topic.split('.');
    delivery.body = wpJsonEncode(this.payload(resource, event, delivery.resourceId ?? 0));
    delivery.url = w.delivery_url;
    delivery.headers = this.headers(w, resource, event, delivery.body);
    const copies = [delivery];
    if (faults.random.chance(faults.current.webhookDuplicateRate)) copies.push(this.record({ ...delivery, duplicate: true }));
    for (const d of copies) await this.attempt(w, d);
  }

  private headers(w: WebhookRec, resource: string, event: string, body: string): Record<string, string> {
    const second = Math.floor(this.runtime.now() / 1000);
    return {
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'x-wc-webhook-source': `${this.runtime.home()}/`,
      'x-wc-webhook-topic': w.topic,
      'x-wc-webhook-resource': resource,
      'x-wc-webhook-event': event,
      'x-wc-webhook-signature': signWooWebhook(w.secret, body),
      'x-wc-webhook-id': String(w.id),
      // wp_hash(webhook_id . time()): same webhook, same second, same id. Not an event id.
      'x-wc-webhook-delivery-id': createHash('md5').update(`sandbox-salt${w.id}${second}`).digest('hex'),
    };
  }

  private async attempt(w: WebhookRec, d: WebhookDelivery): Promise<void> {
    d.sentAt = Date.now();
    const { status, error } = await postDelivery(d.url, d.body, d.headers, { timeoutMs: this.runtime.options.webhookTimeoutMs, inFlight: this.inFlight });
    if (this.closed) return;
    d.responseStatus = status;
    d.error = error;
    if (status !== null && status >= 200 && status < 303) {
      d.status = 'delivered';
      w.failure_count = 0;
      return;
    }
    d.status = 'failed';
    // The code disables when failure_count > max before counting this failure: with max = 5 that is the 7th.
    if (w.failure_count >= this.runtime.options.webhookDisableAfter - 1) w.status = 'disabled';
    else w.failure_count += 1;
  }

  /** The unsigned ping of REST create: form body webhook_id=N, no X-WC headers; only exactly 200 is OK. */
  async ping(w: WebhookRec): Promise<WebhookDelivery> {
    const body = `webhook_id=${w.id}`;
    const headers = { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': USER_AGENT };
    const d = this.record({
      webhookId: w.id, kind: 'ping', topic: w.topic, resourceId: null, url: w.delivery_url, body, headers, status: 'pending',
      responseStatus: null, error: null, duplicate: false, queuedAt: Date.now(), sentAt: Date.now(),
    });
    const { status, error } = await postDelivery(w.delivery_url, body, headers, { timeoutMs: this.runtime.options.webhookTimeoutMs, inFlight: this.inFlight });
    d.responseStatus = status;
    d.error = error;
    d.status = status === 200 ? 'delivered' : 'failed';
    return d;
  }

  deliveries(): WebhookDelivery[] {
    return this.log.list();
  }

  close(): void {
    this.closed = true;
    for (const c of this.inFlight) c.abort();
  }
}
