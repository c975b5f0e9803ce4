// Request coalescing: concurrent calls with the same key share one execution of the work and get its
// result. Nothing is kept once the work settles, so a later call always sees fresh data — this saves
// the database from N identical queries under a burst, it is not a cache.
export class InFlight<V> {
  private readonly running = new Map<string, Promise<V>>();

  run(key: string, work: () => Promise<V>): Promise<V> {
    const shared = this.running.get(key);
    if (shared) return shared;
    const started = work().finally(() => this.running.delete(key));
    this.running.set(key, started);
    return started;
  }

  /** Calls in progress (for tests and metrics). */
  get size(): number {
    return this.running.size;
  }
}
