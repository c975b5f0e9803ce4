// WooCommerce webhooks (platforms/woocommerce.md section 6).
//
// Signature: X-WC-Webhook-Signature = base64(HMAC-SHA256(raw body, the webhook's own secret)), checked
// on the raw bytes (WordPress escapes "/" as "\/": a re-serialised body would not match), in constant
// time, and refused when no secret is configured. WordPress HTML-entity-decodes the stored secret before
// signing, so a secret given with "&amp;" is also tried decoded.
//
// The ping WooCommerce sends when a webhook is created is a form body `webhook_id=N` with no X-WC
// headers and no signature, and only an exact 200 counts as success. It carries no data, so it is
// accepted unsigned and yields no event; anything else unsigned is refused.
//
// Event ids: X-WC-Webhook-Delivery-ID is a hash of the webhook id and the second, so two deliveries of
// one webhook within a second share it. The id used for dedup is that id plus a hash of the body: a
// redelivery of the same content is dropped, two different events never are.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { SyncError } from '../../core/errors.js';
import type { CanonicalRecord, InvalidRecord } from '../../core/records.js';
import type { RawRequest, WebhookEvent } from '../types.js';
import { gmtInstant, mapWooCustomer, mapWooOrder, mapWooProduct, wooId, type WooProduct } from './mapping.js';

const header = (req: RawRequest, name: string): string | undefined => {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};

export function signWoo(body: Buffer | string, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#039;': "'", '&#39;': "'" };
const decodeEntities = (s: string) => s.replace(/&(amp|lt|gt|quot|#0?39);/g, (m) => ENTITIES[m] ?? m);

/** The creation ping: a form body naming the webhook, with no topic and no signature. */
export function isWooPing(req: RawRequest): boolean {
  return header(req, 'x-wc-webhook-topic') === undefined && header(req, 'x-wc-webhook-signature') === undefined && /^webhook_id=\d+$/.test(req.rawBody.toString('utf8').trim());
}

export function verifyWooWebhook(req: RawRequest, secret: string | null): boolean {
  if (isWooPing(req)) return true; // no data in it: answered 200, parsed to nothing
  if (!secret) return false; // fail closed
  const given = header(req, 'x-wc-webhook-signature');
  if (!given || req.rawBody.length === 0) return false;
  const actual = Buffer.from(given, 'base64');
  let ok = false;
  // Both candidates are always computed and compared, so the time taken does not tell which matched.
  for (const key of new Set([secret, decodeEntities(secret)])) {
    const expected = Buffer.from(signWoo(req.rawBody, key), 'base64');
    if (actual.length === expected.length && timingSafeEqual(actual, expected)) ok = true;
  }
  return ok;
}

const STREAMS: Record<string, string> = { product: 'products', order: 'orders', customer: 'customers' };
const UPSERTS = new Set(['created', 'updated', 'restored']);

/**
 * One event per delivery of a product, order or customer topic; other topics (coupons, actions) give
 * none. A variable product or a variation names its product in `refetchGroups`: the records of a
 * variation need the product and its siblings, re-read through the stream's fetchGroup. A `deleted`
 * body is only `{"id": N}`. A body that is not a JSON object throws, so the signed delivery is
 * dead-lettered rather than dropped.
 */
export function parseWooWebhook(req: RawRequest): WebhookEvent[] {
  if (isWooPing(req)) return [];
  const topic = header(req, 'x-wc-webhook-topic') ?? '';
  const [resource, event] = topic.split('.');
  const stream = STREAMS[resource ?? ''];
  if (!stream || !event || (!UPSERTS.has(event) && event !== 'deleted')) return [];
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(req.rawBody.toString('utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new SyncError('record_invalid', `the ${topic} body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new SyncError('record_invalid', `the ${topic} body is not a JSON object`);
  const id = wooId(body.id);
  if (!id) throw new SyncError('record_invalid', `the ${topic} body has no numeric id`);
  const digest = createHash('sha256').update(req.rawBody).digest('hex').slice(0, 16);
  const delivery = header(req, 'x-wc-webhook-delivery-id');
  const eventId = delivery ? `${delivery}:${digest}` : `${topic}:${id}:${digest}`;
  const op = event === 'deleted' ? 'delete' : 'upsert';
  const e: WebhookEvent = { stream, externalId: id, op, eventId, occurredAt: op === 'upsert' ? (gmtInstant(body.date_modified_gmt) ?? null) : null, payload: { topic, body } };
  if (stream === 'products' && op === 'upsert') {
    const p = body as WooProduct;
    const parent = p.type === 'variation' ? wooId(p.parent_id) : p.type === 'variable' ? id : undefined;
    // Should the re-read fail, the stream is marked stale and the next pull brings the change.
    if (parent) Object.assign(e, { refetchGroups: [parent], marksStale: true });
  }
  return [e];
}

/** Records an upsert's payload carries: simple products, orders and customers (variations are re-read). */
export function mapWooWebhook(event: WebhookEvent): (CanonicalRecord | InvalidRecord)[] {
  const p = event.payload as { topic?: string; body?: Record<string, unknown> } | undefined;
  if (!p?.body || event.op !== 'upsert') return [];
  if (event.stream === 'orders') return [mapWooOrder(p.body)];
  if (event.stream === 'customers') return [mapWooCustomer(p.body)];
  const product = p.body as WooProduct;
  // A variation alone cannot make its record (no product name or status); its group re-read does.
  if (event.stream !== 'products' || product.type === 'variable' || product.type === 'variation') return [];
  return mapWooProduct({ product, variations: [] });
}
