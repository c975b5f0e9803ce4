// What clients asked of the sandbox (GET /_sandbox/requests) and its counters (GET /_sandbox/stats),
// including how many full passes over the catalog clients started: a pass begins with a catalog
// listing at offset 0, which is how "one refresh = one pass" is checked from outside.
import { BoundedLog } from '../common/bounded-log.js';

export interface RequestLogEntry {
  at: string;
  method: string;
  path: string;
  api: 'v1' | 'v2';
  /** Catalog route (v1 /products*, v2 /v2/catalog-*). */
  catalog: boolean;
  status: number;
  throttled: boolean;
  fault: string | null;
}

export interface SandboxStats {
  v1: { requests: number; throttled: number };
  v2: { requests: number; throttled: number };
  productWrites: { requests: number; throttled: number; lockouts: number };
  catalog: { requests: number; passes: number };
  unauthenticated: { requests: number; throttled: number };
  faults: Record<string, number>;
}

export function emptyStats(): SandboxStats {
  return {
    v1: { requests: 0, throttled: 0 },
    v2: { requests: 0, throttled: 0 },
    productWrites: { requests: 0, throttled: 0, lockouts: 0 },
    catalog: { requests: 0, passes: 0 },
    unauthenticated: { requests: 0, throttled: 0 },
    faults: {},
  };
}

export class RequestLog extends BoundedLog<RequestLogEntry> {
  stats: SandboxStats = emptyStats();

  override clear(): void {
    super.clear();
    this.stats = emptyStats();
  }
}
