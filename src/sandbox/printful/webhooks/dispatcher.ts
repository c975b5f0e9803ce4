// Webhook delivery: store events become v1 (unsigned) and v2 (signed) deliveries to the configured
// URLs. A non-2xx answer (or a timeout) is retried after 1, 4, 16, 64, 256 and 1024 minutes
// (time-scaled), each attempt carrying `retries` = earlier attempts and, for v2, a fresh signature
// over the new body. Faults: drops, duplicates, late and swapped deliveries.
import { postDelivery } from '../../common/deliver.js';
import { createHmac, randomUUID } from 'node:crypto';
import type { SandboxRuntime } from '../runtime.js';
import { syncProductV1, v2Status } from '../shapes.js';
import type { StoreEvent } from '../store/types.js';
import { subscribedProducts } from './configs.js';

export const RETRY_DELAYS_MS = [1, 4, 16, 64, 256, 1024].map((m) => m * 60_000);
const LOG_CAPACITY = 5_000;

/** HMAC-SHA256 keyed with the hex-DECODED secret, hex digest (platforms/printful.md section 6). */
export function signPrintfulV2(secretKeyHex: string, body: string | Buffer): string {
  return createHmac('sha256', Buffer.from(secretKeyHex, 'hex')).update(body).digest('hex');
}

export type DeliveryStatus = 'pending' | 'delivered' | 'retrying' | 'failed' | 'dropped';

export interface WebhookDelivery {
  id: string;
  version: 'v1' | 'v2';
  type: string;
  url: string;
  /** The payload without `retries`, which each attempt sets. */
  payload: Record<string, unknown>;
  /** v2 only: the key pair the delivery is signed with. */
  publicKey: string | null;
  secretKey: string | null;
  attempts: { at: string; status: number | null; error: string | null; body: string }[];
  status: DeliveryStatus;
  duplicate: boolean;
}

export class PrintfulWebhookDispatcher {
  private readonly log: WebhookDelivery[] = [];
  private readonly inFlight = new Set<AbortController>();
  private held: WebhookDelivery | null = null;
  private closed = false;

  constructor(private readonly runtime: SandboxRuntime) {
    runtime.store.onChange((e) => this.onEvent(e));
  }

  deliveries(): WebhookDelivery[] {
    return [...this.log];
  }

  private onEvent(e: StoreEvent): void {
    const { runtime } = this;
    const storeId = runtime.options.storeId;
    const v1 = runtime.webhooks.v1.get(storeId);
    const created = Math.floor(e.at / 1000);
    if (v1) {
      const v1Data = this.v1Data(e, v1.params.stock_updated?.product_ids ?? []);
      if (v1Data && v1.types.includes(v1Data.type)) this.enqueue({ version: 'v1', type: v1Data.type, url: v1.url, payload: { type: v1Data.type, created, store: storeId, data: v1Data.data } });
    }
    for (const [, config] of runtime.webhooks.activeV2(Date.now())) {
      if (e.kind !== 'catalog_price_changed' && e.kind !== 'catalog_stock_updated') continue;
      const event = config.events.find((ev) => ev.type === e.kind);
      if (!event) continue;
      let data: unknown;
      if (e.kind === 'catalog_price_changed') data = { catalog_product_ids: e.productIds };
      else {
        if (!subscribedProducts(event).has(e.productId)) continue;
        const product = runtime.store.products.get(e.productId);
        data = e.variantIds.map((id) => {
          const v = runtime.store.variants.get(id)!;
          return {
            catalog_product_id: e.productId, catalog_variant_id: id, techniques: product?.techniques ?? [],
            availability: Object.entries(v.availability).map(([region, status]) => ({ region, status: v2Status(status) })),
          };
        });
      }
      this.enqueue({
        version: 'v2', type: e.kind, url: event.url ?? config.defaultUrl, publicKey: config.publicKey, secretKey: config.secretKey,
        payload: { type: e.kind, occurred_at: new Date(e.at).toISOString().replace(/\.\d{3}Z$/, 'Z'), store_id: storeId, data },
      });
    }
  }

  private v1Data(e: StoreEvent, stockProducts: number[]): { type: string; data: unknown } | null {
    const store = this.runtime.store;
    switch (e.kind) {
      case 'product_synced':
      case 'product_updated': {
        const p = store.syncProducts.get(e.syncProductId);
        return p ? { type: e.kind, data: { sync_product: syncProductV1(store, p) } } : null;
      }
      case 'product_deleted':
        return { type: e.kind, data: { sync_product: { id: e.syncProduct.id, external_id: e.syncProduct.externalId, name: e.syncProduct.name } } };
      case 'catalog_stock_updated': {
        // v1 stock_updated only fires for the product ids listed in the configuration's params.
        if (!stockProducts.includes(e.productId)) return null;
        const product = store.products.get(e.productId);
        const variants = product ? store.variantsOf(product) : [];
        const statuses = (v: (typeof variants)[number]) => Object.values(v.availability);
        return {
          type: 'stock_updated',
          data: {
            product_id: e.productId,
            variant_stock: {
              out: variants.filter((v) => statuses(v).every((s) => s === 'out_of_stock')).map((v) => v.id),
              discontinued: variants.filter((v) => statuses(v).every((s) => s === 'discontinued')).map((v) => v.id),
            },
          },
        };
      }
      default:
        return null;
    }
  }

  private record(d: WebhookDelivery): void {
    this.log.push(d);
    if (this.log.length > LOG_CAPACITY) this.log.splice(0, this.log.length - LOG_CAPACITY);
  }

  private enqueue(spec: Pick<WebhookDelivery, 'version' | 'type' | 'url' | 'payload'> & Partial<Pick<WebhookDelivery, 'publicKey' | 'secretKey'>>): void {
    const d: WebhookDelivery = { id: randomUUID(), publicKey: null, secretKey: null, ...spec, attempts: [], status: 'pending', duplicate: false };
    this.record(d);
    const { faults, clock } = this.runtime;
    const f = faults.current;
    if (faults.random.chance(f.webhookDropRate)) {
      d.status = 'dropped';
      return;
    }
    const send = (x: WebhookDelivery) => clock.after(f.webhookDelayMs, () => void this.attempt(x));
    const sendWithDuplicate = (x: WebhookDelivery) => {
      send(x);
      if (faults.random.chance(f.webhookDuplicateRate)) {
        const copy: WebhookDelivery = { ...x, id: randomUUID(), attempts: [], duplicate: true };
        this.record(copy);
        send(copy);
      }
    };
    if (!f.webhookReorder) return sendWithDuplicate(d);
    // Swapped order: hold this delivery until the next one, then send the newer first.
    const previous = this.held;
    if (!previous) {
      this.held = d;
      return;
    }
    this.held = null;
    void this.attempt(d).then(() => sendWithDuplicate(previous));
  }

  private async attempt(d: WebhookDelivery): Promise<void> {
    if (this.closed) return;
    const body = JSON.stringify({ ...d.payload, retries: d.attempts.length });
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'Printful Webhook' };
    if (d.version === 'v2' && d.secretKey && d.publicKey) {
      headers['x-pf-webhook-signature'] = signPrintfulV2(d.secretKey, body);
      headers['x-pf-webhook-public-key'] = d.publicKey;
    }
    const { status, error } = await postDelivery(d.url, body, headers, { timeoutMs: this.runtime.options.webhookTimeoutMs, inFlight: this.inFlight });
    if (this.closed) return;
    d.attempts.push({ at: new Date().toISOString(), status, error, body });
    if (status !== null && status >= 200 && status < 300) {
      d.status = 'delivered';
      return;
    }
    const retry = d.attempts.length;
    if (retry > RETRY_DELAYS_MS.length) {
      d.status = 'failed';
      return;
    }
    d.status = 'retrying';
    this.runtime.clock.after(RETRY_DELAYS_MS[retry - 1]!, () => void this.attempt(d));
  }

  close(): void {
    this.closed = true;
    for (const c of this.inFlight) c.abort();
  }
}
