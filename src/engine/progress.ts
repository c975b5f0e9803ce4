// Live progress of a run. Page commits write progress in their own transaction; changes between
// commits (rate-limit waits, retries) go through this writer, which coalesces them into at most one
// UPDATE per interval so a storm of 429s cannot turn into a storm of writes.
import type { Db } from '../store/db.js';
import { type RunCounts, type RunProgress, updateProgress } from './runs.js';

export class ProgressWriter {
  #pending: RunProgress | null = null;
  #timer: NodeJS.Timeout | null = null;
  #inFlight: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly tenantId: string,
    private readonly runId: string,
    private readonly owner: string,
    private readonly intervalMs = 500,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  /** Schedules a write of `progress` (the latest value wins). */
  update(progress: RunProgress): void {
    this.#pending = { ...progress };
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.flush();
    }, this.intervalMs);
    this.#timer.unref();
  }

  async flush(counts?: RunCounts): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    const p = this.#pending;
    this.#pending = null;
    if (!p && !counts) return this.#inFlight;
    this.#inFlight = this.#inFlight.then(async () => {
      try {
        if (p) await this.db.withTenant(this.tenantId, (tx) => updateProgress(tx, this.runId, this.owner, p, counts));
      } catch (err) {
        this.onError(err);
      }
    });
    return this.#inFlight;
  }

  /** Drops pending writes (the page commit or the final state supersedes them). */
  cancel(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#pending = null;
  }
}
