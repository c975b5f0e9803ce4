// Request coalescing: concurrent calls with the same key share one execution of the work and get its
// result. Nothing is kept once the work settles, so a later call always sees fresh data — this saves
// the database from N identical queries under a burst, it is not a cache.
export class InFlight<V> {
  private readonly running = new Map<string, Promise<V>>();

  /**
   * `gather`: start the work only after the current turn of the event loop (setImmediate), so that
   * requests read from the network in the same turn join it. Without it, work that never waits on
   * I/O (the embedded database runs in this process) would finish before the next request is even
   * read, and nothing would ever be shared.
   */
  constructor(private readonly opts: { gather?: boolean } = {}) {}

  run(key: string, work: () => Promise<V>): Promise<V> {
    const shared = this.running.get(key);
    if (shared) return shared;
    const begin = this.opts.gather ? new Promise<void>((r) => setImmediate(r)).then(work) : work();
    const started = begin.finally(() => this.running.delete(key));
    this.running.set(key, started);
    return started;
  }

  /** Calls in progress (for tests and metrics). */
  get size(): number {
    return this.running.size;
  }
}
