// Shopify's mandatory compliance webhooks (customers/data_request, customers/redact, shop/redact),
// parsed into the neutral PrivacyRequest (core/privacy.ts). They arrive at the connection's usual
// endpoint and are verified there like every delivery (verifyShopifyWebhook, before this runs).
//
// Unlike the other topics, a signed body that cannot be read is refused with 400 instead of being
// dead-lettered: keeping an unreadable redaction request would keep the personal data it carries in a
// place no redaction can find, and a privacy request has no later reconciliation pull to fall back on.
// Shopify retries a refused delivery, and the merchant sees the failures in the Partner Dashboard.
// Messages name fields, never values.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { SyncError } from '../../core/errors.js';
import { parseJsonKeepingIds } from '../../core/ids.js';
import { PRIVACY_STREAM, type PrivacyEventPayload, type PrivacyRequest } from '../../core/privacy.js';
import { findUnstorable } from '../../core/storable.js';
import type { RawRequest, WebhookEvent } from '../types.js';

const TOPICS = {
  'customers/data_request': 'data_request',
  'customers/redact': 'customer_redact',
  'shop/redact': 'shop_redact',
} as const satisfies Record<PrivacyRequest['topic'], PrivacyRequest['kind']>;

type PrivacyTopic = keyof typeof TOPICS;

export function isShopifyPrivacyTopic(topic: string): topic is PrivacyTopic {
  return Object.hasOwn(TOPICS, topic);
}

// Numeric REST ids; beyond 2^53 parseJsonKeepingIds hands them over as digit strings.
const numericId = z.union([z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER), z.string().regex(/^\d{1,20}$/)]).transform(String);
const optionalText = (max: number) => z.string().max(max).nullish().transform((v) => (v && v.trim() !== '' ? v : null));

// Shopify documents id, email and phone; a customer known only by e-mail has been seen (community
// reports), so either identifies the customer.
const customer = z
  .object({ id: numericId.nullish(), email: optionalText(320), phone: optionalText(64) })
  .refine((c) => c.id != null || c.email !== null, { message: 'needs an id or an email' });

// Loose objects: fields Shopify adds later are dropped, never stored.
const shop = { shop_id: numericId, shop_domain: z.string().min(1).max(255) };
const orders = z.array(numericId).max(10_000).nullish();
const SCHEMAS = {
  'customers/data_request': z.object({ ...shop, customer, orders_requested: orders, data_request: z.object({ id: numericId }).nullish() }),
  'customers/redact': z.object({ ...shop, customer, orders_to_redact: orders }),
  'shop/redact': z.object(shop),
} as const;

function invalid(topic: string, what: string): SyncError {
  return new SyncError('webhook_payload_invalid', `the ${topic} body ${what}; see Shopify's documented payload`);
}

/** The one event of a verified privacy delivery; throws webhook_payload_invalid (400) for a body it cannot read. */
export function parseShopifyPrivacyWebhook(req: RawRequest, topic: PrivacyTopic, webhookId: string | undefined, triggeredAt: string | undefined): WebhookEvent {
  let body: unknown;
  try {
    body = parseJsonKeepingIds(req.rawBody.toString('utf8'));
  } catch {
    throw invalid(topic, 'is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid(topic, 'is not a JSON object');
  const parsed = SCHEMAS[topic].safeParse(body);
  if (!parsed.success) {
    throw invalid(topic, `has invalid fields: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  const b = parsed.data as { shop_id: string; shop_domain: string; customer?: z.infer<typeof customer>; orders_requested?: string[] | null; orders_to_redact?: string[] | null; data_request?: { id: string } | null };
  const request: PrivacyRequest = {
    kind: TOPICS[topic],
    topic,
    shopId: b.shop_id,
    shopDomain: b.shop_domain.toLowerCase(),
    customer: b.customer
      ? { externalId: b.customer.id != null ? `gid://shopify/Customer/${b.customer.id}` : null, email: b.customer.email, phone: b.customer.phone }
      : null,
    orderExternalIds: [...new Set(b.orders_requested ?? b.orders_to_redact ?? [])].map((id) => `gid://shopify/Order/${id}`),
    dataRequestId: b.data_request?.id ?? null,
  };
  // A value the database cannot store (a NUL, an unpaired surrogate) is refused here too, not dead-lettered.
  const bad = findUnstorable(request);
  if (bad) throw invalid(topic, `has a value that cannot be stored at ${bad.path} (${bad.reason})`);
  const payload: PrivacyEventPayload = { topic, request };
  return {
    stream: PRIVACY_STREAM,
    externalId: request.customer?.externalId ?? `gid://shopify/Shop/${b.shop_id}`,
    // A data request adds a record; the redactions remove data.
    op: request.kind === 'data_request' ? 'upsert' : 'delete',
    // Shopify always sends a delivery id; without one, the body itself keys the dedup, so a
    // repeated delivery is still applied once.
    eventId: webhookId ?? `privacy:${createHash('sha256').update(topic).update('\0').update(req.rawBody).digest('hex')}`,
    occurredAt: triggeredAt ?? null,
    payload,
  };
}
