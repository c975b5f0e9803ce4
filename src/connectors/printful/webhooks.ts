// Printful webhooks (platforms/printful.md section 6). v2 deliveries are signed: hex
// HMAC-SHA256 of the raw body keyed with the hex-DECODED secret_key (using the hex text as the key is
// the classic bug), compared in constant time. v1 deliveries carry no signature at all, so they are
// accepted only on the connection's secret URL token (`?token=`), compared in constant time too.
// Everything fails closed: no secret, no trust. Bodies are parsed keeping integers beyond 2^53 as
// digit strings, so no id is ever rounded.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { SyncError } from '../../core/errors.js';
import { parseJsonKeepingIds } from '../../core/ids.js';
import type { CanonicalRecord, InvalidRecord } from '../../core/records.js';
import type { RawRequest, WebhookEvent } from '../types.js';
import { mapStockEntry } from './mapping.js';

const HEX = /^(?:[0-9a-fA-F]{2})+$/;
const V1_TYPES = new Set(['product_synced', 'product_updated', 'product_deleted', 'stock_updated', 'package_shipped', 'package_returned',
  'order_created', 'order_updated', 'order_failed', 'order_canceled', 'order_refunded', 'order_put_hold', 'order_put_hold_approval', 'order_remove_hold']);

type Json = Record<string, unknown>;

const header = (req: RawRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

export function signPrintful(body: Buffer | string, secretKeyHex: string): string {
  return createHmac('sha256', Buffer.from(secretKeyHex, 'hex')).update(body).digest('hex');
}

/** The body as an object; null for other JSON; undefined when it is not JSON at all. */
function parseBody(raw: Buffer): Json | null | undefined {
  try {
    const v: unknown = parseJsonKeepingIds(raw.toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : null;
  } catch {
    return undefined;
  }
}

/** Constant-time equality of two strings of any length (both are hashed to equal-length digests first). */
function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

export function verifyPrintfulV2(rawBody: Buffer, signature: string | undefined, secretKeyHex: unknown): boolean {
  if (typeof secretKeyHex !== 'string' || !HEX.test(secretKeyHex)) return false;
  if (!signature || !HEX.test(signature.trim()) || rawBody.length === 0) return false;
  const expected = createHmac('sha256', Buffer.from(secretKeyHex, 'hex')).update(rawBody).digest();
  // Hex compares case-insensitively: decode both to bytes.
  const actual = Buffer.from(signature.trim(), 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * `secret`: the connection's webhook secret, used as the v1 URL token. `credentials.webhookSecret`:
 * the v2 secret_key. A signed delivery must verify with the v2 key (no fallback to the token); an
 * unsigned one must carry the token and be a v1 event.
 */
export function verifyPrintfulWebhook(req: RawRequest, secret: string | null, credentials: Record<string, unknown> = {}): boolean {
  const signature = header(req, 'x-pf-webhook-signature');
  if (signature !== undefined) return verifyPrintfulV2(req.rawBody, signature, credentials.webhookSecret);
  const token = req.query.token;
  if (!secret || typeof token !== 'string' || token === '' || !sameSecret(token, secret)) return false;
  const body = parseBody(req.rawBody);
  return !!body && typeof body.type === 'string' && V1_TYPES.has(body.type);
}

// A positive integer id: a number, or the digit string an integer beyond 2^53 is kept as.
const int = (v: unknown): string | undefined =>
  typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? String(v) : typeof v === 'string' && /^[1-9]\d*$/.test(v) ? v : undefined;
// null, not a throw, for a time beyond what a Date holds (`created: 1e20`).
const isoFromUnix = (v: unknown): string | null => {
  const d = typeof v === 'number' ? new Date(v * 1000) : null;
  return d && !Number.isNaN(d.getTime()) ? d.toISOString() : null;
};
const iso = (v: unknown): string | null => (typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? new Date(Date.parse(v)).toISOString() : null);

/**
 * Printful sends no delivery id, so events are deduplicated on (type, resource, time); a retried
 * delivery has the same three and is dropped as a duplicate. A body that is not a JSON object throws,
 * so the (signed) delivery is dead-lettered rather than dropped; one of a type we do not take gives no event.
 */
export function parsePrintfulWebhook(req: RawRequest): WebhookEvent[] {
  const body = parseBody(req.rawBody);
  if (!body) throw new SyncError('record_invalid', `the Printful webhook body is not ${body === undefined ? 'valid JSON' : 'a JSON object'}`);
  const type = typeof body.type === 'string' ? body.type : undefined;
  if (!type) return [];
  const data = body.data;
  if (type === 'catalog_stock_updated') {
    const occurredAt = iso(body.occurred_at);
    const entries = Array.isArray(data) ? data : [];
    return entries.flatMap((entry: unknown): WebhookEvent[] => {
      const e = (typeof entry === 'object' && entry !== null ? entry : {}) as Json;
      const variantId = int(e.catalog_variant_id);
      if (!variantId) return [];
      return [{ stream: 'catalog', externalId: variantId, op: 'upsert', eventId: `${type}:${variantId}:${occurredAt ?? ''}`, occurredAt, payload: { type, entry } }];
    });
  }
  if (type === 'catalog_price_changed') {
    const occurredAt = iso(body.occurred_at);
    const ids = Array.isArray((data as Json | undefined)?.catalog_product_ids) ? ((data as Json).catalog_product_ids as unknown[]).map(int).filter(Boolean) : [];
    // Names products, not prices: they are re-read (or, failing that, the catalog is marked stale).
    return [{ stream: 'catalog', externalId: ids.join(',') || 'catalog', op: 'upsert', eventId: `${type}:${ids.join(',')}:${occurredAt ?? ''}`, occurredAt, marksStale: true, ...(ids.length ? { refetchGroups: ids as string[] } : {}) }];
  }
  if (type === 'stock_updated') {
    const productId = int((data as Json | undefined)?.product_id);
    const occurredAt = isoFromUnix(body.created);
    return [{ stream: 'catalog', externalId: productId ?? 'catalog', op: 'upsert', eventId: `${type}:${productId ?? ''}:${occurredAt ?? ''}`, occurredAt, marksStale: true, ...(productId ? { refetchGroups: [productId] } : {}) }];
  }
  if (type === 'product_synced' || type === 'product_updated' || type === 'product_deleted') {
    const sp = (data as Json | undefined)?.sync_product as Json | undefined;
    const productId = int(sp?.id);
    if (!productId) return [];
    const occurredAt = isoFromUnix(body.created);
    const eventId = `${type}:${productId}:${occurredAt ?? ''}`;
    // The payload holds the product summary, not its variants (the SKUs): the product is re-read.
    if (type === 'product_deleted') return [{ stream: 'products', externalId: productId, op: 'delete', eventId, occurredAt }];
    return [{ stream: 'products', externalId: productId, op: 'upsert', eventId, occurredAt, marksStale: true, refetchGroups: [productId] }];
  }
  return [];
}

export function printfulEventRecords(event: WebhookEvent): (CanonicalRecord | InvalidRecord)[] {
  const p = event.payload as { type?: string; entry?: unknown } | undefined;
  if (p?.type === 'catalog_stock_updated') return [mapStockEntry(p.entry, event.occurredAt)];
  return [];
}
