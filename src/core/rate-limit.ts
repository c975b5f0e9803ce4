// Rate-limit models, one per platform shape (DESIGN.md 5.4). They are pure: time comes in as `now` (ms) and
// nothing sleeps here; the async Limiter in connectors/limiter.ts asks a model how long to wait and does the
// waiting. Models pace ahead of time from their own bookkeeping and converge on what the platform reports,
// because the platform's headers are the truth and a 429 is a failure of pacing, not part of it.
//
// Unless a model says otherwise it counts requests and ignores `cost`; only CostBucket spends `cost`.
import { SyncError } from './errors.js';
import { PauseState, cancelOn, latest, prefixed, requirePositive } from './rate-limit-model.js';
import type { RateLimitModel, RateLimitObservation, RateLimitRequest, SharedBuckets } from './rate-limit-model.js';

export type { RateLimitModel, RateLimitObservation, RateLimitRequest } from './rate-limit-model.js';
export type { SharedAdjust, SharedBucketSpec, SharedBuckets, SharedTake } from './rate-limit-model.js';
export { CostBucket, LeakyBucket, TokenBucket, WindowLimit } from './rate-limit-buckets.js';
export type { CostBucketOptions, LeakyBucketOptions, TokenBucketOptions, WindowLimitOptions } from './rate-limit-buckets.js';

export interface RouteGroupsOptions {
  /** One model per group, e.g. eMAG `{ orders: TokenBucket(12/s), other: TokenBucket(3/s) }`. */
  groups: Record<string, RateLimitModel>;
  /** The group a route belongs to; must name a key of `groups`. */
  routeToGroup: (route?: string) => string;
}

/** Independent limits per group of routes; a request only spends from its own group's model. */
export class RouteGroups implements RateLimitModel {
  private readonly groups: Record<string, RateLimitModel>;
  private readonly routeToGroup: (route?: string) => string;

  constructor(opts: RouteGroupsOptions) {
    if (Object.keys(opts.groups).length === 0) throw new SyncError('config_invalid', 'RouteGroups: no groups given');
    this.groups = opts.groups;
    this.routeToGroup = opts.routeToGroup;
  }

  private group(route: string | undefined): RateLimitModel {
    const name = this.routeToGroup(route);
    const model = Object.hasOwn(this.groups, name) ? this.groups[name] : undefined;
    if (model === undefined) throw new SyncError('config_invalid', `RouteGroups: route "${route ?? ''}" maps to unknown group "${name}"`);
    return model;
  }

  reserve(now: number, req: RateLimitRequest): number {
    return this.group(req.route).reserve(now, req);
  }

  release(now: number, req: RateLimitRequest): void {
    this.group(req.route).release(now, req);
  }

  cancel(now: number, req: RateLimitRequest): void {
    cancelOn(this.group(req.route), now, req);
  }

  observe(now: number, obs: RateLimitObservation): void {
    this.group(obs.route).observe(now, obs);
  }

  /** With a route, pauses that route's group only; without one, every group. */
  pause(untilMs: number, route?: string): void {
    if (route !== undefined) this.group(route).pause(untilMs, route);
    else for (const model of Object.values(this.groups)) model.pause(untilMs);
  }

  /** With a route, that route's group's pause; without one, the latest pause of any group. */
  pausedUntil(now: number, route?: string): number | null {
    if (route !== undefined) return this.group(route).pausedUntil(now, route);
    return latest(Object.values(this.groups).map((m) => m.pausedUntil(now)));
  }

  /** Each group's buckets under the group's name (eMAG: `orders/token`, `other/token`), kept apart as here. */
  sharedBuckets(): SharedBuckets {
    const groups = new Map<string, SharedBuckets>();
    for (const [name, model] of Object.entries(this.groups)) {
      const shared = model.sharedBuckets?.();
      if (shared) groups.set(name, prefixed(name, shared));
    }
    const of = (route: string | undefined) => groups.get(this.routeToGroup(route));
    const all = [...groups.values()];
    return {
      buckets: all.flatMap((g) => g.buckets),
      take: (req) => of(req.route)?.take(req) ?? [],
      adjust: (now, obs) => of(obs.route)?.adjust(now, obs) ?? [],
      paused: (route) => (route !== undefined ? (of(route)?.paused(route) ?? []) : all.flatMap((g) => g.paused())),
    };
  }
}

export interface ConcurrencyCapOptions {
  /** Requests in flight at once (WooCommerce: 1-2 per store is a safe default). */
  max: number;
}

/** Caps requests in flight (WooCommerce, which documents no limit). reserve() returns Infinity when full:
 * the caller waits for a release, not for time.
 *
 * It has no shared buckets and stays in each process: N processes on one store may have N x max requests in
 * flight. Sharing a cap needs a lease per request that a crashed holder's expiry gives back, which a platform
 * that documents no limit does not warrant; pacing by time is what the shared buckets are for. */
export class ConcurrencyCap implements RateLimitModel {
  private readonly max: number;
  private inFlight = 0;
  private readonly paused = new PauseState();

  constructor(opts: ConcurrencyCapOptions) {
    const max = requirePositive('ConcurrencyCap', 'max', opts.max);
    if (!Number.isInteger(max)) throw new SyncError('config_invalid', `ConcurrencyCap: max must be an integer, got ${max}`);
    this.max = max;
  }

  reserve(now: number, _req: RateLimitRequest): number {
    const paused = this.paused.waitAt(now);
    if (paused > 0) return paused;
    if (this.inFlight >= this.max) return Infinity;
    this.inFlight += 1;
    return 0;
  }

  release(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
  }

  cancel(): void {
    this.release();
  }

  observe(): void {}

  pause(untilMs: number): void {
    this.paused.extend(untilMs);
  }

  pausedUntil(now: number): number | null {
    return this.paused.endAt(now);
  }
}

/** Every model must admit (e.g. a token bucket plus a concurrency cap). When one refuses, what the others took
 * is given back and its wait is returned. */
export class Combined implements RateLimitModel {
  private readonly models: readonly RateLimitModel[];

  constructor(models: readonly RateLimitModel[]) {
    if (models.length === 0) throw new SyncError('config_invalid', 'Combined: no models given');
    this.models = models;
  }

  reserve(now: number, req: RateLimitRequest): number {
    for (let i = 0; i < this.models.length; i++) {
      const wait = this.models[i]!.reserve(now, req);
      if (wait > 0) {
        for (let j = i - 1; j >= 0; j--) cancelOn(this.models[j]!, now, req);
        return wait;
      }
    }
    return 0;
  }

  release(now: number, req: RateLimitRequest): void {
    for (const model of this.models) model.release(now, req);
  }

  cancel(now: number, req: RateLimitRequest): void {
    for (const model of this.models) cancelOn(model, now, req);
  }

  observe(now: number, obs: RateLimitObservation): void {
    for (const model of this.models) model.observe(now, obs);
  }

  pause(untilMs: number, route?: string): void {
    for (const model of this.models) model.pause(untilMs, route);
  }

  pausedUntil(now: number, route?: string): number | null {
    return latest(this.models.map((m) => m.pausedUntil(now, route)));
  }

  /** The shared buckets of every member that has some, each under its position; the others stay in process. */
  sharedBuckets(): SharedBuckets {
    const parts = this.models.flatMap((m, i) => {
      const shared = m.sharedBuckets?.();
      return shared ? [prefixed(String(i), shared)] : [];
    });
    return {
      buckets: parts.flatMap((p) => p.buckets),
      take: (req) => parts.flatMap((p) => p.take(req)),
      adjust: (now, obs) => parts.flatMap((p) => p.adjust(now, obs)),
      paused: (route) => parts.flatMap((p) => p.paused(route)),
    };
  }
}
