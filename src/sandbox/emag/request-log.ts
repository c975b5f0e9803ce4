// What clients asked of the sandbox (GET /_sandbox/requests) and per-account statistics (GET /_sandbox/stats):
// requests and 429s per route group, and the most requests one account had in flight at once — the figure
// that shows whether a client really paces or only survives.
import { BoundedLog } from '../common/bounded-log.js';
import type { RouteGroup } from './limits.js';

export interface RequestLogEntry {
  /** Epoch ms the request arrived. */
  at: number;
  account: string | null;
  method: string;
  path: string;
  /** `order/read`, `offer_stock`, ... */
  route: string;
  group: RouteGroup;
  status: number;
  throttled: boolean;
  fault: string | null;
  /** currentPage of read actions. */
  page: number | null;
}

export interface AccountStats {
  requests: number;
  throttled: number;
  byGroup: Record<RouteGroup, { requests: number; throttled: number }>;
  inFlight: number;
  maxConcurrency: number;
}

const emptyAccount = (): AccountStats => ({
  requests: 0,
  throttled: 0,
  byGroup: { orders: { requests: 0, throttled: 0 }, other: { requests: 0, throttled: 0 } },
  inFlight: 0,
  maxConcurrency: 0,
});

export class RequestLog {
  private readonly log = new BoundedLog<RequestLogEntry>(50_000);
  private accounts = new Map<string, AccountStats>();

  account(name: string): AccountStats {
    let s = this.accounts.get(name);
    if (!s) {
      s = emptyAccount();
      this.accounts.set(name, s);
    }
    return s;
  }

  /** A request of `account` started; the returned function ends it (idempotent). */
  begin(account: string): () => void {
    const s = this.account(account);
    s.inFlight += 1;
    s.maxConcurrency = Math.max(s.maxConcurrency, s.inFlight);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      s.inFlight -= 1;
    };
  }

  add(entry: RequestLogEntry): void {
    this.log.add(entry);
    if (entry.account === null) return;
    const s = this.account(entry.account);
    s.requests += 1;
    s.byGroup[entry.group].requests += 1;
    if (entry.throttled) {
      s.throttled += 1;
      s.byGroup[entry.group].throttled += 1;
    }
  }

  list(limit?: number): RequestLogEntry[] {
    return this.log.list(limit);
  }

  stats(): Record<string, AccountStats> {
    return Object.fromEntries([...this.accounts].map(([name, s]) => [name, structuredClone(s)]));
  }

  clear(): void {
    this.log.clear();
    // Requests in flight keep their counters; only the totals start over.
    for (const s of this.accounts.values()) Object.assign(s, { ...emptyAccount(), inFlight: s.inFlight });
  }
}
