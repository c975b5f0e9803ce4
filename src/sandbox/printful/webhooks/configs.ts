// Webhook configurations as Printful keeps them (platforms/printful.md section 6): v1 has one
// configuration per store (POST replaces it, unsigned deliveries); v2 has one per token (POST
// replaces it with a new key pair; deliveries are signed with the hex secret_key).
import { randomBytes } from 'node:crypto';

export const V1_EVENTS = [
  'package_shipped', 'package_returned', 'order_created', 'order_updated', 'order_failed', 'order_canceled', 'order_refunded',
  'order_put_hold', 'order_put_hold_approval', 'order_remove_hold', 'product_synced', 'product_updated', 'product_deleted', 'stock_updated',
] as const;

export const V2_EVENTS = [
  'shipment_sent', 'shipment_delivered', 'shipment_returned', 'shipment_out_of_stock', 'shipment_canceled', 'shipment_put_hold',
  'shipment_put_hold_approval', 'shipment_remove_hold', 'order_created', 'order_updated', 'order_failed', 'order_canceled',
  'order_refunded', 'order_put_hold', 'order_put_hold_approval', 'order_remove_hold', 'catalog_stock_updated',
  'catalog_price_changed', 'mockup_task_finished',
] as const;

export interface V1Config {
  url: string;
  types: string[];
  params: { stock_updated?: { product_ids?: number[] } };
}

export interface V2EventConfig {
  type: string;
  url: string | null;
  params: { name: string; value: unknown }[];
}

export interface V2Config {
  defaultUrl: string;
  expiresAt: number | null;
  events: V2EventConfig[];
  publicKey: string;
  /** Hex, as Printful returns it; the HMAC key is the decoded bytes. */
  secretKey: string;
}

export class ConfigError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function checkUrl(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new ConfigError(400, `${what} is required`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(400, `${what} is not a valid URL`);
  }
  // Printful takes HTTPS only; the sandbox also takes http so that local receivers work.
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError(400, `${what} must be an HTTPS URL`);
  return value;
}

export class WebhookConfigs {
  readonly v1 = new Map<number, V1Config>();
  readonly v2 = new Map<string, V2Config>();

  setV1(storeId: number, body: unknown): V1Config {
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const url = checkUrl(b.url, 'url');
    const types = Array.isArray(b.types) ? b.types : [];
    const unknown = types.filter((t) => !(V1_EVENTS as readonly unknown[]).includes(t));
    if (unknown.length > 0) throw new ConfigError(400, `Unknown webhook types: ${unknown.join(', ')}`);
    const params = (typeof b.params === 'object' && b.params !== null ? b.params : {}) as V1Config['params'];
    if (types.includes('stock_updated') && !Array.isArray(params.stock_updated?.product_ids)) {
      throw new ConfigError(400, 'stock_updated requires params.stock_updated.product_ids');
    }
    const config: V1Config = { url, types: types as string[], params };
    this.v1.set(storeId, config);
    return config;
  }

  setV2(token: string, body: unknown): V2Config {
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const defaultUrl = checkUrl(b.default_url, 'default_url');
    if (!Array.isArray(b.events)) throw new ConfigError(400, 'events is required');
    const events: V2EventConfig[] = b.events.map((e: unknown) => {
      const ev = (typeof e === 'object' && e !== null ? e : {}) as Record<string, unknown>;
      if (!(V2_EVENTS as readonly unknown[]).includes(ev.type)) throw new ConfigError(400, `Unknown event type: ${String(ev.type)}`);
      const params = Array.isArray(ev.params) ? (ev.params as V2EventConfig['params']) : [];
      if (ev.type === 'catalog_stock_updated' && !params.some((p) => p?.name === 'products')) {
        throw new ConfigError(400, 'catalog_stock_updated requires params [{name: "products", value: [{id}]}]');
      }
      return { type: ev.type as string, url: ev.url === undefined || ev.url === null ? null : checkUrl(ev.url, 'url'), params };
    });
    const expires = b.expires_at === undefined || b.expires_at === null ? null : Date.parse(String(b.expires_at));
    if (expires !== null && Number.isNaN(expires)) throw new ConfigError(400, 'expires_at must be an ISO 8601 date-time');
    // Every POST creates a new key pair and disables the previous configuration.
    const config: V2Config = { defaultUrl, expiresAt: expires, events, publicKey: randomBytes(32).toString('base64'), secretKey: randomBytes(32).toString('hex') };
    this.v2.set(token, config);
    return config;
  }

  /** Expired configurations stay stored (GET with show_expired) but deliver nothing. */
  activeV2(now: number): [string, V2Config][] {
    return [...this.v2.entries()].filter(([, c]) => c.expiresAt === null || c.expiresAt > now);
  }
}

export function v2ConfigView(c: V2Config) {
  return {
    default_url: c.defaultUrl,
    expires_at: c.expiresAt === null ? null : new Date(c.expiresAt).toISOString(),
    events: c.events,
    public_key: c.publicKey,
    secret_key: c.secretKey,
  };
}

/** Products a v2 catalog_stock_updated subscription covers (params `products: [{id}]`). */
export function subscribedProducts(e: V2EventConfig): Set<number> {
  const products = e.params.find((p) => p.name === 'products')?.value;
  return new Set(Array.isArray(products) ? products.map((p: { id?: unknown }) => Number(p?.id)).filter(Number.isFinite) : []);
}
