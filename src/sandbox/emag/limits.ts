// Per-account rate limits (platforms/emag.md section 4): order routes and "everything else" each spend
// from a per-second and a per-minute bucket; a request needs a token from both. Refill is continuous and
// compressed by the time scale, so a scaled sandbox keeps the limits' shape.
import { LeakyBucket } from '../common/bucket.js';
import type { SandboxClock } from '../common/clock.js';
import type { GroupLimit, RateLimits } from './options.js';

export type RouteGroup = 'orders' | 'other';

class GroupBuckets {
  readonly second: LeakyBucket;
  readonly minute: LeakyBucket;

  constructor(readonly limit: GroupLimit, clock: SandboxClock) {
    // Below 1 req/s (the v4.4.5 profile) the bucket still holds one request, restoring at the slower rate.
    this.second = new LeakyBucket({ maximumAvailable: Math.max(1, limit.perSecond), restoreRate: limit.perSecond }, clock);
    this.minute = new LeakyBucket({ maximumAvailable: limit.perMinute, restoreRate: limit.perMinute / 60 }, clock);
  }

  /** Takes one request from both buckets, or nothing. */
  take(): boolean {
    if (this.second.currentlyAvailable() < 1 || this.minute.currentlyAvailable() < 1) return false;
    this.second.take(1);
    this.minute.take(1);
    return true;
  }
}

export class AccountLimits {
  private readonly groups: Record<RouteGroup, GroupBuckets>;

  constructor(limits: RateLimits, clock: SandboxClock) {
    const orders = new GroupBuckets(limits.orders, clock);
    this.groups = { orders, other: limits.shared ? orders : new GroupBuckets(limits.other, clock) };
  }

  take(group: RouteGroup): boolean {
    return this.groups[group].take();
  }

  /** eMAG's headers keep the name of the 3-second era; the sandbox reports its per-second bucket under it. */
  headers(group: RouteGroup): Record<string, string> {
    const g = this.groups[group];
    return {
      'X-RateLimit-Limit-3second': String(Math.max(1, Math.floor(g.limit.perSecond))),
      'X-RateLimit-Remaining-3second': String(Math.max(0, Math.floor(g.second.currentlyAvailable()))),
    };
  }

  reset(): void {
    for (const g of Object.values(this.groups)) {
      g.second.reset();
      g.minute.reset();
    }
  }
}

export function routeGroup(resource: string): RouteGroup {
  return resource === 'order' ? 'orders' : 'other';
}
