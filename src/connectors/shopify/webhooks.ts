// Shopify webhooks (platforms/shopify.md section 6): HMAC-SHA256 of the raw body with the app's
// client secret, base64, compared in constant time — and refused when no secret is configured. Payloads
// are REST-shaped (numeric ids, snake_case, tags as one string); ids are taken from
// `admin_graphql_api_id` so a webhook and a GraphQL pull of the same object land on the same link.
// Where a payload has no `admin_graphql_api_id` (products/delete, trimmed `include_fields` payloads,
// inventory item ids) the GID is built from the numeric id, which is 64-bit: the body is parsed so
// that integers beyond 2^53 keep every digit.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { SyncError } from '../../core/errors.js';
import { parseJsonKeepingIds } from '../../core/ids.js';
import { invalidRecord, type CanonicalRecord, type InvalidRecord } from '../../core/records.js';
import type { RawRequest, WebhookEvent, WebhookLookup } from '../types.js';
import { type AddressParts, orderCustomer, orderStatus, shippingOf } from './mapping.js';
import { isShopifyPrivacyTopic, parseShopifyPrivacyWebhook } from './privacy.js';

const header = (req: RawRequest, name: string): string | undefined => {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};

export function signShopify(body: Buffer | string, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}

export function verifyShopifyWebhook(req: RawRequest, secret: string | null): boolean {
  if (!secret) return false; // fail closed: no secret, no trust
  const given = header(req, 'x-shopify-hmac-sha256');
  if (!given || req.rawBody.length === 0) return false;
  const expected = Buffer.from(signShopify(req.rawBody, secret), 'base64');
  const actual = Buffer.from(given, 'base64');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

const TOPIC_STREAM: Record<string, { stream: string; op: 'upsert' | 'delete' }> = {
  'products/create': { stream: 'products', op: 'upsert' },
  'products/update': { stream: 'products', op: 'upsert' },
  'products/delete': { stream: 'products', op: 'delete' },
  'orders/create': { stream: 'orders', op: 'upsert' },
  'orders/updated': { stream: 'orders', op: 'upsert' },
  'orders/paid': { stream: 'orders', op: 'upsert' },
  'orders/cancelled': { stream: 'orders', op: 'upsert' },
  'orders/fulfilled': { stream: 'orders', op: 'upsert' },
  'orders/partially_fulfilled': { stream: 'orders', op: 'upsert' },
  'orders/delete': { stream: 'orders', op: 'delete' },
  'customers/create': { stream: 'customers', op: 'upsert' },
  'customers/update': { stream: 'customers', op: 'upsert' },
  'customers/delete': { stream: 'customers', op: 'delete' },
  'inventory_levels/update': { stream: 'stock', op: 'upsert' },
  'app/uninstalled': { stream: 'app', op: 'delete' },
  'bulk_operations/finish': { stream: 'bulk', op: 'upsert' },
};

type Json = Record<string, unknown>;
// Ids beyond 2^53 arrive as digit strings (parseJsonKeepingIds), the others as numbers.
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);
const gid = (type: string, o: Json | null | undefined, idKey = 'id'): string | undefined =>
  str(o?.admin_graphql_api_id) ?? (str(o?.[idKey]) ? `gid://shopify/${type}/${str(o?.[idKey])}` : undefined);

/**
 * One event per delivery; dedup on X-Shopify-Webhook-Id, ordering on updated_at / X-Shopify-Triggered-At.
 * A topic we do not take gives no event; a body that is not a JSON object throws, so the (signed)
 * delivery is dead-lettered rather than dropped.
 */
export function parseShopifyWebhook(req: RawRequest): WebhookEvent[] {
  const topic = header(req, 'x-shopify-topic') ?? '';
  if (isShopifyPrivacyTopic(topic)) return [parseShopifyPrivacyWebhook(req, topic, header(req, 'x-shopify-webhook-id'), header(req, 'x-shopify-triggered-at'))];
  const route = TOPIC_STREAM[topic];
  const eventId = header(req, 'x-shopify-webhook-id');
  if (!route || !eventId) return [];
  let body: Json;
  try {
    body = parseJsonKeepingIds(req.rawBody.toString('utf8')) as Json;
  } catch (err) {
    throw new SyncError('record_invalid', `the ${topic} body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new SyncError('record_invalid', `the ${topic} body is not a JSON object`);
  const type = route.stream === 'products' ? 'Product' : route.stream === 'orders' ? 'Order' : route.stream === 'customers' ? 'Customer' : 'InventoryItem';
  // A stock payload's admin_graphql_api_id is the InventoryLevel, not the item (platforms/shopify.md).
  const externalId = route.stream === 'stock' ? (str(body.inventory_item_id) ? `gid://shopify/InventoryItem/${str(body.inventory_item_id)}` : undefined) : gid(type, body);
  return [
    {
      stream: route.stream,
      externalId: externalId ?? '',
      op: route.op,
      eventId,
      occurredAt: str(body.updated_at) ?? header(req, 'x-shopify-triggered-at') ?? null,
      payload: { topic, body },
      ...(maybeCutShort(route, body) && externalId ? { refetchGroups: [externalId] } : {}),
    },
  ];
}

/**
 * REST-shaped product payloads carry at most 100 variants (platforms/shopify.md section 0), and a
 * product may have 2,048: a payload with 100 of them may be cut short, so the product is re-read
 * whole through GraphQL before it is applied (the payload's variants are the fallback if that fails).
 */
export const REST_VARIANT_CAP = 100;
function maybeCutShort(route: { stream: string; op: string }, body: Json): boolean {
  return route.stream === 'products' && route.op === 'upsert' && Array.isArray(body.variants) && body.variants.length >= REST_VARIANT_CAP;
}

const tags = (v: unknown): string[] | undefined =>
  typeof v === 'string' ? v.split(',').map((t) => t.trim()).filter(Boolean) : Array.isArray(v) ? (v as string[]) : undefined;
const nonEmpty = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

/** A REST address (snake_case; `name` is derived from the first and last name where missing). */
function restAddress(v: unknown): AddressParts | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const a = v as Json;
  const name = nonEmpty(a.name) ?? ([nonEmpty(a.first_name), nonEmpty(a.last_name)].filter(Boolean).join(' ') || undefined);
  return { name, company: a.company, address1: a.address1, address2: a.address2, city: a.city, zip: a.zip, province: a.province, countryCode: a.country_code, phone: a.phone };
}

/** Canonical records from a REST-shaped payload (products/orders/customers topics). */
export function mapShopifyPayload(topic: string, body: Json): (CanonicalRecord | InvalidRecord)[] {
  if (topic.startsWith('products/')) {
    const pid = gid('Product', body);
    if (!pid) return [invalidRecord(body, 'product payload without an id')];
    const variants = Array.isArray(body.variants) ? (body.variants as Json[]) : [];
    return variants.map((v): CanonicalRecord | InvalidRecord => {
      const vid = gid('ProductVariant', v);
      if (!vid) return invalidRecord(v, `variant without an id in product ${pid}`, { entity: 'product' });
      const title = str(body.title);
      const vt = str(v.title);
      return {
        entity: 'product',
        externalId: vid,
        parentExternalId: pid,
        group: { externalId: pid, title: title ?? null },
        sku: nonEmpty(v.sku),
        gtin: nonEmpty(v.barcode),
        name: !vt || vt === 'Default Title' ? title : `${title} - ${vt}`,
        description: (body.body_html as string | null) ?? undefined,
        price: str(v.price),
        compareAtPrice: (v.compare_at_price as string | null) ?? null,
        taxable: typeof v.taxable === 'boolean' ? v.taxable : undefined,
        tags: tags(body.tags),
        productType: nonEmpty(body.product_type),
        vendor: nonEmpty(body.vendor),
        isActive: typeof body.status === 'string' ? body.status === 'active' : undefined,
        remoteUpdatedAt: [str(body.updated_at), str(v.updated_at)].filter(Boolean).sort().pop(),
        platformIds: str(v.inventory_item_id) ? { inventoryItemId: `gid://shopify/InventoryItem/${str(v.inventory_item_id)}` } : undefined,
      };
    });
  }
  if (topic.startsWith('orders/')) {
    const id = gid('Order', body);
    if (!id) return [invalidRecord(body, 'order payload without an id')];
    const lines = Array.isArray(body.line_items) ? (body.line_items as Json[]) : [];
    const customer = body.customer as Json | null | undefined;
    return [
      {
        entity: 'order',
        externalId: id,
        number: str(body.name),
        status: orderStatus({ cancelledAt: str(body.cancelled_at), closedAt: str(body.closed_at) }),
        financialStatus: str(body.financial_status)?.toUpperCase(),
        fulfillmentStatus: (str(body.fulfillment_status) ?? 'unfulfilled').toUpperCase(),
        currency: str(body.currency),
        totals: { subtotal: str(body.subtotal_price), tax: str(body.total_tax), total: str(body.total_price) },
        customer: orderCustomer(customer ? gid('Customer', customer) : undefined, nonEmpty(body.email) ?? body.contact_email),
        ...shippingOf(restAddress(body.shipping_address)),
        lines: lines.map((l) => ({
          externalId: gid('LineItem', l) ?? '',
          sku: nonEmpty(l.sku),
          productExternalId: str(l.variant_id) ? `gid://shopify/ProductVariant/${str(l.variant_id)}` : undefined,
          name: str(l.name),
          quantity: l.quantity as number,
          unitPrice: str(l.price),
        })),
        placedAt: str(body.processed_at) ?? str(body.created_at),
        remoteUpdatedAt: str(body.updated_at),
      },
    ];
  }
  if (topic.startsWith('customers/')) {
    const id = gid('Customer', body);
    if (!id) return [invalidRecord(body, 'customer payload without an id')];
    return [
      {
        entity: 'customer',
        externalId: id,
        email: nonEmpty(body.email),
        firstName: str(body.first_name),
        lastName: str(body.last_name),
        phone: nonEmpty(body.phone),
        tags: tags(body.tags),
        remoteUpdatedAt: str(body.updated_at),
      },
    ];
  }
  return [];
}

/**
 * A stock record from an `inventory_levels/update` payload. The payload names the inventory item and the
 * location (numeric ids; its admin_graphql_api_id is the InventoryLevel, not the item), so the SKU is
 * found through the inventory item id its link keeps. Only `available` is reported: committed and
 * incoming stay as the last pull left them.
 */
const MAX_STOCK = 2_147_483_647;

export async function mapShopifyStockEvent(body: Json, lookup: WebhookLookup): Promise<(CanonicalRecord | InvalidRecord)[]> {
  const item = str(body.inventory_item_id);
  const location = str(body.location_id);
  if (!item || !location) return [invalidRecord(body, 'inventory level payload without inventory_item_id or location_id', { entity: 'stock_level' })];
  // Stock is an int4 column; Shopify caps quantities at 1,000,000,000 anyway.
  if (typeof body.available !== 'number' || !Number.isInteger(body.available) || Math.abs(body.available) > MAX_STOCK) {
    return [invalidRecord(body, `inventory level of item ${item} without an integer "available" (at most ${MAX_STOCK} either way)`, { entity: 'stock_level' })];
  }
  const itemGid = `gid://shopify/InventoryItem/${item}`;
  const variant = await lookup.externalIdByPlatformId('product', 'inventoryItemId', itemGid);
  if (!variant) {
    return [invalidRecord(body, `inventory item ${itemGid} belongs to no SKU the hub has pulled from this shop (sync products, then retry)`, { entity: 'stock_level' })];
  }
  return [
    {
      entity: 'stock_level',
      productExternalId: variant,
      locationId: `gid://shopify/Location/${location}`,
      available: body.available,
      remoteUpdatedAt: str(body.updated_at),
    },
  ];
}
