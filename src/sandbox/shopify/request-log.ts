// What clients asked of the sandbox, for tests and benchmarks to inspect (GET /_sandbox/requests) and the
// throttle statistics (GET /_sandbox/stats). The log is a bounded ring so long benchmarks do not grow it.
export interface RequestLogEntry {
  /** When the answer was sent. */
  at: string;
  /** Epoch ms the request arrived, before its cost was taken from the bucket (GraphQL): the moment rate checks
   * over the log must use, since answers take as long as their queries do. */
  receivedAt?: number;
  method: string;
  path: string;
  api: 'graphql' | 'rest' | 'oauth' | 'bulk-file';
  operationName: string | null;
  requestedCost: number | null;
  actualCost: number | null;
  throttled: boolean;
  status: number;
  fault: string | null;
}

export interface ThrottleStats {
  graphql: {
    requests: number;
    throttled: number;
    maxCostExceeded: number;
    pointsRequested: number;
    pointsSpent: number;
    pointsRefunded: number;
  };
  rest: { requests: number; throttled: number };
  faultsInjected: number;
  /** Injected request faults by kind: 5xx, 429, hang, reset, malformed, locked. */
  faults: Record<string, number>;
}

export function emptyStats(): ThrottleStats {
  return {
    graphql: { requests: 0, throttled: 0, maxCostExceeded: 0, pointsRequested: 0, pointsSpent: 0, pointsRefunded: 0 },
    rest: { requests: 0, throttled: 0 },
    faultsInjected: 0,
    faults: {},
  };
}

export class RequestLog {
  private entries: RequestLogEntry[] = [];
  stats: ThrottleStats = emptyStats();

  constructor(private readonly capacity = 10_000) {}

  add(entry: RequestLogEntry): void {
    this.entries.push(entry);
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
  }

  list(limit?: number): RequestLogEntry[] {
    return limit === undefined ? [...this.entries] : this.entries.slice(-limit);
  }

  clear(): void {
    this.entries = [];
    this.stats = emptyStats();
  }
}
