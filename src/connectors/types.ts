// The connector contract (DESIGN.md section 2): the engine owns the loop; a connector only
// describes the platform — its config, rate-limit model, streams (paged reads + pure mapping),
// optional writes and webhooks.
import type { z } from 'zod';
import type { ErrorKind } from '../core/errors.js';
import type { RateLimitModel, RateLimitObservation } from '../core/rate-limit.js';
import type { CanonicalRecord, Entity, InvalidRecord, Platform } from '../core/records.js';

export type SyncMode = 'full' | 'incremental';

/** Read access to this connection's links while a webhook event is applied. */
export interface WebhookLookup {
  /** The external id of the linked record whose links.platform_ids[key] is `value`, if any. */
  externalIdByPlatformId(entity: Entity, key: string, value: string): Promise<string | null>;
}

/** One HTTP call, relative to the connection's base URL. */
export interface HttpRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path relative to the client's base URL (or an absolute URL). */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  /** Serialised as JSON. */
  body?: unknown;
  /** Rate-limit route group, e.g. eMAG 'orders' vs 'other'. */
  route?: string;
  /** Requested cost for cost-bucket models (Shopify GraphQL); 1 by default. */
  cost?: number;
  /** Overrides the client's per-request timeout. */
  timeoutMs?: number;
}

export interface HttpResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** The HTTP client handed to a connector: limiter, timeout, classification and retries built in. */
export interface HttpClient {
  request<T = unknown>(req: HttpRequest): Promise<HttpResponse<T>>;
}

export interface ConnectorLog {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface Ctx<Cfg> {
  config: Cfg;
  http: HttpClient;
  /** Aborted on cancel or deadline; pass it to anything long-running. */
  signal: AbortSignal;
  /** Fixed for the whole run: the upper bound of an incremental window. */
  runStartedAt: Date;
  log: ConnectorLog;
}

export interface PageResult<Raw, Cur> {
  items: Raw[];
  /** The cursor to resume from after this page is committed. */
  next: Cur;
  done: boolean;
  /** Total number of items in the stream, when the platform tells. */
  total?: number;
}

export interface Stream<Cfg, Raw, Cur> {
  name: string;
  /** The hub entity its records become. */
  entity: Entity;
  /** Streams that must run first (customers and products before orders). */
  dependsOn?: string[];
  /** Flat JSON cursor, validated when loaded from a checkpoint. */
  cursor: z.ZodType<Cur>;
  fetchPage(ctx: Ctx<Cfg>, cursor: Cur | null, mode: SyncMode): Promise<PageResult<Raw, Cur>>;
  /** Pure mapping; invalid input becomes an InvalidRecord, never a throw. */
  toRecords(raw: Raw): (CanonicalRecord | InvalidRecord)[];
  /** Re-reads one record by id; lets dead letters be retried against the source. */
  fetchRecord?(ctx: Ctx<Cfg>, externalId: string): Promise<Raw | null>;
  /**
   * Re-reads a parent with all its records (e.g. a catalog product with its variants) as one raw
   * item of this stream; null when it is gone. Lets an event that only names parents
   * (WebhookEvent.refetchGroups) be applied without a full pass.
   */
  fetchGroup?(ctx: Ctx<Cfg>, groupId: string): Promise<Raw | null>;
}

export interface RawRequest {
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
  query: Record<string, string | undefined>;
}

export interface WebhookEvent {
  stream: string;
  externalId: string;
  op: 'upsert' | 'delete';
  eventId: string;
  occurredAt: string | null;
  payload?: unknown;
  /**
   * A hint without data (e.g. Printful's catalog_price_changed names products, not prices): the
   * stream's stored data is out of date, so the next DB-first read refreshes it.
   */
  marksStale?: boolean;
  /**
   * Parents the event names without their data (e.g. the products whose prices changed): they are
   * re-read through the stream's fetchGroup and applied. Only when that cannot be done does
   * `marksStale` take effect.
   */
  refetchGroups?: string[];
}

/** A product group (the platform's parent product) with its SKUs, as the hub wants it on the platform. */
export interface ProductPush {
  /** The platform's parent product id when it is already linked; null creates it. */
  parentExternalId: string | null;
  title: string;
  description?: string | null;
  vendor?: string | null;
  productType?: string | null;
  tags?: string[] | null;
  isActive?: boolean | null;
  skus: {
    /** The platform's id of this SKU when linked; null creates it. */
    externalId: string | null;
    sku: string;
    /** What tells the SKUs of one product apart (e.g. "Small"). */
    variantName: string;
    price?: string | null;
    compareAtPrice?: string | null;
    gtin?: string | null;
    taxable?: boolean | null;
  }[];
}

export interface ProductPushResult {
  parentExternalId: string;
  skus: { sku: string | null; externalId: string; platformIds: Record<string, string> }[];
}

export interface StockPush {
  /** The platform's id of the SKU. */
  productExternalId: string;
  locationId: string;
  available: number;
  /** The same key with the same values is applied once, however often the push is retried. */
  idempotencyKey: string;
  /** Ids kept on the link from earlier pushes (e.g. Shopify's inventory item id). */
  platformIds?: Record<string, string>;
}

export interface PushOps<Cfg> {
  upsertProduct?(ctx: Ctx<Cfg>, input: ProductPush): Promise<ProductPushResult>;
  setStock?(ctx: Ctx<Cfg>, input: StockPush): Promise<void>;
}

export interface Connector<Cfg> {
  platform: Platform;
  /** Settings and credentials merged, validated. */
  config: z.ZodType<Cfg>;
  baseUrl(cfg: Cfg): string;
  defaultHeaders?(cfg: Cfg): Record<string, string>;
  rateLimit(cfg: Cfg): RateLimitModel;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  streams: Stream<Cfg, any, any>[];
  /** Writes to the platform (used by the bi-directional sync). */
  push?: PushOps<Cfg>;
  webhooks?: {
    /**
     * Signature check on the raw body; must fail closed (no secret => false) and be timing-safe.
     * `credentials` serve platforms with more than one secret (Printful: v2 signing key and v1 URL token).
     */
    verify(req: RawRequest, secret: string | null, credentials?: Record<string, unknown>): boolean;
    parse(req: RawRequest): WebhookEvent[];
    /**
     * Records an upsert event carries (empty when the payload is only a hint). `lookup` resolves ids the
     * payload gives in another form than the pull does (Shopify stock events name the inventory item).
     */
    toRecords?(event: WebhookEvent, lookup: WebhookLookup): (CanonicalRecord | InvalidRecord)[] | Promise<(CanonicalRecord | InvalidRecord)[]>;
    /** Which secret signs deliveries, when not the connection's own webhook secret (e.g. Shopify's app secret). */
    secretFrom?(credentials: Record<string, unknown>): string | null;
    /** Subscribes the platform's deliveries to `callbackUrl` (idempotent). */
    register?(ctx: Ctx<Cfg>, callbackUrl: string): Promise<{ created: number; existing: number }>;
  };
  /** A kind for responses the status code alone misclassifies (e.g. Shopify THROTTLED inside a 200). */
  classify?(res: HttpResponse): ErrorKind | undefined;
  /** What the response says about the rate limit (headers, GraphQL cost extensions). */
  observeRateLimit?(res: HttpResponse, req: HttpRequest): RateLimitObservation | undefined;
}
