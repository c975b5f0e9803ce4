// A bounded ring of entries (request logs, webhook delivery logs): long benchmarks must not grow a
// simulator's memory without limit, and tests only ever look at the recent end.
export class BoundedLog<T> {
  private entries: T[] = [];

  constructor(private readonly capacity = 10_000) {}

  add(entry: T): void {
    this.entries.push(entry);
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
  }

  /** The last `limit` entries (all when omitted), oldest first. */
  list(limit?: number): T[] {
    return limit === undefined ? [...this.entries] : this.entries.slice(-limit);
  }

  clear(): void {
    this.entries = [];
  }
}
