// Request coalescing: concurrent calls with the same key share one execution of the work and get its
// result. Nothing is kept once the work settles, so a later call always sees fresh data — this saves
// the database from N identical queries under a burst, it is not a cache.

export interface InFlightOptions {
  /**
   * Start the work only after the current turn of the event loop (setImmediate), so that requests
   * read from the network in the same turn join it; and when some did, go on gathering until a turn
   * passes in which none joined, or `gatherMaxMs` after the first call. Without it, work that never
   * waits on I/O (the embedded database runs in this process) would finish before the next request
   * is even read, and nothing would ever be shared; with one turn only, a burst split into a group
   * per turn. A lone call waits one turn, as before: while a sync runs in the same process a turn
   * can take a page write's time, and a lone read should not wait two.
   */
  gather?: boolean;
  /** The longest a call waits for others to join (default 5 ms). */
  gatherMaxMs?: number;
}

interface Flight<V> {
  promise: Promise<V>;
  calls: number;
}

export class InFlight<V> {
  private readonly running = new Map<string, Flight<V>>();

  constructor(private readonly opts: InFlightOptions = {}) {}

  run(key: string, work: () => Promise<V>): Promise<V> {
    const shared = this.running.get(key);
    if (shared) {
      shared.calls++;
      return shared.promise;
    }
    const flight: Flight<V> = { promise: undefined as unknown as Promise<V>, calls: 1 };
    const begin = this.opts.gather ? this.quiet(flight).then(work) : work();
    flight.promise = begin.finally(() => this.running.delete(key));
    this.running.set(key, flight);
    return flight.promise;
  }

  /** Resolves after the first turn of the event loop in which no call joined `flight` (or at the cap). */
  private quiet(flight: Flight<V>): Promise<void> {
    const deadline = performance.now() + (this.opts.gatherMaxMs ?? 5);
    return new Promise((resolve) => {
      let seen = 1;
      const check = () => {
        if (flight.calls === seen || performance.now() >= deadline) return resolve();
        seen = flight.calls;
        setImmediate(check);
      };
      setImmediate(check);
    });
  }

  /** Calls in progress (for tests and metrics). */
  get size(): number {
    return this.running.size;
  }
}
