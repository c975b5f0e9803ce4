// Fulfiller- and test-side operations (the control API's and the programmatic API's shared core): seeding,
// fulfiller stock adjustments and outbound progress, OAuth helpers for tests, faults, time, inspection.
// Changes made here have no application id, like the fulfiller's own, so no ignoreOwn* flag hides them.
import { FfnError } from '../errors.js';
import type { FaultConfig } from '../faults.js';
import type { TokenStats } from '../oauth-tokens.js';
import { DEFAULT_SCOPES } from '../oauth-tokens.js';
import { advanceOutbound, findOutboundOr404, type ShipSpec, shipOutbound } from '../outbounds.js';
import { createProduct, deleteProduct } from '../products.js';
import type { RequestLogEntry } from '../request-log.js';
import type { FfnRuntime } from '../runtime.js';
import { type SeedResult, type SeedSpec, seedStore } from '../seed.js';
import { notificationJson, outboundJson, productJson, stockJson } from '../shapes.js';
import { adjustStock } from '../stock.js';
import { FULFILLER } from '../store.js';

type Json = Record<string, unknown>;

export class JtlFfnControl {
  constructor(readonly runtime: FfnRuntime) {}

  /** Replaces warehouses, products, stock and outbounds deterministically (tokens are kept). */
  seed(spec: SeedSpec = {}): SeedResult {
    return seedStore(this.runtime, spec);
  }

  /** A product as if created in the portal (no application id); same validation as POST /products. */
  addProduct(input: { merchantSku: string; name: string } & Json): Json {
    return productJson(this.runtime, createProduct(this.runtime, input, FULFILLER));
  }

  deleteProduct(jfsku: string): Json {
    return productJson(this.runtime, deleteProduct(this.runtime, this.jfskuOf(jfsku), FULFILLER));
  }

  products(): Json[] {
    return [...this.runtime.store.products.values()].map((p) => productJson(this.runtime, p));
  }

  /** A fulfiller Adjustment: sets the available level (floats allowed) and records the StockChange. */
  setStock(jfskuOrMerchantSku: string, warehouseId: string, stockLevel: number): Json {
    const jfsku = this.jfskuOf(jfskuOrMerchantSku);
    adjustStock(this.runtime, jfsku, warehouseId, stockLevel, FULFILLER);
    return this.stock(jfsku);
  }

  stock(jfsku: string): Json {
    const p = this.runtime.store.products.get(this.jfskuOf(jfsku));
    if (!p) throw new FfnError(404, 'Products_ProductNotFound', `product ${jfsku} not found`);
    return stockJson(this.runtime, p);
  }

  outbounds(): Json[] {
    return [...this.runtime.store.outbounds.values()].map((o) => outboundJson(this.runtime, o));
  }

  /** Outbounds created with a merchantOutboundNumber another outbound already had. */
  outboundNumberDuplicates(): number {
    return this.runtime.store.outboundNumberDuplicates;
  }

  advanceOutbound(outboundId: string, status: string): Json {
    return outboundJson(this.runtime, advanceOutbound(this.runtime, outboundId, status));
  }

  /** Ships (default: everything open) with an OutboundShippingNotification carrying the tracking. */
  shipOutbound(outboundId: string, spec: ShipSpec = {}): Json {
    return outboundJson(this.runtime, shipOutbound(this.runtime, outboundId, spec));
  }

  shippingNotifications(outboundId: string): Json[] {
    const o = findOutboundOr404(this.runtime, outboundId);
    return (this.runtime.store.notifications.get(o.outboundId) ?? []).map((n) => notificationJson(this.runtime, n));
  }

  /** A valid refresh token as if the user had completed the authorization-code grant. */
  issueRefreshToken(scopes: string[] = DEFAULT_SCOPES, opts: { clientId?: string } = {}): string {
    const clientId = opts.clientId ?? this.runtime.options.clients[0]?.clientId ?? '';
    if (!this.runtime.tokens.client(clientId)) throw new FfnError(400, 'UnknownClient', `unknown client ${clientId}`);
    return this.runtime.tokens.issueRefreshToken(clientId, scopes);
  }

  tokenStats(): TokenStats {
    return this.runtime.tokens.stats();
  }

  /** Every access token issued so far is expired from now on (refresh tokens stay valid). */
  expireAccessTokens(): void {
    this.runtime.tokens.expireAll();
  }

  setPortalLoggedIn(loggedIn: boolean): void {
    this.runtime.portalLoggedIn = loggedIn;
  }

  /** The next `n` API requests answer `status` (OAuth requests are not affected). */
  failNext(n: number, status = 503): void {
    this.wrap(() => this.runtime.faults.failNext(n, status));
  }

  setClockSkewMs(ms: number): void {
    this.setFaults({ clockSkewMs: Math.round(ms) });
  }

  faults(): FaultConfig {
    return this.runtime.faults.current;
  }

  setFaults(patch: Partial<FaultConfig>): FaultConfig {
    return this.wrap(() => this.runtime.faults.set(patch));
  }

  /** Back to the faults the sandbox was started with; pending failNext counts are dropped. */
  clearFaults(): FaultConfig {
    this.runtime.faults.clear();
    return this.runtime.faults.current;
  }

  requestLog(limit?: number): RequestLogEntry[] {
    return this.runtime.log.list(limit);
  }

  clearRequestLog(): void {
    this.runtime.log.clear();
  }

  setTimeScale(scale: number): { timeScale: number } {
    this.wrap(() => this.runtime.clock.setTimeScale(scale));
    return { timeScale: scale };
  }

  private jfskuOf(key: string): string {
    const p = this.runtime.store.findProduct(key);
    if (!p) throw new FfnError(404, 'Products_ProductNotFound', `product ${key} not found`);
    return p.jfsku;
  }

  /** Argument errors of the control API become 400s instead of 500s. */
  private wrap<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof FfnError) throw e;
      throw new FfnError(400, 'Sandbox_InvalidArgument', (e as Error).message);
    }
  }
}
