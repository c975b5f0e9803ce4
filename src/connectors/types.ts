// The connector contract (DESIGN.md section 2): the engine owns the loop; a connector only
// describes the platform — its config, rate-limit model, streams (paged reads + pure mapping),
// optional writes and webhooks.
import type { Readable } from 'node:stream';
import type { z } from 'zod';
import type { ErrorKind } from '../core/errors.js';
import type { RateLimitModel, RateLimitObservation } from '../core/rate-limit.js';
import type { CanonicalRecord, Entity, InvalidRecord, Platform, ProductField } from '../core/records.js';

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
  /**
   * false: a failure whose outcome is unknown (timeout, network error, 5xx) is not retried by the client,
   * because the platform may have acted on it and the request is not idempotent (a create without an
   * idempotency key): the caller looks up what happened before it tries again. Throttles (429) and the
   * one retry after a refreshed token are still made: the platform refused those before acting.
   */
  retry?: false;
  /** Sent form-urlencoded instead of `body` (an OAuth token endpoint). */
  form?: Record<string, string>;
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

/** A download streamed to its consumer instead of parsed (a bulk export of millions of lines). */
export interface DownloadRequest {
  /** Path relative to the client's base URL, or an absolute URL (a signed storage URL). */
  path: string;
  query?: HttpRequest['query'];
  headers?: Record<string, string>;
  /**
   * Whether the platform counts this request against the connection's rate limit (default true). A URL
   * the platform does not count (Shopify's signed result URLs are served by cloud storage, outside the
   * Admin API's bucket) passes the limiter by; it still goes through the client for the outbound
   * policy, the timeouts, the classification and the retries.
   */
  rateLimited?: boolean;
  /** Rate-limit route group, as for `request`. */
  route?: string;
  /**
   * The URL carries its own authorisation (a signed storage URL): the connection's default headers (its
   * credentials) are not sent to it, and 400/401/403/404/410 mean that the URL expired or its file is gone —
   * `upstream_transient` with `details.urlExpired`, not retried with the same URL (the caller asks the
   * platform for a new one) and never taken as the connection's credentials being refused.
   */
  presigned?: boolean;
  /** Until the response headers arrive (default: the client's per-request timeout). */
  timeoutMs?: number;
  /** Longest silence between two chunks of the body (default: the client's per-request timeout). */
  idleTimeoutMs?: number;
  /**
   * Consumes the body (e.g. pipes it to a file). Called again, from the first byte, when a transient
   * failure makes the client retry: it must start over (truncate what it wrote), not append.
   */
  into(body: Readable, signal: AbortSignal): Promise<void>;
}

export interface DownloadResult {
  status: number;
  headers: Headers;
  /** Bytes handed to `into` by the attempt that succeeded. */
  bytes: number;
}

/** The HTTP client handed to a connector: limiter, timeout, classification and retries built in. */
export interface HttpClient {
  request<T = unknown>(req: HttpRequest): Promise<HttpResponse<T>>;
  download(req: DownloadRequest): Promise<DownloadResult>;
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

/**
 * A write to the platform that a page asks for (e.g. eMAG's acknowledgement of a new order). fetchPage
 * never makes it itself: the engine stores it in the same transaction as the page's records and
 * checkpoint, and performs it after the commit through the stream's `writes[kind]`, so it only concerns
 * records the hub holds and its failure cannot fail or repeat the read. Performed at least once; a
 * (kind, key) is stored once per connection, so a page read again does not ask for it twice.
 */
export interface PullWrite {
  /** Names the handler in Stream.writes, e.g. 'emag.acknowledge'. */
  kind: string;
  /** Idempotency key within the connection and kind, e.g. the order id. */
  key: string;
  /** JSON handed to the handler. */
  payload: unknown;
}

export interface PageResult<Raw, Cur> {
  items: Raw[];
  /** The cursor to resume from after this page is committed. */
  next: Cur;
  done: boolean;
  /** Total number of items in the stream, when the platform tells. */
  total?: number;
  /** Platform writes to perform once this page is committed (see PullWrite). */
  writes?: PullWrite[];
  /** Nested lists the items still need (see ChildRead); read to completion before the page is mapped and committed. */
  children?: ChildRead[];
  /**
   * The platform is still preparing what comes next (a Shopify bulk operation running): the page has no
   * items, its cursor is committed as the checkpoint, and the engine asks again with `next` after `ms`,
   * waiting on the run's signal so that the deadline or a cancel ends the wait at once. The loop guard
   * applies to waits like to any page, so `next` must differ from poll to poll (count the polls in it):
   * a connector that keeps answering the same cursor is looping, not waiting.
   */
  wait?: { ms: number; reason: string };
}

/**
 * One part of a pass that the platform makes a stream read on its own: eMAG filters orders by a date
 * pair spanning one month at most, so a window of several months is read as one slice per month. `key`
 * names it in progress, checkpoints and errors; the other fields are the connector's (JSON).
 */
export interface Slice {
  key: string;
  [field: string]: unknown;
}

/** The slice a page is asked for, and where it stands among the pass's slices. */
export interface SliceAt {
  slice: Slice;
  /** 0-based. */
  index: number;
  count: number;
}

/**
 * Declares that a stream's pass is read slice by slice. The engine asks for the slices once, when the
 * pass starts, keeps the list in the checkpoint (a resumed run reads the same slices), and pages each
 * slice in turn through fetchPage with the same loop guard, deadline, cancellation, checkpoint per page
 * and limiter as any page. A page's `done` then means "this slice is read"; the pass ends with the last
 * slice's last page. Accounts are not slices: each account (eMAG main, FBE) is a connection of its own,
 * with its own credentials, limits and runs.
 */
export interface SliceSource<Cfg, Cur> {
  /** The slices of the pass that starts from `cursor`, in reading order; at least one. */
  plan(ctx: Ctx<Cfg>, cursor: Cur | null, mode: SyncMode): Slice[];
}

/** Where a child read goes on: the platform's cursor, or a page number. */
export type ChildCursor = string | number;

/** One page of a child read. */
export interface ChildPage<N = unknown> {
  nodes: N[];
  /** The cursor of the page after this one; null only when `done`. */
  next: ChildCursor | null;
  done: boolean;
  /** Child reads these nodes need in turn (a variant's inventory levels beyond their first page). */
  children?: ChildRead[];
}

/**
 * A nested list of a page's item that did not fit on the page (a product's variants beyond the first
 * 20, an order's lines beyond the first 10). The connector declares it; the engine reads it page by
 * page (engine/child-pages.ts) under the run's loop guard, signal, limiter and progress, before the
 * page is mapped and committed. `fetch` goes through `ctx.http` like every request.
 */
export interface ChildRead<Cfg = unknown, N = unknown> {
  /** What is read, for progress and error messages: "line items of gid://shopify/Order/1". */
  what: string;
  /** The cursor after the nodes the item already holds; null when the platform said more followed but gave none. */
  after: ChildCursor | null;
  /** The page after `after`; null when the parent is gone meanwhile (what was read is kept, the next pull sees the deletion). */
  fetch(ctx: Ctx<Cfg>, after: ChildCursor): Promise<ChildPage<N> | null>;
  /** Puts a page's nodes where they belong in the parent item; called once per page, in order. */
  attach(nodes: N[]): void;
}

/** One parent re-read whole by fetchGroup, with the nested lists it still needs (read by the engine). */
export interface GroupRead<Raw> {
  item: Raw;
  children?: ChildRead[];
}

/**
 * Performs one PullWrite of its kind with the write's payload. A thrown SyncError decides what follows:
 * a retryable kind (transient, rate_limited) is retried with backoff up to a bound; anything else (e.g.
 * upstream_rejected: the platform refused) records the write as failed with the reason.
 */
export type PullWriteHandler<Cfg> = (ctx: Ctx<Cfg>, payload: unknown) => Promise<void>;

export interface Stream<Cfg, Raw, Cur> {
  name: string;
  /** The hub entity its records become. */
  entity: Entity;
  /** Streams that must run first (customers and products before orders). */
  dependsOn?: string[];
  /** Flat JSON cursor, validated when loaded from a checkpoint. */
  cursor: z.ZodType<Cur>;
  /** Declared when the platform makes a pass be read in slices (see SliceSource). */
  slices?: SliceSource<Cfg, Cur>;
  /** One page; for a sliced stream, a page of `slice` (its `done` ends the slice, not the pass). */
  fetchPage(ctx: Ctx<Cfg>, cursor: Cur | null, mode: SyncMode, slice?: SliceAt): Promise<PageResult<Raw, Cur>>;
  /** Pure mapping; invalid input becomes an InvalidRecord, never a throw. */
  toRecords(raw: Raw): (CanonicalRecord | InvalidRecord)[];
  /** Re-reads one record by id; lets dead letters be retried against the source. */
  fetchRecord?(ctx: Ctx<Cfg>, externalId: string): Promise<Raw | null>;
  /**
   * Re-reads a parent with all its records (e.g. a catalog product with its variants) as one raw
   * item of this stream; null when it is gone. Lets an event that only names parents
   * (WebhookEvent.refetchGroups) be applied without a full pass.
   */
  fetchGroup?(ctx: Ctx<Cfg>, groupId: string): Promise<GroupRead<Raw> | null>;
  /** How each kind of PullWrite this stream's pages ask for is performed, by kind. */
  writes?: Record<string, PullWriteHandler<Cfg>>;
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

/**
 * Where the connection's deliveries go. Workers need not know the server's public URL, so the receiver
 * path (`/webhooks/<platform>/<connection id>`) is what identifies a subscription as the connection's;
 * `callbackUrl` narrows it to one address when it is known.
 */
export interface WebhookTarget {
  path: string;
  callbackUrl?: string;
}

/**
 * One webhook subscription of the connection. `state` is what the engine acts on: `disabled` = the
 * platform stopped deliveries by itself (repairable), `paused` = someone at the store turned it off
 * (reported, left alone), `active` = delivering.
 */
export interface WebhookSubscription {
  id: string;
  topic: string;
  state: 'active' | 'paused' | 'disabled';
  /** The platform's own word for the status (e.g. WooCommerce `disabled`). */
  platformStatus: string;
  /**
   * The stream whose records the topic's deliveries carry, so that a catch-up pull reads only what was
   * missed; null when the topic carries nothing the connector syncs (e.g. coupons); absent: unknown.
   */
  stream?: string | null;
}

export interface WebhookHealthReport {
  /** Every subscription of the connection, as found before any repair. */
  subscriptions: WebhookSubscription[];
  /** Subscriptions found `disabled` and re-enabled. */
  repaired: WebhookSubscription[];
  /** Subscriptions found `disabled` that could not be re-enabled, with why (a SyncError where the platform said). */
  failed: { subscription: WebhookSubscription; error: Error }[];
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
    /** Ops fields (core/records.ts OPS_FIELDS) for a platform that holds them (JTL-FFN). */
    ops?: {
      dimensions?: { length: number; width: number; height: number; unit: 'mm' | 'cm' | 'm' | 'in' } | null;
      weight?: { value: number; unit: 'g' | 'kg' | 'lb' | 'oz' } | null;
      customsCode?: string | null;
      countryOfOrigin?: string | null;
      manufacturer?: string | null;
    };
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
  /**
   * The canonical fields upsertProduct writes and the stream's mapping reads back. The push hash stored
   * on each link (core/push-hash.ts) covers exactly these, so a record read back after a push hashes
   * equal (echo suppression); a field outside it would make every echo look like a change.
   */
  productFields?: readonly ProductField[];
  setStock?(ctx: Ctx<Cfg>, input: StockPush): Promise<void>;
  /** The location a stock push sets when the platform reports none for the SKU (a store with one location). */
  defaultStockLocationId?: string;
}

/** What a token endpoint answered to a refresh. */
export interface TokenGrant {
  accessToken: string;
  /** The new refresh token: the one sent is spent (JTL-FFN rotates them). */
  refreshToken: string;
  expiresInSec: number;
}

/**
 * OAuth access tokens that expire and refresh tokens that rotate (JTL-FFN). The connector only describes
 * the token endpoint; the engine keeps the tokens (engine/oauth-tokens.ts): stored encrypted in the
 * connection's credentials (`refreshToken`, `accessToken`, `accessTokenExpiresAt`), refreshed
 * single-flight across processes, the new refresh token stored before the access token is used, and one
 * refresh and retry on a 401.
 */
export interface OAuthRefresh<Cfg> {
  /** The token endpoint's absolute URL (it may be on another host than the API). */
  tokenUrl(cfg: Cfg): string;
  /** The refresh request (form body and client authentication), relative to tokenUrl. */
  refreshRequest(cfg: Cfg, refreshToken: string): HttpRequest;
  /** The grant in the endpoint's answer; throws upstream_invalid_response when it is not one. */
  parseGrant(body: unknown): TokenGrant;
  /** The headers that carry an access token. */
  headers(accessToken: string): Record<string, string>;
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
  /** Expiring OAuth tokens the engine refreshes (see OAuthRefresh); absent: defaultHeaders authenticate. */
  oauth?: OAuthRefresh<Cfg>;

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
    /**
     * Lists the connection's subscriptions as the platform holds them and re-enables those the platform
     * itself turned off (WooCommerce disables a webhook after consecutive failed deliveries). Only
     * subscriptions addressed to `target` are the connection's: a store may carry other integrations'
     * webhooks, which are neither reported nor touched. A failure to list throws (the engine records
     * it); a failure to re-enable one subscription is reported in `failed`.
     */
    health?(ctx: Ctx<Cfg>, target: WebhookTarget): Promise<WebhookHealthReport>;
  };
  /** A kind for responses the status code alone misclassifies (e.g. Shopify THROTTLED inside a 200). */
  classify?(res: HttpResponse): ErrorKind | undefined;
  /** What the response says about the rate limit (headers, GraphQL cost extensions). */
  observeRateLimit?(res: HttpResponse, req: HttpRequest): RateLimitObservation | undefined;
}
